// Command jsongen writes, for each api package given, a file
// zz_generated.json.go with a reflection-free JSON encoder and decoder for
// every exported struct type the package declares:
//
//	func (in *T) AppendJSON(b []byte) ([]byte, error)
//	func (out *T) UnmarshalJSONFast(data []byte) error
//	func (out *T) UnmarshalJSONFrom(d *jsontext.Decoder) error
//
// AppendJSON appends exactly what json.Marshal writes. UnmarshalJSONFast,
// when it succeeds, leaves in out exactly what json.Unmarshal would leave in
// a zero T; when it is unsure it returns an error and the caller uses
// encoding/json. Types with their own MarshalJSON (Quantity, IntOrString,
// Time, ...) are not generated: their hand-written AppendJSON is called, and
// any other type the generator does not handle goes through encoding/json.
// A struct-valued field tagged omitzero is tested without reflection, by
// comparison with the zero value or by a function jsonZeroT the file
// declares, exactly as reflect.Value.IsZero tests it; a map's members are
// sorted in an array on the stack (with their values when they are small,
// so that no key is looked up again); map sizes, and the lengths of lists
// of small elements (ports, env, strings), are counted before the map or
// slice is made; a string member is read with one call
// (jsontext.Decoder.StringTo).
//
// Usage, from the api directory (see api/doc.go):
//
//	go run ./internal/jsongen [-out dir] ./core/v1 ./meta/v1 ...
//
// With -out, the files are written under dir (dir/core/v1/...) instead of
// beside the sources; the tests use it to check the committed files are up
// to date. The packages are read from source (go/parser and go/types), the
// generated files excluded, so a stale output never stops regeneration.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "", "write the files under this directory instead of beside the sources")
	flag.Parse()
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "jsongen:", err)
		os.Exit(1)
	}
}

func run(out string, dirs []string) error {
	if len(dirs) == 0 {
		return fmt.Errorf("no package directories given")
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, module, err := findModule(cwd)
	if err != nil {
		return err
	}
	l := newLoader(root, module)
	var paths []string
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("%s is outside module %s", d, root)
		}
		paths = append(paths, module+"/"+filepath.ToSlash(rel))
	}
	g := &generator{covered: map[string]bool{}}
	for _, p := range paths {
		g.covered[p] = true
	}
	for i, p := range paths {
		pkg, err := l.Import(p)
		if err != nil {
			return err
		}
		src, test, err := g.file(pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		dst := filepath.Join(dirs[i], generatedName)
		if out != "" {
			rel, _ := filepath.Rel(root, filepath.Join(root, strings.TrimPrefix(p, module+"/")))
			dst = filepath.Join(out, rel, generatedName)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(strings.TrimSuffix(dst, ".go")+"_test.go", test, 0o644); err != nil {
			return err
		}
	}
	return nil
}
