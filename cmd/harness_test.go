package cmd

// The in-process harness: a command line run through Main, with buffers for
// its streams and an environment of its own, against a sandbox served by
// httptest. No subprocess, no t.Setenv, no sleeping: every test that uses it
// can run in parallel, in milliseconds.

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// harnessNow is the clock of the sandbox and of the commands: fixed, so
// that jobs move only when a test says so (Advance, or a job duration of 0).
var harnessNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// harnessBuild is what the release build would stamp.
var harnessBuild = BuildInfo{Version: "1.2.3", Commit: "abc1234", Date: "2026-11-01"}

// The seeded data the tests name.
var (
	demoSnapshots    = sandbox.SeedSnapshotIDs(sandbox.DemoCluster) // newest first
	analyticsLatest  = sandbox.SeedSnapshotIDs("analytics")[0]
	demoLatest       = demoSnapshots[0]
	demoOlder        = demoSnapshots[1]
	harnessProjectID = sandbox.DemoProjectID
)

// atlas is a sandbox on loopback (and its archive server on a second
// origin), with the environment that points the commands at it. A test may
// change env between runs (a missing credential, another config file).
type atlas struct {
	t   *testing.T
	sb  *sandbox.Server
	URL string
	env map[string]string
	dir string // a fresh directory of the test's: config, cache, downloads

	mu    sync.Mutex
	hooks map[string]func() // operation → what to do once its first request is answered
}

// newAtlas starts a sandbox whose clock stands still at harnessNow, whose
// jobs take an hour (they end when a test advances the clock, or passes
// sandbox.WithJobDuration(0)), whose archives are small and whose injected
// 429s and 5xxs say to retry at once. opts come after those defaults, so
// they can replace them.
func newAtlas(t *testing.T, opts ...sandbox.Option) *atlas {
	t.Helper()
	a := &atlas{t: t, hooks: map[string]func(){}}
	base := []sandbox.Option{
		sandbox.WithLog(a.logged),
		sandbox.WithClock(func() time.Time { return harnessNow }),
		sandbox.WithJobDuration(time.Hour),
		sandbox.WithArchiveSize(16 << 10),
		sandbox.WithRetryAfter(0),
	}
	sb := sandbox.New(append(base, opts...)...)
	api := httptest.NewServer(sb)
	t.Cleanup(api.Close)
	archives := httptest.NewServer(sb.ArchiveHandler())
	t.Cleanup(archives.Close)
	sb.SetArchiveURL(archives.URL)
	a.sb, a.URL, a.dir = sb, api.URL, t.TempDir()
	dir := a.dir
	a.env = map[string]string{
		"MONGODB_ATLAS_BASE_URL":     api.URL,
		"MONGODB_ATLAS_PROJECT_ID":   harnessProjectID,
		"MONGODB_ATLAS_ACCESS_TOKEN": sb.Credentials().AccessToken,
		"HOME":                       dir,
		"XDG_CONFIG_HOME":            filepath.Join(dir, "config"),
		"XDG_CACHE_HOME":             filepath.Join(dir, "cache"),
		"ATLAS_BACKUP_CONFIG":        filepath.Join(dir, "config", "atlas-backup", "config.yaml"),
	}
	return a
}

// after runs do once, when the sandbox has answered the first request of
// the operation from now on (and before the client reads the answer): a
// test moves the sandbox's clock on there, so that a watch sees a job move
// between two checks without waiting for it.
func (a *atlas) after(op string, do func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hooks[op] = do
}

// logged is the sandbox's log: its last word is the operation.
func (a *atlas) logged(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	op := line[strings.LastIndexByte(line, ' ')+1:]
	a.mu.Lock()
	do := a.hooks[op]
	delete(a.hooks, op)
	a.mu.Unlock()
	if do != nil {
		do()
	}
}

// runResult is what a user sees of a run.
type runResult struct {
	stdout, stderr string
	code           int
}

// runSpec is how a command line runs: its stdin, and whether stdin is a
// terminal (for the confirmation prompts).
type runSpec struct {
	stdin    string
	stdinTTY bool
}

// run runs one command line through Main, as the binary would, and
// returns what it printed and its exit code.
func (a *atlas) run(args ...string) runResult {
	a.t.Helper()
	return a.runSpec(runSpec{}, args...)
}

func (a *atlas) runSpec(spec runSpec, args ...string) runResult {
	a.t.Helper()
	streams, in, out, errOut := output.Test()
	in.WriteString(spec.stdin)
	streams.SetStdinTTY(spec.stdinTTY)
	env := a.env
	code := Main(args, streams, harnessBuild, func(f *Factory) {
		f.Getenv = func(k string) string { return env[k] }
		f.Now = func() time.Time { return harnessNow }
	})
	return runResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// requests is the sandbox's log so far, as "METHOD operation" lines.
func (a *atlas) requests() []string {
	var ops []string
	for _, r := range a.sb.Requests() {
		ops = append(ops, r.Method+" "+r.Operation)
	}
	return ops
}

// count is how many requests of the operation the sandbox received.
func (a *atlas) count(op string) int {
	n := 0
	for _, r := range a.sb.Requests() {
		if r.Operation == op {
			n++
		}
	}
	return n
}

// last is the last request of the operation; the test fails without one.
func (a *atlas) last(op string) sandbox.Request {
	a.t.Helper()
	reqs := a.sb.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Operation == op {
			return reqs[i]
		}
	}
	a.t.Fatalf("no %s request; the sandbox saw %q", op, a.requests())
	return sandbox.Request{}
}

// body decodes the last request of the operation's JSON body.
func (a *atlas) body(op string) map[string]any {
	a.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.last(op).Body, &m); err != nil {
		a.t.Fatalf("%s body %q: %v", op, a.last(op).Body, err)
	}
	return m
}

// nothingSent fails the test when the sandbox received any request.
// onlyRead fails the test when anything but reads (GET) was sent: the
// lookups of a pre-flight, and nothing that changes anything.
func (a *atlas) onlyRead() {
	a.t.Helper()
	for _, r := range a.sb.Requests() {
		if r.Method != "GET" {
			a.t.Errorf("%s %s was sent; only reads were allowed", r.Method, r.Path)
		}
	}
}

func (a *atlas) nothingSent() {
	a.t.Helper()
	if reqs := a.requests(); len(reqs) > 0 {
		a.t.Errorf("requests were sent: %q", reqs)
	}
}

// newExport starts an export job of the demo cluster's newest completed
// snapshot (a run of export create, quiet) and returns its ID.
func (a *atlas) newExport() string {
	a.t.Helper()
	r := a.run("export", "create", "--cluster", "demo", "--snapshot-id", demoLatest, "--bucket-id", sandbox.DemoBucketID, "-o", "go-template={{.id}}", "-q")
	if r.code != 0 {
		a.t.Fatalf("export create: exit %d, stderr %q", r.code, r.stderr)
	}
	return r.stdout
}

// newRestore starts a restore job of the cluster (download, or automated
// into the cluster itself) and returns its ID.
func (a *atlas) newRestore(cluster, deliveryType string) string {
	a.t.Helper()
	args := []string{"restore", "create", "--cluster", cluster, "--delivery-type", deliveryType, "--snapshot-id", "latest", "-o", "go-template={{.id}}", "-q"}
	if deliveryType == "automated" {
		args = append(args, "--target-cluster", cluster, "--yes")
	}
	r := a.run(args...)
	if r.code != 0 {
		a.t.Fatalf("restore create: exit %d, stderr %q", r.code, r.stderr)
	}
	return r.stdout
}

// writeFile writes a file in the test's directory and returns its path.
func (a *atlas) writeFile(name, body string) string {
	a.t.Helper()
	path := filepath.Join(a.dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		a.t.Fatal(err)
	}
	return path
}

// check asserts the exit code, and that each of stdout and stderr matches
// its regexps (multi-line mode: ^ and $ are line ends).
func (r runResult) check(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, re := range stdout {
		if !regexp.MustCompile("(?m)" + re).MatchString(r.stdout) {
			t.Errorf("stdout does not match %q:\n%s", re, r.stdout)
		}
	}
	for _, re := range stderr {
		if !regexp.MustCompile("(?m)" + re).MatchString(r.stderr) {
			t.Errorf("stderr does not match %q:\n%s", re, r.stderr)
		}
	}
}

// jsonOut decodes stdout as JSON into v.
func (r runResult) jsonOut(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("stdout is not JSON (%v):\n%s", err, r.stdout)
	}
}

// quoteRE quotes a string for a regexp.
func quoteRE(s string) string { return regexp.QuoteMeta(s) }

// watchTimeout is the --watch-timeout of the tests of a watch that times
// out: the wall clock's, as the watch's own deadline is. It is long enough
// for the first check to come back on a loaded machine, mostly; when it
// does not, the watch ends before its first check, which checkTimeout
// accepts too.
const watchTimeout = "100ms"

// checkTimeout asserts what a watch that timed out printed: the last state
// it saw on stdout, or nothing when it timed out before its first check.
func (r runResult) checkTimeout(t *testing.T, state string) {
	t.Helper()
	if r.code != exitTimeout {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitTimeout, r.stderr)
	}
	switch {
	case strings.Contains(r.stderr, "before its first check"):
		if r.stdout != "" {
			t.Errorf("stdout %q before the first check", r.stdout)
		}
	case !strings.Contains(r.stderr, ", while "+state+";"):
		t.Errorf("stderr does not name the last state, %s:\n%s", state, r.stderr)
	case !regexp.MustCompile(`(?m)^[0-9a-f]{24} .*\b` + state + `\b`).MatchString(r.stdout):
		t.Errorf("stdout does not show the job %s:\n%s", state, r.stdout)
	}
}
