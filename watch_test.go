package main

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

func polls(sb *testSandbox) int {
	n := 0
	for _, r := range sb.Requests() {
		if r.Operation == "getBackupExport" && r.Status == 200 {
			n++
		}
	}
	return n
}

// A watch checking every I makes at most one GET of the job per I after
// the first: over a run of E, at most E/I+1 (the k-th check starts k·I or
// more after the first). The job's end comes from the sandbox's clock, moved
// once the watch has checked a few times, so the test does not wait for it.
func TestWatchPollCount(t *testing.T) {
	const T, I = 2 * time.Second, 25 * time.Millisecond
	sb, env := startSandbox(t, "keys", sandbox.WithJobDuration(T))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	began := time.Now()
	done := make(chan int, 1)
	go func() {
		done <- cmd.Main([]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest",
			"--bucket-id", sandbox.DemoBucketID, "--watch", "--interval", I.String()},
			output.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, cmd.BuildInfo{Version: "test"})
	}()
	var code int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if polls(sb) >= 4 {
			sb.Advance(T)
			code = <-done
			break
		}
		select {
		case code = <-done:
			t.Fatalf("the watch ended before the job did: exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d GETs of the job in 10s, want 4", polls(sb))
		}
	}
	took := time.Since(began)
	if code != 0 || !strings.Contains(out.String(), "Successful") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	most := int(took/I) + 1
	if n := polls(sb); n > most || n < 5 {
		t.Errorf("%d GETs of the job in %s, want from 5 to %d", n, took, most)
	}
}

// SIGINT and SIGTERM stop a watch at once with exit code 130 or 143, print
// the last state seen, and say how to resume.
func TestWatchSignals(t *testing.T) {
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tt.sig.String(), func(t *testing.T) { testWatchSignal(t, tt.sig, tt.code) })
	}
}

func testWatchSignal(t *testing.T, sig syscall.Signal, code int) {
	sb, env := startSandbox(t, "keys", sandbox.WithJobDuration(time.Hour))
	r := startAtlasBackup(t, env, "export", "create", "--cluster", "demo", "--snapshot-id", "latest",
		"--bucket-id", sandbox.DemoBucketID, "--watch", "--interval", "1h")
	r.until("the first poll", func() bool { return polls(sb) > 0 })
	res := r.stop(sig)
	if res.code != code {
		t.Fatalf("exit %d, want %d\n%s", res.code, code, res)
	}
	if !strings.Contains(res.stderr, "it keeps running. Resume with: atlas-backup export watch ") || !strings.Contains(res.stdout, " Queued ") {
		t.Errorf("%s", res)
	}
}
