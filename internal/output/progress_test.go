package output

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/briandowns/spinner"
)

// sgr matches an ANSI colour or style sequence.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestProgressPlain(t *testing.T) {
	t.Parallel()
	// A forced terminal with colour, on a buffer: plain lines stay plain.
	s, _, out, errOut := Test()
	s.SetStdoutTTY(true)
	s.SetColorEnabled(true)
	p := NewProgress(s, false, false)
	p.Update("export job 6b05: Queued")
	p.Update("export job 6b05: Queued")
	p.Note("export job 6b05: will check again: 503 Service Unavailable")
	p.Note("export job 6b05: will check again: 503 Service Unavailable")
	p.Update("export job 6b05: Queued") // same state as before the Notes
	p.Update("export job 6b05: InProgress (12/42 collections)")
	p.Update("export job 6b05: InProgress (12/42 collections)")
	p.Update("export job 6b05: Queued")
	p.Stop()
	p.Stop()

	want := "export job 6b05: Queued\n" +
		"export job 6b05: will check again: 503 Service Unavailable\n" +
		"export job 6b05: will check again: 503 Service Unavailable\n" +
		"export job 6b05: InProgress (12/42 collections)\n" +
		"export job 6b05: Queued\n"
	if got := errOut.String(); got != want {
		t.Errorf("stderr:\n%q\nwant:\n%q", got, want)
	}
	if strings.Contains(errOut.String(), "\x1b") {
		t.Errorf("stderr has an escape sequence: %q", errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", out.String())
	}
}

func TestProgressQuiet(t *testing.T) {
	t.Parallel()
	s, _, out, errOut := Test()
	s.SetStderrTTY(true)
	p := NewProgress(s, true, false)
	p.Update("export job 6b05: Queued")
	p.Note("export job 6b05: will check again: 503 Service Unavailable")
	p.Stop()
	p.Stop()
	if errOut.Len() != 0 || out.Len() != 0 {
		t.Errorf("quiet wrote stderr %q, stdout %q", errOut.String(), out.String())
	}
}

func TestNewProgressSelection(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	tests := []struct {
		name    string
		streams func(t *testing.T) Streams
		quiet   bool
		want    string
	}{
		{name: "buffer", streams: func(*testing.T) Streams { s, _, _, _ := Test(); return s }, want: "plain"},
		{name: "terminal facts on a buffer", streams: func(*testing.T) Streams {
			s, _, _, _ := Test()
			s.SetStderrTTY(true) // a buffer takes no spinner: it cannot be asked
			return s
		}, want: "plain"},
		{name: "forced TTY with a pipe", streams: func(*testing.T) Streams { return newSystem(nil, nil, w, env(ForceTTYEnv, "1")) }, want: "plain"},
		{name: "forced TTY with a file", streams: func(*testing.T) Streams { return newSystem(nil, nil, file, env(ForceTTYEnv, "1")) }, want: "plain"},
		{name: "no stderr", streams: func(*testing.T) Streams { return Streams{} }, want: "plain"},
		{name: "quiet", streams: func(*testing.T) Streams { s, _, _, _ := Test(); return s }, quiet: true, want: "nothing"},
		{name: "terminal", streams: func(t *testing.T) Streams { return newSystem(nil, nil, openTerminal(t), env()) }, want: "spinner"},
		{name: "quiet terminal", streams: func(t *testing.T) Streams { return newSystem(nil, nil, openTerminal(t), env()) }, quiet: true, want: "nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewProgress(tt.streams(t), tt.quiet, false)
			defer p.Stop()
			var got string
			switch p.(type) {
			case nopProgress:
				got = "nothing"
			case *lineProgress:
				got = "plain"
			case *spinnerProgress:
				got = "spinner"
			default:
				got = "unknown"
			}
			if got != tt.want {
				t.Errorf("NewProgress chose %s (%T), want %s", got, p, tt.want)
			}
		})
	}
}

// TestProgressSpinnerOnTerminal checks how NewProgress wires the spinner to a
// real terminal on stderr: it checks and draws on that file, never stdout,
// and through the colour filter when colour is off.
func TestProgressSpinnerOnTerminal(t *testing.T) {
	for _, tt := range []struct {
		name     string
		noColor  bool
		noColEnv string
		color    bool
	}{
		{name: "colour", color: true},
		{name: "--no-color", noColor: true},
		{name: "NO_COLOR", noColEnv: "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tty := openTerminal(t)
			p, ok := NewProgress(newSystem(nil, nil, tty, env("NO_COLOR", tt.noColEnv)), false, tt.noColor).(*spinnerProgress)
			if !ok {
				t.Fatalf("a terminal on stderr did not get a spinner")
			}
			if p.sp.WriterFile != tty {
				t.Errorf("spinner checks %v for a terminal, want stderr", p.sp.WriterFile)
			}
			var drawsOn any = p.sp.Writer
			if st, ok := drawsOn.(*sgrStripper); ok {
				if tt.color {
					t.Error("colour is on, but the spinner draws through the colour filter")
				}
				drawsOn = st.w
			} else if !tt.color {
				t.Error("colour is off, but the spinner draws without the colour filter")
			}
			if drawsOn != any(tty) {
				t.Errorf("spinner draws on %v, want stderr", drawsOn)
			}
			// Draw a frame on the real terminal, then stop.
			frames := countFrames(p)
			p.Update("export job 6b05: Queued")
			waitFrames(t, frames, 1)
			p.Stop()
			p.Stop()
		})
	}
}

// TestProgressSpinnerOutput runs the spinner against a terminal for its
// terminal check but records what it draws.
func TestProgressSpinnerOutput(t *testing.T) {
	tty := openTerminal(t)
	var drawn Buffer
	p := newSpinnerProgress(tty, &drawn, false)
	p.sp.Delay = time.Millisecond
	frames := countFrames(p)

	p.Note("before any state")
	p.Update("export job 6b05: Queued")
	waitFrames(t, frames, 1)
	p.Note("export job 6b05: will check again: 503 Service Unavailable")
	waitFrames(t, frames, 2) // the Note goes out just before the next frame
	p.Update("export job 6b05: InProgress (12/42 collections)")
	waitFrames(t, frames, 2)
	p.Note("waiting at Stop")
	p.Stop()
	p.Stop()
	p.Update("state after Stop")
	p.Note("note after Stop")
	got := drawn.String()

	for _, want := range []string{
		"before any state\n",
		" export job 6b05: Queued",
		"\r\x1b[K" + "export job 6b05: will check again: 503 Service Unavailable\n",
		" export job 6b05: InProgress (12/42 collections)",
		"\r\x1b[K" + "waiting at Stop\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("spinner output lacks %q:\n%q", want, got)
		}
	}
	if !strings.HasPrefix(got, "before any state\n") {
		t.Errorf("a Note before the first state did not come first:\n%q", got)
	}
	// The last Note goes out with a last frame or at Stop, once either way.
	if n := strings.Count(got, "waiting at Stop\n"); n != 1 {
		t.Errorf("the Note pending at Stop was written %d times:\n%q", n, got)
	}
	if !strings.Contains(got, "\x1b[?25h\r\x1b[K") || !strings.HasSuffix(got, "waiting at Stop\n"+"export job 6b05: InProgress (12/42 collections)\n"+"note after Stop\n") {
		t.Errorf("Stop did not show the cursor, erase the spinner's line, write the Notes and leave the last state:\n%q", got)
	}
	if strings.Contains(got, "state after Stop") {
		t.Errorf("an Update after Stop was drawn:\n%q", got)
	}
	if m := sgr.FindString(got); m != "" {
		t.Errorf("colour is off, but the spinner wrote %q:\n%q", m, got)
	}
}

func TestSGRStripper(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"plain", []string{"abc"}, "abc"},
		{"colour", []string{"\r\x1b[37m⣾\x1b[0m export"}, "\r⣾ export"},
		{"several params", []string{"\x1b[1;36mx\x1b[m"}, "x"},
		{"erase and cursor kept", []string{"\x1b[?25l\r\x1b[K\x1b[F\x1b[K\x1b[?25h"}, "\x1b[?25l\r\x1b[K\x1b[F\x1b[K\x1b[?25h"},
		{"split colour", []string{"a\x1b", "[3", "6", "mb\x1b[", "0m"}, "ab"},
		{"split erase", []string{"\r\x1b", "[", "K"}, "\r\x1b[K"},
		{"lone escape", []string{"\x1bx\x1b\x1b[31my"}, "\x1bx\x1by"},
		{"control inside", []string{"\x1b[3\n"}, "\x1b[3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := &sgrStripper{w: &buf}
			for _, w := range tt.writes {
				if n, err := s.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// countFrames returns a channel that receives once per frame the spinner
// draws. Call it before the spinner starts.
func countFrames(p *spinnerProgress) <-chan struct{} {
	frames := make(chan struct{}, 1000)
	p.sp.PostUpdate = func(*spinner.Spinner) {
		select {
		case frames <- struct{}{}:
		default:
		}
	}
	return frames
}

// waitFrames waits until the spinner has drawn n more frames.
func waitFrames(t *testing.T, frames <-chan struct{}, n int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case <-frames:
		case <-timeout:
			t.Fatalf("the spinner drew no frame in 10s")
		}
	}
}
