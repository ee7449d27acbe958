package output

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
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

func TestTTY(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	tests := []struct {
		name    string
		streams Streams
		force   string
		want    bool
	}{
		{"buffers", Streams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, "", false},
		{"nil streams", Streams{}, "", false},
		{"pipes", Streams{In: r, Out: w, ErrOut: w}, "", false},
		{"regular file", Streams{In: file, Out: file, ErrOut: file}, "", false},
		{"forced", Streams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, "1", true},
		{"forced with true", Streams{}, "true", true},
		{"force off", Streams{In: r, Out: w, ErrOut: w}, "0", false},
		{"force junk", Streams{In: r, Out: w, ErrOut: w}, "yes please", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(ForceTTYEnv, tt.force)
			if got := tt.streams.IsStdinTTY(); got != tt.want {
				t.Errorf("IsStdinTTY() = %v, want %v", got, tt.want)
			}
			if got := tt.streams.IsStdoutTTY(); got != tt.want {
				t.Errorf("IsStdoutTTY() = %v, want %v", got, tt.want)
			}
			if got := tt.streams.IsStderrTTY(); got != tt.want {
				t.Errorf("IsStderrTTY() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTTYRealTerminal(t *testing.T) {
	t.Setenv(ForceTTYEnv, "")
	tty := openTerminal(t)
	s := Streams{In: tty, Out: &bytes.Buffer{}, ErrOut: tty}
	if !s.IsStdinTTY() || !s.IsStderrTTY() {
		t.Error("a terminal on stdin and stderr was not recognised")
	}
	if s.IsStdoutTTY() {
		t.Error("a buffer on stdout was taken for a terminal")
	}
}

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		name     string
		force    string
		noColor  string
		flag     bool
		terminal bool // a real terminal on stderr
		want     bool
	}{
		{name: "terminal", force: "1", want: true},
		{name: "real terminal", terminal: true, want: true},
		{name: "--no-color", force: "1", flag: true, want: false},
		{name: "NO_COLOR=1", force: "1", noColor: "1", want: false},
		{name: "NO_COLOR=false still disables", force: "1", noColor: "false", want: false},
		{name: "stderr not a terminal", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(ForceTTYEnv, tt.force)
			t.Setenv("NO_COLOR", tt.noColor)
			s := Streams{ErrOut: &bytes.Buffer{}}
			if tt.terminal {
				s.ErrOut = openTerminal(t)
			}
			if got := s.ColorEnabled(tt.flag); got != tt.want {
				t.Errorf("ColorEnabled(%v) = %v, want %v", tt.flag, got, tt.want)
			}
		})
	}
}
