package output

import (
	"os"
	"strconv"

	"golang.org/x/term"
)

// ForceTTYEnv names the environment variable that, when set to a true value
// ("1", "true", ...), makes IsStdinTTY, IsStdoutTTY and IsStderrTTY all
// report true whatever the streams are (GH_FORCE_TTY's idea). Tests and
// scripts use it to reach terminal-only behaviour without a terminal.
const ForceTTYEnv = "ATLAS_BACKUP_FORCE_TTY"

// IsStdinTTY reports whether In is a terminal.
func (s Streams) IsStdinTTY() bool { return isTerminal(s.In) }

// IsStdoutTTY reports whether Out is a terminal.
func (s Streams) IsStdoutTTY() bool { return isTerminal(s.Out) }

// IsStderrTTY reports whether ErrOut is a terminal.
func (s Streams) IsStderrTTY() bool { return isTerminal(s.ErrOut) }

// ColorEnabled reports whether ANSI colour may be written to ErrOut: not
// when the --no-color flag is set, not when NO_COLOR is set to a non-empty
// value (https://no-color.org), and not when ErrOut is not a terminal.
func (s Streams) ColorEnabled(noColorFlag bool) bool {
	return !noColorFlag && os.Getenv("NO_COLOR") == "" && s.IsStderrTTY()
}

// isTerminal reports whether stream is an *os.File open on a terminal, or
// ForceTTYEnv is true.
func isTerminal(stream any) bool {
	if force, err := strconv.ParseBool(os.Getenv(ForceTTYEnv)); err == nil && force {
		return true
	}
	f, ok := stream.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}
