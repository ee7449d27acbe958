package main

import (
	"bytes"
	"math"
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

// A watch of a job lasting T, checking every I, makes at most ceil(T/I)+1 GETs.
func TestWatchPollCount(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a job that takes 1.5s")
	}
	const T, I = 1500 * time.Millisecond, 400 * time.Millisecond
	sb, env := startSandbox(t, "keys", sandbox.WithJobDuration(T))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code := cmd.Main([]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest",
		"--bucket-id", sandbox.DemoBucketID, "--watch", "--interval", I.String()},
		output.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, cmd.BuildInfo{Version: "test"})
	if code != 0 || !strings.Contains(out.String(), "Successful") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	most := int(math.Ceil(float64(T)/float64(I))) + 1
	if n := polls(sb); n > most || n < 2 {
		t.Errorf("%d GETs of the job, want from 2 to %d", n, most)
	}
}

// SIGINT and SIGTERM stop a watch at once with exit code 130 or 143, and
// say how to resume.
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
	if !strings.Contains(res.stderr, "it keeps running. Resume with: atlas-backup export watch ") || res.stdout != "" {
		t.Errorf("%s", res)
	}
}
