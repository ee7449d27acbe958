package output

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/download"
)

// frameLines is the lines a frame writes, and the rows it moves up first.
func frameLines(t *testing.T, frame string) (up int, lines []string) {
	t.Helper()
	if _, err := fmt.Sscanf(frame, "\x1b[%dA", &up); err == nil {
		frame = frame[strings.Index(frame, "A")+1:]
	}
	frame = strings.TrimSuffix(frame, "\x1b[J")
	for _, l := range strings.SplitAfter(frame, "\n") {
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, "\r\x1b[2K") || !strings.HasSuffix(l, "\n") {
			t.Fatalf("a frame's line is not erased and ended: %q", l)
		}
		lines = append(lines, strings.TrimSuffix(strings.TrimPrefix(l, "\r\x1b[2K"), "\n"))
	}
	return up, lines
}

// sixtyThreeClusters is a fleet of 63 jobs: 30 in progress, 23 queued and
// 10 that have no state yet.
func sixtyThreeClusters(s Streams) *MultiProgress {
	labels := make([]string, 63)
	for i := range labels {
		labels[i] = fmt.Sprintf("cluster-%02d", i+1)
	}
	m := NewMultiProgress(s, false, labels)
	for i := range 53 {
		state := "InProgress (1/4 collections)"
		if i >= 30 {
			state = "Queued"
		}
		m.For(i).Update(fmt.Sprintf("export job 6b16%020d: %s", i, state))
	}
	return m
}

// 63 jobs on a terminal 10 rows high: the block takes 9 rows (the cursor's
// line is the tenth), the first 8 jobs and a line that sums up the other
// 55; each frame moves up over the last and is as tall, so nothing reaches
// the scrollback.
func TestMultiProgressFitsTheHeight(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	m := sixtyThreeClusters(clock.streams(80, 10))
	<-clock.every
	clock.tick(t)
	up, lines := frameLines(t, clock.out.take())
	want := make([]string, 0, 9)
	for i := range 8 {
		want = append(want, fmt.Sprintf("cluster-%02d  export job 6b16%020d: InProgress (1/4 collections)", i+1, i))
	}
	want = append(want, "… and 55 more: 23 Queued, 22 InProgress, 10 waiting")
	if up != 0 || strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("first frame (up %d):\n%s\nwant:\n%s", up, strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	m.For(0).Update("export job 6b16: Successful (4/4 collections)")
	for range 3 {
		clock.tick(t)
		up, lines = frameLines(t, clock.out.take())
		if up != 9 || len(lines) != 9 {
			t.Errorf("a frame moved up %d rows and drew %d lines, want 9 and 9", up, len(lines))
		}
	}
	m.Stop()
	if up, lines = frameLines(t, clock.out.take()); up != 9 || len(lines) != 9 || lines[0] != "cluster-01  export job 6b16: Successful (4/4 collections)" {
		t.Errorf("the last frame moved up %d rows and drew %d lines:\n%s", up, len(lines), strings.Join(lines, "\n"))
	}
}

// On a terminal too small for any job, the one line sums them all up.
func TestMultiProgressOneRow(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	m := sixtyThreeClusters(clock.streams(80, 2))
	<-clock.every
	m.Stop()
	if _, lines := frameLines(t, clock.out.take()); len(lines) != 1 || lines[0] != "63 clusters: 30 InProgress, 23 Queued, 10 waiting" {
		t.Errorf("lines %q", lines)
	}
}

// On a narrow terminal the jobs' kind and ID go first (on every line, so
// that the states stay aligned), then the names are cut: the progress
// always shows.
func TestMultiProgressNarrow(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		width int
		want  []string
	}{
		{120, []string{
			"production-cluster-east-01  export job 6b1600000000000000000001: InProgress (12/42 collections)",
			"production-cluster-east-02  export job 6b1600000000000000000002: Queued",
			"analytics                   waiting",
		}},
		{60, []string{
			"production-cluster-east-01  InProgress (12/42 collections)",
			"production-cluster-east-02  Queued",
			"analytics                   waiting",
		}},
		{50, []string{
			"production-clust…  InProgress (12/42 collections)",
			"production-clust…  Queued",
			"analytics          waiting",
		}},
	} {
		t.Run(fmt.Sprint(tt.width), func(t *testing.T) {
			clock := newManualClock()
			m := NewMultiProgress(clock.streams(tt.width, 24), false, []string{"production-cluster-east-01", "production-cluster-east-02", "analytics"})
			<-clock.every
			m.For(0).Update("export job 6b1600000000000000000001: InProgress (12/42 collections)")
			m.For(1).Update("export job 6b1600000000000000000002: Queued")
			m.Stop()
			_, lines := frameLines(t, clock.out.take())
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("%d columns:\n%s\nwant:\n%s", tt.width, strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, l := range lines {
				if runes(l) > tt.width-1 {
					t.Errorf("%q is wider than %d columns", l, tt.width-1)
				}
			}
		})
	}
}

// Once stopped, a live view moves the cursor no more: what comes after
// (a Note, the result on stdout) goes below its last frame, and stays.
func TestLiveViewAfterStop(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	m := NewMultiProgress(clock.streams(80, 24), false, []string{"demo", "analytics"})
	<-clock.every
	clock.tick(t)
	m.Stop()
	clock.out.take()
	m.Note("2 clusters")
	m.For(0).Note("retrying")
	m.For(0).Update("export job 6b16: Successful")
	if got := clock.out.take(); got != "2 clusters\ndemo: retrying\n" {
		t.Errorf("after Stop: %q", got)
	}
}

// A terminal made shorter while the block is drawn: the next frame fits
// the new height, and the rows the block no longer takes are erased.
func TestLiveViewTerminalShrinks(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	s := clock.streams(80, 24)
	var height atomic.Int32
	height.Store(24)
	s.size = func() (int, int, bool) { return 80, int(height.Load()), true }
	labels := make([]string, 10)
	for i := range labels {
		labels[i] = fmt.Sprintf("c%d", i)
	}
	m := NewMultiProgress(s, false, labels)
	<-clock.every
	clock.tick(t)
	if _, lines := frameLines(t, clock.out.take()); len(lines) != 10 {
		t.Fatalf("%d lines, want 10", len(lines))
	}
	height.Store(5)
	clock.tick(t)
	frame := clock.out.take()
	up, lines := frameLines(t, frame)
	if up != 10 || len(lines) != 4 || lines[3] != "… and 7 more: 7 waiting" || !strings.HasSuffix(frame, "\x1b[J") {
		t.Errorf("up %d, lines %q, frame %q", up, lines, frame)
	}
	m.Stop()
}

// A retry note on a bar stays while the file waits, and goes as soon as
// bytes flow again (or the file is being checked).
func TestDownloadRetryNoteCleared(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	p := NewDownloadProgress(clock.streams(120, 24), false, []string{"a.tar.gz", "b.tar.gz"})
	<-clock.every
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p.mu.Lock()
	p.now = func() time.Time { return now }
	p.mu.Unlock()
	const mib = 1 << 20
	bars := func() []string {
		t.Helper()
		clock.tick(t)
		_, lines := frameLines(t, clock.out.take())
		return lines
	}
	for i := range 2 {
		p.Event(download.Event{Index: i, Kind: download.Started, Total: 64 * mib})
		p.Event(download.Event{Index: i, Kind: download.Retrying, Bytes: 16 * mib, Total: 64 * mib, Wait: 316 * time.Millisecond, Err: errors.New("unexpected EOF")})
	}
	for i, l := range bars() {
		if !strings.HasSuffix(l, "  retrying in 316ms: unexpected EOF") {
			t.Errorf("bar %d while waiting to retry: %q", i, l)
		}
	}
	p.Event(download.Event{Index: 0, Kind: download.Progressed, Bytes: 17 * mib, Total: 64 * mib})
	p.Event(download.Event{Index: 1, Kind: download.Verifying, Bytes: 64 * mib, Total: 64 * mib})
	for i, l := range bars() {
		if strings.Contains(l, "retrying") {
			t.Errorf("bar %d once bytes flow again: %q", i, l)
		}
	}
	p.Stop()
}

// Bars fit the terminal: as many as its height allows, the rest summed up;
// on a narrow one the names are cut so that the progress shows.
func TestDownloadBarsFit(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprintf("restore-6b05f41c000000000000000%d.tar.gz", i)
	}
	p := NewDownloadProgress(clock.streams(60, 5), false, names)
	<-clock.every
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p.mu.Lock()
	p.now = func() time.Time { return now }
	p.mu.Unlock()
	const mib = 1 << 20
	for i := range 3 {
		p.Event(download.Event{Index: i, Kind: download.Started, Total: 64 * mib})
	}
	p.Event(download.Event{Index: 5, Kind: download.Started, Total: 64 * mib})
	p.mu.Lock()
	now = now.Add(4 * time.Second)
	p.mu.Unlock()
	for i := range 3 {
		p.Event(download.Event{Index: i, Kind: download.Progressed, Bytes: 32 * mib, Total: 64 * mib})
	}
	p.Event(download.Event{Index: 9, Kind: download.Finished, Outcome: download.Skipped})
	p.Stop()
	_, lines := frameLines(t, clock.out.take())
	want := []string{
		"restore-6b0… 32.0 MiB of 64.0 MiB (50%), 8.0 MiB/s, 4s left",
		"restore-6b0… 32.0 MiB of 64.0 MiB (50%), 8.0 MiB/s, 4s left",
		"restore-6b0… 32.0 MiB of 64.0 MiB (50%), 8.0 MiB/s, 4s left",
		"… and 7 more: 5 waiting, 1 downloading, 1 skipped",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("bars:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
