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
	outcome               string // how it ended: downloaded, resumed, skipped, failed
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
		p.live = newLiveView(s, &p.mu, p.block)
	}
	return p
}

// block is the live view's lines for a terminal width columns wide with
// rows to use (the caller holds mu): a bar per file, all with the same
// column of names, cut on a narrow terminal so that the progress shows;
// files that do not fit the rows are summed up on the last line.
func (p *DownloadProgress) block(width, rows int) []string {
	now := p.now()
	shown := shownRows(len(p.files), rows)
	longest := 0
	for _, f := range p.files[:shown] {
		if f.outcome != string(download.Failed) { // an error may be long, and is cut at its end
			longest = max(longest, runes(f.progress(now)))
		}
	}
	nameWidth := min(max(width-1-longest, minName), maxName)
	return fitRows(len(p.files), rows, "files", func(i int) string {
		return p.files[i].bar(now, width, nameWidth)
	}, func(i int) string { return p.files[i].kind() })
}

// A bar's column of names is maxName wide, or on a narrow terminal as
// narrow as minName.
const (
	maxName = 28
	minName = 8
)

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
	case download.Progressed, download.Verifying:
		if !f.ended {
			f.state = "" // bytes flow again: a retry note is old news
		}
		if e.Kind == download.Progressed && !p.tty && now.Sub(f.lastLine) >= plainEvery {
			f.lastLine = now
			p.line("%s: %s", f.name, f.status(now))
		}
	case download.Retrying:
		f.state = fmt.Sprintf("retrying in %s: %v", backoff.Round(e.Wait), e.Err)
		if !p.tty && now.Sub(f.lastLine) >= plainEvery { // off a terminal: a line every 10 s at most
			f.lastLine = now
			p.line("%s: %s", f.name, f.state)
		}
	case download.Finished:
		f.ended, f.outcome = true, string(e.Outcome)
		switch {
		case e.Err != nil:
			f.state, f.outcome = "failed: "+e.Err.Error(), string(download.Failed)
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

// bar is one file's line: its name in a column nameWidth wide, a bar, bytes
// of total, percent, rate, and time left, and a retry note while one
// stands; or its end.
func (f *fileProgress) bar(now time.Time, width, nameWidth int) string {
	name := fmt.Sprintf("%-*s", nameWidth, cut(f.name, nameWidth))
	if f.ended || f.began.IsZero() {
		return truncate(name+" "+f.progress(now), width)
	}
	status := f.status(now)
	if f.state != "" {
		status += "  " + f.state
	}
	barWidth := min(width-nameWidth-2-runes(status)-3, 40)
	bar := ""
	if barWidth >= 5 && f.total > 0 {
		filled := int(int64(barWidth) * f.bytes / f.total)
		bar = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] "
	}
	return truncate(name+" "+bar+status, width)
}

// progress is what a file's line must show, whatever the width: its
// status (without a retry note), its end, or "waiting".
func (f *fileProgress) progress(now time.Time) string {
	switch {
	case f.ended:
		return f.state
	case f.began.IsZero():
		return "waiting"
	}
	return f.status(now)
}

// kind is a word for where a file is: waiting, downloading, retrying, or
// how it ended.
func (f *fileProgress) kind() string {
	switch {
	case f.ended:
		return f.outcome
	case f.began.IsZero():
		return "waiting"
	case f.state != "":
		return "retrying"
	}
	return "downloading"
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
