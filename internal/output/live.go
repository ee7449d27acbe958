package output

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/text"
)

// liveView redraws a block of lines in place on a terminal a few times a
// second, with one-off lines printed above it: the display of many things
// going on at once (downloads, a fleet's jobs).
//
// The block always fits the terminal: render is given the width and the
// number of rows it may use (one less than the terminal's height, so that
// the cursor's line below the block is on screen too, and moving up to the
// block's first line never needs a row that has scrolled away). A block
// taller than the screen could not be redrawn in place: each frame would
// leave a copy of itself in the scrollback.
type liveView struct {
	w      io.Writer
	size   func() (width, rows int)
	mu     *sync.Mutex // the owner's: render runs under it
	render func(width, rows int) []string
	drawn  int  // lines of the block on screen, below which the cursor is
	ended  bool // Stop has drawn the last frame: nothing moves the cursor any more
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// liveEvery is how often a live view is redrawn.
const liveEvery = 200 * time.Millisecond

// newLiveView starts redrawing render's lines on s.ErrOut at each tick of
// s's clock, from the first tick on.
func newLiveView(s Streams, mu *sync.Mutex, render func(width, rows int) []string) *liveView {
	v := &liveView{w: s.ErrOut, size: s.liveSize, mu: mu, render: render, stop: make(chan struct{}), done: make(chan struct{})}
	ticks, stopTicks := s.newTicker(liveEvery)
	go func() {
		defer close(v.done)
		defer stopTicks()
		for {
			select {
			case <-v.stop:
				v.mu.Lock()
				v.drawLocked()
				v.drawn, v.ended = 0, true // the last frame stays, as it is
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

// liveSize is the width and the rows a live view may use: the terminal's
// width (80 when unknown) and one row less than its height (24 when
// unknown), at least one.
func (s Streams) liveSize() (width, rows int) {
	height := 24
	if _, h, ok := s.Size(); ok && h > 0 {
		height = h
	}
	return s.width(), max(height-1, 1)
}

// printLocked writes a line above the block (the caller holds mu); once the
// view has stopped, just the line.
func (v *liveView) printLocked(line string) {
	if v.ended {
		fmt.Fprintln(v.w, text.Escape(line))
		return
	}
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
// mu): up to its first line, then each line erased and written afresh, each
// cut to the width (a line that wrapped would take two rows); and what is
// left of a taller block before, erased.
func (v *liveView) drawLocked() {
	width, rows := v.size()
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", v.drawn)
	}
	lines := v.render(width-1, rows)
	if len(lines) > rows {
		lines = lines[:rows]
	}
	for _, l := range lines {
		b.WriteString("\r\x1b[2K")
		b.WriteString(truncate(text.Escape(l), width-1))
		b.WriteString("\n")
	}
	if len(lines) < v.drawn {
		b.WriteString("\x1b[J")
	}
	v.drawn = len(lines)
	io.WriteString(v.w, b.String())
}

// Stop draws the last state and ends the redrawing; safe to call twice.
// The last frame stays on screen, and whatever is written after it (the
// result on stdout, a Note) goes below it: nothing draws over it again.
func (v *liveView) Stop() {
	v.once.Do(func() {
		close(v.stop)
		<-v.done
	})
}

// fitRows keeps n lines to rows: all of them when they fit; else the first
// rows-1, line(i) each, and one line that sums up the others by their
// states, e.g. "… and 41 more: 30 InProgress, 11 Queued". noun names what
// the lines are, for a summary with no line above it.
func fitRows(n, rows int, noun string, line func(i int) string, state func(i int) string) []string {
	shown := shownRows(n, rows)
	lines := make([]string, 0, min(n, rows))
	for i := range shown {
		lines = append(lines, line(i))
	}
	if shown == n {
		return lines
	}
	counts := map[string]int{}
	for i := shown; i < n; i++ {
		counts[state(i)]++
	}
	states := make([]string, 0, len(counts))
	for s := range counts {
		states = append(states, s)
	}
	slices.SortFunc(states, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(states))
	for i, s := range states {
		parts[i] = fmt.Sprintf("%d %s", counts[s], s)
	}
	if shown == 0 {
		return append(lines, fmt.Sprintf("%d %s: %s", n, noun, strings.Join(parts, ", ")))
	}
	return append(lines, fmt.Sprintf("… and %d more: %s", n-shown, strings.Join(parts, ", ")))
}

// shownRows is how many of n lines fitRows shows in rows.
func shownRows(n, rows int) int {
	if n > rows {
		return max(rows-1, 0)
	}
	return n
}

// runes is the length of s in runes: the cells it takes on a terminal, for
// the escaped text live views show.
func runes(s string) int { return len([]rune(s)) }

// cut shortens s to width runes, ending with "…" when it was longer.
func cut(s string, width int) string {
	if runes(s) <= width {
		return s
	}
	if width <= 1 {
		return truncate("…", width)
	}
	return truncate(s, width-1) + "…"
}
