package names

import (
	"regexp"
	"strings"
)

const (
	// QualifiedNameMaxLength is the longest name part of a qualified name
	// (the part after the optional "prefix/"), in bytes.
	QualifiedNameMaxLength = 63
	// LabelValueMaxLength is the longest label value, in bytes.
	LabelValueMaxLength = 63
)

const (
	qualifiedNameCharFmt    = "[A-Za-z0-9]"
	qualifiedNameExtCharFmt = "[-A-Za-z0-9_.]"
	qualifiedNameFmt        = "(" + qualifiedNameCharFmt + qualifiedNameExtCharFmt + "*)?" + qualifiedNameCharFmt
	qualifiedNameErrMsg     = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

	labelValueFmt    = "(" + qualifiedNameFmt + ")?"
	labelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

	envVarNameFmt    = "[-._a-zA-Z][-._a-zA-Z0-9]*"
	envVarNameErrMsg = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit"

	configMapKeyFmt    = "[-._a-zA-Z0-9]+"
	configMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
)

var (
	qualifiedNameRegexp = regexp.MustCompile("^" + qualifiedNameFmt + "$")
	labelValueRegexp    = regexp.MustCompile("^" + labelValueFmt + "$")
	envVarNameRegexp    = regexp.MustCompile("^" + envVarNameFmt + "$")
	configMapKeyRegexp  = regexp.MustCompile("^" + configMapKeyFmt + "$")
)

// IsQualifiedName checks that value is what Kubernetes calls a qualified
// name, the form of label keys, annotation keys and finalizers: a name part
// of at most 63 characters of [A-Za-z0-9-_.] that starts and ends with an
// alphanumeric character, optionally preceded by a DNS-1123 subdomain prefix
// and "/" ("example.com/MyName"). Problems with each part are reported with
// "prefix part " or "name part " in front of the message.
func IsQualifiedName(value string) []string {
	var errs []string
	parts := strings.Split(value, "/")
	var name string
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		var prefix string
		prefix, name = parts[0], parts[1]
		if len(prefix) == 0 {
			errs = append(errs, "prefix part "+EmptyError())
		} else if msgs := IsDNS1123Subdomain(prefix); len(msgs) != 0 {
			errs = append(errs, prefixEach(msgs, "prefix part ")...)
		}
	default:
		return append(errs, "a qualified name "+RegexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")+
			" with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
	}
	if len(name) == 0 {
		errs = append(errs, "name part "+EmptyError())
	} else if len(name) > QualifiedNameMaxLength {
		errs = append(errs, "name part "+MaxLenError(QualifiedNameMaxLength))
	}
	if !qualifiedNameRegexp.MatchString(name) {
		errs = append(errs, "name part "+RegexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"))
	}
	return errs
}

// IsValidLabelValue checks that value is a label value: empty, or at most 63
// characters of [A-Za-z0-9-_.] that start and end with an alphanumeric
// character.
func IsValidLabelValue(value string) []string {
	var errs []string
	if len(value) > LabelValueMaxLength {
		errs = append(errs, MaxLenError(LabelValueMaxLength))
	}
	if !labelValueRegexp.MatchString(value) {
		errs = append(errs, RegexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"))
	}
	return errs
}

// IsEnvVarName checks that value is an environment variable name a container
// may be given: [-._a-zA-Z][-._a-zA-Z0-9]*, and not ".", ".." or anything
// starting with "..".
func IsEnvVarName(value string) []string {
	var errs []string
	if !envVarNameRegexp.MatchString(value) {
		errs = append(errs, RegexError(envVarNameErrMsg, envVarNameFmt, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
	}
	return append(errs, hasChDirPrefix(value)...)
}

// IsConfigMapKey checks that value is a key of a ConfigMap or Secret, which
// becomes a file name when the object is mounted: at most 253 characters of
// [-._a-zA-Z0-9], and not ".", ".." or anything starting with "..".
func IsConfigMapKey(value string) []string {
	var errs []string
	if len(value) > DNS1123SubdomainMaxLength {
		errs = append(errs, MaxLenError(DNS1123SubdomainMaxLength))
	}
	if !configMapKeyRegexp.MatchString(value) {
		errs = append(errs, RegexError(configMapKeyErrMsg, configMapKeyFmt, "key.name", "KEY_NAME", "key-name"))
	}
	return append(errs, hasChDirPrefix(value)...)
}

// hasChDirPrefix reports names that would climb out of a directory.
func hasChDirPrefix(value string) []string {
	switch {
	case value == ".":
		return []string{`must not be '.'`}
	case value == "..":
		return []string{`must not be '..'`}
	case strings.HasPrefix(value, ".."):
		return []string{`must not start with '..'`}
	}
	return nil
}
