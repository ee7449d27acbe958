package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// vt is a terminal as far as atlas-backup's live views need one: a screen
// of width×height cells with autowrap, the scrollback above it, and the
// sequences the views write (cursor up, erase line, erase below). Anything
// else it does not know fails the test: a view must not rely on it.
type vt struct {
	t             *testing.T
	width, height int
	screen        [][]rune
	wrapped       []bool // the row goes on from the one above (autowrap)
	scrollback    []string
	row, col      int // col == width: a wrap is pending
}

func newVT(t *testing.T, width, height int) *vt {
	v := &vt{t: t, width: width, height: height}
	for range height {
		v.screen, v.wrapped = append(v.screen, v.blank()), append(v.wrapped, false)
	}
	return v
}

func (v *vt) blank() []rune { return []rune(strings.Repeat(" ", v.width)) }

// lineFeed moves down a row, scrolling the top row into the scrollback at
// the bottom of the screen.
func (v *vt) lineFeed() {
	if v.row < v.height-1 {
		v.row++
		return
	}
	line := strings.TrimRight(string(v.screen[0]), " ")
	if v.wrapped[0] && len(v.scrollback) > 0 {
		v.scrollback[len(v.scrollback)-1] += line
	} else {
		v.scrollback = append(v.scrollback, line)
	}
	v.screen, v.wrapped = append(v.screen[1:], v.blank()), append(v.wrapped[1:], false)
}

var csi = regexp.MustCompile(`^\x1b\[([?0-9;]*)([A-Za-z])`)

// write takes what the program wrote, as a terminal with ONLCR does ("\n"
// is a new line at column 0).
func (v *vt) write(s string) {
	for len(s) > 0 {
		if m := csi.FindStringSubmatch(s); m != nil {
			s = s[len(m[0]):]
			n, _ := strconv.Atoi(m[1])
			switch {
			case m[2] == "A":
				v.row, v.col = max(v.row-max(n, 1), 0), min(v.col, v.width-1)
			case m[2] == "K" && m[1] == "2":
				v.screen[v.row], v.wrapped[v.row] = v.blank(), false
			case m[2] == "K" && m[1] == "":
				for c := min(v.col, v.width); c < v.width; c++ {
					v.screen[v.row][c] = ' '
				}
			case m[2] == "J" && m[1] == "":
				for c := min(v.col, v.width); c < v.width; c++ {
					v.screen[v.row][c] = ' '
				}
				for r := v.row + 1; r < v.height; r++ {
					v.screen[r], v.wrapped[r] = v.blank(), false
				}
			case m[2] == "m", m[1] == "?25" && (m[2] == "l" || m[2] == "h"):
			default:
				v.t.Fatalf("the terminal got a sequence it does not know: %q", m[0])
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch r {
		case '\r':
			v.col = 0
		case '\n':
			v.col = 0
			v.lineFeed()
		case 0x1b:
			v.t.Fatalf("a raw escape the terminal does not know: %q", s[:min(len(s), 10)])
		default:
			if v.col == v.width {
				v.col = 0
				v.lineFeed()
				v.wrapped[v.row] = true
			}
			v.screen[v.row][v.col] = r
			v.col++
		}
	}
}

// lines is everything the terminal shows or has scrolled away, top to
// bottom, a line that wrapped joined up again, without trailing blank rows.
func (v *vt) lines() []string {
	all := append([]string(nil), v.scrollback...)
	for i, r := range v.screen {
		line := strings.TrimRight(string(r), " ")
		if v.wrapped[i] && len(all) > 0 {
			all[len(all)-1] += line
			continue
		}
		all = append(all, line)
	}
	for len(all) > 0 && all[len(all)-1] == "" {
		all = all[:len(all)-1]
	}
	return all
}

// terminal is the one terminal stdout and stderr share in a run of
// atlas-backup in this process: what was written, in order.
type terminal struct {
	mu      sync.Mutex
	written strings.Builder
}

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.written.Write(p)
}

func (t *terminal) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.written.String()
}

// frames counts the redraws of a live block so far.
func (t *terminal) frames() int {
	return len(regexp.MustCompile(`\x1b\[\d+A\r\x1b\[2K`).FindAllString(t.String(), -1))
}

// runOnTerminal starts atlas-backup in this process with stdout and stderr
// on one terminal of width×height (through output.Streams' test
// overrides) and env as its whole environment; the exit code arrives on
// the channel.
func runOnTerminal(t *testing.T, term *terminal, width, height int, env []string, args ...string) <-chan int {
	t.Helper()
	s, _, _, _ := output.Test()
	s.Out, s.ErrOut = term, term
	s.SetStdoutTTY(true)
	s.SetStderrTTY(true)
	s.SetSize(width, height)
	dir := t.TempDir()
	vars := map[string]string{
		"HOME":                filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME":     filepath.Join(dir, "config"),
		"XDG_CACHE_HOME":      filepath.Join(dir, "cache"),
		"ATLAS_BACKUP_CONFIG": filepath.Join(dir, "config.toml"),
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	getenv := cmd.Option(func(f *cmd.Factory) { f.Getenv = func(k string) string { return vars[k] } })
	done := make(chan int, 1)
	go func() { done <- cmd.Main(args, s, cmd.BuildInfo{Version: "test"}, getenv) }()
	return done
}

// until waits, ten seconds at most, for ready to hold while the run goes on.
func until(t *testing.T, what string, done <-chan int, term *terminal, ready func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ready(); time.Sleep(5 * time.Millisecond) {
		select {
		case code := <-done:
			t.Fatalf("the run ended (exit %d) before %s:\n%s", code, what, term.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened:\n%q", what, term.String())
		}
	}
}

func exitCode(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not end in 10s")
	}
	return -1
}

const fleetSize = 63

// fleetWatchOnTerminal watches a fleet of 63 clusters on a terminal 60
// columns wide and 12 rows high, until at least a few frames are drawn and
// every job has been checked; then end (the jobs' end, or a signal) ends
// it. It returns the exit code and the terminal after it all.
func fleetWatchOnTerminal(t *testing.T, end func(sb *testSandbox)) (int, *vt, *terminal) {
	const width, height = 60, 12
	sb, env := fleetSandbox(t, sandbox.WithJobDuration(time.Hour), sandbox.WithClusters(fleetSize))
	var term terminal
	done := runOnTerminal(t, &term, width, height, env, "export", "create", "--cluster", fleetClusters(fleetSize),
		"--snapshot-id", "latest", "--bucket-id", "demo-export-bucket", "--watch", "--interval", "20ms", "--parallel", "16")
	until(t, "every job checked and frames drawn", done, &term, func() bool {
		return countOp(sb, "getBackupExport", 200) >= fleetSize && term.frames() >= 3
	})
	end(sb)
	code := exitCode(t, done)
	screen := newVT(t, width, height)
	screen.write(term.String())
	return code, screen, &term
}

// checkFleetReport checks that the terminal ends with the whole report, one
// intact row per cluster, and that no more than one block's worth of
// frames reached the scrollback above it.
func checkFleetReport(t *testing.T, v *vt, state string) {
	t.Helper()
	lines := v.lines()
	header := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "CLUSTER ") {
			header = i
		}
	}
	if header < 0 {
		t.Fatalf("no report header on the terminal:\n%s", strings.Join(lines, "\n"))
	}
	rows := lines[header+1:]
	if len(rows) < fleetSize {
		t.Fatalf("%d report rows on the terminal, want %d:\n%s", len(rows), fleetSize, strings.Join(lines[header:], "\n"))
	}
	row := regexp.MustCompile(`^(fleet-\d{3}) +[0-9a-f]{24} +` + state + ` `)
	for i, l := range rows[:fleetSize] {
		m := row.FindStringSubmatch(l)
		if m == nil || m[1] != sandbox.FleetClusterName(i+1) {
			t.Errorf("report row %d was drawn over: %q\n%s", i+1, l, strings.Join(lines[header:], "\n"))
			break
		}
	}
	// The block's lines ("fleet-001  Queued") above the report: one frame
	// at most, the last, as tall as the screen allows.
	block := regexp.MustCompile(`^(fleet-\d{3}  \S|… and \d+ more: )`)
	n := 0
	for _, l := range lines[:header] {
		if block.MatchString(l) {
			n++
		}
	}
	if n > v.height-1 {
		t.Errorf("%d lines of live frames on the terminal above the report, want %d at most (frames piled up)", n, v.height-1)
	}
	// Every live line shows its job's state whole on 60 columns: the job's
	// ID goes first, never the state.
	whole := regexp.MustCompile(`^fleet-\d{3}  (export job [0-9a-f]{24}: )?(waiting|Queued|(InProgress|Successful) \(\d+/\d+ collections\))$`)
	cutLines := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "fleet-") && block.MatchString(l) && !whole.MatchString(l) {
			if cutLines++; cutLines <= 3 {
				t.Errorf("a live line lost its state: %q", l)
			}
		}
	}
}

// Item 1 of issue 17: a fleet watched on a terminal ends with the whole
// report on screen, its rows never drawn over by the live block, and no
// pile of frames in the scrollback; on 60 columns each live line keeps its
// state.
func TestTerminalViewsFleetWatch(t *testing.T) {
	t.Parallel()
	code, v, term := fleetWatchOnTerminal(t, func(sb *testSandbox) { sb.Advance(time.Hour) })
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, term.String())
	}
	checkFleetReport(t, v, "Successful")
	if !strings.Contains(strings.Join(v.lines(), "\n"), "… and ") {
		t.Errorf("63 jobs on 12 rows, but no summary line:\n%s", strings.Join(v.lines(), "\n"))
	}
}

// The same after Ctrl-C: the report of where each job was, whole, and the
// resume commands after it. (This signals the test process itself, so it
// does not run in parallel with other tests: cmd.Main is listening.)
func TestTerminalViewsFleetWatchInterrupted(t *testing.T) {
	code, v, term := fleetWatchOnTerminal(t, func(*testSandbox) {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	})
	if code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, term.String())
	}
	checkFleetReport(t, v, "(Queued|InProgress)")
}

// Item 3: SIGTERM (or Ctrl-C) during a single job's watch prints the last
// state seen on stdout, in the -o format, and the resume command on stderr.
func TestTerminalViewsWatchSignalPrintsLastState(t *testing.T) {
	t.Parallel()
	sb, env := startSandbox(t, "token", sandbox.WithJobDuration(time.Hour))
	exportJob := runAtlasBackup(t, env, "export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket", "-o", "go-template={{.id}}")
	restoreJob := runAtlasBackup(t, env, "restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--delivery-type", "download", "-o", "go-template={{.id}}")
	if exportJob.code != 0 || restoreJob.code != 0 {
		t.Fatalf("setup:\n%s\n%s", exportJob, restoreJob)
	}
	for _, tt := range []struct {
		name   string
		args   []string
		op     string
		sig    syscall.Signal
		code   int
		resume string
	}{
		{"export create", []string{"export", "create", "--cluster", "analytics", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket", "--watch"}, "getBackupExport", syscall.SIGTERM, 143, "atlas-backup export watch "},
		{"restore create", []string{"restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--delivery-type", "download", "--watch"}, "getBackupRestoreJob", syscall.SIGTERM, 143, "atlas-backup restore watch "},
		{"export watch", []string{"export", "watch", exportJob.stdout, "--cluster", "demo"}, "getBackupExport", syscall.SIGINT, 130, "atlas-backup export watch " + exportJob.stdout},
		{"restore watch", []string{"restore", "watch", restoreJob.stdout, "--cluster", "demo"}, "getBackupRestoreJob", syscall.SIGTERM, 143, "atlas-backup restore watch " + restoreJob.stdout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := countOp(sb, tt.op, 200)
			shown := regexp.MustCompile(`(?m)^(export|restore) job [0-9a-f]{24}: \w+`) // the state seen, on stderr
			r := startAtlasBackup(t, env, append(tt.args, "--interval", "1h", "-o", "json")...)
			r.until("the first check", func() bool {
				return countOp(sb, tt.op, 200) > before && shown.MatchString(r.errOut.String())
			})
			res := r.stop(tt.sig)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", res.code, tt.code, res)
			}
			var job struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(res.stdout), &job); err != nil || job.ID == "" {
				t.Errorf("stdout is not the job as JSON (%v)\n%s", err, res)
			}
			if !strings.Contains(res.stderr, "it keeps running. Resume with: "+tt.resume) ||
				!strings.Contains(res.stderr, "(interrupted by "+sigName(tt.sig)+")") {
				t.Errorf("stderr lacks the resume command\n%s", res)
			}
		})
	}
}

func sigName(s syscall.Signal) string {
	if s == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// Item 4: a reader that closes stdout early ends the command quietly, exit
// 0; a created job is still named on stderr (TestCreateClosedStdout).
func TestTerminalViewsClosedStdout(t *testing.T) {
	t.Parallel()
	_, env := startSandbox(t, "token")
	for _, args := range [][]string{
		{"cluster", "list"},
		{"snapshot", "list", "--cluster", "demo", "-o", "json"},
		{"--version"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // | head -0: nobody reads, writes fail with EPIPE
			defer w.Close()
			c := exec.Command(os.Args[0], args...)
			c.Env = append([]string{runMainEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
				"XDG_CONFIG_HOME=" + t.TempDir(), "GORACE=" + raceNoExitSleep}, env...)
			var errOut strings.Builder
			c.Stdout, c.Stderr = w, &errOut
			err = c.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) || err != nil || errOut.Len() != 0 {
				t.Errorf("exit %v, want 0 and nothing on stderr\nstderr: %s", err, errOut.String())
			}
		})
	}
}
