package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/shell"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// Input that a user or a server controls must never be cut short nor reach
// the terminal as it came: lists of clusters are read whole, and names,
// states and messages from Atlas are escaped wherever they are printed for
// people, while -o json and -o yaml keep them exact.

// --cluster takes names one per line, as well as comma-separated and
// repeated: --cluster "$(cat clusters.txt)" exports every cluster listed.
func TestNamesClusterListReadWhole(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, value string }{
		{"lines", "demo\nanalytics"},
		{"trailing newline", "demo\nanalytics\n"},
		{"CRLF and a blank line", "demo\r\n\r\nanalytics\r\n"},
		{"lines and commas", "demo,\nanalytics"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, env := fleetSandbox(t)
			res := runAtlasBackup(t, env, "export", "create", "--cluster", tt.value, "--snapshot-id", "latest",
				"--bucket-id", "demo-export-bucket", "-o", "json")
			if res.code != 0 {
				t.Fatalf("exit %d\n%s", res.code, res)
			}
			got := fleetReport(t, res)
			if len(got) != 2 || got[0].Cluster != "demo" || got[1].Cluster != "analytics" {
				t.Errorf("report for --cluster %q: %s", tt.value, res.stdout)
			}
			if n := countOp(sb, "createBackupExport", 200); n != 2 {
				t.Errorf("%d exports created, want 2", n)
			}
		})
	}
}

// A name on a later line is checked like the first: a bad one is a usage
// error naming it, and nothing is sent.
func TestNamesClusterListNothingDropped(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t)
	res := runAtlasBackup(t, env, "export", "create", "--cluster", "demo\nanalytics\nmy_db\n", "--snapshot-id", "latest",
		"--bucket-id", "demo-export-bucket")
	if res.code != 2 || !strings.Contains(res.stderr, `Error: --cluster "my_db": must match`) || len(sb.Requests()) != 0 {
		t.Errorf("exit %d, %d requests, want 2 naming my_db and none\n%s", res.code, len(sb.Requests()), res)
	}
	res = runAtlasBackup(t, env, "export", "create", "--cluster", "\n\n", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket")
	if res.code != 2 || !strings.Contains(res.stderr, "Error: --cluster: names no cluster") || len(sb.Requests()) != 0 {
		t.Errorf("exit %d, want 2 saying the list is empty\n%s", res.code, res)
	}
}

// hostileName is a cluster name no real Atlas allows: it clears the screen,
// retitles the terminal, forges a line of its own, and uses an 8-bit CSI.
const hostileName = "evil\x1b[2J\x1b]0;pwned\x07\nFAKE: forged\r\u009b31m"

// hostileDetail is an error message with the same tricks.
const hostileDetail = "refused \x1b[2J\nFAKE: forged \x7f"

// escaped is how hostileName shows on a terminal.
const escapedName = `evil\x1b[2J\x1b]0;pwned\x07\nFAKE: forged\r\u009b31m`

// atlasStub is a small Atlas for one test: answers keyed by "METHOD PATH"
// (the path decoded), each a status and a JSON body, served in turn (the
// last one again once the others are used up). Any other request fails the
// test with the request dumped.
type atlasStub struct {
	t       *testing.T
	mu      sync.Mutex
	answers map[string][]stubAnswer
	*httptest.Server
}

type stubAnswer struct {
	status int
	body   any
}

func newAtlasStub(t *testing.T, answers map[string][]stubAnswer) *atlasStub {
	s := &atlasStub{t: t, answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *atlasStub) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/api/atlas/v2")
	s.mu.Lock()
	queue := s.answers[key]
	if len(queue) == 0 {
		s.mu.Unlock()
		dump, _ := httputil.DumpRequest(r, true)
		s.t.Errorf("unexpected request:\n%s", dump)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	a := queue[0]
	if len(queue) > 1 {
		s.answers[key] = queue[1:]
	}
	s.mu.Unlock()
	body, err := json.Marshal(a.body)
	if err != nil {
		s.t.Error(err)
	}
	w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json")
	if a.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "0")
	}
	w.WriteHeader(a.status)
	w.Write(body)
}

func (s *atlasStub) env() []string {
	return []string{"MONGODB_ATLAS_BASE_URL=" + s.URL, "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID, "MONGODB_ATLAS_ACCESS_TOKEN=t0ken"}
}

func ok(body any) stubAnswer { return stubAnswer{http.StatusOK, body} }

func page(items ...any) map[string]any {
	if items == nil {
		items = []any{}
	}
	return map[string]any{"results": items, "totalCount": len(items), "links": []any{}}
}

const (
	stubBucketID = "65f0b0c0d0e0f00000000001"
	stubSnapshot = "65f0e0e0d0e0000000000001"
	stubJob      = "6b05e9390000000000000001"
)

// clustersPath is where the stub's project lists its clusters.
var clustersPath = "/groups/" + sandbox.DemoProjectID + "/clusters"

// flexClustersPath is where the stub's project lists its Flex clusters:
// none.
var flexClustersPath = "/groups/" + sandbox.DemoProjectID + "/flexClusters"

func noFlexClusters() []stubAnswer { return []stubAnswer{ok(page())} }

func backupPath(cluster, rest string) string { return clustersPath + "/" + cluster + "/backup/" + rest }

// hostileClusters lists demo, a cluster named hostileName, and one with
// backup off whose name and state carry escapes too.
func hostileClusters() []stubAnswer {
	return []stubAnswer{ok(page(
		map[string]any{"id": "c1", "name": "demo", "clusterType": "REPLICASET", "stateName": "IDLE", "backupEnabled": true, "mongoDBVersion": "8.0.4"},
		map[string]any{"id": "c2", "name": hostileName, "clusterType": "REPLICASET", "stateName": "IDLE\x1b[31m\nFAKE: state", "backupEnabled": true, "mongoDBVersion": "8.0.4"},
		map[string]any{"id": "c3", "name": "off\x1b[1m", "clusterType": "REPLICASET", "stateName": "IDLE", "backupEnabled": false, "mongoDBVersion": "8.0.4"},
	))}
}

// assertNoRaw fails when out holds a byte that drives a terminal, or a line
// forged by a name.
func assertNoRaw(t *testing.T, what, out string) {
	t.Helper()
	if i := strings.IndexFunc(out, func(r rune) bool {
		return r != '\n' && (r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0))
	}); i >= 0 {
		t.Errorf("%s holds a raw control character %q at %d:\n%s", what, out[i:min(i+4, len(out))], i, out)
	}
	if regexp.MustCompile(`(?m)^FAKE`).MatchString(out) {
		t.Errorf("%s holds a line forged by a name from Atlas:\n%s", what, out)
	}
}

// A list table escapes what Atlas sent; -o json and -o yaml keep it exact.
func TestNamesEscapedInListTable(t *testing.T) {
	t.Parallel()
	stub := newAtlasStub(t, map[string][]stubAnswer{"GET " + clustersPath: hostileClusters(), "GET " + flexClustersPath: noFlexClusters()})
	res := runAtlasBackup(t, stub.env(), "cluster", "list")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	assertNoRaw(t, "stdout", res.stdout)
	assertNoRaw(t, "stderr", res.stderr)
	if !strings.Contains(res.stdout, escapedName) || !strings.Contains(res.stdout, `IDLE\x1b[31m\nFAKE: state`) {
		t.Errorf("the table does not show the name and state escaped:\n%s", res.stdout)
	}

	res = runAtlasBackup(t, stub.env(), "cluster", "list", "-o", "json")
	var clusters []struct{ Name, StateName string }
	if err := json.Unmarshal([]byte(res.stdout), &clusters); err != nil || res.code != 0 || len(clusters) != 3 {
		t.Fatalf("exit %d, %v\n%s", res.code, err, res)
	}
	if clusters[1].Name != hostileName || clusters[1].StateName != "IDLE\x1b[31m\nFAKE: state" {
		t.Errorf("-o json changed the name to %q, the state to %q", clusters[1].Name, clusters[1].StateName)
	}

	res = runAtlasBackup(t, stub.env(), "cluster", "list", "-o", "yaml")
	var fromYAML []struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal([]byte(res.stdout), &fromYAML); err != nil || res.code != 0 || len(fromYAML) != 3 {
		t.Fatalf("exit %d, %v\n%s", res.code, err, res)
	}
	if fromYAML[1].Name != hostileName {
		t.Errorf("-o yaml changed the name to %q", fromYAML[1].Name)
	}
}

// fleetStub answers an export of every cluster with backup on: demo's job
// is created and watched to its end; the hostile cluster's snapshot list
// fails once (a retry line names the cluster), then its create is refused
// with a hostile detail.
func fleetStub(t *testing.T) *atlasStub {
	snap := ok(page(map[string]any{"id": stubSnapshot, "status": "completed", "snapshotType": "onDemand",
		"createdAt": "2026-11-24T10:00:00Z", "storageSizeBytes": 1024}))
	job := func(state string) stubAnswer {
		return ok(map[string]any{"id": stubJob, "snapshotId": stubSnapshot, "exportBucketId": stubBucketID, "state": state,
			"createdAt": "2026-11-24T11:00:00Z"})
	}
	return newAtlasStub(t, map[string][]stubAnswer{
		"GET " + clustersPath:                           hostileClusters(),
		"GET " + flexClustersPath:                       noFlexClusters(),
		"GET " + backupPath("demo", "snapshots"):        {snap},
		"GET " + backupPath(hostileName, "snapshots"):   {{http.StatusServiceUnavailable, map[string]any{"error": 503, "errorCode": "SERVICE_UNAVAILABLE", "detail": "later"}}, snap},
		"POST " + backupPath("demo", "exports"):         {job("Queued")},
		"POST " + backupPath(hostileName, "exports"):    {{http.StatusBadRequest, map[string]any{"error": 400, "errorCode": "INVALID_PARAMETER", "reason": "Bad Request", "detail": hostileDetail}}},
		"GET " + backupPath("demo", "exports/"+stubJob): {job("Successful")},
	})
}

// A fleet run's rows, progress lines, retry lines, notes and Error lines
// show the names escaped; its -o json array keeps them exact.
func TestNamesEscapedInFleetReport(t *testing.T) {
	t.Parallel()
	args := []string{"export", "create", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", stubBucketID, "--watch", "--interval", "10ms"}
	res := runAtlasBackup(t, fleetStub(t).env(), args...)
	if res.code != 5 { // the hostile cluster's 400
		t.Errorf("exit %d, want 5\n%s", res.code, res)
	}
	assertNoRaw(t, "stdout", res.stdout)
	assertNoRaw(t, "stderr", res.stderr)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^demo +` + stubJob + ` +Successful `),
		regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(escapedName) + ` +- +- +- +- +- +400 INVALID_PARAMETER: refused`),
	} {
		if !want.MatchString(res.stdout) {
			t.Errorf("stdout lacks %s\n%s", want, res.stdout)
		}
	}
	for _, want := range []string{
		"Skipping cluster off\\x1b[1m: backup is off\n",
		escapedName + ": retrying in 0s: 503 Service Unavailable",
		"Error: " + escapedName + ": 400 INVALID_PARAMETER: refused",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q\n%s", want, res.stderr)
		}
	}

	res = runAtlasBackup(t, fleetStub(t).env(), append(args, "-o", "json")...)
	got := fleetReport(t, res)
	if len(got) != 2 || got[1].Cluster != hostileName {
		t.Fatalf("-o json: %s", res.stdout)
	}
	var apiErr struct{ Detail string }
	if err := json.Unmarshal(got[1].Error, &apiErr); err != nil || apiErr.Detail != hostileDetail {
		t.Errorf("-o json changed the error detail to %q (%v)", apiErr.Detail, err)
	}
	assertNoRaw(t, "stderr with -o json", res.stderr)
}

// A job ID from Atlas that forges a line is escaped in the Error line that
// names it.
func TestNamesEscapedInErrorLine(t *testing.T) {
	t.Parallel()
	const badID = "6b05e939\x1b[2J\nFAKE: forged"
	stub := newAtlasStub(t, map[string][]stubAnswer{
		"POST " + backupPath("demo", "exports"): {ok(map[string]any{"id": badID, "snapshotId": stubSnapshot, "exportBucketId": stubBucketID, "state": "Queued"})},
		"GET " + backupPath("demo", "exports/"+badID): {{http.StatusNotFound, map[string]any{"error": 404, "errorCode": "RESOURCE_NOT_FOUND",
			"detail": "No export job " + badID}}},
	})
	res := runAtlasBackup(t, stub.env(), "export", "create", "--cluster", "demo", "--snapshot-id", stubSnapshot, "--bucket-id", stubBucketID, "--watch")
	if res.code != 4 || !strings.Contains(res.stderr, `has no export job 6b05e939\x1b[2J\nFAKE: forged; see its export jobs with: `) {
		t.Errorf("exit %d, want 4 and the ID escaped\n%s", res.code, res)
	}
	assertNoRaw(t, "stdout", res.stdout)
	assertNoRaw(t, "stderr", res.stderr)
}

// closedPort is a loopback port nothing listens on: connections to it are
// refused.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	return port
}

// A watch whose checks cannot reach Atlas gives up after the client's retry
// budget (--max-retries checks again), exit 1, instead of saying forever
// that it will check again.
func TestWatchUnreachableGivesUp(t *testing.T) {
	t.Parallel()
	base := "http://127.0.0.1:" + closedPort(t)
	env := []string{"MONGODB_ATLAS_ACCESS_TOKEN=t0ken", "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID}
	for _, tt := range []struct {
		name    string
		args    []string
		retries int
	}{
		{"export watch", []string{"export", "watch", stubJob, "--cluster", "demo", "--max-retries", "2"}, 2},
		{"restore watch", []string{"restore", "watch", stubJob, "--cluster", "demo", "--max-retries", "1"}, 1},
		{"restore download", []string{"restore", "download", stubJob, "--cluster", "demo", "--max-retries", "2", "--dir", "DIR"}, 2},
		{"default budget", []string{"export", "watch", stubJob, "--cluster", "demo"}, 4},
		{"no retries", []string{"export", "watch", stubJob, "--cluster", "demo", "--max-retries", "0"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--base-url", base, "--interval", "50ms"}, tt.args...)
			for i, a := range args {
				if a == "DIR" {
					args[i] = filepath.Join(t.TempDir(), "d")
				}
			}
			res := runAtlasBackup(t, env, args...)
			wantUnreachable(t, res, "", tt.retries)
			if again := "to watch it again: atlas-backup " + strings.Join(tt.args[:2], " "); !strings.Contains(res.stderr, again) {
				t.Errorf("stderr lacks %q\n%s", again, res)
			}
		})
	}
}

// wantUnreachable checks a watch that gave up: exit 1, one check retried per
// allowed retry, and an Error line that says Atlas could not be reached and
// how to watch again.
func wantUnreachable(t *testing.T, res cliResult, stdout string, retries int) {
	t.Helper()
	if res.code != 1 || res.stdout != stdout {
		t.Errorf("exit %d, want 1 and stdout %q\n%s", res.code, stdout, res)
	}
	if n := strings.Count(res.stderr, "will check again"); n != retries {
		t.Errorf("%d checks again, want %d\n%s", n, retries, res)
	}
	msg := regexp.MustCompile(`(?m)^Error: could not reach Atlas to check (?:export|restore) job \w+: (?:(\d+) checks in a row failed, the last with: )?` +
		`cannot reach 127\.0\.0\.1:\d+: connection refused; check the base URL .*\. Its state is unknown; to watch it again: atlas-backup (?:(?:export|restore) watch \w+ --cluster demo --project-id \w+|restore download \w+ --cluster demo --project-id \w+ --dir \S+)$`)
	if m := msg.FindStringSubmatch(res.stderr); m == nil || (retries > 0 && m[1] != strconv.Itoa(retries+1)) || (retries == 0 && m[1] != "") {
		t.Errorf("stderr lacks the could-not-reach line for %d checks\n%s", retries+1, res)
	}
	if strings.Contains(res.stderr, "keeps running") || strings.Count(res.stderr, "Error:") != 1 {
		t.Errorf("stderr\n%s", res)
	}
}

// The --watch of a create, and a watch that saw the job before Atlas went
// away, give up the same way; the last state known is printed.
func TestWatchUnreachableAfterCreate(t *testing.T) {
	t.Parallel()
	env := []string{"MONGODB_ATLAS_ACCESS_TOKEN=t0ken", "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID}
	export := map[string]any{"id": stubJob, "snapshotId": stubSnapshot, "exportBucketId": stubBucketID, "state": "Queued"}
	restore := map[string]any{"id": stubJob, "deliveryType": "download", "snapshotId": stubSnapshot}
	for _, tt := range []struct {
		name, path string
		body       any
		args       []string
		stdout     string
	}{
		{"export create", "POST " + backupPath("demo", "exports"), export,
			[]string{"export", "create", "--cluster", "demo", "--snapshot-id", stubSnapshot, "--bucket-id", stubBucketID, "--watch", "-o", "go-template={{.state}}"}, "Queued"},
		{"restore create", "POST " + backupPath("demo", "restoreJobs"), restore,
			[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", stubSnapshot, "--watch", "-o", "go-template={{.id}}"}, stubJob}, // the job as created: no check answered
		{"export watch", "GET " + backupPath("demo", "exports/"+stubJob), export,
			[]string{"export", "watch", stubJob, "--cluster", "demo", "-o", "go-template={{.state}}"}, "Queued"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Atlas answers once, then stops listening: every later
			// connection is refused.
			var once sync.Once
			var srv *httptest.Server
			srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				key := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/api/atlas/v2")
				if key != tt.path {
					t.Errorf("unexpected request %s", key)
				}
				once.Do(func() { srv.Listener.Close() })
				w.Header().Set("Connection", "close")
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(tt.body)
			}))
			srv.Start()
			defer srv.Close()
			args := append([]string{"--base-url", srv.URL, "--interval", "50ms", "--max-retries", "2"}, tt.args...)
			res := runAtlasBackup(t, env, args...)
			wantUnreachable(t, res, tt.stdout, 2)
		})
	}
}

// Checks that Atlas answers with errors that may pass, throughout, spend the
// one budget of a GET: its retries, and then the watch ends with exit 1
// (even on 429s, which alone would be 5).
func TestWatchUnreachableFaults(t *testing.T) {
	spec := spectest.Load(t)
	watch := []string{"export", "watch", "$JOB", "--cluster", "demo", "--interval", "50ms", "--max-retries", "1"}
	// A check is a GET with the client's retries (--max-retries 1: two
	// GETs); past them the watch gives up, never retrying on top.
	gaveUp := `^Error: could not reach Atlas to check export job \w+: `
	for _, tc := range []faultCase{
		{name: "watch 503 always", setup: "export", faults: []string{"getBackupExport:503"}, args: watch, code: 1,
			count: ops("getBackupExport", 2), stderr: []string{gaveUp + `503 SERVICE_UNAVAILABLE: `, `^retrying in \S+: 503 `}},
		{name: "watch 429 always", setup: "export", faults: []string{"getBackupExport:429"}, args: watch, code: 1,
			count: ops("getBackupExport", 2), stderr: []string{gaveUp + `429 `}},
		{name: "watch 503 then answers", setup: "export", faults: []string{"getBackupExport:503:1"}, jobDuration: 300 * time.Millisecond,
			args: watch, stdout: `Successful`, stderr: []string{`retrying in \S+: 503 `}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, spec, tc)
		})
	}
}

// A resume hint is safe to paste: a --dir that holds shell code stays one
// quoted word in it.
func TestResumeHintQuotesForTheShell(t *testing.T) {
	t.Parallel()
	base := "http://127.0.0.1:" + closedPort(t)
	env := []string{"MONGODB_ATLAS_ACCESS_TOKEN=t0ken", "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID}
	dir := filepath.Join(t.TempDir(), "x$(id -u)'s `dir`")
	res := runAtlasBackup(t, env, "--base-url", base, "--max-retries", "0", "restore", "download", stubJob, "--cluster", "demo", "--dir", dir)
	want := "--dir " + shell.Quote(dir)
	if res.code != 1 || !strings.Contains(res.stderr, want) || !strings.HasPrefix(shell.Quote(dir), "'") {
		t.Errorf("exit %d, want 1 and a hint with %s\n%s", res.code, want, res)
	}
}
