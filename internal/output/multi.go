package output

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/atlas-backup/atlas-backup/internal/text"
)

// MultiProgress shows many watched jobs at once on stderr: on a terminal a
// live block with a line per job, redrawn in place; elsewhere one line per
// change of a job's state, prefixed with its label (the cluster). Nothing
// when quiet.
type MultiProgress struct {
	w      io.Writer
	quiet  bool
	labels []string
	width  int // of the longest label, for alignment

	mu    sync.Mutex
	state []string
	live  *liveView
}

// NewMultiProgress makes the display, one line per label.
func NewMultiProgress(s Streams, quiet bool, labels []string) *MultiProgress {
	m := &MultiProgress{w: s.ErrOut, quiet: quiet, labels: make([]string, len(labels)), state: make([]string, len(labels))}
	if m.w == nil {
		m.w = io.Discard
	}
	for i, l := range labels {
		m.labels[i] = text.Escape(l) // cluster names, from Atlas with --all-clusters
		m.width = max(m.width, runes(m.labels[i]))
	}
	if s.drawsOnStderr() && !quiet {
		m.live = newLiveView(s, &m.mu, m.block)
	}
	return m
}

// block is the live view's lines for a terminal width columns wide with
// rows to use (the caller holds mu): a line per job, the label (cluster)
// then the job's state, "analytics  export job 6b16…: InProgress (3/17
// collections)". Lines that do not fit the width lose the job (kind and
// ID) first, on every line so that the states stay aligned, then the
// labels are cut: never the state. Jobs that do not fit the rows are summed
// up on the last line by their states.
func (m *MultiProgress) block(width, rows int) []string {
	n := len(m.labels)
	shown := shownRows(n, rows)
	heads, states := make([]string, n), make([]string, n)
	for i := range n {
		heads[i], states[i] = splitState(m.state[i])
	}
	withHeads, longest := true, 0
	for i := range shown {
		if m.width+2+runes(heads[i])+runes(states[i]) > width {
			withHeads = false
		}
		longest = max(longest, runes(states[i]))
	}
	labelWidth := m.width
	if !withHeads && labelWidth+2+longest > width {
		labelWidth = max(width-2-longest, min(m.width, minLabel))
	}
	return fitRows(n, rows, "clusters", func(i int) string {
		st := states[i]
		if withHeads {
			st = heads[i] + st
		}
		return fmt.Sprintf("%-*s  %s", labelWidth, cut(m.labels[i], labelWidth), st)
	}, func(i int) string {
		word, _, _ := strings.Cut(states[i], " ")
		return word
	})
}

// minLabel is the fewest columns a label is cut to on a narrow terminal.
const minLabel = 8

// splitState parses a job's state line, "export job 6b16…: InProgress
// (3/17 collections)", into the job ("export job 6b16…: ") and its state
// ("InProgress (3/17 collections)"); a job with no state yet is "waiting".
func splitState(msg string) (head, state string) {
	if msg == "" {
		return "", "waiting"
	}
	if i := strings.Index(msg, ": "); i >= 0 {
		return msg[:i+2], msg[i+2:]
	}
	return "", msg
}

// For is the Progress of job i.
func (m *MultiProgress) For(i int) Progress { return &oneOfMany{m: m, i: i} }

// Note shows a one-off line.
func (m *MultiProgress) Note(msg string) {
	if m.quiet {
		return
	}
	msg = text.Escape(msg)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live != nil {
		m.live.printLocked(msg)
		return
	}
	fmt.Fprintln(m.w, msg)
}

// Update does nothing: a job's state goes through For. (MultiProgress is a
// Progress so that retry notes can go through it.)
func (m *MultiProgress) Update(string) {}

// Stop draws the last state and ends the redrawing; safe to call twice.
func (m *MultiProgress) Stop() {
	if m.live != nil {
		m.live.Stop()
	}
}

type oneOfMany struct {
	m *MultiProgress
	i int
}

func (o *oneOfMany) Update(msg string) {
	m := o.m
	if m.quiet {
		return
	}
	msg = text.Escape(msg)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state[o.i] == msg {
		return
	}
	m.state[o.i] = msg
	if m.live == nil {
		fmt.Fprintf(m.w, "%s: %s\n", m.labels[o.i], msg)
	}
}

func (o *oneOfMany) Note(msg string) { o.m.Note(o.m.labels[o.i] + ": " + msg) }

// Stop does nothing: the whole display stops with MultiProgress.Stop.
func (o *oneOfMany) Stop() {}
