package output

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/download"
)

func TestDownloadProgressPlainLines(t *testing.T) {
	t.Parallel()
	s, _, _, errOut := Test()
	s.SetStdoutTTY(true) // stdout a terminal, stderr not: lines
	p := NewDownloadProgress(s, false, []string{"a.tar.gz", "b.tar.gz"})
	clock := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	const mib = 1 << 20
	p.Event(download.Event{Index: 0, Kind: download.Started, Total: 64 * mib})
	p.Event(download.Event{Index: 1, Kind: download.Started, Bytes: 8 * mib, Resumed: 8 * mib, Total: 16 * mib})
	clock = clock.Add(2 * time.Second)
	p.Event(download.Event{Index: 0, Kind: download.Progressed, Bytes: 16 * mib, Total: 64 * mib}) // within 10s: no line
	clock = clock.Add(9 * time.Second)
	p.Event(download.Event{Index: 0, Kind: download.Progressed, Bytes: 32 * mib, Total: 64 * mib})
	p.Event(download.Event{Index: 1, Kind: download.Retrying, Bytes: 9 * mib, Total: 16 * mib, Wait: 2 * time.Second, Err: errors.New("503 Service Unavailable")})
	clock = clock.Add(11 * time.Second)
	p.Event(download.Event{Index: 0, Kind: download.Finished, Bytes: 64 * mib, Total: 64 * mib, Outcome: download.Downloaded})
	p.Event(download.Event{Index: 1, Kind: download.Finished, Bytes: 9 * mib, Total: 16 * mib, Outcome: download.Failed, Err: errors.New("404 Not Found")})
	p.Stop()
	want := `a.tar.gz: downloading 64.0 MiB
b.tar.gz: resuming at 8.0 MiB of 16.0 MiB
a.tar.gz: 32.0 MiB of 64.0 MiB (50%), 2.9 MiB/s, 11s left
b.tar.gz: retrying in 2s: 503 Service Unavailable
a.tar.gz: downloaded, 64.0 MiB in 22s (2.9 MiB/s)
b.tar.gz: failed: 404 Not Found
`
	if got := errOut.String(); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(errOut.String(), "\x1b") {
		t.Error("ANSI codes off a terminal")
	}
}

func TestDownloadProgressQuiet(t *testing.T) {
	t.Parallel()
	s, _, _, errOut := Test()
	s.SetStderrTTY(true)
	p := NewDownloadProgress(s, true, []string{"a.tar.gz"})
	p.Event(download.Event{Index: 0, Kind: download.Started, Total: 10})
	p.Event(download.Event{Index: 0, Kind: download.Finished, Bytes: 10, Outcome: download.Downloaded})
	p.Stop()
	if errOut.Len() != 0 || p.live != nil {
		t.Errorf("-q printed %q", errOut.String())
	}
}

// The bars on a terminal 100 columns wide: nothing until the first tick, then
// the whole block at each tick, redrawn in place; the end of each file at
// Stop.
func TestDownloadProgressBars(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	s := clock.streams(100, 24)
	var out strings.Builder
	s.Out = &out
	p := NewDownloadProgress(s, false, []string{"a.tar.gz", "restore-6b05f41c0000000000000001.tar.gz"})
	if d := <-clock.every; d != 200*time.Millisecond {
		t.Errorf("the bars are redrawn every %s, want 200ms", d)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p.mu.Lock()
	p.now = func() time.Time { return now }
	p.mu.Unlock()
	step := func(what, want string) {
		t.Helper()
		if got := clock.out.take(); got != want {
			t.Errorf("%s wrote\n%q\nwant\n%q", what, got, want)
		}
	}
	const mib = 1 << 20

	p.Event(download.Event{Index: 0, Kind: download.Started, Total: 64 * mib})
	step("a start between ticks", "")
	clock.tick(t)
	step("the first tick",
		"\r\x1b[2Ka.tar.gz                     [                                        ] 0 B of 64.0 MiB (0%), - /s\n"+
			"\r\x1b[2Krestore-6b05f41c00000000000… waiting\n")

	p.mu.Lock()
	now = now.Add(4 * time.Second)
	p.mu.Unlock()
	p.Event(download.Event{Index: 0, Kind: download.Progressed, Bytes: 32 * mib, Total: 64 * mib})
	p.Event(download.Event{Index: 1, Kind: download.Started, Bytes: 8 * mib, Resumed: 8 * mib, Total: 16 * mib})
	p.Event(download.Event{Index: 1, Kind: download.Retrying, Bytes: 8 * mib, Total: 16 * mib, Wait: 2 * time.Second, Err: errors.New("503 Service Unavailable")})
	step("events between ticks", "")
	clock.tick(t)
	step("the next tick: the bar narrows to fit; no room for a bar, the line is cut to 99 columns",
		"\x1b[2A"+
			"\r\x1b[2Ka.tar.gz                     [==========          ] 32.0 MiB of 64.0 MiB (50%), 8.0 MiB/s, 4s left\n"+
			"\r\x1b[2Krestore-6b05f41c00000000000… 8.0 MiB of 16.0 MiB (50%), - /s  retrying in 2s: 503 Service Unavailab\n")

	p.mu.Lock()
	now = now.Add(4 * time.Second)
	p.mu.Unlock()
	p.Event(download.Event{Index: 0, Kind: download.Finished, Bytes: 64 * mib, Total: 64 * mib, Outcome: download.Downloaded})
	p.Event(download.Event{Index: 1, Kind: download.Finished, Bytes: 8 * mib, Total: 16 * mib, Outcome: download.Failed, Err: errors.New("404 Not Found")})
	p.Stop()
	step("Stop",
		"\x1b[2A"+
			"\r\x1b[2Ka.tar.gz                     downloaded, 64.0 MiB in 8s (8.0 MiB/s)\n"+
			"\r\x1b[2Krestore-6b05f41c00000000000… failed: 404 Not Found\n")
	p.Stop()
	step("Stop again", "")
	if out.Len() != 0 {
		t.Errorf("the bars wrote to stdout: %q", out.String())
	}
}

func TestDownloadBar(t *testing.T) {
	t.Parallel()
	began := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := &fileProgress{name: "restore-6b05f41c0000000000000001.tar.gz", bytes: 32 << 20, total: 64 << 20, began: began}
	got := f.bar(began.Add(4*time.Second), 100, 28)
	want := "restore-6b05f41c00000000000… [==========           ] 32.0 MiB of 64.0 MiB (50%), 8.0 MiB/s, 4s left"
	if got != want {
		t.Errorf("bar:\n got %q\nwant %q", got, want)
	}
}

// Off a terminal, retries in a row make a line every 10 s at most, with
// the latest error, as progress does.
func TestDownloadProgressRetryLinesThrottled(t *testing.T) {
	t.Parallel()
	s, _, _, errOut := Test()
	p := NewDownloadProgress(s, false, []string{"a.tar.gz"})
	clock := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	p.Event(download.Event{Index: 0, Kind: download.Started, Total: 1 << 20})
	for range 30 { // 30 retries, one a second
		clock = clock.Add(time.Second)
		p.Event(download.Event{Index: 0, Kind: download.Retrying, Wait: time.Second, Err: errors.New("unexpected EOF")})
	}
	p.Stop()
	if n := strings.Count(errOut.String(), "retrying in"); n != 3 {
		t.Errorf("%d retry lines in 30 s, want 3:\n%s", n, errOut.String())
	}
}
