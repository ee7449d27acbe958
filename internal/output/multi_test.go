package output

import (
	"strings"
	"testing"
	"time"
)

// The fleet's live view on a terminal 40 columns wide: a line per cluster,
// redrawn in place at each tick, Notes above it, and the last state drawn at
// Stop.
func TestMultiProgressLiveView(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	s := clock.streams(40, 24)
	var out strings.Builder
	s.Out = &out
	m := NewMultiProgress(s, false, []string{"analytics", "demo"})
	if d := <-clock.every; d != 200*time.Millisecond {
		t.Errorf("the live view redraws every %s, want 200ms", d)
	}
	step := func(what, want string) {
		t.Helper()
		if got := clock.out.take(); got != want {
			t.Errorf("%s wrote\n%q\nwant\n%q", what, got, want)
		}
	}

	m.For(1).Update("export job 6b16: Queued")
	step("an Update between ticks", "")
	clock.tick(t)
	step("the first tick",
		"\r\x1b[2Kanalytics  waiting\n"+
			"\r\x1b[2Kdemo       export job 6b16: Queued\n")
	m.For(0).Note("retrying in 1s: 503 Service Unavailable")
	step("a Note",
		"\x1b[2A\x1b[J"+ // up to the block, erase it
			"analytics: retrying in 1s: 503 Service Unavailable\n"+
			"\r\x1b[2Kanalytics  waiting\n"+
			"\r\x1b[2Kdemo       export job 6b16: Queued\n")
	m.For(0).Update("export job 6b15: InProgress (3/17 collections)")
	clock.tick(t)
	step("a tick after a change: too wide for 39 columns, the jobs go, then the labels are cut, not the states",
		"\x1b[2A"+
			"\r\x1b[2Kanalyti…  InProgress (3/17 collections)\n"+
			"\r\x1b[2Kdemo      Queued\n")
	m.For(1).Update("export job 6b16: \x1b[31mSuccessful")
	m.Stop()
	step("Stop",
		"\x1b[2A"+
			"\r\x1b[2Kanalyti…  InProgress (3/17 collections)\n"+
			"\r\x1b[2Kdemo      \\x1b[31mSuccessful\n") // escaped
	m.Stop()
	m.For(0).Stop()
	step("Stop again", "")
	if out.Len() != 0 {
		t.Errorf("the live view wrote to stdout: %q", out.String())
	}
}

// The same on a pipe: one plain line per change of a cluster's state, no
// escape sequences.
func TestMultiProgressPlainLines(t *testing.T) {
	t.Parallel()
	s, _, out, errOut := Test()
	s.SetColorEnabled(true)
	s.SetStdoutTTY(true)
	m := NewMultiProgress(s, false, []string{"analytics", "demo"})
	m.For(1).Update("export job 6b16: Queued")
	m.For(1).Update("export job 6b16: Queued")
	m.For(0).Note("retrying in 1s: 503 Service Unavailable")
	m.For(0).Update("export job 6b15: InProgress (3/17 collections)")
	m.Note("2 clusters")
	m.Update("ignored")
	m.For(1).Update("export job 6b16: Successful (17/17 collections)")
	m.Stop()
	m.Stop()
	want := "demo: export job 6b16: Queued\n" +
		"analytics: retrying in 1s: 503 Service Unavailable\n" +
		"analytics: export job 6b15: InProgress (3/17 collections)\n" +
		"2 clusters\n" +
		"demo: export job 6b16: Successful (17/17 collections)\n"
	if got := errOut.String(); got != want {
		t.Errorf("stderr:\n%q\nwant:\n%q", got, want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %q", out.String())
	}
}

func TestMultiProgressQuiet(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	m := NewMultiProgress(clock.streams(80, 24), true, []string{"demo"})
	m.For(0).Update("export job 6b16: Queued")
	m.For(0).Note("retrying")
	m.Stop()
	if m.live != nil || len(clock.every) != 0 {
		t.Error("-q started a live view")
	}
	if got := clock.out.take(); got != "" {
		t.Errorf("-q wrote %q", got)
	}
}
