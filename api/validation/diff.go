package validation

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// maxDiffLines bounds the changed fields listed in an error detail.
const maxDiffLines = 20

// jsonDiff describes how newObj differs from oldObj, as their JSON forms
// differ: one "- path: old" line and one "+ path: new" line per changed
// field (only one of them for a field added or removed), sorted by path,
// with path starting at prefix. It lists at most maxDiffLines fields. The
// output is deterministic, unlike a go-cmp diff, so that error messages can
// be compared in tests.
func jsonDiff(oldObj, newObj any, prefix string) string {
	a, errA := toJSONValue(oldObj)
	b, errB := toJSONValue(newObj)
	if errA != nil || errB != nil {
		return ""
	}
	var changes []change
	diffValues(prefix, a, b, &changes)
	slices.SortStableFunc(changes, func(x, y change) int { return strings.Compare(x.path, y.path) })
	var out strings.Builder
	for i, c := range changes {
		if i == maxDiffLines {
			out.WriteString("  ...\n")
			break
		}
		if c.hasOld {
			out.WriteString("- " + c.path + ": " + c.old + "\n")
		}
		if c.hasNew {
			out.WriteString("+ " + c.path + ": " + c.new + "\n")
		}
	}
	return strings.TrimSuffix(out.String(), "\n")
}

type change struct {
	path           string
	old, new       string
	hasOld, hasNew bool
}

func toJSONValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err = dec.Decode(&out)
	return out, err
}

func diffValues(path string, a, b any, out *[]change) {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			keys := map[string]bool{}
			for k := range av {
				keys[k] = true
			}
			for k := range bv {
				keys[k] = true
			}
			for _, k := range sortedKeys(keys) {
				old, hasOld := av[k]
				nw, hasNew := bv[k]
				p := path + "." + k
				if strings.ContainsAny(k, ".[]/") {
					p = path + "[" + k + "]"
				}
				switch {
				case hasOld && hasNew:
					diffValues(p, old, nw, out)
				case hasOld:
					*out = append(*out, change{path: p, old: render(old), hasOld: true})
				default:
					*out = append(*out, change{path: p, new: render(nw), hasNew: true})
				}
			}
			return
		}
	case []any:
		if bv, ok := b.([]any); ok && len(av) == len(bv) {
			for i := range av {
				diffValues(path+"["+strconv.Itoa(i)+"]", av[i], bv[i], out)
			}
			return
		}
	}
	ra, rb := render(a), render(b)
	if ra != rb {
		*out = append(*out, change{path: path, old: ra, new: rb, hasOld: a != nil, hasNew: b != nil})
	}
}

func render(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(data)
}
