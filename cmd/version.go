package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// VersionOptions are what `version` was given.
type VersionOptions struct {
	IO    output.Streams
	Build BuildInfo
	// Printer is set when -o was given: only an explicit -o changes the
	// plain line (as for config list).
	Printer output.Printer
	output  string
}

func newVersionCmd(f *Factory, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO, Build: f.Build}
	c := &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit, build date and Go version",
		Example: "  atlas-backup version\n  atlas-backup version -o json",
		Args:    exactArgs(0, "none"),
	}
	c.RunE = runCmd(opts, nil, func(c *cobra.Command, _ []string) error {
		if fl := c.Flags().Lookup("output"); fl != nil && fl.Changed {
			opts.output = fl.Value.String()
		}
		return nil
	}, versionRun, runF)
	return c
}

func (o *VersionOptions) validate() error {
	var err error
	o.Printer, err = explicitPrinter(o.output)
	return err
}

// explicitPrinter is the printer of an -o given on the command line, for
// the commands whose plain output is not a table (config list, version);
// nil when none was given.
func explicitPrinter(format string) (output.Printer, error) {
	if format == "" {
		return nil, nil
	}
	p, err := output.New(format)
	if err != nil {
		return nil, usageErrorf("--output: %v", err)
	}
	return p, nil
}

func versionRun(_ context.Context, o *VersionOptions) error {
	b := o.Build
	if o.Printer == nil {
		_, err := fmt.Fprintf(o.IO.Out, "atlas-backup %s (commit %s, built %s, %s)\n", b.Version, b.Commit, b.Date, runtime.Version())
		return err
	}
	raw, err := json.Marshal(struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
		Date    string `json:"date"`
		Go      string `json:"go"`
	}{b.Version, b.Commit, b.Date, runtime.Version()})
	if err != nil {
		return err
	}
	table := &output.Table{Header: []string{"VERSION", "COMMIT", "DATE", "GO"}, Rows: [][]string{{b.Version, b.Commit, b.Date, runtime.Version()}}}
	return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: table})
}
