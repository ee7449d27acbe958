package cmd

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// docsDate dates the man pages of a build without a commit date (a dev
// build, the committed docs/man), so that they are the same on every run.
var docsDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// newGenDocsCmd builds the hidden `gen-docs` command: the release script runs
// it on the built binary for the archive's man pages, and TestDocs checks
// docs/ against genDocs.
func newGenDocsCmd(f *Factory) *cobra.Command {
	var mdDir, manDir string
	c := &cobra.Command{
		Use:     "gen-docs",
		Short:   "Write the command reference as markdown and as man pages (section 1)",
		Hidden:  true,
		Args:    exactArgs(0, "none"),
		Example: `  atlas-backup gen-docs --markdown docs --man docs/man`,
		RunE: func(c *cobra.Command, args []string) error {
			if mdDir == "" && manDir == "" {
				return usageErrorf("gen-docs needs --markdown DIR, --man DIR or both")
			}
			return genDocs(f.Build, mdDir, manDir)
		},
	}
	c.Flags().StringVar(&mdDir, "markdown", "", "directory for the markdown pages")
	c.Flags().StringVar(&manDir, "man", "", "directory for the man pages")
	return c
}

// genDocs renders the command tree, built with fake streams and no
// environment, as markdown pages into mdDir and man pages into manDir (either
// may be ""). The man pages are dated by the build's commit date (RFC 3339;
// GoReleaser's zero date when it has no git information does not count), else
// docsDate.
func genDocs(build BuildInfo, mdDir, manDir string) error {
	root := newRootCmd(&Factory{
		IO:     output.Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Build:  build,
		Getenv: func(string) string { return "" },
	})
	var noAutoGenTag func(*cobra.Command)
	noAutoGenTag = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			noAutoGenTag(sub)
		}
	}
	noAutoGenTag(root)
	if mdDir != "" {
		if err := os.MkdirAll(mdDir, 0o755); err != nil {
			return err
		}
		if err := doc.GenMarkdownTree(root, mdDir); err != nil {
			return err
		}
	}
	if manDir == "" {
		return nil
	}
	date := docsDate
	if t, err := time.Parse(time.RFC3339, build.Date); err == nil && !t.IsZero() {
		date = t.UTC()
	}
	if err := os.MkdirAll(manDir, 0o755); err != nil {
		return err
	}
	return doc.GenManTree(root, &doc.GenManHeader{Section: "1", Date: &date, Source: "atlas-backup", Manual: "atlas-backup manual"}, manDir)
}
