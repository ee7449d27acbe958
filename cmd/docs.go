package cmd

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// DocsTree is the command tree as the reference documentation shows it:
// built with empty streams and no environment, so that no setting of the
// machine's reaches the pages. internal/gendocs renders it.
func DocsTree(build BuildInfo) *cobra.Command {
	return newRootCmd(&Factory{
		IO:     output.Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Build:  build,
		Getenv: func(string) string { return "" },
	})
}
