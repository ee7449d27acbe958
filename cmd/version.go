package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

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

// The build info's values when -ldflags set none (see main.go).
const (
	unsetVersion = "dev"
	unsetCommit  = "none"
	unsetDate    = "unknown"
)

// ReadBuild is b, with what -ldflags did not set taken from the build info
// Go keeps in the binary (StampBuild).
func ReadBuild(b BuildInfo) BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	return StampBuild(b, info)
}

// StampBuild fills in what -ldflags did not set (the release build sets
// all three) from the build info: the module version of a binary built by
// go install …@VERSION, the revision that a pseudo-version names, and the
// VCS revision and commit time of a build from a checkout. The version
// stays "dev" only when neither the module version nor a revision is known.
func StampBuild(b BuildInfo, info *debug.BuildInfo) BuildInfo {
	if info == nil {
		return b
	}
	set := map[string]string{}
	for _, s := range info.Settings {
		set[s.Key] = s.Value
	}
	mod := info.Main.Version
	if mod == "(devel)" {
		mod = ""
	}
	if (b.Version == "" || b.Version == unsetVersion) && mod != "" {
		b.Version = mod
	}
	if b.Commit == "" || b.Commit == unsetCommit {
		switch {
		case set["vcs.revision"] != "":
			b.Commit = set["vcs.revision"]
		case pseudoRevision(mod) != "":
			b.Commit = pseudoRevision(mod)
		}
	}
	if (b.Date == "" || b.Date == unsetDate) && set["vcs.time"] != "" {
		b.Date = set["vcs.time"]
	}
	for p, unset := range map[*string]string{&b.Version: unsetVersion, &b.Commit: unsetCommit, &b.Date: unsetDate} {
		if *p == "" {
			*p = unset
		}
	}
	return b
}

// pseudoRevision is the revision at the end of a pseudo-version
// (v0.0.0-20260107123456-0123456789ab, v1.2.4-0.20260107123456-0123456789ab,
// maybe with +dirty), or "".
func pseudoRevision(v string) string {
	v, _, _ = strings.Cut(v, "+")
	i := strings.LastIndexByte(v, '-')
	if i < 0 {
		return ""
	}
	rev := v[i+1:]
	stamp := v[:i]
	if j := strings.LastIndexAny(stamp, "-."); j >= 0 {
		stamp = stamp[j+1:]
	}
	if len(rev) != 12 || strings.Trim(rev, "0123456789abcdef") != "" || len(stamp) != 14 || strings.Trim(stamp, "0123456789") != "" {
		return ""
	}
	return rev
}
