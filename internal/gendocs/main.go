// Command gendocs writes atlas-backup's command reference as markdown pages
// and as man pages (section 1). It is a program of its own, not a command of
// atlas-backup, so that the markdown and roff renderers it needs are not
// linked into (nor initialised by) the shipped binary.
//
//	go run ./internal/gendocs --markdown docs --man docs/man
//	go run ./internal/gendocs --man manpages --date 2026-12-01T10:00:00Z
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/atlas-backup/atlas-backup/cmd"
)

// docsDate dates the man pages when no --date is given (the committed
// docs/man), so that they are the same on every run.
var docsDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

func main() {
	mdDir := flag.String("markdown", "", "directory for the markdown pages")
	manDir := flag.String("man", "", "directory for the man pages")
	date := flag.String("date", "", "RFC 3339 date of the man pages (a release's commit date); default: the committed pages' fixed date")
	flag.Parse()
	if (*mdDir == "" && *manDir == "") || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gendocs [--markdown DIR] [--man DIR] [--date RFC3339]: at least one of --markdown and --man")
		os.Exit(2)
	}
	if err := genDocs(*mdDir, *manDir, *date); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

// genDocs renders the command tree of a dev build as markdown pages into
// mdDir and man pages into manDir (either may be ""). The man pages are
// dated by date (RFC 3339; GoReleaser's zero date when it has no git
// information does not count), else docsDate.
func genDocs(mdDir, manDir, date string) error {
	root := cmd.DocsTree(cmd.BuildInfo{Version: "dev", Commit: "none", Date: "unknown"})
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
	when := docsDate
	if t, err := time.Parse(time.RFC3339, date); err == nil && !t.IsZero() {
		when = t.UTC()
	}
	if err := os.MkdirAll(manDir, 0o755); err != nil {
		return err
	}
	return doc.GenManTree(root, &doc.GenManHeader{Section: "1", Date: &when, Source: "atlas-backup", Manual: "atlas-backup manual"}, manDir)
}
