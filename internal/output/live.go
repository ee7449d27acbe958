package output

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/text"
)

// liveView redraws a block of lines in place on a terminal a few times a
// second, with one-off lines printed above it: the display of many things
// going on at once (downloads, a fleet's jobs).
type liveView struct {
	w      io.Writer
	width  func() int
	mu     *sync.Mutex // the owner's: render runs under it
	render func(width int) []string
	drawn  int
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// liveEvery is how often a live view is redrawn.
const liveEvery = 200 * time.Millisecond

// newLiveView starts redrawing render's lines on s.ErrOut at each tick of
// s's clock, from the first tick on.
func newLiveView(s Streams, mu *sync.Mutex, render func(width int) []string) *liveView {
	v := &liveView{w: s.ErrOut, width: s.width, mu: mu, render: render, stop: make(chan struct{}), done: make(chan struct{})}
	ticks, stopTicks := s.newTicker(liveEvery)
	go func() {
		defer close(v.done)
		defer stopTicks()
		for {
			select {
			case <-v.stop:
				v.mu.Lock()
				v.drawLocked()
				v.mu.Unlock()
				return
			case <-ticks:
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

// drawLocked draws the block over the one drawn before (the caller holds
// mu): up to its first line, then each line erased and written afresh.
func (v *liveView) drawLocked() {
	width := v.width()
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
