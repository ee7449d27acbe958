// Package output owns everything that touches the terminal: the standard
// streams, printers and progress.
package output

import (
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"
)

// ForceTTYEnv names the environment variable that, when set to a true value
// ("1", "true", ...), makes IsStdinTTY, IsStdoutTTY and IsStderrTTY of the
// System streams report true whatever the streams are (GH_FORCE_TTY's idea).
// Scripts use it to reach terminal-only behaviour (prompts) without a
// terminal. It does not make a spinner or a live view draw on a pipe: those
// need stderr to be a real terminal.
const ForceTTYEnv = "ATLAS_BACKUP_FORCE_TTY"

// Streams are a command's standard streams and what is known about the
// terminal behind them. Results go to Out; progress, prompts, warnings and
// errors go to ErrOut.
//
// The facts (which streams are terminals, whether colour is on, the
// terminal's size) are decided once: by System from the process's
// environment and file descriptors, or by Test and the Set methods in tests.
// Nothing else in the program reads NO_COLOR or ATLAS_BACKUP_FORCE_TTY or
// asks the operating system whether a stream is a terminal.
//
// A Streams written as a literal, Streams{In: ..., Out: ..., ErrOut: ...},
// has no terminal and no colour, whatever its streams are.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// What IsStdinTTY, IsStdoutTTY and IsStderrTTY report (ForceTTYEnv
	// included).
	stdinTTY, stdoutTTY, stderrTTY bool
	// stdinTerm: In is an *os.File on a real terminal, whose echo can be
	// turned off for a secret. Only System sets it.
	stdinTerm bool
	// stderrLive: ErrOut takes cursor movement, so spinners and live views
	// draw on it. System sets it for a real terminal only (not for a forced
	// one); SetStderrTTY sets it with stderrTTY.
	stderrLive bool
	// colorEnabled: ANSI colour may be written to ErrOut.
	colorEnabled bool
	// size reports the terminal's size when it is asked (it may change
	// while the program runs); nil when unknown.
	size func() (width, height int, ok bool)
	// ticker makes the redraw clock of spinners and live views; nil means
	// time.NewTicker. Tests replace it to draw frames when they choose.
	ticker func(d time.Duration) (ticks <-chan time.Time, stop func())
}

// System returns the process's own standard streams, with the terminal facts
// decided now from their file descriptors and the environment: each stream
// is a terminal when it is one (or ForceTTYEnv is true); colour is on when
// stderr is a terminal and NO_COLOR is unset or empty (https://no-color.org).
// The --no-color flag is applied where colour is used (NewProgress).
func System() Streams { return newSystem(os.Stdin, os.Stdout, os.Stderr, os.Getenv) }

// newSystem is System over the given files and environment.
func newSystem(in, out, errOut *os.File, getenv func(string) string) Streams {
	force, err := strconv.ParseBool(getenv(ForceTTYEnv))
	force = err == nil && force
	s := Streams{In: in, Out: out, ErrOut: errOut}
	s.stdinTerm = isTerminal(in)
	s.stderrLive = isTerminal(errOut)
	s.stdinTTY = force || s.stdinTerm
	s.stdoutTTY = force || isTerminal(out)
	s.stderrTTY = force || s.stderrLive
	s.colorEnabled = getenv("NO_COLOR") == "" && s.stderrTTY
	if s.stderrLive {
		fd := int(errOut.Fd())
		s.size = func() (int, int, bool) {
			w, h, err := term.GetSize(fd)
			return w, h, err == nil
		}
	}
	return s
}

// isTerminal reports whether f is open on a terminal.
func isTerminal(f *os.File) bool { return f != nil && term.IsTerminal(int(f.Fd())) }

// Test returns streams over three buffers (stdin, stdout and stderr, also
// returned; safe for concurrent use) with no terminal, no colour and no
// known size: what a pipe gives. The Set methods change each fact.
func Test() (s Streams, in, out, errOut *Buffer) {
	in, out, errOut = &Buffer{}, &Buffer{}, &Buffer{}
	return Streams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdinTTY reports whether In is a terminal, so a question can be asked.
func (s Streams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether Out is a terminal.
func (s Streams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether ErrOut is a terminal.
func (s Streams) IsStderrTTY() bool { return s.stderrTTY }

// ColorEnabled reports whether ANSI colour may be written to ErrOut, before
// the --no-color flag is considered.
func (s Streams) ColorEnabled() bool { return s.colorEnabled }

// Size returns the terminal's width and height in cells; ok is false when
// they are not known (not a terminal).
func (s Streams) Size() (width, height int, ok bool) {
	if s.size == nil {
		return 0, 0, false
	}
	return s.size()
}

// SetStdinTTY makes IsStdinTTY report tty. (A secret is still read as a
// plain line unless In is a real terminal.)
func (s *Streams) SetStdinTTY(tty bool) { s.stdinTTY = tty }

// SetStdoutTTY makes IsStdoutTTY report tty.
func (s *Streams) SetStdoutTTY(tty bool) { s.stdoutTTY = tty }

// SetStderrTTY makes IsStderrTTY report tty, and makes ErrOut a terminal for
// spinners and live views too: they draw on it, escape sequences and all.
func (s *Streams) SetStderrTTY(tty bool) { s.stderrTTY, s.stderrLive = tty, tty }

// SetColorEnabled makes ColorEnabled report on.
func (s *Streams) SetColorEnabled(on bool) { s.colorEnabled = on }

// SetSize fixes the terminal's size that Size reports.
func (s *Streams) SetSize(width, height int) {
	s.size = func() (int, int, bool) { return width, height, true }
}

// drawsOnStderr reports whether a spinner or a live view may draw on ErrOut.
func (s Streams) drawsOnStderr() bool { return s.stderrLive && s.ErrOut != nil }

// spinnerFile is the terminal the spinner library checks before it draws
// (it asks the file itself): stderr when it is a real terminal that takes
// cursor movement; nil for anything else, which gets plain lines.
func (s Streams) spinnerFile() *os.File {
	if f, ok := s.ErrOut.(*os.File); ok && s.drawsOnStderr() && isTerminal(f) {
		return f
	}
	return nil
}

// width is the terminal's width for a spinner or a live view: 80 when it is
// unknown or implausibly small.
func (s Streams) width() int {
	if w, _, ok := s.Size(); ok && w > 20 {
		return w
	}
	return 80
}

// newTicker starts the redraw clock of a spinner or a live view.
func (s Streams) newTicker(d time.Duration) (<-chan time.Time, func()) {
	if s.ticker != nil {
		return s.ticker(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}
