package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"go.yaml.in/yaml/v3"

	"github.com/atlas-backup/atlas-backup/internal/text"
)

// Value is one result in the two shapes the printers need.
type Value struct {
	// Raw is the JSON Atlas sent: an object, or for lists a JSON array of
	// the results (all pages merged). The json, yaml and go-template
	// printers render it, so unknown fields and Atlas's key order survive.
	// A nil or empty Raw (or JSON null) stands for an empty list and prints
	// as [].
	Raw []byte
	// Table is the typed view the table printer renders (see tables.go).
	Table *Table
}

// Table is a table of text cells: a header and zero or more rows.
type Table struct {
	Header []string
	Rows   [][]string
}

// Printer renders a Value to w. A Printer writes nothing when it returns an
// error.
type Printer interface {
	Print(w io.Writer, v Value) error
}

const templatePrefix = "go-template="

// New returns the printer for an -o value: "table" (or ""), "json", "yaml"
// or "go-template=TEMPLATE". It fails on any other value, on an empty
// template and on a template that does not parse, so callers can call it
// while validating flags, before any request is sent.
func New(format string) (Printer, error) {
	switch format {
	case "", "table":
		return tablePrinter{}, nil
	case "json":
		return jsonPrinter{}, nil
	case "yaml":
		return yamlPrinter{}, nil
	}
	text, ok := strings.CutPrefix(format, templatePrefix)
	if !ok {
		return nil, fmt.Errorf("unknown output format %q: use table, json, yaml or go-template=TEMPLATE", format)
	}
	if text == "" {
		return nil, errors.New("go-template= needs a template, e.g. go-template={{.id}}")
	}
	t, err := template.New("go-template").Option("missingkey=default").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parsing go-template: %w", err)
	}
	return templatePrinter{t}, nil
}

// raw returns v.Raw, or [] when it is empty or null.
func (v Value) raw() []byte {
	r := bytes.TrimSpace(v.Raw)
	if len(r) == 0 || string(r) == "null" {
		return []byte("[]")
	}
	return r
}

// jsonPrinter prints Raw indented by two spaces, keys in the order received,
// with a trailing newline.
type jsonPrinter struct{}

func (jsonPrinter) Print(w io.Writer, v Value) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, v.raw(), "", "  "); err != nil {
		return fmt.Errorf("unreadable JSON: %w", err)
	}
	buf.WriteByte('\n')
	_, err := buf.WriteTo(w)
	return err
}

// yamlPrinter prints Raw as YAML: keys in the order received, numbers
// written exactly as Atlas sent them, strings that look like other types
// quoted.
type yamlPrinter struct{}

func (yamlPrinter) Print(w io.Writer, v Value) error {
	dec := json.NewDecoder(bytes.NewReader(v.raw()))
	dec.UseNumber()
	node, err := yamlNode(dec)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			err = nil
		} else if err == nil {
			err = errors.New("data after the top-level value")
		}
	}
	if err != nil {
		return fmt.Errorf("unreadable JSON: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// yamlNode reads the next JSON value from dec (which must use numbers) as a
// YAML node. Going token by token keeps object key order, which decoding
// into a map would lose.
func yamlNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	scalar := func(tag, value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		for dec.More() {
			if t == '{' {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, scalar("!!str", key.(string)))
			}
			item, err := yamlNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, item)
		}
		_, err := dec.Token() // the closing delimiter
		return n, err
	case string:
		return scalar("!!str", t), nil
	case json.Number:
		// Untagged and plain: the digits exactly as sent, even past int64.
		return scalar("", t.String()), nil
	case bool:
		return scalar("!!bool", fmt.Sprint(t)), nil
	default: // nil
		return scalar("!!null", "null"), nil
	}
}

// templatePrinter runs a Go template over Raw decoded into any: objects are
// map[string]any keyed by Atlas's field names ({{.state}}), lists []any,
// numbers json.Number (so {{.oplogTs}} prints 1700000000, not 1.7e+09).
// A missing key prints "<no value>". Like kubectl, it adds no trailing
// newline: the output is exactly what the template produces.
type templatePrinter struct{ t *template.Template }

func (p templatePrinter) Print(w io.Writer, v Value) error {
	dec := json.NewDecoder(bytes.NewReader(v.raw()))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return fmt.Errorf("unreadable JSON: %w", err)
	}
	var buf bytes.Buffer
	if err := p.t.Execute(&buf, data); err != nil {
		return fmt.Errorf("executing go-template: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// tablePrinter prints v.Table as a plain table in the style of gh and
// kubectl: an upper-case header row, left-aligned columns separated by
// three spaces, no borders, rules or colour. An empty table prints the
// header row alone. Every cell is escaped (text.Escape).
type tablePrinter struct{}

func (tablePrinter) Print(w io.Writer, v Value) error {
	if v.Table == nil {
		return errors.New("this result has no table view; use -o json")
	}
	header := make([]string, len(v.Table.Header))
	for i, h := range v.Table.Header {
		header[i] = text.Escape(strings.ToUpper(h))
	}
	// Cells hold what Atlas sent (names, states, messages): escaped, so
	// that none can drive the terminal or break a row into lines.
	rows := make([][]string, len(v.Table.Rows))
	for i, row := range v.Table.Rows {
		rows[i] = make([]string, len(row))
		for j, c := range row {
			rows[i][j] = text.Escape(c)
		}
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRendition(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{ShowHeader: tw.Off, ShowFooter: tw.Off, BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowTop: tw.Off, ShowBottom: tw.Off, ShowHeaderLine: tw.Off, ShowFooterLine: tw.Off},
			},
		}),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{
				Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
			},
			Row: tw.CellConfig{
				Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone},
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
			},
		}),
		tablewriter.WithPadding(tw.Padding{Left: tw.Empty, Right: "   ", Overwrite: true}),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}
	// The last column is padded too; trim each line's trailing blanks.
	var out bytes.Buffer
	for line := range strings.Lines(buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := out.WriteTo(w)
	return err
}
