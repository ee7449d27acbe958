package output

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/atlas-backup/atlas-backup/internal/text"
)

// liveView redraws a block of lines in place on a terminal a few times a
// second, with one-off lines printed above it: the display of many things
// going on at once (downloads, a fleet's jobs).
type liveView struct {
	w      io.Writer
	mu     *sync.Mutex // the owner's: render runs under it
	render func(width int) []string
	drawn  int
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// terminal returns stderr's file when it is a real terminal, for a live view.
func terminal(s Streams) (*os.File, bool) {
	f, ok := s.ErrOut.(*os.File)
	return f, ok && f != nil && s.IsStderrTTY() && term.IsTerminal(int(f.Fd()))
}

func newLiveView(w io.Writer, mu *sync.Mutex, render func(width int) []string) *liveView {
	v := &liveView{w: w, mu: mu, render: render, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(v.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-v.stop:
				v.mu.Lock()
				v.drawLocked()
				v.mu.Unlock()
				return
			case <-t.C:
				v.mu.Lock()
				v.drawLocked()
				v.mu.Unlock()
			}
		}
	}()
	return v
}

// printLocked writes a line above the block (the caller holds mu).
func (v *liveView) printLocked(line string) {
	v.clearLocked()
	fmt.Fprintln(v.w, text.Escape(line))
	v.drawLocked()
}

func (v *liveView) clearLocked() {
	if v.drawn > 0 {
		fmt.Fprintf(v.w, "\x1b[%dA\x1b[J", v.drawn)
		v.drawn = 0
	}
}

func (v *liveView) drawLocked() {
	width := 80
	if f, ok := v.w.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 20 {
			width = w
		}
	}
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", v.drawn)
	}
	lines := v.render(width - 1)
	for _, l := range lines {
		b.WriteString("\r\x1b[2K")
		b.WriteString(truncate(text.Escape(l), width-1))
		b.WriteString("\n")
	}
	v.drawn = len(lines)
	io.WriteString(v.w, b.String())
}

// Stop draws the last state and ends the redrawing; safe to call twice.
func (v *liveView) Stop() {
	v.once.Do(func() {
		close(v.stop)
		<-v.done
	})
}
