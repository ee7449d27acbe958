package shell_test

import (
	"os/exec"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/shell"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"restore":      "restore",
		"./a/b-c_d.e":  "./a/b-c_d.e",
		"":             "''",
		"my dir":       "'my dir'",
		"x$(id -u)":    "'x$(id -u)'",
		"it's":         `'it'\''s'`,
		"`reboot`":     "'`reboot`'",
		"a\nb":         "'a\nb'",
		"~/backups":    "'~/backups'",
		"semi;colon":   "'semi;colon'",
		`back\slash"q`: `'back\slash"q'`,
	} {
		if got := shell.Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// The quoted word reaches a real shell as the one word it was.
func TestQuoteRoundTripsThroughSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh here")
	}
	for _, s := range []string{"x$(id -u)", "it's", "`echo pwned`", "a b\tc", "$HOME", "!x", "*", "a\nb", `\`, "'\"'"} {
		out, err := exec.Command(sh, "-c", "printf %s "+shell.Quote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("sh got %q (%v), want %q", out, err, s)
		}
	}
}
