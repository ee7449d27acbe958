package output

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/backoff"
	"github.com/atlas-backup/atlas-backup/internal/download"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// DownloadProgress shows archive downloads on stderr: a bar per file on a
// terminal (name, bytes of total, percent, rate, time left), redrawn a few
// times a second; elsewhere a line when a file starts, one when it ends, and
// at most one every 10s in between. Nothing when quiet.
type DownloadProgress struct {
	w     io.Writer
	quiet bool
	tty   bool
	now   func() time.Time

	mu    sync.Mutex
	files []*fileProgress
	live  *liveView // on a terminal
}

type fileProgress struct {
	name                  string
	bytes, total, resumed int64
	began, lastLine       time.Time
	state                 string // "", a retry note, or the end
	ended                 bool
}

// plainEvery is how often a plain line may report a file's progress.
const plainEvery = 10 * time.Second

// NewDownloadProgress makes the display for names, in the order of the
// downloads' indexes.
func NewDownloadProgress(s Streams, quiet bool, names []string) *DownloadProgress {
	p := &DownloadProgress{w: s.ErrOut, quiet: quiet, now: time.Now}
	if p.w == nil {
		p.w = io.Discard
	}
	for _, n := range names {
		p.files = append(p.files, &fileProgress{name: n, total: -1})
	}
	if s.drawsOnStderr() && !quiet {
		p.tty = true
		p.live = newLiveView(s, &p.mu, func(width int) []string {
			now := p.now()
			lines := make([]string, len(p.files))
			for i, f := range p.files {
				lines[i] = f.bar(now, width)
			}
			return lines
		})
	}
	return p
}

// Event takes a download event.
func (p *DownloadProgress) Event(e download.Event) {
	if p.quiet || e.Index < 0 || e.Index >= len(p.files) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.files[e.Index]
	now := p.now()
	f.bytes = e.Bytes
	if e.Total >= 0 {
		f.total = e.Total
	}
	switch e.Kind {
	case download.Started:
		f.began, f.lastLine, f.resumed = now, now, e.Resumed
		if !p.tty {
			if e.Bytes > 0 {
				p.line("%s: resuming at %s of %s", f.name, download.Size(e.Bytes), sizeOrUnknown(f.total))
			} else {
				p.line("%s: downloading %s", f.name, sizeOrUnknown(f.total))
			}
		}
	case download.Progressed:
		if !p.tty && now.Sub(f.lastLine) >= plainEvery {
			f.lastLine = now
			p.line("%s: %s", f.name, f.status(now))
		}
	case download.Retrying:
		f.state = fmt.Sprintf("retrying in %s: %v", backoff.Round(e.Wait), e.Err)
		if !p.tty {
			p.line("%s: %s", f.name, f.state)
		}
	case download.Finished:
		f.ended = true
		switch {
		case e.Err != nil:
			f.state = "failed: " + e.Err.Error()
		case e.Outcome == download.Skipped:
			f.state = "already complete, skipped"
		default:
			f.state = fmt.Sprintf("%s, %s in %s (%s)", e.Outcome, download.Size(e.Bytes), backoff.Round(now.Sub(f.began)), rate(e.Bytes-f.resumed, now.Sub(f.began)))
		}
		if !p.tty {
			p.line("%s: %s", f.name, f.state)
		}
	}
}

// Stop draws the last state and ends the redrawing. Safe to call twice.
func (p *DownloadProgress) Stop() {
	if p.live != nil {
		p.live.Stop()
	}
}

func (p *DownloadProgress) line(format string, args ...any) {
	fmt.Fprintln(p.w, text.Escape(fmt.Sprintf(format, args...))) // errors may quote an archive host
}

// bar is one file's line: name, a bar, bytes of total, percent, rate, and
// time left; or its end.
func (f *fileProgress) bar(now time.Time, width int) string {
	name := f.name
	if len(name) > 28 {
		name = name[:27] + "…"
	}
	if f.ended || f.began.IsZero() {
		state := f.state
		if f.began.IsZero() && !f.ended {
			state = "waiting"
		}
		return truncate(fmt.Sprintf("%-28s %s", name, state), width)
	}
	status := f.status(now)
	if f.state != "" {
		status += "  " + f.state
	}
	barWidth := width - 28 - 2 - len([]rune(status)) - 3
	if barWidth > 40 {
		barWidth = 40
	}
	bar := ""
	if barWidth >= 5 && f.total > 0 {
		filled := int(int64(barWidth) * f.bytes / f.total)
		bar = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] "
	}
	return truncate(fmt.Sprintf("%-28s %s%s", name, bar, status), width)
}

// status is "12.0 MiB of 64.0 MiB (18%), 40.2 MiB/s, 1s left".
func (f *fileProgress) status(now time.Time) string {
	elapsed := now.Sub(f.began)
	fetched := f.bytes - f.resumed
	s := download.Size(f.bytes)
	if f.total >= 0 {
		s += " of " + download.Size(f.total)
		if f.total > 0 {
			s += fmt.Sprintf(" (%d%%)", f.bytes*100/f.total)
		}
	}
	s += ", " + rate(fetched, elapsed)
	if f.total > 0 && fetched > 0 && elapsed > 0 {
		left := time.Duration(float64(elapsed) * float64(f.total-f.bytes) / float64(fetched))
		s += ", " + backoff.Round(left.Round(time.Second)) + " left"
	}
	return s
}

func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "- /s"
	}
	return download.Size(int64(float64(n)/d.Seconds())) + "/s"
}

func sizeOrUnknown(n int64) string {
	if n < 0 {
		return "(size unknown)"
	}
	return download.Size(n)
}

// truncate cuts s to width runes.
func truncate(s string, width int) string {
	width = max(width, 0)
	if r := []rune(s); len(r) > width {
		return string(r[:width])
	}
	return s
}
