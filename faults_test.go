package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// faultCase is one run of the real binary against a sandbox with faults
// injected: what it must exit with, how many requests of each operation
// the sandbox must have seen (Digest challenges left out), and what stderr
// must say.
type faultCase struct {
	name   string
	auth   string   // keys (the default), sa, token
	faults []string // sandbox fault specs
	setup  string   // jobs made before the run: export, exports (three), restore
	// args of the command; $JOB is the setup job's ID.
	args        []string
	jobDuration time.Duration // default: an hour
	code        int
	count       map[string]int
	stderr      []string // regexps stderr must match
	stdout      string   // a regexp stdout must match
}

const (
	snap1 = "65f0e0e0d0e0000000000001"
	snap2 = "65f0e0e0d0e0000000000002"
)

var (
	exportCreate  = []string{"export", "create", "--cluster", "demo", "--snapshot-id", snap1, "--bucket-id", sandbox.DemoBucketID}
	restoreCreate = []string{"restore", "create", "--delivery-type", "download", "--cluster", "demo", "--snapshot-id", snap1}
	exportGet     = []string{"export", "get", "$JOB", "--cluster", "demo"}
	exportList    = []string{"export", "list", "--cluster", "demo", "--all", "--limit", "1"}
	restoreCancel = []string{"restore", "cancel", "$JOB", "--cluster", "demo", "--yes"}
)

func with(args []string, more ...string) []string { return append(slices.Clone(args), more...) }

func ops(kv ...any) map[string]int {
	m := map[string]int{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(int)
	}
	return m
}

const (
	retry503   = `^retrying in 0s: 503 Service Unavailable \(attempt 2 of 5\)$`
	unknownOut = `^The create may or may not have started a job; it was not sent again. Check with: atlas-backup (export|restore) list --cluster demo --project-id 65f0a1b2c3d4e5f601234567$`
)

var faultCases = []faultCase{
	// GET: every passing failure is retried, then it succeeds.
	{name: "get 503 twice", setup: "export", faults: []string{"getBackupExport:503:2"}, args: exportGet,
		count: ops("getBackupExport", 3), stderr: []string{retry503, `attempt 3 of 5`}, stdout: `Queued`},
	{name: "get 500", setup: "export", faults: []string{"getBackupExport:500:1"}, args: exportGet,
		count: ops("getBackupExport", 2), stderr: []string{`^retrying in 0s: 500 Internal Server Error \(attempt 2 of 5\)$`}},
	{name: "get 504", setup: "export", faults: []string{"getBackupExport:504:1"}, args: exportGet, count: ops("getBackupExport", 2)},
	{name: "get 429", setup: "export", faults: []string{"getBackupExport:429:1"}, args: exportGet,
		count: ops("getBackupExport", 2), stderr: []string{`^retrying in 0s: 429 Too Many Requests \(attempt 2 of 5\)$`}},
	{name: "get dropped", setup: "export", faults: []string{"getBackupExport:drop:1"}, args: exportGet,
		count: ops("getBackupExport", 2)}, // Go's transport itself resends a GET whose reused connection dropped
	{name: "get body cut", setup: "export", faults: []string{"getBackupExport:cut=20:1"}, args: exportGet,
		count: ops("getBackupExport", 2), stderr: []string{`connection lost before the whole answer came \(attempt 2 of 5\)$`}, stdout: `Queued`},
	{name: "get html page once", setup: "export", faults: []string{"getBackupExport:html:1"}, args: exportGet,
		count: ops("getBackupExport", 2), stderr: []string{`^retrying in 0s: 502 Bad Gateway \(attempt 2 of 5\)$`}},
	{name: "get timeout", setup: "export", faults: []string{"getBackupExport:slow=1m:1"}, args: with(exportGet, "--http-timeout", "1s"),
		count: ops("getBackupExport", 2), stderr: []string{`no complete answer within 1s \(--http-timeout\) \(attempt 2 of 5\)$`}},
	// GET: failures that stay, or that asking again cannot mend.
	{name: "get 502 always", setup: "export", faults: []string{"getBackupExport:502"}, args: exportGet, code: 1,
		count: ops("getBackupExport", 5), stderr: []string{`^Error: 502 \w+: Simulated fault`, `attempt 5 of 5`}},
	{name: "get 503 max-retries 1", setup: "export", faults: []string{"getBackupExport:503"}, args: with(exportGet, "--max-retries", "1"), code: 1,
		count: ops("getBackupExport", 2), stderr: []string{`\(attempt 2 of 2\)$`, `^Error: 503 SERVICE_UNAVAILABLE: `}},
	{name: "get max-retries 0", setup: "export", faults: []string{"getBackupExport:503:1"}, args: with(exportGet, "--max-retries", "0"), code: 1,
		count: ops("getBackupExport", 1)},
	{name: "get html page always", setup: "export", faults: []string{"getBackupExport:html"}, args: with(exportGet, "--max-retries", "1"), code: 1,
		count: ops("getBackupExport", 2), stderr: []string{`^Error: 502 Bad Gateway \(text/html, not an answer from Atlas\): "502 Bad Gateway`}},
	{name: "get 501", setup: "export", faults: []string{"getBackupExport:501"}, args: exportGet, code: 1, count: ops("getBackupExport", 1)},
	{name: "get 404", setup: "export", faults: []string{"getBackupExport:404"}, args: exportGet, code: 4, count: ops("getBackupExport", 1)},
	{name: "get 403", setup: "export", faults: []string{"getBackupExport:403"}, args: exportGet, code: 3, count: ops("getBackupExport", 1)},
	{name: "get 401", setup: "export", faults: []string{"getBackupExport:401"}, args: exportGet, code: 3, count: ops("getBackupExport", 1)},
	{name: "get 400", setup: "export", faults: []string{"getBackupExport:400"}, args: exportGet, code: 5, count: ops("getBackupExport", 1)},
	{name: "get invalid JSON", setup: "export", faults: []string{"getBackupExport:badjson"}, args: exportGet, code: 1,
		count: ops("getBackupExport", 1), stderr: []string{`^Error: unreadable answer to GET /api/atlas/v2/groups/\w+/clusters/demo/backup/exports/\w+: 200 OK, application/vnd.atlas.2023-01-01\+json: invalid JSON: "\{`}},
	{name: "get empty 200", setup: "export", faults: []string{"getBackupExport:empty"}, args: exportGet, code: 1,
		count: ops("getBackupExport", 1), stderr: []string{`: 200 OK, application/vnd.atlas.2023-01-01\+json: empty body$`}},
	{name: "get wrong content type", setup: "export", faults: []string{"getBackupExport:ctype"}, args: exportGet, code: 1,
		count: ops("getBackupExport", 1), stderr: []string{`: 200 OK, text/plain: not JSON: "`}},
	{name: "get enveloped 503", setup: "export", faults: []string{"getBackupExport:503:1"}, args: with(exportGet, "--envelope"),
		count: ops("getBackupExport", 2), stderr: []string{retry503}},
	{name: "get service account 503", auth: "sa", setup: "export", faults: []string{"getBackupExport:503:1"}, args: exportGet,
		count: ops("createToken", 1, "getBackupExport", 2)},
	{name: "get token dropped", auth: "token", setup: "export", faults: []string{"getBackupExport:drop:1"}, args: exportGet,
		count: ops("getBackupExport", 2)}, // a first request: a new connection, so the resend is ours
	// A cancel resent after its answer was lost finds the job cancelled
	// already: Atlas refuses it, and the job says it is done.
	{name: "cancel of a cancelled job", setup: "cancelled", args: restoreCancel,
		count: ops("cancelBackupRestoreJob", 1, "getBackupRestoreJob", 1), stderr: []string{`^Restore job \w+ was cancelled already.$`}},
	{name: "get quiet", setup: "export", faults: []string{"getBackupExport:503:1"}, args: with(exportGet, "-q", "-o", "json"),
		count: ops("getBackupExport", 2), stdout: `"state": "Queued"`},
	{name: "get debug", setup: "export", faults: []string{"getBackupExport:503:1"}, args: with(exportGet, "--debug"),
		count: ops("getBackupExport", 2), stderr: []string{`^> Authorization: Digest REDACTED$`, `^< HTTP/1.1 503 Service Unavailable`, retry503}},
	{name: "get debug service account", auth: "sa", setup: "export", faults: []string{"getBackupExport:429:1"}, args: with(exportGet, "--debug", "-q"),
		count: ops("createToken", 1, "getBackupExport", 2), stderr: []string{`"access_token":"REDACTED"`, `^> Authorization: Bearer REDACTED$`, `^\* retrying in 0s: 429 Too Many Requests`}},

	// Paging with --all: a failure on page 2 is retried; the pages all print.
	{name: "list page 2 dropped", setup: "exports", faults: []string{"listBackupExports:drop:1:1"}, args: exportList,
		count: ops("listBackupExports", 4), stdout: `(?s)Queued.*Queued.*Queued`},
	{name: "list page 2 cut", setup: "exports", faults: []string{"listBackupExports:cut=30:1:1"}, args: exportList,
		count: ops("listBackupExports", 4), stdout: `(?s)Queued.*Queued.*Queued`},
	{name: "list page 3 503", setup: "exports", faults: []string{"listBackupExports:503:1:2"}, args: with(exportList, "-o", "json"),
		count: ops("listBackupExports", 4), stdout: `(?s)"id".*"id".*"id"`},
	// (Pages 2 and 3 go out together once page 1 gives the total: how many
	// attempts the second makes before the first's failure stops it varies.)
	{name: "list page 2 502 always", setup: "exports", faults: []string{"listBackupExports:502:99:1"}, args: with(exportList, "--max-retries", "1"), code: 1,
		stderr: []string{`^Error: 502 \w+: Simulated fault`}},

	// POST: resent only after a 429.
	{name: "create 429", faults: []string{"createBackupExport:429:1"}, args: exportCreate,
		count: ops("createBackupExport", 2), stderr: []string{`^retrying in 0s: 429 Too Many Requests \(attempt 2 of 5\)$`}, stdout: `Queued`},
	{name: "create 429 service account", auth: "sa", faults: []string{"createBackupExport:429:2"}, args: exportCreate,
		count: ops("createToken", 1, "createBackupExport", 3)},
	{name: "create 429 token", auth: "token", faults: []string{"createBackupRestoreJob:429:1"}, args: restoreCreate,
		count: ops("createBackupRestoreJob", 2)},
	{name: "create 429 always", faults: []string{"createBackupExport:429"}, args: exportCreate, code: 5,
		count: ops("createBackupExport", 5), stderr: []string{`^Error: 429 `}},
	{name: "create 503", faults: []string{"createBackupExport:503:1"}, args: exportCreate, code: 1,
		count: ops("createBackupExport", 1), stderr: []string{`^Error: 503 SERVICE_UNAVAILABLE: `, unknownOut}},
	{name: "create 500", faults: []string{"createBackupRestoreJob:500:1"}, args: restoreCreate, code: 1,
		count: ops("createBackupRestoreJob", 1), stderr: []string{unknownOut}},
	{name: "create 502 html", faults: []string{"createBackupExport:html:1"}, args: exportCreate, code: 1,
		count: ops("createBackupExport", 1), stderr: []string{`^Error: 502 Bad Gateway \(text/html`, unknownOut}},
	{name: "create dropped", faults: []string{"createBackupExport:drop:1"}, args: exportCreate, code: 1,
		count: ops("createBackupExport", 1), stderr: []string{`: connection lost before the whole answer came$`, unknownOut}},
	{name: "create body cut", faults: []string{"createBackupExport:cut=10:1"}, args: exportCreate, code: 1,
		count: ops("createBackupExport", 1), stderr: []string{`reading the answer \(200 OK\)`,
			`^Atlas accepted the create, so it most likely started a job, but its answer was lost; it was not sent again. Check with: atlas-backup export list --cluster demo --project-id 65f0a1b2c3d4e5f601234567$`}},
	{name: "create invalid JSON", faults: []string{"createBackupRestoreJob:badjson:1"}, args: restoreCreate, code: 1,
		count: ops("createBackupRestoreJob", 1), stderr: []string{`invalid JSON`, unknownOut}},
	{name: "create timeout", faults: []string{"createBackupExport:slow=1m:1"}, args: with(exportCreate, "--http-timeout", "1s"), code: 1,
		count: ops("createBackupExport", 1), stderr: []string{`no complete answer within 1s`, unknownOut}},
	{name: "create 409", faults: []string{"createBackupExport:409:1"}, args: exportCreate, code: 5, count: ops("createBackupExport", 1)},
	{name: "create 400", faults: []string{"createBackupRestoreJob:400:1"}, args: restoreCreate, code: 5, count: ops("createBackupRestoreJob", 1)},
	{name: "create 404", faults: []string{"createBackupExport:404:1"}, args: exportCreate, code: 4, count: ops("createBackupExport", 1)},

	// The token request: it creates nothing, so it is retried before any method.
	{name: "token 503", auth: "sa", faults: []string{"createToken:503:1"}, args: exportCreate,
		count: ops("createToken", 2, "createBackupExport", 1)},
	{name: "token dropped", auth: "sa", faults: []string{"createToken:drop:1"}, args: exportCreate,
		count: ops("createToken", 2, "createBackupExport", 1)},
	{name: "token refused", auth: "sa", faults: []string{"createToken:401"}, args: exportCreate, code: 3,
		count: ops("createToken", 1), stderr: []string{`^Error: the OAuth token endpoint refused the service account: 401 `}},

	// DELETE (restore cancel) is idempotent: retried like a GET.
	{name: "cancel 503", setup: "restore", faults: []string{"cancelBackupRestoreJob:503:1"}, args: restoreCancel,
		count: ops("cancelBackupRestoreJob", 2), stderr: []string{retry503, `^Cancelled restore job `}},
	{name: "cancel dropped", setup: "restore", faults: []string{"cancelBackupRestoreJob:drop:1"}, args: restoreCancel,
		count: ops("cancelBackupRestoreJob", 2)},
	{name: "cancel 500 always", setup: "restore", faults: []string{"cancelBackupRestoreJob:500"}, args: with(restoreCancel, "--max-retries", "2"), code: 1,
		count: ops("cancelBackupRestoreJob", 3)},
	// (A 404 of the job: one look among the collection restore jobs, which
	// Atlas cannot cancel.)
	{name: "cancel 404", setup: "restore", faults: []string{"cancelBackupRestoreJob:404"}, args: restoreCancel, code: 4,
		count: ops("cancelBackupRestoreJob", 1, "getCollectionRestoreJob", 1)},

	// While watching.
	{name: "create and watch 503", faults: []string{"getBackupExport:503:2"}, jobDuration: 300 * time.Millisecond,
		args: with(exportCreate, "--watch", "--interval", "200ms"), stdout: `Successful`, stderr: []string{retry503}},
	{name: "watch cut", setup: "export", faults: []string{"getBackupExport:cut=5:1"}, jobDuration: 300 * time.Millisecond,
		args: []string{"export", "watch", "$JOB", "--cluster", "demo", "--interval", "200ms"}, stdout: `Successful`},
	{name: "watch restore 429", auth: "sa", setup: "restore", faults: []string{"getBackupRestoreJob:429:1"}, jobDuration: 300 * time.Millisecond,
		args: []string{"restore", "watch", "$JOB", "--cluster", "demo", "--interval", "200ms"}, stdout: `Succeeded`},
	{name: "watch 404", setup: "export", faults: []string{"getBackupExport:404"},
		args: []string{"export", "watch", "$JOB", "--cluster", "demo"}, code: 4, count: ops("getBackupExport", 1),
		stderr: []string{`^Error: 404 `, `^Cluster demo of project \w+ has no export job \w+; see its export jobs with: atlas-backup export list `}},
}

// TestFaults runs every case of faultCases against a sandbox of its own over
// loopback HTTP, with the real binary, and checks that no secret reaches
// stdout or stderr.
func TestFaults(t *testing.T) {
	spec := spectest.Load(t)
	for _, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, spec, tc)
		})
	}
}

func runFaultCase(t *testing.T, spec *spectest.Validator, tc faultCase) {
	opts := []sandbox.Option{sandbox.WithRetryAfter(0), sandbox.WithJobDuration(cmp.Or(tc.jobDuration, time.Hour))}
	for _, s := range tc.faults {
		f, err := sandbox.ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, sandbox.WithFaults(f))
	}
	sb := serveSandbox(t, spec, t.Cleanup, opts...)
	creds := sb.Credentials()
	job := setupJobs(t, sb.api.URL, creds, tc.setup)
	before := len(sb.Requests())
	env := sb.env(cmp.Or(tc.auth, "keys"))
	args := make([]string, len(tc.args))
	for i, a := range tc.args {
		args[i] = strings.ReplaceAll(a, "$JOB", job)
	}
	res := runAtlasBackup(t, env, args...)
	sb.api.Close() // waits for the handlers still running (a slow answer given up on)

	if res.code != tc.code {
		t.Errorf("exit %d, want %d\n%s", res.code, tc.code, res)
	}
	if tc.count != nil {
		got := map[string]int{}
		for _, r := range sb.Requests()[before:] {
			if r.Status == 401 && r.Header.Get("Authorization") == "" {
				continue // a Digest challenge
			}
			got[r.Operation]++
		}
		if !maps.Equal(got, tc.count) {
			t.Errorf("requests per operation %v, want %v\n%s", got, tc.count, res)
		}
	}
	for _, re := range tc.stderr {
		if !regexp.MustCompile("(?m)" + re).MatchString(res.stderr) {
			t.Errorf("stderr lacks %s\n%s", re, res)
		}
	}
	if tc.stdout != "" && !regexp.MustCompile(tc.stdout).MatchString(res.stdout) {
		t.Errorf("stdout lacks %s\n%s", tc.stdout, res)
	}
	if strings.Contains(res.stdout, "retrying") {
		t.Errorf("a retry line on stdout\n%s", res)
	}
	if slices.Contains(args, "-q") && strings.Contains(res.stderr, "retrying") && !slices.Contains(args, "--debug") {
		t.Errorf("-q shows retries\n%s", res)
	}
	for _, secret := range []string{creds.PrivateKey, creds.ClientSecret, creds.AccessToken, "sbx_"} {
		if strings.Contains(res.stdout, secret) || strings.Contains(res.stderr, secret) {
			t.Errorf("a secret (%.4s…) was printed\n%s", secret, res)
		}
	}
	if strings.Count(res.stderr, "Error:") > 1 || strings.Contains(res.stderr, "<html") || strings.Contains(res.stderr, "panic") {
		t.Errorf("stderr is not one readable error\n%s", res)
	}
}

// setupJobs makes the jobs a case needs, through the API client, and
// returns the ID of the (last) one.
func setupJobs(t *testing.T, baseURL string, creds sandbox.Credentials, what string) string {
	if what == "" {
		return ""
	}
	c, err := api.New(api.Options{BaseURL: baseURL, Credentials: api.Credentials{AccessToken: creds.AccessToken}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var id string
	switch what {
	case "export", "exports":
		snaps := sandbox.SeedSnapshotIDs("demo")[:1]
		if what == "exports" {
			snaps = sandbox.SeedSnapshotIDs("demo")[:3]
		}
		for _, s := range snaps {
			j, _, err := c.CreateExport(ctx, sandbox.DemoProjectID, "demo", api.ExportRequest{SnapshotID: s, ExportBucketID: sandbox.DemoBucketID})
			if err != nil {
				t.Fatal(err)
			}
			id = j.ID
		}
	case "restore", "cancelled":
		j, _, err := c.CreateRestore(ctx, sandbox.DemoProjectID, "demo", api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: snap2})
		if err != nil {
			t.Fatal(err)
		}
		id = j.ID
		if what == "cancelled" {
			if err := c.CancelRestore(ctx, sandbox.DemoProjectID, "demo", id); err != nil {
				t.Fatal(err)
			}
		}
	default:
		t.Fatalf("unknown setup %q", what)
	}
	return id
}

// Ctrl-C ends a wait between retries at once: exit 130.
func TestRetryWaitInterrupted(t *testing.T) {
	sb, env := startSandbox(t, "token", sandbox.WithRetryAfter(60), sandbox.WithFaults(sandbox.Fault{Operation: "getBackupExport", Status: 503}))
	job := setupJobs(t, sb.api.URL, sb.Credentials(), "export")
	c := exec.Command(os.Args[0], "export", "get", job, "--cluster", "demo")
	c.Env = append(os.Environ(), append(env, runMainEnv+"=1", "XDG_CONFIG_HOME="+t.TempDir())...)
	var out bytes.Buffer
	c.Stdout = &out
	stderr, err := c.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Signal once the retry line is out: the wait has begun.
	var errOut strings.Builder
	waiting, scanned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errOut.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "retrying in") {
				close(waiting)
			}
		}
	}()
	select {
	case <-waiting:
	case <-time.After(10 * time.Second):
		c.Process.Kill()
		t.Fatal("no retry line")
	}
	began := time.Now()
	if err := c.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-scanned // stderr read to its end, then Wait
	err = c.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\nstderr: %s", err, errOut.String())
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("took %s to stop waiting", took)
	}
	if !strings.Contains(errOut.String(), "retrying in 1m0s: 503 Service Unavailable (attempt 2 of 5)") || out.Len() != 0 {
		t.Errorf("stdout %q\nstderr %q", out.String(), errOut.String())
	}
}

// A created job whose stdout is closed under it is still named on stderr,
// with the command that shows it.
func TestCreateClosedStdout(t *testing.T) {
	_, env := startSandbox(t, "token")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // nobody reads: writes fail with EPIPE
	defer w.Close()
	c := exec.Command(os.Args[0], exportCreate...)
	c.Env = append(os.Environ(), append(env, runMainEnv+"=1", "XDG_CONFIG_HOME="+t.TempDir())...)
	var errOut bytes.Buffer
	c.Stdout, c.Stderr = w, &errOut
	err = c.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\nstderr: %s", err, errOut.String())
	}
	if !regexp.MustCompile(`(?m)broken pipe\nexport job [a-f0-9]{24} was created; see it with: atlas-backup export get [a-f0-9]{24} --cluster demo --project-id 65f0a1b2c3d4e5f601234567$`).MatchString(errOut.String()) {
		t.Errorf("stderr %q", errOut.String())
	}
}

// A host that cannot be reached at all ends at once, with no retry, naming
// the host and the settings that choose it.
func TestUnreachable(t *testing.T) {
	for _, tt := range []struct{ name, base, want string }{
		{"refused", "http://127.0.0.1:1", "Error: cannot reach 127.0.0.1:1: connection refused; check the base URL (--base-url, MONGODB_ATLAS_BASE_URL, or base_url in the config)\n"},
		// Go's resolver answers .onion names itself: no DNS query leaves.
		{"unknown host", "https://atlas.onion.", "Error: cannot reach atlas.onion.: the host name does not resolve; check the base URL (--base-url, MONGODB_ATLAS_BASE_URL, or base_url in the config)\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runAtlasBackup(t, []string{"MONGODB_ATLAS_ACCESS_TOKEN=t0ken", "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID},
				"bucket", "list", "--base-url", tt.base)
			if res.code != 1 || res.stderr != tt.want || res.stdout != "" {
				t.Errorf("exit %d, want 1 and stderr %q\n%s", res.code, tt.want, res)
			}
		})
	}
}
