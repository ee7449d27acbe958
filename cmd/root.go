package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree for one invocation.
func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "atlas-backup",
		Short: "Export and restore MongoDB Atlas Cloud Backup snapshots",
		Long: `atlas-backup starts and follows MongoDB Atlas Cloud Backup jobs: exports of a
cluster's snapshot to an export bucket, and restores (automated, download or
point in time). It speaks the Atlas Admin API v2. Run "atlas-backup sandbox"
for a local Atlas API simulator that needs no account.`,
		Version:       fmt.Sprintf("%s (commit %s, built %s)", f.Build.Version, f.Build.Commit, f.Build.Date),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	groupCommand(root)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetVersionTemplate("atlas-backup {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.PersistentFlags().BoolP("quiet", "q", false, "no progress output on stderr")

	root.AddCommand(
		newVersionCmd(f),
		newSandboxCmd(f, nil),
	)
	return root
}

// groupCommand makes a command that only holds subcommands answer an unknown
// subcommand, or stray arguments, with a usage error instead of help.
func groupCommand(c *cobra.Command) {
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if c.SuggestionsMinimumDistance <= 0 {
			c.SuggestionsMinimumDistance = 2
		}
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageErrorf("%s (see '%s --help')", msg, c.CommandPath())
	}
	c.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
}

// exactArgs is cobra.ExactArgs as a usage error.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %d argument(s) (%s), got %d", c.CommandPath(), n, names, len(args))
		}
		return nil
	}
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  exactArgs(0, "none"),
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "atlas-backup %s (commit %s, built %s)\n", f.Build.Version, f.Build.Commit, f.Build.Date)
			return err
		},
	}
}
