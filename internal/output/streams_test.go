package output

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openTerminal opens a pseudo-terminal master, which is a terminal device,
// or skips the test where there is none.
func openTerminal(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// openPipe returns the write end of a pipe.
func openPipe(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return w
}

// openFile returns a regular file.
func openFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// env is an environment for newSystem.
func env(kv ...string) func(string) string {
	return func(key string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == key {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestSystemFacts(t *testing.T) {
	t.Parallel()
	type facts struct{ stdin, stdout, stderr, color, draws, size bool }
	for _, tt := range []struct {
		name    string
		files   func(t *testing.T) (in, out, errOut *os.File)
		env     []string
		want    facts
		wantIn  bool // stdinTerm: a secret is read without echo
		noColor bool
	}{
		{name: "pipes", files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openPipe(t), openPipe(t), openPipe(t)
		}},
		{name: "regular files", files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openFile(t), openFile(t), openFile(t)
		}},
		{name: "closed streams", files: func(*testing.T) (*os.File, *os.File, *os.File) { return nil, nil, nil }},
		{name: "forced", env: []string{ForceTTYEnv, "1"}, files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openPipe(t), openPipe(t), openPipe(t)
		}, want: facts{stdin: true, stdout: true, stderr: true, color: true}},
		{name: "forced with true", env: []string{ForceTTYEnv, "true"}, files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return nil, nil, nil
		}, want: facts{stdin: true, stdout: true, stderr: true, color: true}},
		{name: "forced, NO_COLOR", env: []string{ForceTTYEnv, "1", "NO_COLOR", "1"}, files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openPipe(t), openPipe(t), openPipe(t)
		}, want: facts{stdin: true, stdout: true, stderr: true}},
		{name: "NO_COLOR=false still disables", env: []string{ForceTTYEnv, "1", "NO_COLOR", "false"}, files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openPipe(t), openPipe(t), openPipe(t)
		}, want: facts{stdin: true, stdout: true, stderr: true}},
		{name: "force off", env: []string{ForceTTYEnv, "0"}, files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openPipe(t), openPipe(t), openPipe(t)
		}},
		{name: "force junk", env: []string{ForceTTYEnv, "yes please"}, files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openPipe(t), openPipe(t), openPipe(t)
		}},
		{name: "terminal on stdin and stderr", files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openTerminal(t), openFile(t), openTerminal(t)
		}, want: facts{stdin: true, stderr: true, color: true, draws: true, size: true}, wantIn: true},
		{name: "terminal, NO_COLOR", env: []string{"NO_COLOR", "1"}, files: func(t *testing.T) (*os.File, *os.File, *os.File) {
			return openPipe(t), openTerminal(t), openTerminal(t)
		}, want: facts{stdout: true, stderr: true, draws: true, size: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, out, errOut := tt.files(t)
			s := newSystem(in, out, errOut, env(tt.env...))
			_, _, size := s.Size()
			got := facts{s.IsStdinTTY(), s.IsStdoutTTY(), s.IsStderrTTY(), s.ColorEnabled(), s.drawsOnStderr(), size}
			if got != tt.want {
				t.Errorf("facts %+v, want %+v", got, tt.want)
			}
			if s.stdinTerm != tt.wantIn {
				t.Errorf("stdin a real terminal: %v, want %v", s.stdinTerm, tt.wantIn)
			}
		})
	}
}

// The facts are decided when the streams are made, not when they are asked.
func TestSystemDecidesOnce(t *testing.T) {
	t.Setenv(ForceTTYEnv, "")
	t.Setenv("NO_COLOR", "")
	s := System()
	before := [4]bool{s.IsStdinTTY(), s.IsStdoutTTY(), s.IsStderrTTY(), s.ColorEnabled()}
	t.Setenv(ForceTTYEnv, "1")
	t.Setenv("NO_COLOR", "1")
	if after := [4]bool{s.IsStdinTTY(), s.IsStdoutTTY(), s.IsStderrTTY(), s.ColorEnabled()}; after != before {
		t.Errorf("facts changed with the environment: %v, then %v", before, after)
	}
	if s.In != os.Stdin || s.Out != os.Stdout || s.ErrOut != os.Stderr {
		t.Error("System is not the process's standard streams")
	}
}

func TestTestStreams(t *testing.T) {
	t.Parallel()
	s, in, out, errOut := Test()
	if s.IsStdinTTY() || s.IsStdoutTTY() || s.IsStderrTTY() || s.ColorEnabled() || s.drawsOnStderr() {
		t.Error("Test streams claim a terminal or colour")
	}
	if _, _, ok := s.Size(); ok {
		t.Error("Test streams have a size")
	}
	if s.width() != 80 {
		t.Errorf("width %d without a size, want 80", s.width())
	}
	in.WriteString("x")
	s.Out.Write([]byte("o"))
	s.ErrOut.Write([]byte("e"))
	if b, _ := s.In.(*Buffer); b != in || out.String() != "o" || errOut.String() != "e" {
		t.Error("the returned buffers are not the streams")
	}

	s.SetStdinTTY(true)
	if !s.IsStdinTTY() || s.IsStdoutTTY() || s.IsStderrTTY() {
		t.Error("SetStdinTTY set another stream")
	}
	s.SetStdoutTTY(true)
	if !s.IsStdoutTTY() || s.IsStderrTTY() || s.drawsOnStderr() {
		t.Error("SetStdoutTTY set stderr")
	}
	s.SetStderrTTY(true)
	if !s.IsStderrTTY() || !s.drawsOnStderr() {
		t.Error("SetStderrTTY(true) did not make stderr a terminal to draw on")
	}
	if s.ColorEnabled() {
		t.Error("SetStderrTTY turned colour on")
	}
	s.SetColorEnabled(true)
	if !s.ColorEnabled() {
		t.Error("SetColorEnabled(true) ignored")
	}
	s.SetSize(132, 43)
	if w, h, ok := s.Size(); w != 132 || h != 43 || !ok || s.width() != 132 {
		t.Errorf("Size() = %d, %d, %v after SetSize(132, 43)", w, h, ok)
	}
	s.SetSize(10, 5)
	if s.width() != 80 {
		t.Errorf("width %d for a 10-column terminal, want the 80 fallback", s.width())
	}
	s.SetStderrTTY(false)
	if s.IsStderrTTY() || s.drawsOnStderr() {
		t.Error("SetStderrTTY(false) left stderr a terminal")
	}

	// A literal is never a terminal.
	lit := Streams{In: in, Out: out, ErrOut: errOut}
	if lit.IsStdinTTY() || lit.IsStdoutTTY() || lit.IsStderrTTY() || lit.ColorEnabled() || lit.drawsOnStderr() {
		t.Error("a Streams literal claims a terminal or colour")
	}
}

// manualClock is a redraw clock that ticks when the test says, and a stderr
// that tells the test when something was written, so that the test can wait
// for the frame a tick draws.
type manualClock struct {
	ticks chan time.Time
	every chan time.Duration // each ticker's interval, as it starts
	out   signalBuffer
}

func newManualClock() *manualClock {
	return &manualClock{ticks: make(chan time.Time), every: make(chan time.Duration, 10), out: signalBuffer{wrote: make(chan struct{}, 1000)}}
}

func (c *manualClock) ticker(d time.Duration) (<-chan time.Time, func()) {
	c.every <- d
	return c.ticks, func() {}
}

// streams are Test streams drawing on a terminal of width×height whose
// redraws happen at c's ticks, writing to c.out.
func (c *manualClock) streams(width, height int) Streams {
	s, _, _, _ := Test()
	s.ErrOut = &c.out
	s.SetStderrTTY(true)
	s.SetSize(width, height)
	s.ticker = c.ticker
	return s
}

// tick makes the ticker tick once and waits for the frame it draws.
func (c *manualClock) tick(t *testing.T) {
	t.Helper()
	for len(c.out.wrote) > 0 {
		<-c.out.wrote // the writes made so far
	}
	select {
	case c.ticks <- time.Time{}:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing took the tick")
	}
	select {
	case <-c.out.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("a tick drew nothing")
	}
}

// signalBuffer is a buffer safe for a drawing goroutine and the test's, which
// signals each write.
type signalBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (b *signalBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.wrote <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

// take returns what was written since the last take.
func (b *signalBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}
