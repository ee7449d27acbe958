package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// TestREADMEReference keeps the README's command reference in step with the
// command tree. ATLAS_BACKUP_UPDATE=1 rewrites it.
func TestREADMEReference(t *testing.T) {
	const begin, end = "<!-- commands -->\n", "<!-- /commands -->"
	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(readme), begin), strings.Index(string(readme), end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", strings.TrimSpace(begin), end)
	}
	want := reference(newRootCmd(&Factory{IO: output.Streams{}, Getenv: os.Getenv}))
	got := string(readme[i+len(begin) : j])
	if got == want {
		return
	}
	if os.Getenv("ATLAS_BACKUP_UPDATE") != "" {
		updated := string(readme[:i+len(begin)]) + want + string(readme[j:])
		if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's command reference is stale: run ATLAS_BACKUP_UPDATE=1 go test ./cmd")
}

// reference renders every runnable command: usage, summary and flags.
func reference(root *cobra.Command) string {
	var b strings.Builder
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" && c.Parent() != root {
			return
		}
		if c.Runnable() && c.HasParent() && !c.HasSubCommands() {
			fmt.Fprintf(&b, "### `%s`\n\n%s.", c.UseLine(), c.Short)
			if len(c.Aliases) > 0 {
				fmt.Fprintf(&b, " Aliases: `%s`.", strings.Join(c.Aliases, "`, `"))
			}
			b.WriteString("\n\n")
			var flags []string
			c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
				if f.Hidden {
					return
				}
				name := "`--" + f.Name + "`"
				if f.Shorthand != "" {
					name = "`-" + f.Shorthand + "`, " + name
				}
				usage := f.Usage
				switch f.DefValue {
				case "", "0", "0s", "false", "[]":
				default:
					usage += fmt.Sprintf(" (default %s)", f.DefValue)
				}
				flags = append(flags, fmt.Sprintf("| %s | %s |", name, strings.ReplaceAll(usage, "|", "\\|")))
			})
			if len(flags) > 0 {
				b.WriteString("| flag | meaning |\n|---|---|\n" + strings.Join(flags, "\n") + "\n\n")
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return b.String()
}
