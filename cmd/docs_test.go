package cmd

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExample: every command's --help shows an example.
func TestEveryCommandHasExample(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(DocsTree(BuildInfo{}))
}
