package cmd

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// An interrupted watch's message holds one pair of parentheses, not
// "(interrupted (SIGINT))".
func TestInterruptedWording(t *testing.T) {
	for sig, want := range map[syscall.Signal]string{syscall.SIGINT: "interrupted by SIGINT", syscall.SIGTERM: "interrupted by SIGTERM"} {
		if got := (&InterruptedError{Signal: sig}).Error(); got != want {
			t.Errorf("%v: %q, want %q", sig, got, want)
		}
	}
	kind := exportJobKind(scopeOf(testProjectID, "demo"))
	err := kind.watchEnd(&jobs.StoppedError{Kind: "export job", ID: "6b16", Err: &InterruptedError{Signal: syscall.SIGINT}})
	want := "stopped watching export job 6b16; it keeps running. Resume with: atlas-backup export watch 6b16 --cluster demo --project-id " + testProjectID + " (interrupted by SIGINT)"
	if err.Error() != want {
		t.Errorf("message:\n %q\nwant %q", err.Error(), want)
	}
	if exitCode(err) != 130 {
		t.Errorf("exit %d, want 130", exitCode(err))
	}
}

// epipe is a stdout whose reader went away.
type epipe struct{}

func (epipe) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// A watch stopped by a signal prints the last state it saw (a CI artifact
// is never empty), then returns the interruption; a usage error prints
// nothing; a reader that went away does not hide how the watch ended.
func TestPrintEnd(t *testing.T) {
	p, err := output.New("json")
	if err != nil {
		t.Fatal(err)
	}
	last := &output.Value{Raw: []byte(`{"id":"6b16","state":"Queued"}`)}
	interrupted := &watchError{msg: "stopped watching export job 6b16", err: &InterruptedError{Signal: syscall.SIGTERM}}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"signal", interrupted, "{\n  \"id\": \"6b16\",\n  \"state\": \"Queued\"\n}\n"},
		{"ended", nil, "{\n  \"id\": \"6b16\",\n  \"state\": \"Queued\"\n}\n"},
		{"usage", &UsageError{Err: errors.New("--interval 0s")}, ""},
	} {
		s, _, out, _ := output.Test()
		if got := printEnd(s, p, last, tt.err); got != tt.err {
			t.Errorf("%s: returned %v, want %v", tt.name, got, tt.err)
		}
		if out.String() != tt.want {
			t.Errorf("%s: stdout %q, want %q", tt.name, out.String(), tt.want)
		}
	}
	s, _, _, _ := output.Test()
	s.Out = epipe{}
	if got := printEnd(s, p, last, interrupted); got != error(interrupted) || exitCode(got) != 143 {
		t.Errorf("closed stdout after a signal: %v (exit %d), want the interruption", got, exitCode(got))
	}
	failed := &WatchFailedError{Msg: "export job 6b16 failed"}
	if got := printEnd(s, p, last, failed); got != error(failed) {
		t.Errorf("closed stdout after a failed job: %v, want the failure", got)
	}
	if got := printEnd(s, p, last, nil); !errors.Is(got, syscall.EPIPE) {
		t.Errorf("closed stdout after success: %v, want EPIPE (a created job is named with it)", got)
	}
}

// A reader that closes stdout early (| head -0) ends the command quietly:
// nothing on stderr, exit 0.
func TestMainClosedStdout(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"version", "-o", "json"}} {
		s, _, _, errOut := output.Test()
		s.Out = epipe{}
		if code := Main(args, s, BuildInfo{Version: "test"}); code != 0 || errOut.Len() != 0 {
			t.Errorf("%s: exit %d, stderr %q; want 0 and nothing", strings.Join(args, " "), code, errOut.String())
		}
	}
}
