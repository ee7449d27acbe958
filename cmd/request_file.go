package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// requestFile is a create's request body read from --file FILE (or - for
// stdin): JSON or YAML with the API's field names. Flags given as well
// override its fields; its fields count as given, so the validation rules
// apply to them as to flags, and their errors name the file and the field.
type requestFile struct {
	path   string
	fields map[string]string // flag name → the API field it came from
}

// readRequestFile decodes the file into v, refusing unknown fields and
// values of the wrong type.
func readRequestFile(path string, stdin io.Reader, v any) (*requestFile, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	name := path
	if path == "-" {
		name = "- (stdin)"
	}
	if err != nil {
		return nil, usageErrorf("--file %s: %v", name, unwrapPath(err))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, usageErrorf("--file %s: %s", name, yamlProblem(err))
	}
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, usageErrorf("--file %s: %s", name, yamlProblem(err))
	case len(more.Content) > 0 && more.Content[0].ShortTag() != "!!null":
		return nil, usageErrorf("--file %s: more than one YAML document: give one request body", name)
	}
	if len(doc.Content) == 0 {
		return &requestFile{path: name, fields: map[string]string{}}, nil
	}
	types, items := fieldTypes(v)
	if err := checkTypes(doc.Content[0], types, items); err != nil {
		return nil, usageErrorf("--file %s: %v", name, err)
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return nil, usageErrorf("--file %s: %s", name, yamlProblem(err))
	}
	return &requestFile{path: name, fields: map[string]string{}}, nil
}

// fieldTypes maps a body struct's YAML field names to the YAML tag each
// takes: !!str, !!int, or !!seq (customData, collections, databases); a
// list's entries are maps of string fields, named in items.
func fieldTypes(v any) (types map[string]string, items map[string][]string) {
	types, items = map[string]string{}, map[string][]string{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			types[name] = "!!str"
		case reflect.Int64, reflect.Int:
			types[name] = "!!int"
		case reflect.Slice:
			types[name] = "!!seq"
			et := ft.Elem()
			for j := range et.NumField() {
				items[name] = append(items[name], yamlName(et.Field(j)))
			}
		}
	}
	return types, items
}

// yamlName is the name a struct field has in YAML: its tag's, else its
// own in lower case (the yaml package's rule).
func yamlName(f reflect.StructField) string {
	if name := strings.Split(f.Tag.Get("yaml"), ",")[0]; name != "" {
		return name
	}
	return strings.ToLower(f.Name)
}

// checkTypes refuses a body that is not a map of the known fields, each of
// its own type: yaml would turn 123 into "123", and 1.5e9 into a number.
func checkTypes(n *yaml.Node, types map[string]string, items map[string][]string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a map of the API's fields (%s)", n.Line, known(types))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		want, ok := types[k.Value]
		entry := "{" + strings.Join(items[k.Value], ", ") + "}"
		switch {
		case !ok:
			return fmt.Errorf("line %d: unknown field %s (known: %s)", k.Line, k.Value, known(types))
		case want == "!!seq" && v.Kind != yaml.SequenceNode:
			return fmt.Errorf("line %d: %s: want a list of %s", v.Line, k.Value, entry)
		case want == "!!seq":
			fields := map[string]string{}
			for _, name := range items[k.Value] {
				fields[name] = "!!str"
			}
			for _, item := range v.Content {
				if item.Kind != yaml.MappingNode {
					return fmt.Errorf("line %d: %s: each entry is a %s map", item.Line, k.Value, entry)
				}
				if err := checkTypes(item, fields, nil); err != nil {
					return fmt.Errorf("%s: %w", k.Value, err)
				}
			}
		case v.Kind != yaml.ScalarNode || v.ShortTag() != want:
			what := map[string]string{"!!str": "a string (quote it)", "!!int": "a whole number"}[want]
			return fmt.Errorf("line %d: %s: want %s, not %q", v.Line, k.Value, what, v.Value)
		}
	}
	return nil
}

func known(types map[string]string) string {
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

var (
	unknownField = lazyre.New(`line (\d+): field (\S+) not found in type \S+`)
	wrongType    = lazyre.New("line (\\d+): cannot unmarshal !!(\\w+) `([^`]*)` into (\\S+)")
)

// yamlProblem says what is wrong with the file in a line, without the Go
// type names the decoder uses.
func yamlProblem(err error) string {
	msg := err.Error()
	var out []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "yaml:"))
		switch {
		case line == "" || line == "unmarshal errors:":
		case unknownField().MatchString(line):
			m := unknownField().FindStringSubmatch(line)
			out = append(out, fmt.Sprintf("line %s: unknown field %s", m[1], m[2]))
		case wrongType().MatchString(line):
			m := wrongType().FindStringSubmatch(line)
			want := "a string"
			switch {
			case strings.Contains(m[4], "int"):
				want = "a whole number"
			case strings.Contains(m[4], "[]"):
				want = "a list"
			case strings.Contains(m[4], "Label"):
				want = "a {key, value} object"
			}
			out = append(out, fmt.Sprintf("line %s: %s %q where %s belongs", m[1], m[2], m[3], want))
		default:
			out = append(out, line)
		}
	}
	return strings.Join(out, "; ")
}

// from records that flag's value came from the file's field.
func (r *requestFile) from(flag, field string) {
	if r != nil {
		r.fields[flag] = field
	}
}

// given reports whether the file gave the flag's value.
func (r *requestFile) given(flag string) bool {
	if r == nil {
		return false
	}
	_, ok := r.fields[flag]
	return ok
}

// name turns an error about a flag whose value came from the file into one
// about the file's field: "--snapshot-id ..." becomes "--file req.yaml:
// snapshotId ...".
func (r *requestFile) name(err error) error {
	var usage *UsageError
	if r == nil || !errors.As(err, &usage) {
		return err
	}
	msg := usage.Error()
	for flag, field := range r.fields {
		if strings.HasPrefix(msg, "--"+flag+" ") || strings.HasPrefix(msg, "--"+flag+":") {
			return usageErrorf("--file %s: %s%s", r.path, field, strings.TrimPrefix(msg, "--"+flag))
		}
	}
	return err
}

// missing is the error for a required value that neither a flag nor the
// file gave. Without --file it is msg, about the flag; with --file it names
// the file and the field, then the flags that may give it instead:
// "--file export.yaml: exportBucketId is required (or --bucket-id)".
// detail follows "is required" (" with deliveryType automated").
func (r *requestFile) missing(msg, field, detail, flags string) error {
	if r == nil {
		return usageErrorf("%s", msg)
	}
	return usageErrorf("--file %s: %s is required%s (or %s)", r.path, field, detail, flags)
}

// label names a value in a message: the file's field when the file gave
// it, else its flag (flag given as --flag).
func (r *requestFile) label(flag string) string {
	if r != nil {
		if field, ok := r.fields[strings.TrimPrefix(flag, "--")]; ok {
			return field
		}
	}
	return flag
}
