package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

func TestMain(m *testing.M) {
	run := func() {
		var opts []cmd.Option
		if os.Getenv(sandboxJobsEndEnv) != "" {
			opts = append(opts, cmd.WithSandboxOptions(sandbox.WithJobDuration(time.Millisecond)))
		}
		os.Exit(cmd.Main(os.Args[1:], output.System(), cmd.BuildInfo{Version: "test", Commit: "none", Date: "unknown"}, opts...))
	}
	if os.Getenv(runMainEnv) == "1" { // the test binary as atlas-backup, for Go tests of signals
		run()
	}
	// Under -race every run of the binary would sleep a second at exit.
	os.Setenv("GORACE", raceNoExitSleep)
	testscript.Main(m, map[string]func(){"atlas-backup": run})
}

// runMainEnv makes the test binary run as atlas-backup.
const runMainEnv = "ATLAS_BACKUP_TEST_RUN_MAIN"

// sandboxJobsEndEnv makes the jobs of the test binary's --sandbox end at
// once (the shipped binary knows no such variable).
const sandboxJobsEndEnv = "ATLAS_BACKUP_TEST_SANDBOX_JOBS_END"

// raceNoExitSleep keeps a race-enabled child from sleeping at exit.
const raceNoExitSleep = "atexit_sleep_ms=0"

// TestScript runs the end-to-end scripts in testdata/script against the real
// binary. ATLAS_BACKUP_UPDATE=1 rewrites their golden files.
//
// Besides testscript's own commands, scripts have these (each is described
// where it is defined):
//
//	sandbox-start [--job-duration D] [--export-outcome O] … starts the sandbox
//	sandbox-requests                     prints the requests it received
//	sandbox-advance DURATION             moves its clock forward
//	wait-request OPERATION [COUNT]       waits until it has answered COUNT of them
//	exits CODE PROGRAM [ARGS...]         exec with an exact exit status
//	stdout2env NAME                      $NAME = the last stdout, trimmed
//	freeport NAME                        $NAME = a free port on 127.0.0.1
//	waitport PORT                        waits until 127.0.0.1:PORT accepts
//
// Scripts do not wait on the wall clock for a job to progress: jobs last an
// hour unless sandbox-start says otherwise, and a script moves them on with
// sandbox-advance, after wait-request has seen the checks it expects (or, when
// no state before the end matters, starts the sandbox with --job-duration 1ms).
func TestScript(t *testing.T) {
	spec := spectest.Load(t)
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("ATLAS_BACKUP_UPDATE") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("GORACE", raceNoExitSleep)
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "home", ".config"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sandbox-start":    func(ts *testscript.TestScript, neg bool, args []string) { sandboxStart(t, spec, ts, neg, args) },
			"sandbox-requests": sandboxRequests,
			"exits":            exits,
			"stdout2env":       stdout2env,
			"wait-request":     waitRequest,
			"sandbox-advance":  sandboxAdvance,
			"freeport":         freeport,
			"waitport":         waitport,
		},
	})
}

// sandboxStart starts a sandbox in the test process, on loopback, with its
// answers checked against the OpenAPI contract, and its archive server on a
// second loopback server, and exports the environment that points
// atlas-backup at it ($SANDBOX_ARCHIVE_URL is the archive server's base URL).
// Arguments: [--job-duration D] [--export-outcome O] [--restore-outcome O]
// [--snapshot-outcome success|failed] (how on-demand snapshots end)
// [--fault SPEC]... [--retry-after SECONDS] (Retry-After of injected 429, 5xx
// and html faults; 0 lets a script rehearse retries without waiting)
// [--archive-size BYTES] (each download archive's size; default 4 MiB)
// [--clusters N] (adds fleet-001 … fleet-N, replica sets with backup on and
// snapshots).
func sandboxStart(t *testing.T, spec *spectest.Validator, ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sandbox-start")
	}
	opts := []sandbox.Option{sandbox.WithJobDuration(time.Hour)} // jobs finish only where a script says so
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			ts.Fatalf("sandbox-start: %s needs a value", args[i])
		}
		val := args[i+1]
		switch args[i] {
		case "--job-duration":
			d, err := time.ParseDuration(val)
			ts.Check(err)
			opts = append(opts, sandbox.WithJobDuration(d))
		case "--export-outcome", "--restore-outcome":
			o, err := sandbox.ParseOutcome(val, args[i] == "--restore-outcome")
			ts.Check(err)
			if args[i] == "--export-outcome" {
				opts = append(opts, sandbox.WithExportOutcome(o))
			} else {
				opts = append(opts, sandbox.WithRestoreOutcome(o))
			}
		case "--snapshot-outcome":
			o, err := sandbox.ParseSnapshotOutcome(val)
			ts.Check(err)
			opts = append(opts, sandbox.WithSnapshotOutcome(o))
		case "--fault":
			f, err := sandbox.ParseFault(val)
			ts.Check(err)
			opts = append(opts, sandbox.WithFaults(f))
		case "--retry-after":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				ts.Fatalf("sandbox-start: --retry-after %q: want a whole number of seconds, 0 or more", val)
			}
			opts = append(opts, sandbox.WithRetryAfter(n))
		case "--archive-size":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 1 {
				ts.Fatalf("sandbox-start: --archive-size %q: want a whole number of bytes, 1 or more", val)
			}
			opts = append(opts, sandbox.WithArchiveSize(n))
		case "--clusters":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				ts.Fatalf("sandbox-start: --clusters %q: want a whole number of clusters, 0 or more", val)
			}
			opts = append(opts, sandbox.WithClusters(n))
		default:
			ts.Fatalf("sandbox-start: unknown option %s", args[i])
		}
	}
	sb := serveSandbox(t, spec, ts.Defer, opts...)
	sandboxes.Store(ts, &scriptSandbox{Server: sb.Server})
	ts.Defer(func() { sandboxes.Delete(ts) })
	ts.Setenv("SANDBOX_URL", sb.api.URL)
	ts.Setenv("SANDBOX_ARCHIVE_URL", sb.archives.URL)
	// A point in time an hour ago: after every cluster's oldest snapshot.
	pit := time.Now().Add(-time.Hour).Truncate(time.Second)
	ts.Setenv("SANDBOX_PIT", strconv.FormatInt(pit.Unix(), 10))
	ts.Setenv("SANDBOX_PIT_RFC3339", pit.UTC().Format(time.RFC3339))
	for _, kv := range sb.env("keys") {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
}

// sandboxes holds each script's sandbox (the one it started last), for
// sandbox-requests, sandbox-advance and wait-request.
var sandboxes sync.Map // *testscript.TestScript → *scriptSandbox

// scriptSandbox is a script's sandbox and what sandbox-advance did to it. A
// script runs its commands one at a time, so it needs no lock.
type scriptSandbox struct {
	*sandbox.Server
	advanced time.Duration // by sandbox-advance, in all
	// since is the sandbox's time just after the last sandbox-advance (zero
	// before the first): a request received at or after it saw the new time.
	since time.Time
}

// contractCheck validates every API request the CLI sends against the
// OpenAPI contract: those under /api/atlas/v2. The OAuth endpoints are not
// part of it, nor are archive downloads (under /archives/, on the archive
// server's origin, which does not go through this handler at all).
func contractCheck(t *testing.T, spec *spectest.Validator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasPrefix(r.URL.Path, "/api/atlas/v2/") {
			if err := spec.ValidateRequest(r.Clone(r.Context()), body); err != nil {
				t.Errorf("the CLI sent a request the contract does not allow: %s %s: %v", r.Method, r.URL.RequestURI(), err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sandboxRequests prints the requests the script's sandbox received, one
// block each: the request line and status, the headers that matter
// (credentials reduced to their scheme), and the body.
func sandboxRequests(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: sandbox-requests")
	}
	var b strings.Builder
	for _, r := range sandboxOf(ts, "sandbox-requests").Requests() {
		uri := r.Path
		if r.RawQuery != "" {
			uri += "?" + r.RawQuery
		}
		fmt.Fprintf(&b, "%s %s -> %d\n", r.Method, uri, r.Status)
		for _, h := range []string{"Accept", "Content-Type", "Authorization"} {
			if val := r.Header.Get(h); val != "" {
				fmt.Fprintf(&b, "  %s: %s\n", h, api.RedactHeader(h, val))
			}
		}
		if len(r.Body) > 0 {
			fmt.Fprintf(&b, "  %s\n", r.Body)
		}
	}
	ts.Stdout().Write([]byte(b.String()))
}

// exits CODE PROGRAM [ARGS...] runs PROGRAM like exec, keeping its stdout and
// stderr for the assertions that follow, and checks its exit status.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// stdout2env NAME sets $NAME to the last command's stdout, trimmed.
func stdout2env(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: stdout2env NAME")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}

// wait-request OPERATION [COUNT] waits, for ten seconds at most, until the
// script's sandbox has answered COUNT requests of that operation in all
// (default 1; an answer is any status but 401, so a dropped connection is
// not one), and, after a sandbox-advance, until at least one of them was
// received since the last one: a way to know that a command in the
// background has got going, or has made its COUNTth check, without sleeping.
// With sandbox-advance it steps a watch through a job's states, each check
// after an advance seeing the new time even when the watch checked again
// before the advance (the check then does not count):
//
//	exec atlas-backup export create … --watch --interval 20ms &
//	wait-request getBackupExport 1   # the first check: Queued
//	sandbox-advance 2s
//	wait-request getBackupExport 2   # a check at 2s: InProgress
//	sandbox-advance 2s
//	wait
func waitRequest(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: wait-request OPERATION [COUNT]")
	}
	want := 1
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			ts.Fatalf("wait-request: COUNT %q: want a whole number, 1 or more", args[1])
		}
		want = n
	}
	sb := sandboxOf(ts, "wait-request")
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, fresh := 0, sb.since.IsZero()
		for _, r := range sb.Requests() {
			if r.Operation == args[0] && r.Status != 0 && r.Status != http.StatusUnauthorized {
				n++
				fresh = fresh || !r.Received.Before(sb.since)
			}
		}
		if n >= want && fresh {
			return
		}
		if time.Now().After(deadline) {
			if n >= want {
				ts.Fatalf("the sandbox answered %d %s requests in 10s, none since the last sandbox-advance", n, args[0])
			}
			ts.Fatalf("the sandbox answered %d %s requests in 10s, want %d", n, args[0], want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// sandbox-advance DURATION moves the script's sandbox's clock forward by
// DURATION (a Go duration, more than 0): its jobs move on through their
// states as if that time had passed (sandbox-start's --job-duration is
// measured on this clock), so that no script waits for a job on the wall
// clock. Past 5 minutes Digest nonces go stale, and the CLI authenticates
// again (a 401 that wait-request does not count).
func sandboxAdvance(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sandbox-advance DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d <= 0 {
		ts.Fatalf("sandbox-advance: %q: want a duration more than 0, such as 2s", args[0])
	}
	sb := sandboxOf(ts, "sandbox-advance")
	sb.Advance(d)
	sb.advanced += d
	// The sandbox's clock is the wall clock (sandbox-start gives it no other)
	// moved on by Advance; a request that read it before now did not count.
	sb.since = time.Now().Add(sb.advanced)
}

// sandboxOf is the sandbox the script started last.
func sandboxOf(ts *testscript.TestScript, cmd string) *scriptSandbox {
	v, ok := sandboxes.Load(ts)
	if !ok {
		ts.Fatalf("%s: no sandbox-start in this script", cmd)
	}
	return v.(*scriptSandbox)
}

// freeport NAME sets $NAME to a free TCP port on 127.0.0.1.
func freeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ts.Check(ln.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}

// waitport PORT waits, for ten seconds at most, until 127.0.0.1:PORT accepts
// connections.
func waitport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitport PORT")
	}
	addr := net.JoinHostPort("127.0.0.1", args[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
