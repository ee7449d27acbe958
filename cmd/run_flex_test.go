package cmd

// Flex clusters through the same commands, and what dedicated clusters
// keep: no request to find out which kind a cluster is. Run in-process
// against the sandbox (flex-dev, flex-qa), whose clock moves only when a
// test moves it.

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/download"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// The Flex clusters the sandbox seeds, and their snapshots.
const (
	fxDev     = sandbox.DemoFlexCluster
	fxQA      = sandbox.DemoFlexTargetCluster
	fxRunning = sandbox.DemoFlexRunningSnapshotID // RUNNING, for ever
)

var (
	fxSnapshots = sandbox.SeedSnapshotIDs(fxDev) // COMPLETED, newest first
	fxLatest    = fxSnapshots[0]                 // finished 22h before harnessNow
)

// The sandbox's Flex operations.
const (
	fxOpGetFlex      = "getFlexCluster"
	fxOpListFlex     = "listFlexClusters"
	fxOpFlexSnaps    = "listFlexBackupSnapshots"
	fxOpFlexSnap     = "getFlexBackupSnapshot"
	fxOpFlexRestores = "listFlexRestoreJobs"
	fxOpFlexRestore  = "getFlexRestoreJob"
	fxOpFlexCreate   = "createFlexRestoreJob"
	fxOpFlexDownload = "downloadFlexBackup"
	fxOpArchive      = "downloadArchive"
	fxFlexPrefix     = "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/flexClusters/"
	fxClusterPrefix  = "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/clusters/"
)

// clockSteps moves the sandbox's clock on by each step in turn, once after
// each answered request of the operation: a watch sees the job in each
// state between them, whatever the wall clock does.
func (a *atlas) clockSteps(op string, steps ...time.Duration) {
	if len(steps) == 0 {
		return
	}
	a.after(op, func() {
		a.sb.Advance(steps[0])
		a.clockSteps(op, steps[1:]...)
	})
}

// fxJobSteps step a Flex job of the harness's one-hour jobs through
// PENDING (its first fifth), QUEUED (its second), RUNNING and COMPLETED.
var fxJobSteps = []time.Duration{12 * time.Minute, 12 * time.Minute, 36 * time.Minute}

// atlasSent is the sandbox's answer to a plain GET of path (below
// /api/atlas/v2) in the version given, decoded: what Atlas sent, for -o
// json to be compared with. A list answer is its results.
func (a *atlas) atlasSent(path, version string) any {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+"/api/atlas/v2"+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.sb.Credentials().AccessToken)
	req.Header.Set("Accept", "application/vnd.atlas."+version+"+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: %s, %v", path, resp.Status, err)
	}
	if m, ok := v.(map[string]any); ok && m["results"] != nil {
		return m["results"]
	}
	return v
}

// sameAsAtlas fails the test when stdout is not the JSON value want.
func sameAsAtlas(t *testing.T, r runResult, want any) {
	t.Helper()
	var got any
	r.jsonOut(t, &got)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("-o json is not Atlas's answer as it was:\n got %s\nwant %s", g, w)
	}
}

// pathsFrom are the paths of the requests from the n-th on.
func (a *atlas) pathsFrom(n int) []string {
	var out []string
	for _, r := range a.sb.Requests()[n:] {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// countUnder is how many of the requests from the n-th on have a path
// that starts with prefix.
func (a *atlas) countUnder(n int, prefix string) int {
	c := 0
	for _, r := range a.sb.Requests()[n:] {
		if strings.HasPrefix(r.Path, prefix) {
			c++
		}
	}
	return c
}

// noneAccepted fails the test when a request that changes something
// (anything but a GET) was answered with success from the n-th on.
func (a *atlas) noneAccepted(n int) {
	a.t.Helper()
	for _, r := range a.sb.Requests()[n:] {
		if r.Method != http.MethodGet && r.Status < 400 {
			a.t.Errorf("%s %s was accepted (%d); nothing may be created", r.Method, r.Path, r.Status)
		}
	}
}

// On a dedicated cluster every command sends exactly what it sent before
// Flex clusters were known: no request to find out what kind the cluster
// is, and nothing to a Flex route.
func TestRunDedicatedRequestsUnchanged(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	ended := a.newRestore("demo", "download")
	a.sb.Advance(time.Hour) // ended: Succeeded, its link good for a while yet
	running := a.newRestore("demo", "download")
	dir := filepath.Join(a.dir, "dl")
	start := len(a.requests())
	for _, tt := range []struct {
		args []string
		ops  []string
	}{
		{[]string{"snapshot", "list"}, []string{"GET " + opListSnaps}},
		{[]string{"snapshot", "get", demoLatest}, []string{"GET getClusterBackupSnapshot"}},
		{[]string{"snapshot", "watch", demoLatest}, []string{"GET getClusterBackupSnapshot"}},
		{[]string{"restore", "list"}, []string{"GET listBackupRestoreJobs"}},
		{[]string{"restore", "get", ended}, []string{"GET " + opGetRestore}},
		{[]string{"restore", "watch", ended}, []string{"GET " + opGetRestore}},
		{[]string{"restore", "download", ended, "--dir", dir}, []string{"GET " + opGetRestore, "GET " + fxOpArchive}},
		{[]string{"export", "create", "--snapshot-id", demoLatest, "--bucket-id", sandbox.DemoBucketID}, []string{"POST createBackupExport"}},
		{[]string{"export", "list"}, []string{"GET listBackupExports"}},
		{[]string{"restore", "create", "--delivery-type", "download", "--snapshot-id", demoOlder}, []string{"POST createBackupRestoreJob"}},
		{[]string{"restore", "create", "--delivery-type", "download", "--snapshot-id", "latest"}, []string{"GET " + opListSnaps, "POST createBackupRestoreJob"}},
		// The pre-flight of an overwriting restore: the snapshot, the target.
		{[]string{"restore", "create", "--delivery-type", "automated", "--snapshot-id", demoOlder, "--target-cluster", "demo", "--yes"},
			[]string{"GET getClusterBackupSnapshot", "GET getCluster", "POST createBackupRestoreJob"}},
		{[]string{"restore", "cancel", running, "--yes"}, []string{"DELETE " + opCancelRestor}},
	} {
		n := len(a.requests())
		r := a.run(append(tt.args, "--cluster", "demo")...)
		if r.code != 0 {
			t.Errorf("%q: exit %d, stderr:\n%s", tt.args, r.code, r.stderr)
		}
		if got := a.ops(n); !slices.Equal(got, tt.ops) {
			t.Errorf("%q sent\n got %q\nwant %q", tt.args, got, tt.ops)
		}
	}
	for _, p := range a.pathsFrom(start) {
		if strings.Contains(p, "/flexClusters") {
			t.Errorf("a Flex route was asked about a dedicated cluster: %s", p)
		}
	}
}

// A Flex cluster is recognised from Atlas's answer: the dedicated route
// once (400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API), the Flex cluster's
// read, then the Flex route; and for the rest of the invocation, the Flex
// routes at once.
func TestRunFlexRecognition(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("snapshot", "list", "--cluster", fxDev, "-o", "go-template={{len .}}")
	r.check(t, 0, []string{`^4$`}, nil)
	equalOps(t, a.requests(), "GET "+opListSnaps, "GET "+fxOpGetFlex, "GET "+fxOpFlexSnaps)
	reqs := a.sb.Requests()
	if reqs[0].Status != http.StatusBadRequest || reqs[0].Path != fxClusterPrefix+fxDev+"/backup/snapshots" {
		t.Errorf("first request %s %s: %d, want the dedicated route answered 400", reqs[0].Method, reqs[0].Path, reqs[0].Status)
	}
	if reqs[1].Path != fxFlexPrefix+fxDev || reqs[2].Path != fxFlexPrefix+fxDev+"/backup/snapshots" {
		t.Errorf("then %s, %s; want the Flex cluster, then its snapshots", reqs[1].Path, reqs[2].Path)
	}
	for _, q := range reqs[1:] {
		if got := q.Header.Get("Accept"); got != "application/vnd.atlas.2024-11-13+json" {
			t.Errorf("%s: Accept %q, want the Flex API's version", q.Path, got)
		}
	}

	// One invocation that resolves latest, runs the pre-flight, creates and
	// watches: each cluster's dedicated route once, then only Flex routes.
	n := len(a.requests())
	a.clockSteps(fxOpFlexRestore, fxJobSteps...)
	r = a.run("restore", "create", "--cluster", fxDev, "--delivery-type", "automated", "--snapshot-id", "latest",
		"--target-cluster", fxQA, "--yes", "--watch", "--interval", "1ms")
	r.check(t, 0, []string{` automated +Succeeded +` + fxLatest + ` +` + fxQA + ` `}, nil)
	if got := a.countUnder(n, fxClusterPrefix+fxDev); got != 1 {
		t.Errorf("flex-dev's dedicated routes were asked %d times, want 1:\n%q", got, a.pathsFrom(n))
	}
	if got := a.countUnder(n, fxClusterPrefix+fxQA); got != 1 { // the target, read once by the pre-flight
		t.Errorf("flex-qa's dedicated routes were asked %d times, want 1:\n%q", got, a.pathsFrom(n))
	}
	ops := a.ops(n)
	if c := strings.Count(strings.Join(ops, ","), "GET "+fxOpFlexRestore); c != 4 || a.count(fxOpFlexCreate) != 1 || a.count(opGetRestore) != 0 {
		t.Errorf("want one create and four checks (PENDING, QUEUED, RUNNING, COMPLETED) on the Flex route:\n%q", ops)
	}
	if i := slices.Index(ops, "POST "+fxOpFlexCreate); i < 0 || slices.Contains(ops[i:], "GET "+fxOpGetFlex) {
		t.Errorf("a Flex cluster was asked about again after the create:\n%q", ops)
	}
}

// A name that is neither a dedicated nor a Flex cluster: exit 4, naming
// the project and the names near it, found with one read of each list of
// the project's clusters, made only then.
func TestRunFlexNeitherKind(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	for _, args := range [][]string{
		{"snapshot", "list"},
		{"snapshot", "get", fxLatest},
		{"restore", "list"},
		{"restore", "create", "--delivery-type", "download", "--snapshot-id", "latest"},
	} {
		n := len(a.requests())
		r := a.run(append(args, "--cluster", "flex-de")...)
		r.check(t, 4, nil, []string{
			`^Error: 404 \S+: .*flex-de\b`,
			`^Project ` + harnessProjectID + ` has no cluster named flex-de; did you mean flex-dev\b.*\? See its clusters with: atlas-backup cluster list --project-id ` + harnessProjectID + `$`,
		})
		if r.stdout != "" {
			t.Errorf("%q: stdout %q", args, r.stdout)
		}
		ops := a.ops(n)
		if len(ops) != 4 || ops[1] != "GET "+fxOpGetFlex || ops[2] != "GET listClusters" || ops[3] != "GET "+fxOpListFlex {
			t.Errorf("%q sent %q; want the route, whether it is a Flex cluster, then one read of each list", args, ops)
		}
	}
}

// cluster list: both lists, every page, one table in name order, and -o
// json one array of Atlas's objects of both kinds, as Atlas sent them.
func TestRunFlexClusterList(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("cluster", "list")
	r.check(t, 0, nil, nil)
	want := []string{
		`NAME +TYPE +STATE +BACKUP +VERSION`,
		`analytics +REPLICASET +UPDATING +on +8\.0\.4`,
		`demo +REPLICASET +IDLE +on +8\.0\.4`,
		`demo-sharded +SHARDED +IDLE +on +8\.0\.4`,
		`flex-dev +FLEX +IDLE +on +8\.0\.12`,
		`flex-qa +FLEX +IDLE +on +8\.0\.12`,
		`legacy +REPLICASET +IDLE +off +7\.0\.15`,
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("table:\n%s", r.stdout)
	}
	for i, re := range want {
		r := runResult{stdout: lines[i]}
		r.check(t, 0, []string{"^" + re + "$"}, nil)
	}
	equalOps(t, a.requests(), "GET listClusters", "GET "+fxOpListFlex)
	for _, q := range a.sb.Requests() {
		if q.RawQuery == "" || !strings.Contains(q.RawQuery, "itemsPerPage=500") {
			t.Errorf("%s?%s: want every page, the largest there are", q.Path, q.RawQuery)
		}
	}

	// --page and --limit page the merged list, read whole.
	n := len(a.requests())
	r = a.run("cluster", "list", "--limit", "2", "--page", "2", "-o", "go-template={{range .}}{{.name}} {{end}}")
	r.check(t, 0, []string{`^demo-sharded flex-dev $`}, nil)
	equalOps(t, a.ops(n), "GET listClusters", "GET "+fxOpListFlex)

	r = a.run("cluster", "list", "-o", "json")
	var got []map[string]any
	r.jsonOut(t, &got)
	var names []string
	for _, cl := range got {
		name, _ := cl["name"].(string)
		names = append(names, name)
		_, flexShape := cl["providerSettings"]
		_, dedicatedShape := cl["replicationSpecs"]
		isFlex := strings.HasPrefix(name, "flex-")
		if flexShape != isFlex || dedicatedShape == isFlex {
			t.Errorf("%s: providerSettings %v, replicationSpecs %v: not Atlas's object of its kind", name, flexShape, dedicatedShape)
		}
		if _, ok := cl["type"]; ok {
			t.Errorf("%s: a field Atlas did not send: type", name)
		}
	}
	if !slices.Equal(names, []string{"analytics", "demo", "demo-sharded", fxDev, fxQA, "legacy"}) {
		t.Errorf("names %q: want both kinds, in name order", names)
	}
	// Each object exactly as Atlas sent it.
	byName := map[string]any{}
	for _, list := range []any{a.atlasSent("/groups/"+harnessProjectID+"/clusters", "2024-08-05"), a.atlasSent("/groups/"+harnessProjectID+"/flexClusters", "2024-11-13")} {
		for _, v := range list.([]any) {
			byName[v.(map[string]any)["name"].(string)] = v
		}
	}
	var wantJSON []any
	for _, n := range names {
		wantJSON = append(wantJSON, byName[n])
	}
	sameAsAtlas(t, r, wantJSON)
}

// snapshot list, get and watch on a Flex cluster: the Flex routes, the
// table (TYPE scheduled, CREATED finishTime else startTime, SIZE -), -o
// json the Flex object as it is; a RUNNING snapshot's watch times out.
func TestRunFlexSnapshots(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("snapshot", "list", "--cluster", fxDev)
	r.check(t, 0, []string{
		`^ID +STATUS +TYPE +CREATED \(UTC\) +SIZE$`,
		`^` + fxRunning + ` +RUNNING +scheduled +2026-11-24 11:40:00 +-$`, // its startTime: no finishTime yet
		`^` + fxSnapshots[0] + ` +COMPLETED +scheduled +2026-11-23 14:00:00 +-$`,
		`^` + fxSnapshots[1] + ` +COMPLETED +scheduled +2026-11-22 14:00:00 +-$`,
		`^` + fxSnapshots[2] + ` +COMPLETED +scheduled +2026-11-21 14:00:00 +-$`,
	}, nil)
	if strings.Count(r.stdout, "\n") != 5 {
		t.Errorf("table:\n%s", r.stdout)
	}
	r = a.run("snapshot", "list", "--cluster", fxDev, "-o", "json")
	sameAsAtlas(t, r, a.atlasSent("/groups/"+harnessProjectID+"/flexClusters/"+fxDev+"/backup/snapshots", "2024-11-13"))

	r = a.run("snapshot", "get", fxLatest, "--cluster", fxDev)
	r.check(t, 0, []string{`^ID +STATUS +TYPE +CREATED \(UTC\) +SIZE$`, `^` + fxLatest + ` +COMPLETED +scheduled +2026-11-23 14:00:00 +-$`}, nil)
	n := len(a.requests())
	r = a.run("snapshot", "describe", fxRunning, "--cluster", fxDev, "-o", "json")
	equalOps(t, a.ops(n), "GET getClusterBackupSnapshot", "GET "+fxOpGetFlex, "GET "+fxOpFlexSnap)
	sameAsAtlas(t, r, a.atlasSent("/groups/"+harnessProjectID+"/flexClusters/"+fxDev+"/backup/snapshots/"+fxRunning, "2024-11-13"))
	if strings.Contains(r.stdout, "finishTime") || strings.Contains(r.stdout, "snapshotType") {
		t.Errorf("-o json of a RUNNING Flex snapshot:\n%s", r.stdout)
	}

	// Done at COMPLETED: exit 0 at the first check.
	n = len(a.requests())
	r = a.run("snapshot", "watch", fxLatest, "--cluster", fxDev, "--interval", "1ms")
	r.check(t, 0, []string{`^` + fxLatest + ` +COMPLETED +scheduled `}, []string{`^snapshot ` + fxLatest + `: COMPLETED$`})
	equalOps(t, a.ops(n), "GET getClusterBackupSnapshot", "GET "+fxOpGetFlex, "GET "+fxOpFlexSnap)

	// RUNNING for ever: the watch times out, exit 7, with the command that
	// resumes it.
	r = a.run("snapshot", "watch", fxRunning, "--cluster", fxDev, "--interval", "1h", "--watch-timeout", watchTimeout)
	r.checkTimeout(t, "RUNNING")
	r.check(t, 7, nil, []string{`; it keeps running\. Resume with: atlas-backup snapshot watch ` + fxRunning + ` --cluster flex-dev --project-id ` + harnessProjectID + `$`})

	// A snapshot the Flex cluster does not have: exit 4, and where to look.
	r = a.run("snapshot", "get", "65f0e0e0d0e00000000000ff", "--cluster", fxDev)
	r.check(t, 4, nil, []string{`^Error: 404 `, `; see its snapshots with: atlas-backup snapshot list --cluster flex-dev --project-id ` + harnessProjectID + `$`})
}

// snapshot get and watch on a dedicated cluster: a completed snapshot, an
// on-demand one followed from queued to completed, one that fails (exit
// 6), one still in progress (exit 7).
func TestRunSnapshotGetWatch(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("snapshot", "get", demoLatest, "--cluster", "demo")
	r.check(t, 0, []string{`^ID +STATUS +TYPE +CREATED \(UTC\) +SIZE$`, `^` + demoLatest + ` +completed +onDemand +2026-11-24 10:00:00 +26\.2 GiB$`}, nil)
	r = a.run("snapshot", "get", demoLatest, "--cluster", "demo", "-o", "json")
	sameAsAtlas(t, r, a.atlasSent("/groups/"+harnessProjectID+"/clusters/demo/backup/snapshots/"+demoLatest, "2023-01-01"))
	r = a.run("snapshot", "watch", demoLatest, "--cluster", "demo")
	r.check(t, 0, []string{`^` + demoLatest + ` +completed `}, []string{`^snapshot ` + demoLatest + `: completed$`})

	r = a.run("snapshot", "watch", sandbox.DemoInProgressSnapshotID, "--cluster", "demo", "--interval", "1h", "--watch-timeout", watchTimeout)
	r.checkTimeout(t, "inProgress")
	r.check(t, 7, nil, []string{`Resume with: atlas-backup snapshot watch ` + sandbox.DemoInProgressSnapshotID + ` --cluster demo --project-id ` + harnessProjectID + `$`})

	// An on-demand snapshot: queued, then inProgress, then completed, as
	// the sandbox's clock moves.
	r = a.run("snapshot", "create", "--cluster", "demo", "-o", "go-template={{.id}}", "-q")
	id := r.stdout
	if r.code != 0 || !idPattern().MatchString(id) {
		t.Fatalf("snapshot create: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = a.run("snapshot", "get", id, "--cluster", "demo")
	r.check(t, 0, []string{`^` + id + ` +queued +onDemand `}, nil)
	n := len(a.requests())
	a.clockSteps("getClusterBackupSnapshot", 12*time.Minute, 48*time.Minute)
	r = a.run("snapshot", "watch", id, "--cluster", "demo", "--interval", "1ms")
	r.check(t, 0, []string{`^` + id + ` +completed +onDemand +2026-11-24 `},
		[]string{`^snapshot ` + id + `: queued$`, `^snapshot ` + id + `: inProgress$`, `^snapshot ` + id + `: completed$`})
	equalOps(t, a.ops(n), "GET getClusterBackupSnapshot", "GET getClusterBackupSnapshot", "GET getClusterBackupSnapshot")

	// One that fails: exit 6, the last state on stdout.
	b := newAtlas(t, sandbox.WithSnapshotOutcome(sandbox.OutcomeFailed))
	r = b.run("snapshot", "create", "--cluster", "demo", "-o", "go-template={{.id}}", "-q")
	id = r.stdout
	b.clockSteps("getClusterBackupSnapshot", 12*time.Minute, 48*time.Minute)
	r = b.run("snapshot", "watch", id, "--cluster", "demo", "--interval", "1ms")
	r.check(t, 6, []string{`^` + id + ` +failed +onDemand `}, []string{`^snapshot ` + id + `: inProgress$`, `^Error: snapshot ` + id + ` ended failed$`})
}

var fxAutomated = []string{"restore", "create", "--cluster", fxDev, "--delivery-type", "automated", "--snapshot-id", "latest"}

// An automated restore of a Flex cluster: POST …/flexClusters/NAME/backup/
// restoreJobs with snapshotId, targetDeploymentItemName and
// targetProjectId, into a Flex or a dedicated cluster; asked like any
// overwriting restore.
func TestRunFlexRestoreAutomated(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	// No terminal, no --yes: refused after reads only.
	r := a.run(append(fxAutomated, "--target-cluster", fxQA)...)
	r.check(t, 2, nil, []string{
		`^  from  snapshot ` + fxLatest + ` of flex-dev, taken 2026-11-23 14:00:00 UTC \(22h ago\)$`,
		`^  into  cluster flex-qa of project ` + harnessProjectID + `: FLEX, MongoDB 8\.0\.12, idle$`,
		`^Error: this restore overwrites every database on cluster flex-qa \(project ` + harnessProjectID + `\), and there is no terminal to confirm on: add --yes to go ahead$`,
	})
	a.onlyRead()
	// On a terminal: the wrong name sends nothing; the right one goes ahead.
	r = a.runSpec(runSpec{stdin: "flex-dev\n", stdinTTY: true}, append(fxAutomated, "--target-cluster", fxQA)...)
	r.check(t, 2, nil, []string{`^This restore OVERWRITES EVERY DATABASE on the target:$`, `confirmation "flex-dev" does not match cluster "flex-qa": nothing was sent$`})
	a.onlyRead()
	r = a.runSpec(runSpec{stdin: "flex-qa\n", stdinTTY: true}, append(fxAutomated, "--target-cluster", fxQA)...)
	r.check(t, 0, []string{`^ID +TYPE +STATUS +SNAPSHOT +TARGET +FINISHED \(UTC\)$`, `^[0-9a-f]{24} +automated +Pending +` + fxLatest + ` +flex-qa +-$`}, nil)

	for _, tt := range []struct {
		name          string
		args          []string
		target, group string
	}{
		{"into a Flex cluster", []string{"--target-cluster", fxQA}, fxQA, harnessProjectID},
		{"into a dedicated cluster", []string{"--target-cluster", "demo", "--snapshot-id", fxSnapshots[1]}, "demo", harnessProjectID},
		{"into another project's cluster", []string{"--target-cluster", "staging", "--target-project-id", sandbox.DemoStagingID}, "staging", sandbox.DemoStagingID},
	} {
		b := newAtlas(t)
		r := b.run(append(append(slices.Clone(fxAutomated), tt.args...), "--yes", "-o", "json")...)
		if r.code != 0 {
			t.Errorf("%s: exit %d, stderr:\n%s", tt.name, r.code, r.stderr)
			continue
		}
		req := b.last(fxOpFlexCreate)
		if req.Path != fxFlexPrefix+fxDev+"/backup/restoreJobs" || req.Header.Get("Content-Type") != "application/vnd.atlas.2024-11-13+json" {
			t.Errorf("%s: POST %s (%s)", tt.name, req.Path, req.Header.Get("Content-Type"))
		}
		snap := fxLatest
		if slices.Contains(tt.args, fxSnapshots[1]) {
			snap = fxSnapshots[1]
		}
		want := map[string]any{"snapshotId": snap, "targetDeploymentItemName": tt.target, "targetProjectId": tt.group}
		if got := b.body(fxOpFlexCreate); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: body %v, want %v", tt.name, got, want)
		}
		var job map[string]any
		r.jsonOut(t, &job)
		if job["deliveryType"] != "RESTORE" || job["status"] != "PENDING" || job["targetDeploymentItemName"] != tt.target {
			t.Errorf("%s: -o json is not the Flex job as Atlas sent it:\n%s", tt.name, r.stdout)
		}
		for _, q := range b.sb.Requests() {
			if q.Method == http.MethodPost && q.Operation != fxOpFlexCreate {
				t.Errorf("%s: %s %s was sent too", tt.name, q.Method, q.Path)
			}
		}
	}
}

// --watch follows a Flex restore through PENDING, QUEUED and RUNNING to
// its end: exit 0 when COMPLETED, 6 when FAILED.
func TestRunFlexRestoreWatch(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.clockSteps(fxOpFlexRestore, fxJobSteps...)
	r := a.run(append(fxAutomated, "--target-cluster", "demo", "--yes", "--watch", "--interval", "1ms")...)
	r.check(t, 0, []string{`^[0-9a-f]{24} +automated +Succeeded +` + fxLatest + ` +demo +2026-11-24 13:00:00$`}, nil)
	var states []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "restore job ") {
			states = append(states, l[strings.LastIndex(l, " ")+1:])
		}
	}
	if !slices.Equal(states, []string{"PENDING", "QUEUED", "RUNNING", "Succeeded"}) {
		t.Errorf("progress %q; stderr:\n%s", states, r.stderr)
	}

	b := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	r = b.run(append(fxAutomated, "--target-cluster", fxQA, "--yes", "--watch", "--interval", "1ms")...)
	r.check(t, 6, []string{`^[0-9a-f]{24} +automated +Failed +` + fxLatest + ` +flex-qa `}, []string{`^Error: restore job [0-9a-f]{24} ended Failed$`})
}

// A FAILED Flex job has ended too: FINISHED is its restoreFinishedDate, as
// for a COMPLETED one.
func TestRunFlexFailedJobFinished(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	restore := a.newRestore(fxDev, "automated")
	dl := a.newRestore(fxDev, "download")
	a.sb.Advance(time.Hour)
	r := a.run("restore", "get", dl, "--cluster", fxDev, "-o", "go-template={{.status}} {{.restoreFinishedDate}}")
	r.check(t, 0, []string{`^FAILED 2026-11-24T13:00:00Z$`}, nil) // what Atlas says
	r = a.run("restore", "list", "--cluster", fxDev)
	r.check(t, 0, []string{
		`^` + dl + ` +download +Failed +` + fxLatest + ` +- +2026-11-24 13:00:00$`,
		`^` + restore + ` +automated +Failed +` + fxLatest + ` +flex-dev +2026-11-24 13:00:00$`,
	}, nil)
}

// A Flex download: POST …/backup/download {snapshotId}; --download-dir
// waits for the snapshotUrl and downloads the archive as a dedicated
// cluster's (verified, in the manifest, without credentials); restore
// download of the same job then skips it.
func TestRunFlexRestoreDownload(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("restore", "create", "--cluster", fxDev, "--delivery-type", "download", "--snapshot-id", "latest")
	r.check(t, 0, []string{`^[0-9a-f]{24} +download +Pending +` + fxLatest + ` +- +-$`},
		[]string{`^Using the latest completed snapshot of flex-dev: ` + fxLatest + ` \(taken 2026-11-23 14:00:00 UTC\)$`})
	equalOps(t, a.requests(), "GET "+opListSnaps, "GET "+fxOpGetFlex, "GET "+fxOpFlexSnaps, "POST "+fxOpFlexDownload)
	if req := a.last(fxOpFlexDownload); req.Path != fxFlexPrefix+fxDev+"/backup/download" {
		t.Errorf("POST %s", req.Path)
	}
	if body := a.body(fxOpFlexDownload); !reflect.DeepEqual(body, map[string]any{"snapshotId": fxLatest}) {
		t.Errorf("body %v", body)
	}

	b := newAtlas(t, sandbox.WithJobDuration(0))
	dir := filepath.Join(b.dir, "restore", "flex")
	r = b.run("restore", "create", "--cluster", fxDev, "--delivery-type", "download", "--snapshot-id", fxSnapshots[1], "--download-dir", dir)
	name := sandbox.ArchiveFileName(fxSnapshots[1], "")
	path := filepath.Join(dir, name)
	r.check(t, 0, []string{`^FILE +SIZE +SHARD +RESULT$`, `^` + quoteRE(path) + ` +16\.0 KiB +- +downloaded$`},
		[]string{`^restore job [0-9a-f]{24}: Succeeded$`, `^` + quoteRE(name) + `: downloaded, 16\.0 KiB in `})
	if strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("report:\n%s", r.stdout)
	}
	equalOps(t, b.requests(), "POST createBackupRestoreJob", "GET "+fxOpGetFlex, "POST "+fxOpFlexDownload, "GET "+fxOpFlexRestore, "GET "+fxOpArchive)
	if q := b.sb.Requests()[0]; q.Status != http.StatusBadRequest {
		t.Errorf("the dedicated route's create was answered %d, want 400 (it is how the Flex cluster was recognised)", q.Status)
	}
	archive := b.last(fxOpArchive)
	if archive.Status != http.StatusOK || archive.Header.Get("Authorization") != "" || archive.Header.Get("Cookie") != "" {
		t.Errorf("archive request: %d, Authorization %q, Cookie %q", archive.Status, archive.Header.Get("Authorization"), archive.Header.Get("Cookie"))
	}
	if strings.Contains(r.stderr, archive.Path) {
		t.Errorf("the signed link shows on stderr:\n%s", r.stderr)
	}

	// The file is the archive Atlas links to, whole: gzip and tar to their
	// ends, and the manifest vouches for it.
	r = b.run("restore", "list", "--cluster", fxDev, "-o", "go-template={{range .}}{{.id}} {{.snapshotUrl}}{{end}}")
	jobID, link, _ := strings.Cut(r.stdout, " ")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 16<<10 {
		t.Errorf("%s: %d bytes", path, len(data))
	}
	readTarGz(t, path)
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(served) != string(data) {
		t.Errorf("%s differs from the archive at the job's snapshotUrl", path)
	}
	var manifest struct {
		Files map[string]struct {
			Source, Link, SHA256 string
			Size                 int64
		} `json:"files"`
	}
	mf, err := os.ReadFile(filepath.Join(dir, download.ManifestName))
	if err != nil || json.Unmarshal(mf, &manifest) != nil {
		t.Fatalf("manifest: %v\n%s", err, mf)
	}
	sum := sha256.Sum256(data)
	if e, ok := manifest.Files[name]; !ok || e.Source != jobID || e.Link != name || e.Size != 16<<10 || e.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("manifest entry of %s: %+v (job %s)", name, manifest.Files, jobID)
	}

	// Again, as restore download: the manifest vouches for the file.
	before := b.count(fxOpArchive)
	r = b.run("restore", "download", jobID, "--cluster", fxDev, "--dir", dir)
	r.check(t, 0, []string{`^` + quoteRE(path) + ` +16\.0 KiB +- +skipped$`}, []string{`: already complete, skipped$`})
	if b.count(fxOpArchive) != before {
		t.Errorf("downloaded again: %q", b.requests())
	}
}

// A Flex archive whose connection drops mid-way is resumed like any: the
// rest asked for with Range (guarded by If-Range), never with credentials.
func TestRunFlexDownloadResumed(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0),
		sandbox.WithFaults(sandbox.Fault{Operation: fxOpArchive, Kind: sandbox.FaultCut, CutAfter: 4096, Times: 1}))
	dir := filepath.Join(a.dir, "dl")
	r := a.run("restore", "create", "--cluster", fxDev, "--delivery-type", "download", "--snapshot-id", "latest", "--download-dir", dir, "-q")
	path := filepath.Join(dir, sandbox.ArchiveFileName(fxLatest, ""))
	r.check(t, 0, []string{`^` + quoteRE(path) + ` +16\.0 KiB +- +(downloaded|resumed)$`}, nil)
	var archives []sandbox.Request
	for _, q := range a.sb.Requests() {
		if q.Operation == fxOpArchive {
			archives = append(archives, q)
		}
	}
	if len(archives) != 2 || archives[0].Header.Get("Range") != "" || archives[1].Header.Get("Range") != "bytes=4096-" || archives[1].Header.Get("If-Range") == "" {
		var got []string
		for _, q := range archives {
			got = append(got, q.Header.Get("Range")+" / "+q.Header.Get("If-Range"))
		}
		t.Errorf("archive requests (Range / If-Range): %q; want the whole, then the rest from byte 4096", got)
	}
	for _, q := range archives {
		if q.Header.Get("Authorization") != "" || q.Header.Get("Cookie") != "" {
			t.Errorf("credentials sent to the archive host: %v", q.Header)
		}
	}
	readTarGz(t, path)
}

// readTarGz reads a .tar.gz to its end: its gzip stream (CRC-32 and
// length) and the tar stream inside.
func readTarGz(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		_, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// restore get, list and watch of a Flex cluster's jobs: STATUS Pending,
// Succeeded or Failed, TARGET the target deployment, FINISHED the
// restoreFinishedDate; -o json Atlas's objects as they are.
func TestRunFlexRestoreRead(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	restore := a.newRestore(fxDev, "automated") // into flex-dev itself
	dl := a.newRestore(fxDev, "download")
	n := len(a.requests())
	r := a.run("restore", "list", "--cluster", fxDev)
	r.check(t, 0, []string{
		`^ID +TYPE +STATUS +SNAPSHOT +TARGET +FINISHED \(UTC\)$`,
		`^` + dl + ` +download +Pending +` + fxLatest + ` +- +-$`,
		`^` + restore + ` +automated +Pending +` + fxLatest + ` +flex-dev +-$`,
	}, nil)
	equalOps(t, a.ops(n), "GET listBackupRestoreJobs", "GET "+fxOpGetFlex, "GET "+fxOpFlexRestores)
	r = a.run("restore", "list", "--cluster", fxDev, "-o", "json")
	sameAsAtlas(t, r, a.atlasSent("/groups/"+harnessProjectID+"/flexClusters/"+fxDev+"/backup/restoreJobs", "2024-11-13"))
	n = len(a.requests())
	r = a.run("restore", "get", restore, "--cluster", fxDev)
	r.check(t, 0, []string{`^` + restore + ` +automated +Pending +` + fxLatest + ` +flex-dev +-$`}, nil)
	equalOps(t, a.ops(n), "GET "+opGetRestore, "GET "+fxOpGetFlex, "GET "+fxOpFlexRestore)

	// A pending job's watch times out: exit 7, with the command that resumes.
	// (Its progress says Atlas's word, PENDING; its table Pending.)
	r = a.run("restore", "watch", dl, "--cluster", fxDev, "--interval", "1h", "--watch-timeout", watchTimeout)
	r.check(t, 7, nil, []string{`Resume with: atlas-backup restore watch ` + dl + ` --cluster flex-dev --project-id ` + harnessProjectID + `$`})
	if !strings.Contains(r.stderr, "before its first check") {
		r.check(t, 7, []string{`^` + dl + ` +download +Pending `}, []string{`^restore job ` + dl + `: PENDING$`, `, while PENDING;`})
	}

	a.sb.Advance(time.Hour) // both end
	r = a.run("restore", "get", restore, "--cluster", fxDev)
	r.check(t, 0, []string{`^` + restore + ` +automated +Succeeded +` + fxLatest + ` +flex-dev +2026-11-24 13:00:00$`}, nil)
	r = a.run("restore", "get", dl, "--cluster", fxDev, "-o", "json")
	sameAsAtlas(t, r, a.atlasSent("/groups/"+harnessProjectID+"/flexClusters/"+fxDev+"/backup/restoreJobs/"+dl, "2024-11-13"))
	if !strings.Contains(r.stdout, `"snapshotUrl"`) || !strings.Contains(r.stdout, `"restoreFinishedDate": "2026-11-24T13:00:00Z"`) {
		t.Errorf("a completed download:\n%s", r.stdout)
	}
	r = a.run("restore", "watch", dl, "--cluster", fxDev)
	r.check(t, 0, []string{`^` + dl + ` +download +Succeeded +` + fxLatest + ` +- +2026-11-24 13:00:00$`}, []string{`^restore job ` + dl + `: Succeeded$`})

	b := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	failed := b.newRestore(fxDev, "download")
	r = b.run("restore", "list", "--cluster", fxDev)
	r.check(t, 0, []string{`^` + failed + ` +download +Failed +` + fxLatest + ` +- `}, nil)
	r = b.run("restore", "watch", failed, "--cluster", fxDev)
	r.check(t, 6, []string{`^` + failed + ` +download +Failed `}, []string{`^Error: restore job ` + failed + ` ended Failed$`})
	r = b.run("restore", "download", failed, "--cluster", fxDev, "--dir", filepath.Join(b.dir, "dl"))
	r.check(t, 6, nil, []string{`^Error: restore job ` + failed + ` ended Failed$`})
	if b.count(fxOpArchive) != 0 {
		t.Errorf("a failed job's archive was asked for: %q", b.requests())
	}
}

// What Flex clusters do not support is exit 2, saying so, with nothing
// created: exports, point in time, collection-level restores, on-demand
// snapshots. A Flex job cannot be cancelled (exit 5); export create
// --all-clusters skips Flex clusters.
func TestRunFlexRefusals(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	unsupported := func(what string) string {
		return `^Error: cluster flex-dev is a Flex cluster, and Flex clusters do not support ` + what + ` \(nothing was created\)\.$`
	}
	const instead = `^Restore one of its daily snapshots into a cluster instead: atlas-backup restore create --delivery-type automated --cluster flex-dev --snapshot-id latest --target-cluster TARGET$`
	for _, tt := range []struct {
		args   []string
		stderr []string
	}{
		{[]string{"export", "create", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketID},
			[]string{unsupported("exports"), `^To take its data out, download a snapshot: atlas-backup restore create --delivery-type download --cluster flex-dev --snapshot-id latest$`}},
		{[]string{"export", "create", "--snapshot-id", fxLatest, "--bucket-id", sandbox.DemoBucketName}, []string{unsupported("exports")}},
		{[]string{"restore", "create", "--delivery-type", "pointInTime", "--point-in-time", "-1h", "--target-cluster", fxQA, "--yes"},
			[]string{unsupported("point-in-time restores"), instead}},
		{[]string{"restore", "create", "--delivery-type", "pointInTime", "--oplog-ts", "1795518000", "--oplog-inc", "1", "--target-cluster", "demo", "--yes"},
			[]string{unsupported("point-in-time restores")}},
		{[]string{"restore", "create", "--delivery-type", "pointInTime", "--point-in-time", "-1h", "--target-cluster", fxQA, "--yes", "--no-preflight"},
			[]string{unsupported("point-in-time restores")}},
		{[]string{"restore", "create", "--snapshot-id", "latest", "--collection", "a.b"},
			[]string{unsupported(`collection-level restores[^\n]*`), instead}},
		{[]string{"restore", "create", "--snapshot-id", fxLatest, "--database", "sales=sales_copy", "--write-strategy", "overwrite-existing", "--yes"},
			[]string{unsupported(`collection-level restores[^\n]*`)}},
		{[]string{"restore", "create", "--delivery-type", "download", "--snapshot-id", "new"},
			[]string{unsupported("on-demand snapshots"), `^Atlas takes a Flex cluster's snapshots daily; use the newest: --snapshot-id latest$`}},
		{[]string{"restore", "create", "--delivery-type", "automated", "--snapshot-id", "new", "--target-cluster", fxQA, "--yes"},
			[]string{unsupported("on-demand snapshots")}},
		{[]string{"export", "create", "--snapshot-id", "new", "--bucket-id", sandbox.DemoBucketID}, []string{unsupported("on-demand snapshots")}},
		{[]string{"snapshot", "create"}, []string{unsupported("on-demand snapshots")}},
	} {
		n := len(a.requests())
		r := a.run(append(tt.args, "--cluster", fxDev)...)
		r.check(t, 2, nil, tt.stderr)
		if r.stdout != "" {
			t.Errorf("%q: stdout %q", tt.args, r.stdout)
		}
		a.noneAccepted(n)
		if a.countUnder(n, fxFlexPrefix+fxDev) == 0 {
			t.Errorf("%q: refused without finding out that flex-dev is a Flex cluster: %q", tt.args, a.pathsFrom(n))
		}
	}
	r := a.run("restore", "list", "--cluster", fxDev, "-o", "json")
	r.check(t, 0, []string{`^\[\]$`}, nil)

	// No cancel in the Flex API: exit 5, the job runs to its end.
	job := a.newRestore(fxDev, "download")
	r = a.run("restore", "cancel", job, "--cluster", fxDev, "--yes")
	r.check(t, 5, nil, []string{`^Error: cluster flex-dev is a Flex cluster, and Flex clusters do not support cancelling a restore job: restore job ` + job +
		` runs to its end \(nothing was cancelled\)\. Follow it with: atlas-backup restore watch ` + job + ` --cluster flex-dev --project-id ` + harnessProjectID + `$`})
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
	r = a.run("restore", "get", job, "--cluster", fxDev)
	r.check(t, 0, []string{`^` + job + ` +download +Pending `}, nil)

	// Every cluster: the Flex ones named on stderr as skipped, like the one
	// with backup off; none of them gets a job or a request of its own.
	n := len(a.requests())
	r = a.run("export", "create", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketID)
	r.check(t, 0, []string{`^analytics `, `^demo `, `^demo-sharded `}, []string{
		`^Skipping cluster flex-dev: a Flex cluster \(Flex clusters have no exports\)$`,
		`^Skipping cluster flex-qa: a Flex cluster \(Flex clusters have no exports\)$`,
		`^Skipping cluster legacy: backup is off$`,
	})
	if strings.Contains(r.stdout, "flex-") {
		t.Errorf("Flex clusters among the exports:\n%s", r.stdout)
	}
	for _, p := range a.pathsFrom(n) {
		if strings.Contains(p, "/flex-dev") || strings.Contains(p, "/flex-qa") {
			t.Errorf("%s was sent", p)
		}
	}
}

// --dry-run prints the request that would be sent: for a Flex cluster, its
// Flex route, whether or not a lookup happened to find out the cluster's
// kind first; and what a Flex cluster does not support is exit 2 there
// too.
func TestRunFlexDryRun(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		args   []string
		stdout []string
	}{
		{"download of latest", []string{"--delivery-type", "download", "--snapshot-id", "latest"},
			[]string{`^POST \S+` + quoteRE(fxFlexPrefix+fxDev) + `/backup/download$`, `^Accept: application/vnd\.atlas\.2024-11-13\+json$`}},
		{"download of an ID", []string{"--delivery-type", "download", "--snapshot-id", fxLatest},
			[]string{`^POST \S+` + quoteRE(fxFlexPrefix+fxDev) + `/backup/download$`, `^Accept: application/vnd\.atlas\.2024-11-13\+json$`}},
		{"automated, with the pre-flight", []string{"--delivery-type", "automated", "--snapshot-id", fxLatest, "--target-cluster", fxQA},
			[]string{`^POST \S+` + quoteRE(fxFlexPrefix+fxDev) + `/backup/restoreJobs$`, `^  "targetDeploymentItemName": "flex-qa",?$`}},
		{"automated, --no-preflight", []string{"--delivery-type", "automated", "--snapshot-id", fxLatest, "--target-cluster", fxQA, "--no-preflight"},
			[]string{`^POST \S+` + quoteRE(fxFlexPrefix+fxDev) + `/backup/restoreJobs$`, `^  "targetDeploymentItemName": "flex-qa",?$`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			r := a.run(append([]string{"restore", "create", "--cluster", fxDev, "--dry-run"}, tt.args...)...)
			r.check(t, 0, tt.stdout, nil)
			if strings.Contains(r.stdout, `"deliveryType"`) || strings.Contains(r.stdout, "/clusters/flex-dev/") {
				t.Errorf("the dedicated request, which Atlas refuses for a Flex cluster:\n%s", r.stdout)
			}
			a.onlyRead()
		})
	}
	t.Run("export of an ID", func(t *testing.T) {
		t.Parallel()
		a := newAtlas(t)
		r := a.run("export", "create", "--cluster", fxDev, "--snapshot-id", fxLatest, "--bucket-id", sandbox.DemoBucketID, "--dry-run")
		r.check(t, 2, nil, []string{`^Error: cluster flex-dev is a Flex cluster, and Flex clusters do not support exports \(nothing was created\)\.$`})
		a.onlyRead()
	})
}
