// Command gen writes zz_generated.fields.go, the table of protobuf field
// numbers of the api packages' types, from the `protobuf:"..."` struct tags
// of the same-named Go types in Kubernetes' own sources (k8s.io/api and
// k8s.io/apimachinery), read from bare git mirrors.
//
// Usage (from api/protobuf, through go generate):
//
//	go run ./internal/gen -api /work/.mirror/kubernetes+api/repo \
//	    -apimachinery /work/.mirror/kubernetes+apimachinery/repo -out zz_generated.fields.go
//
// Only the facts (field numbers, wire kinds, repetition, map key and value
// kinds, cast types) are copied; the wire kinds, repetition and map kinds
// are taken from the package's generated.proto, which a few Go tags
// contradict; fields of ours with no Kubernetes
// counterpart are listed in a comment of the output and on stderr.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// pkg is one of our api packages and where its Kubernetes twin lives.
type pkg struct {
	dir    string // ours, relative to the api directory
	alias  string // import alias in the output
	mirror string // "api" or "apimachinery"
	path   string // the Kubernetes package directory inside the mirror
}

var pkgs = []pkg{
	{"meta/v1", "metav1", "apimachinery", "pkg/apis/meta/v1"},
	{"core/v1", "corev1", "api", "core/v1"},
	{"apps/v1", "appsv1", "api", "apps/v1"},
	{"autoscaling/v1", "autoscalingv1", "api", "autoscaling/v1"},
	{"autoscaling/v2", "autoscalingv2", "api", "autoscaling/v2"},
	{"coordination/v1", "coordinationv1", "api", "coordination/v1"},
	{"discovery/v1", "discoveryv1", "api", "discovery/v1"},
	{"networking/v1", "networkingv1", "api", "networking/v1"},
	{"policy/v1", "policyv1", "api", "policy/v1"},
	{"rbac/v1", "rbacv1", "api", "rbac/v1"},
	{"scheduling/v1", "schedulingv1", "api", "scheduling/v1"},
	{"storage/v1", "storagev1", "api", "storage/v1"},
}

// special types are encoded by hand-written code, not by the table.
var special = map[string]bool{
	"meta/v1.Time": true, "meta/v1.MicroTime": true, "meta/v1.Duration": true,
}

// field is one row of the output.
type field struct {
	name, wire, key, val, cast string
	num                        int
	repeated, packed, nullable bool
}

func main() {
	apiRepo := flag.String("api", "/work/.mirror/kubernetes+api/repo", "bare git mirror of k8s.io/api")
	machRepo := flag.String("apimachinery", "/work/.mirror/kubernetes+apimachinery/repo", "bare git mirror of k8s.io/apimachinery")
	rev := flag.String("rev", "HEAD", "revision of the mirrors to read")
	ours := flag.String("ours", "..", "our api directory")
	out := flag.String("out", "zz_generated.fields.go", "output file")
	flag.Parse()
	repos := map[string]string{"api": *apiRepo, "apimachinery": *machRepo}

	var body bytes.Buffer
	var missing []string
	var used []pkg
	for _, p := range pkgs {
		ourStructs, err := parseDir(filepath.Join(*ours, p.dir))
		if err != nil {
			log.Fatalf("parse %s: %v", p.dir, err)
		}
		theirs, err := parseMirror(repos[p.mirror], *rev, p.path)
		if err != nil {
			log.Fatalf("read %s:%s: %v", p.mirror, p.path, err)
		}
		proto, err := parseProto(repos[p.mirror], *rev, p.path+"/generated.proto")
		if err != nil {
			log.Fatalf("read %s:%s/generated.proto: %v", p.mirror, p.path, err)
		}
		names := make([]string, 0, len(ourStructs))
		for n := range ourStructs {
			names = append(names, n)
		}
		sort.Strings(names)
		wrote := false
		for _, name := range names {
			if special[p.dir+"."+name] {
				continue
			}
			st, ok := theirs[name]
			if !ok {
				missing = append(missing, fmt.Sprintf("%s.%s (type)", p.dir, name))
				continue
			}
			theirFields := map[string]*ast.Field{}
			for _, f := range st.Fields.List {
				theirFields[fieldName(f)] = f
			}
			var rows []field
			for _, f := range ourStructs[name].Fields.List {
				fn := fieldName(f)
				if fn == "" || !ast.IsExported(fn) || jsonName(f) == "-" {
					continue
				}
				tf, ok := theirFields[fn]
				if !ok {
					missing = append(missing, fmt.Sprintf("%s.%s.%s", p.dir, name, fn))
					continue
				}
				row, ok := parseTag(tf)
				if !ok {
					if fn != "TypeMeta" {
						missing = append(missing, fmt.Sprintf("%s.%s.%s (no protobuf tag)", p.dir, name, fn))
					}
					continue
				}
				row.name = fn
				// generated.proto is the authority on the wire: a few Go
				// tags disagree with it (PodSpec.priority is tagged
				// "bytes" but is an int32 on the wire), and map tags do not
				// name their key and value kinds.
				pf, ok := proto[name][row.num]
				if !ok {
					log.Fatalf("%s.%s: field %d is not in generated.proto", name, fn, row.num)
				}
				if w := pf.wire(); w != row.wire && !pf.isMap {
					fmt.Fprintf(os.Stderr, "note: %s.%s.%s is tagged %s, generated.proto says %s\n", p.dir, name, fn, row.wire, pf.typ)
				}
				row.wire = pf.wire()
				row.repeated = pf.repeated || pf.isMap
				if pf.isMap {
					row.key, row.val = protoWire(pf.key), protoWire(pf.val)
				}
				row.nullable = namedSlices[typeName(tf.Type)]
				rows = append(rows, row)
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].num < rows[j].num })
			fmt.Fprintf(&body, "\treflect.TypeFor[%s.%s](): {\n", p.alias, name)
			for _, r := range rows {
				fmt.Fprintf(&body, "\t\t{Name: %q, Number: %d, Wire: %s", r.name, r.num, wireConst(r.wire))
				if r.repeated {
					body.WriteString(", Repeated: true")
				}
				if r.nullable {
					body.WriteString(", Nullable: true")
				}
				if r.packed {
					body.WriteString(", Packed: true")
				}
				if r.key != "" {
					fmt.Fprintf(&body, ", MapKey: %s, MapValue: %s", wireConst(r.key), wireConst(r.val))
				}
				if r.cast != "" {
					fmt.Fprintf(&body, ", CastType: %q", r.cast)
				}
				body.WriteString("},\n")
			}
			body.WriteString("\t},\n")
			wrote = true
		}
		if wrote {
			used = append(used, p)
		}
	}

	var src bytes.Buffer
	src.WriteString("// Code generated by internal/gen from the protobuf tags of k8s.io/api and k8s.io/apimachinery. DO NOT EDIT.\n\n")
	src.WriteString("package protobuf\n\nimport (\n\t\"reflect\"\n\n")
	for _, p := range used {
		fmt.Fprintf(&src, "\t%s %q\n", p.alias, "github.com/rigging-dev/rigging/api/"+p.dir)
	}
	src.WriteString(")\n\n")
	src.WriteString("// Fields and types of ours with no Kubernetes counterpart (not encoded):\n")
	for _, m := range missing {
		fmt.Fprintf(&src, "//   - %s\n", m)
	}
	if len(missing) == 0 {
		src.WriteString("//   none.\n")
	}
	src.WriteString("\n// generatedFields maps each struct type of the api packages to its\n// protobuf fields, in field-number order.\n")
	src.WriteString("var generatedFields = map[reflect.Type][]Field{\n")
	src.Write(body.Bytes())
	src.WriteString("}\n")
	formatted, err := format.Source(src.Bytes())
	if err != nil {
		log.Fatalf("format output: %v", err)
	}
	if err := os.WriteFile(*out, formatted, 0o644); err != nil {
		log.Fatal(err)
	}
	for _, m := range missing {
		fmt.Fprintln(os.Stderr, "no Kubernetes counterpart:", m)
	}
}

func wireConst(w string) string {
	switch w {
	case "bytes":
		return "WireBytes"
	case "varint":
		return "WireVarint"
	case "fixed64":
		return "WireFixed64"
	case "fixed32":
		return "WireFixed32"
	case "zigzag32", "zigzag64":
		return "WireZigzag"
	}
	log.Fatalf("unknown wire kind %q", w)
	return ""
}

// parseTag reads a field's protobuf, protobuf_key and protobuf_val tags.
func parseTag(f *ast.Field) (field, bool) {
	if f.Tag == nil {
		return field{}, false
	}
	raw, err := strconv.Unquote(f.Tag.Value)
	if err != nil {
		return field{}, false
	}
	tag := reflect.StructTag(raw)
	pb, ok := tag.Lookup("protobuf")
	if !ok {
		return field{}, false
	}
	parts := strings.Split(pb, ",")
	if len(parts) < 3 {
		log.Fatalf("malformed protobuf tag %q", pb)
	}
	var r field
	r.wire = parts[0]
	r.num, err = strconv.Atoi(parts[1])
	if err != nil {
		log.Fatalf("malformed protobuf tag %q", pb)
	}
	r.repeated = parts[2] == "rep"
	for _, p := range parts[3:] {
		switch {
		case p == "packed":
			r.packed = true
		case strings.HasPrefix(p, "casttype="):
			r.cast = strings.TrimPrefix(p, "casttype=")
		}
	}
	if k, ok := tag.Lookup("protobuf_key"); ok {
		r.key, _, _ = strings.Cut(k, ",")
		v, _ := tag.Lookup("protobuf_val")
		r.val, _, _ = strings.Cut(v, ",")
	}
	return r, true
}

// fieldName is a struct field's Go name, also for embedded fields.
func fieldName(f *ast.Field) string {
	if len(f.Names) > 0 {
		return f.Names[0].Name
	}
	t := f.Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch t := t.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

// protoField is a field of a message in generated.proto.
type protoField struct {
	typ, key, val   string
	repeated, isMap bool
}

func (f protoField) wire() string {
	if f.isMap {
		return "bytes"
	}
	return protoWire(f.typ)
}

// protoWire is the wire kind (as Go tags name it) of a proto type.
func protoWire(typ string) string {
	switch typ {
	case "bool", "int32", "int64", "uint32", "uint64":
		return "varint"
	case "sint32", "sint64":
		return "zigzag64"
	case "double", "fixed64", "sfixed64":
		return "fixed64"
	case "float", "fixed32", "sfixed32":
		return "fixed32"
	}
	return "bytes" // string, bytes, messages
}

var (
	protoMessage = regexp.MustCompile(`^message (\w+) \{`)
	protoScalar  = regexp.MustCompile(`^\s+(optional|repeated)\s+(\S+)\s+\w+\s*=\s*(\d+)`)
	protoMap     = regexp.MustCompile(`^\s+map<\s*([^,\s]+)\s*,\s*([^>\s]+)\s*>\s+\w+\s*=\s*(\d+)`)
)

// parseProto reads the top-level messages of a generated.proto: message
// name -> field number -> field.
func parseProto(repo, rev, path string) (map[string]map[int]protoField, error) {
	src, err := exec.Command("git", "-C", repo, "show", rev+":"+path).Output()
	if err != nil {
		return nil, fmt.Errorf("git show %s: %w", path, err)
	}
	out := map[string]map[int]protoField{}
	var cur map[int]protoField
	for _, line := range strings.Split(string(src), "\n") {
		if m := protoMessage.FindStringSubmatch(line); m != nil {
			cur = map[int]protoField{}
			out[m[1]] = cur
			continue
		}
		if line == "}" {
			cur = nil
			continue
		}
		if cur == nil {
			continue
		}
		if m := protoScalar.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[3])
			cur[n] = protoField{typ: m[2], repeated: m[1] == "repeated"}
		} else if m := protoMap.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[3])
			cur[n] = protoField{key: m[1], val: m[2], isMap: true}
		}
	}
	return out, nil
}

// typeName is the name of a named type expression (T or pkg.T).
func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

func jsonName(f *ast.Field) string {
	if f.Tag == nil {
		return ""
	}
	raw, _ := strconv.Unquote(f.Tag.Value)
	n, _, _ := strings.Cut(reflect.StructTag(raw).Get("json"), ",")
	return n
}

// parseDir returns the struct types declared in the non-test Go files of
// a directory of ours.
func parseDir(dir string) (map[string]*ast.StructType, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	srcs := map[string][]byte{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(filepath.Base(f), "zz_") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		srcs[f] = b
	}
	return structs(srcs)
}

// parseMirror returns the struct types of a Kubernetes package read from a
// bare git mirror at rev.
func parseMirror(repo, rev, dir string) (map[string]*ast.StructType, error) {
	ls, err := exec.Command("git", "-C", repo, "ls-tree", "--name-only", rev, dir+"/").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-tree: %w", err)
	}
	srcs := map[string][]byte{}
	for _, f := range strings.Fields(string(ls)) {
		base := filepath.Base(f)
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") || strings.HasPrefix(base, "zz_") || strings.HasPrefix(base, "generated") {
			continue
		}
		b, err := exec.Command("git", "-C", repo, "show", rev+":"+f).Output()
		if err != nil {
			return nil, fmt.Errorf("git show %s: %w", f, err)
		}
		srcs["k8s-mirror:"+f] = b
	}
	return structs(srcs)
}

// namedSlices holds the names of the slice types (such as metav1.Verbs)
// declared in the Kubernetes packages read so far: gogo-protobuf wraps a
// field of such a type in a message {repeated items = 1}.
var namedSlices = map[string]bool{}

func structs(srcs map[string][]byte) (map[string]*ast.StructType, error) {
	fset := token.NewFileSet()
	out := map[string]*ast.StructType{}
	for name, src := range srcs {
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, sp := range g.Specs {
				ts := sp.(*ast.TypeSpec)
				if st, ok := ts.Type.(*ast.StructType); ok && ts.TypeParams == nil {
					out[ts.Name.Name] = st
				}
				if at, ok := ts.Type.(*ast.ArrayType); ok && at.Len == nil && strings.Contains(name, "k8s-mirror:") {
					namedSlices[ts.Name.Name] = true
				}
			}
		}
	}
	return out, nil
}
