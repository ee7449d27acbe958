package output

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/briandowns/spinner"

	"github.com/atlas-backup/atlas-backup/internal/text"
)

// Progress shows a watched job's state on stderr. Every message is one
// line, escaped (text.Escape) before it is shown: it may hold what Atlas sent.
type Progress interface {
	// Update shows the job's current state, e.g. "export 6b05…: InProgress (12/42 collections)".
	Update(msg string)
	// Note shows a one-off line, e.g. "retrying after 503 Service Unavailable".
	Note(msg string)
	// Stop removes the spinner, if any. Safe to call more than once.
	Stop()
}

// NewProgress picks the display: nothing when quiet; a spinner on stderr when
// stderr is a real terminal (with colour when s.ColorEnabled() and not
// noColor); otherwise one plain line per Update whose msg differs from the
// previous one, with no ANSI codes at all.
//
// A forced terminal (ForceTTYEnv) alone does not select the spinner: the
// spinner checks the file it draws on, and draws nothing off a terminal.
func NewProgress(s Streams, quiet, noColor bool) Progress {
	if quiet {
		return nopProgress{}
	}
	if f := s.spinnerFile(); f != nil {
		return newSpinnerProgress(f, s.ErrOut, s.ColorEnabled() && !noColor)
	}
	w := s.ErrOut
	if w == nil {
		w = io.Discard
	}
	return &lineProgress{w: w}
}

// nopProgress shows nothing (--quiet).
type nopProgress struct{}

func (nopProgress) Update(string) {}
func (nopProgress) Note(string)   {}
func (nopProgress) Stop()         {}

// lineProgress writes one line per change of state, for logs and pipes.
type lineProgress struct {
	w     io.Writer
	last  string
	shown bool // an Update has been written, so last is meaningful
}

func (p *lineProgress) Update(msg string) {
	msg = text.Escape(msg)
	if p.shown && msg == p.last {
		return
	}
	p.last, p.shown = msg, true
	fmt.Fprintln(p.w, msg)
}

func (p *lineProgress) Note(msg string) { fmt.Fprintln(p.w, text.Escape(msg)) }

func (p *lineProgress) Stop() {}

// spinnerProgress draws a spinner with the latest Update beside it. It is
// used from one goroutine; the spinner's own goroutine draws the frames.
type spinnerProgress struct {
	sp      *spinner.Spinner
	w       io.Writer // where the spinner draws, and where Notes go once it is gone
	started bool
	stopped bool
	// pending holds Notes waiting for the next frame, guarded by the
	// spinner's lock.
	pending []string
	last    string // the last Update, printed as a plain line at Stop
}

// newSpinnerProgress returns a spinner that checks f for a terminal and
// draws on w (f itself, except in tests). Without colour, w is wrapped so
// that no SGR sequence reaches it: the spinner's default frame colour
// (fatih/color's white) is switched on by whether os.Stdout is a terminal,
// whatever we decide, so not calling Color is not enough.
func newSpinnerProgress(f *os.File, w io.Writer, color bool) *spinnerProgress {
	if !color {
		w = &sgrStripper{w: w}
	}
	// WithWriterFile, not WithWriter: WithWriter makes the spinner check
	// os.Stdout for a terminal.
	sp := spinner.New(spinner.CharSets[11], 120*time.Millisecond, spinner.WithWriterFile(f))
	sp.Writer = w // WriterFile stays f, for the terminal check
	if color {
		_ = sp.Color("cyan") // "cyan" is valid, so this cannot fail
	}
	p := &spinnerProgress{sp: sp, w: w}
	// PreUpdate runs with the spinner's lock held, right after it has erased
	// its line (however many rows it wrapped to) and before it draws the next
	// frame: the one place a Note can go above the spinner without the two
	// interleaving. Stopping and restarting the spinner instead can leave a
	// stale value in its stop channel, and a restarted spinner that draws
	// nothing.
	sp.PreUpdate = func(*spinner.Spinner) { p.flushLocked() }
	return p
}

func (p *spinnerProgress) Update(msg string) {
	if p.stopped {
		return
	}
	msg = text.Escape(msg)
	p.sp.Lock()
	p.sp.Suffix = " " + msg
	p.last = msg
	p.sp.Unlock()
	if !p.started {
		p.started = true
		p.sp.Start()
	}
}

func (p *spinnerProgress) Note(msg string) {
	msg = text.Escape(msg)
	if !p.started || p.stopped {
		fmt.Fprintln(p.w, msg) // no spinner line to keep clear of
		return
	}
	p.sp.Lock()
	p.pending = append(p.pending, msg)
	p.sp.Unlock()
}

// Stop erases the spinner, shows the cursor again and writes any Note still
// waiting for a frame. Updates after Stop show nothing; Notes print plainly.
func (p *spinnerProgress) Stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	p.sp.Stop()
	p.sp.Lock()
	p.flushLocked()
	if p.started && p.last != "" {
		fmt.Fprintln(p.w, p.last) // the last state stays on screen
	}
	p.sp.Unlock()
}

// flushLocked writes the pending Notes; the caller holds the spinner's lock.
func (p *spinnerProgress) flushLocked() {
	for _, msg := range p.pending {
		fmt.Fprintln(p.w, msg)
	}
	p.pending = nil
}

// sgrStripper passes everything written to it on to w except ANSI SGR
// sequences (ESC [ params m: colour and style). The cursor and erase
// sequences the spinner needs go through. A sequence split across writes is
// recognised too.
type sgrStripper struct {
	w    io.Writer
	held []byte // an unfinished escape sequence: ESC, or ESC [ params
}

func (s *sgrStripper) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, b := range p {
		switch {
		case len(s.held) == 1 && b == '[':
			s.held = append(s.held, b)
			continue
		case len(s.held) >= 2 && b >= 0x20 && b <= 0x3f: // parameter or intermediate byte
			s.held = append(s.held, b)
			continue
		case len(s.held) >= 2 && b >= 0x40 && b <= 0x7e: // final byte
			if b != 'm' {
				out = append(out, s.held...)
				out = append(out, b)
			}
			s.held = s.held[:0]
			continue
		case len(s.held) > 0: // not a CSI sequence after all
			out = append(out, s.held...)
			s.held = s.held[:0]
		}
		if b == 0x1b {
			s.held = append(s.held, b)
		} else {
			out = append(out, b)
		}
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
