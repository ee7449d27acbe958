package output

import (
	"fmt"
	"io"
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
		m.width = max(m.width, len(m.labels[i]))
	}
	if s.drawsOnStderr() && !quiet {
		m.live = newLiveView(s, &m.mu, func(int) []string {
			lines := make([]string, len(m.labels))
			for i, l := range m.labels {
				st := m.state[i]
				if st == "" {
					st = "waiting"
				}
				lines[i] = fmt.Sprintf("%-*s  %s", m.width, l, st)
			}
			return lines
		})
	}
	return m
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
