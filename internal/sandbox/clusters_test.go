package sandbox_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

const (
	vClusters = "application/vnd.atlas.2024-08-05+json"
	vFlex     = "application/vnd.atlas.2024-11-13+json"
	clusters  = groups + sandbox.DemoProjectID + "/clusters"
)

// demoClusters are the demo project's seeded clusters, in name order.
var demoClusters = []string{"analytics", sandbox.DemoCluster, sandbox.DemoShardedCluster, sandbox.DemoNoBackupCluster}

var hex24 = regexp.MustCompile(`^[a-f0-9]{24}$`)

func (e *env) getCluster(path string) response { return e.send(req{path: path, accept: vClusters}) }

// names are the names of a cluster list's results.
func names(r response) []string {
	var out []string
	for _, c := range r.results() {
		out = append(out, c.(map[string]any)["name"].(string))
	}
	return out
}

// link returns the href of a list's link with that rel, or "".
func link(r response, rel string) string {
	links, _ := r.body["links"].([]any)
	for _, l := range links {
		if m := l.(map[string]any); m["rel"] == rel {
			return m["href"].(string)
		}
	}
	return ""
}

func TestListClusters(t *testing.T) {
	e := start(t)
	r := e.getCluster(clusters)
	wantStatus(t, r, 200, "")
	if ct := r.header.Get("Content-Type"); ct != vClusters+";charset=utf-8" {
		t.Errorf("Content-Type %q, want the 2024-08-05 media type", ct)
	}
	if got := names(r); !slices.Equal(got, demoClusters) {
		t.Errorf("clusters %v, want %v (name order)", got, demoClusters)
	}
	if r.body["totalCount"] != float64(len(demoClusters)) {
		t.Errorf("totalCount %v, want %d", r.body["totalCount"], len(demoClusters))
	}
	if link(r, "self") == "" || link(r, "next") != "" {
		t.Errorf("links %v: want self and no next", r.body["links"])
	}
	ids := map[string]bool{}
	for _, item := range r.results() {
		c := item.(map[string]any)
		name := c["name"].(string)
		id, _ := c["id"].(string)
		if !hex24.MatchString(id) || ids[id] {
			t.Errorf("%s: id %q is not a fresh 24-hex ID", name, id)
		}
		ids[id] = true
		wantState := "IDLE"
		if name == sandbox.DemoUpdatingCluster {
			wantState = "UPDATING"
		}
		if c["groupId"] != sandbox.DemoProjectID || c["stateName"] != wantState || c["paused"] != false {
			t.Errorf("%s: %v", name, c)
		}
		wantType, wantShards, wantBackup := "REPLICASET", 1, true
		switch name {
		case sandbox.DemoShardedCluster:
			wantType, wantShards = "SHARDED", 2
		case sandbox.DemoNoBackupCluster:
			wantBackup = false
		}
		specs, _ := c["replicationSpecs"].([]any)
		if c["clusterType"] != wantType || len(specs) != wantShards || c["backupEnabled"] != wantBackup {
			t.Errorf("%s: clusterType %v, %d replicationSpecs, backupEnabled %v; want %s, %d, %t",
				name, c["clusterType"], len(specs), c["backupEnabled"], wantType, wantShards, wantBackup)
		}
		if v, _ := c["mongoDBVersion"].(string); !strings.HasPrefix(v, c["mongoDBMajorVersion"].(string)+".") {
			t.Errorf("%s: mongoDBVersion %q, major %q", name, v, c["mongoDBMajorVersion"])
		}
		links := c["links"].([]any)
		if self := links[0].(map[string]any); self["rel"] != "self" || self["href"] != e.srv.URL+clusters+"/"+name {
			t.Errorf("%s: first link %v, want its self link", name, self)
		}
	}

	// Each project lists its own.
	r = e.getCluster(groups + sandbox.DemoStagingID + "/clusters")
	if got := names(r); !slices.Equal(got, []string{sandbox.DemoCreatingCluster, sandbox.DemoDeletingCluster, "staging", sandbox.DemoPausedCluster}) {
		t.Errorf("staging project lists %v", got)
	}
	wantStatus(t, e.getCluster(groups+"0123456789abcdef01234567/clusters"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.getCluster(clusters+"?includeDeletedWithRetainedBackups=true"), 200, "")
	wantStatus(t, e.getCluster(clusters+"?includeDeletedWithRetainedBackups=yes"), 400, "VALIDATION_ERROR")
}

func TestListClustersPages(t *testing.T) {
	e := start(t, sandbox.WithClusters(50))
	var all []string
	next := clusters + "?itemsPerPage=7"
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("the next links never end")
		}
		r := e.getCluster(next)
		wantStatus(t, r, 200, "")
		if r.body["totalCount"] != float64(54) {
			t.Fatalf("totalCount %v, want 54", r.body["totalCount"])
		}
		all = append(all, names(r)...)
		next = ""
		if href := link(r, "next"); href != "" {
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			next = u.RequestURI()
		}
	}
	want := append(slices.Clone(demoClusters[:3]), make([]string, 50)...)
	for i := range 50 {
		want[3+i] = sandbox.FleetClusterName(i + 1)
	}
	want = append(want, sandbox.DemoNoBackupCluster)
	if !slices.Equal(all, want) {
		t.Errorf("following next links: %v\nwant %v", all, want)
	}

	r := e.getCluster(clusters + "?pageNum=3&itemsPerPage=25&includeCount=false")
	if _, ok := r.body["totalCount"]; ok || !slices.Equal(names(r), want[50:]) || link(r, "previous") == "" {
		t.Errorf("last page without count: %s", r.raw)
	}
}

func TestGetCluster(t *testing.T) {
	e := start(t)
	r := e.getCluster(clusters + "/" + sandbox.DemoShardedCluster)
	wantStatus(t, r, 200, "")
	specs := r.body["replicationSpecs"].([]any)
	if r.str("name") != sandbox.DemoShardedCluster || r.str("clusterType") != "SHARDED" || len(specs) != 2 {
		t.Fatalf("demo-sharded: %s", r.raw)
	}
	s0, s1 := specs[0].(map[string]any), specs[1].(map[string]any)
	if s0["id"] == s1["id"] || s0["zoneId"] != s1["zoneId"] || s0["zoneName"] != "Zone 1" {
		t.Errorf("shards: %v", specs)
	}
	// The same cluster as in the list.
	list := e.getCluster(clusters)
	for _, c := range list.results() {
		if c := c.(map[string]any); c["name"] == sandbox.DemoShardedCluster && c["id"] != r.str("id") {
			t.Errorf("list says id %v, get says %s", c["id"], r.str("id"))
		}
	}

	r = e.getCluster(clusters + "/nope")
	wantStatus(t, r, 404, "CLUSTER_NOT_FOUND")
	if want := "No cluster named nope exists in group " + sandbox.DemoProjectID + "."; r.str("detail") != want || r.str("reason") != "Not Found" {
		t.Errorf("404 body %s, want detail %q", r.raw, want)
	}
	wantStatus(t, e.getCluster(clusters+"/my_db"), 400, "VALIDATION_ERROR")
	wantStatus(t, e.getCluster(groups+"0123456789abcdef01234567/clusters/demo"), 404, "RESOURCE_NOT_FOUND")

	// envelope and pretty, as every operation.
	r = e.getCluster(clusters + "/demo?envelope=true&pretty=true")
	content, _ := r.body["content"].(map[string]any)
	if r.status != 200 || r.body["status"] != float64(200) || content["name"] != "demo" || !strings.Contains(string(r.raw), "\n  ") {
		t.Errorf("envelope: %s", r.raw)
	}
	r = e.getCluster(clusters + "/nope?envelope=true")
	if content, _ := r.body["content"].(map[string]any); r.status != 200 || content["errorCode"] != "CLUSTER_NOT_FOUND" {
		t.Errorf("enveloped 404: %s", r.raw)
	}
}

// TestClusterVersions: the cluster reads answer 2024-08-05 and, as Atlas
// still does, 2023-02-01. The spec subset has only 2024-08-05, so these
// answers are checked without the contract (TestClusterShapes checks their
// shapes).
func TestClusterVersions(t *testing.T) {
	e := startUnchecked(t)
	for _, path := range []string{clusters, clusters + "/demo"} {
		for accept, served := range map[string]string{
			vClusters:                               "2024-08-05",
			"application/vnd.atlas.2025-03-12+json": "2024-08-05", // the newest on or before
			"application/vnd.atlas.2024-08-04+json": "2023-02-01",
			vClustersLegacy:                         "2023-02-01",
			"application/vnd.atlas.2023-01-31+json": "", // older than every version served
			v1:                                      "",
			"none":                                  "",
		} {
			r := e.send(req{path: path, accept: accept})
			if served == "" {
				wantStatus(t, r, 406, "INVALID_VERSION_DATE")
				continue
			}
			wantStatus(t, r, 200, "")
			if ct := r.header.Get("Content-Type"); ct != sandbox.MediaType(served)+";charset=utf-8" {
				t.Errorf("%s with %s: Content-Type %q", path, accept, ct)
			}
		}
	}
}

func TestNoBackupCluster(t *testing.T) {
	e := start(t)
	legacy := clusters + "/" + sandbox.DemoNoBackupCluster
	r := e.getCluster(legacy)
	if r.body["backupEnabled"] != false {
		t.Fatalf("legacy: %s", r.raw)
	}
	if ids := sandbox.SeedSnapshotIDs(sandbox.DemoNoBackupCluster); len(ids) != 0 {
		t.Errorf("SeedSnapshotIDs(legacy) = %v, want none", ids)
	}
	for _, coll := range []string{"snapshots", "exports", "restoreJobs"} {
		r := e.get(legacy + "/backup/" + coll)
		if wantStatus(t, r, 200, ""); len(r.results()) != 0 || r.body["totalCount"] != float64(0) {
			t.Errorf("%s of legacy: %s", coll, r.raw)
		}
	}

	snap := sandbox.SeedSnapshotIDs("demo")[0]
	r = e.post(legacy+"/backup/exports", `{"snapshotId":"`+snap+`","exportBucketId":"`+sandbox.DemoBucketID+`"}`)
	wantStatus(t, r, 400, "BACKUP_NOT_ENABLED")
	if !strings.Contains(r.str("detail"), "cluster legacy") || r.str("reason") != "Bad Request" {
		t.Errorf("refused export: %s", r.raw)
	}
	// The body is checked first, as for any cluster.
	wantStatus(t, e.post(legacy+"/backup/exports", `{"exportBucketId":"`+sandbox.DemoBucketID+`"}`), 400, "VALIDATION_ERROR")
	wantStatus(t, e.post(legacy+"/backup/restoreJobs", restoreBody("download", snap, "")), 400, "BACKUP_NOT_ENABLED")
	wantStatus(t, e.post(legacy+"/backup/restoreJobs", restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":1700000000`)), 400, "BACKUP_NOT_ENABLED")
	if n := len(e.get(legacy + "/backup/exports").results()); n != 0 {
		t.Errorf("a refused export left %d jobs", n)
	}

	// A cluster with backup off can still be the target of a restore.
	r = e.post(demo+"/restoreJobs", restoreBody("automated", snap, `"targetClusterName":"legacy","targetGroupId":"`+sandbox.DemoProjectID+`"`))
	wantStatus(t, r, 200, "")
}

func TestFleetClusters(t *testing.T) {
	if got := sandbox.FleetClusterName(7); got != "fleet-007" {
		t.Errorf("FleetClusterName(7) = %q", got)
	}
	if n := len(names(start(t).getCluster(clusters))); n != len(demoClusters) {
		t.Errorf("without WithClusters: %d clusters", n)
	}

	e := start(t, sandbox.WithClusters(3))
	wantStatus(t, e.getCluster(clusters+"/fleet-004"), 404, "CLUSTER_NOT_FOUND")
	seen := map[string]bool{}
	for i := 1; i <= 3; i++ {
		name := sandbox.FleetClusterName(i)
		c := e.getCluster(clusters + "/" + name)
		if wantStatus(t, c, 200, ""); c.str("clusterType") != "REPLICASET" || c.body["backupEnabled"] != true {
			t.Errorf("%s: %s", name, c.raw)
		}
		ids := sandbox.SeedSnapshotIDs(name)
		r := e.get(clusters + "/" + name + "/backup/snapshots")
		var got []string
		for _, sn := range r.results() {
			sn := sn.(map[string]any)
			got = append(got, sn["id"].(string))
			if sn["status"] != "completed" || sn["replicaSetName"] != name {
				t.Errorf("%s snapshot %v", name, sn)
			}
		}
		if len(ids) != 2 || !slices.Equal(got, ids) {
			t.Errorf("%s snapshots %v, SeedSnapshotIDs %v", name, got, ids)
		}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("snapshot ID %s repeats", id)
			}
			seen[id] = true
		}
	}
	// A fleet cluster exports like any other.
	body := `{"snapshotId":"` + sandbox.SeedSnapshotIDs("fleet-002")[0] + `","exportBucketId":"` + sandbox.DemoBucketID + `"}`
	wantStatus(t, e.post(clusters+"/fleet-002/backup/exports", body), 200, "")
	if ids := sandbox.SeedSnapshotIDs("fleet-02"); len(ids) != 0 {
		t.Errorf("SeedSnapshotIDs(fleet-02) = %v: not a fleet name", ids)
	}
}

func TestFleetIsCheap(t *testing.T) {
	before := runtime.NumGoroutine()
	began := time.Now()
	sb := sandbox.New(sandbox.WithClusters(999))
	if took := time.Since(began); took > time.Second {
		t.Errorf("New with 999 clusters took %s", took)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("New with 999 clusters started %d goroutines", after-before)
	}
	_ = sb
}

// TestUnknownClusterCodes pins which operations answer an unknown cluster
// with Atlas's CLUSTER_NOT_FOUND (the cluster reads and the Flex routes)
// and which keep RESOURCE_NOT_FOUND (the backup operations, whose detail
// scripts match).
func TestUnknownClusterCodes(t *testing.T) {
	e := start(t)
	gone := clusters + "/gone"
	for _, tt := range []struct {
		r    req
		code string
	}{
		{req{path: gone, accept: vClusters}, "CLUSTER_NOT_FOUND"},
		{req{path: groups + sandbox.DemoProjectID + "/flexClusters/gone/backup/snapshots", accept: vFlex}, "CLUSTER_NOT_FOUND"},
		{req{path: gone + "/backup/snapshots"}, "RESOURCE_NOT_FOUND"},
		{req{path: gone + "/backup/exports"}, "RESOURCE_NOT_FOUND"},
		{req{path: gone + "/backup/restoreJobs"}, "RESOURCE_NOT_FOUND"},
		{req{method: "POST", path: gone + "/backup/exports", body: exportBody()}, "RESOURCE_NOT_FOUND"},
	} {
		wantStatus(t, e.send(tt.r), 404, tt.code)
	}
}

func TestClusterFaults(t *testing.T) {
	e := start(t, sandbox.WithFaults(mustFault(t, "getGroupCluster:503:1"), mustFault(t, "listClusters:429:1")))
	wantStatus(t, e.getCluster(clusters+"/demo"), 503, "SERVICE_UNAVAILABLE")
	wantStatus(t, e.getCluster(clusters+"/demo"), 200, "")
	wantStatus(t, e.getCluster(clusters), 429, "RATE_LIMITED")
	wantStatus(t, e.getCluster(clusters), 200, "")
	var ops []string
	for _, r := range e.sb.Requests() {
		if r.Status != http.StatusUnauthorized {
			ops = append(ops, r.Operation)
		}
	}
	if want := []string{"getCluster", "getCluster", "listClusters", "listClusters"}; !slices.Equal(ops, want) {
		t.Errorf("logged operations %v, want %v", ops, want)
	}
	for _, name := range []string{"listClusters", "listGroupClusters", "getCluster", "getGroupCluster", "getFlexRestoreJob", "listGroupFlexClusterBackupSnapshots"} {
		if _, err := sandbox.ParseFault(name + ":500"); err != nil {
			t.Errorf("ParseFault(%s:500): %v", name, err)
		}
	}
}

func TestFlexRoutes(t *testing.T) {
	e := start(t)
	flex := groups + sandbox.DemoProjectID + "/flexClusters/"
	snap, job := sandbox.SeedSnapshotIDs("demo")[0], "0123456789abcdef01234567"
	flexBody := `{"snapshotId":"` + snap + `","targetDeploymentItemName":"demo","targetProjectId":"` + sandbox.DemoProjectID + `"}`
	routes := []struct{ method, path, body string }{
		{"GET", "%s/backup/snapshots", ""},
		{"GET", "%s/backup/snapshots/" + snap, ""},
		{"GET", "%s/backup/restoreJobs", ""},
		{"POST", "%s/backup/restoreJobs", flexBody},
		{"GET", "%s/backup/restoreJobs/" + job, ""},
	}
	send := func(method, path, body, accept string) response {
		return e.send(req{method: method, path: path, body: body, accept: accept, header: map[string]string{"Content-Type": vFlex}})
	}
	for _, rt := range routes {
		for _, name := range []string{sandbox.DemoCluster, sandbox.DemoShardedCluster, sandbox.DemoNoBackupCluster} {
			path := flex + fmt.Sprintf(rt.path, name)
			r := send(rt.method, path, rt.body, vFlex)
			wantStatus(t, r, 400, "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API")
			if want := "Cannot use non-flex cluster " + name + " in the flex API."; r.str("detail") != want || r.str("reason") != "Bad Request" {
				t.Errorf("%s %s: %s", rt.method, path, r.raw)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s %s: Content-Type %q", rt.method, path, ct)
			}
		}
		path := flex + fmt.Sprintf(rt.path, "gone")
		wantStatus(t, send(rt.method, path, rt.body, vFlex), 404, "CLUSTER_NOT_FOUND")
		// Versioned and validated as every route: 2024-11-13 is its only version.
		wantStatus(t, send(rt.method, flex+fmt.Sprintf(rt.path, "demo"), rt.body, v1), 406, "INVALID_VERSION_DATE")
		wantStatus(t, send(rt.method, flex+fmt.Sprintf(rt.path, "my_db"), rt.body, vFlex), 400, "VALIDATION_ERROR")
	}
	wantStatus(t, e.send(req{method: "DELETE", path: flex + "demo/backup/restoreJobs", accept: vFlex}), 405, "METHOD_NOT_ALLOWED")
}

func TestPeakInFlight(t *testing.T) {
	const n = 6
	e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "listClusters", Delay: 200 * time.Millisecond}))
	if p := e.sb.PeakInFlight(); p != 0 {
		t.Fatalf("PeakInFlight before any request = %d", p)
	}
	wantStatus(t, e.get(demo+"/snapshots"), 200, "")
	if p := e.sb.PeakInFlight(); p != 1 {
		t.Errorf("after one request at a time: peak %d, want 1", p)
	}

	// n requests held open by the slow fault: all in flight at once.
	e.sb.ResetPeak()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { wantStatus(t, e.getCluster(clusters), 200, "") })
	}
	wg.Wait()
	if p := e.sb.PeakInFlight(); p != n {
		t.Errorf("after %d concurrent slow requests: peak %d, want %d", n, p, n)
	}

	// A request in flight is counted while it is held, and ResetPeak keeps it.
	waitIdle(t, e.sb)
	done := make(chan struct{})
	go func() { defer close(done); e.getCluster(clusters) }()
	for deadline := time.Now().Add(5 * time.Second); e.sb.PeakInFlight() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("a held request is never counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.sb.ResetPeak()
	if p := e.sb.PeakInFlight(); p != 1 {
		t.Errorf("ResetPeak with one request in flight: peak %d, want 1", p)
	}
	<-done

	// Dropped connections are counted out too.
	d := start(t, sandbox.WithFaults(mustFault(t, "getCluster:drop")))
	creds := d.sb.Credentials()
	c := &http.Client{Transport: &api.DigestTransport{Username: creds.PublicKey, Password: creds.PrivateKey,
		Base: &http.Transport{DisableKeepAlives: true}}}
	hr, _ := http.NewRequest("GET", d.srv.URL+clusters+"/demo", nil)
	hr.Header.Set("Accept", vClusters)
	if resp, err := c.Do(hr); err == nil {
		resp.Body.Close()
		t.Errorf("the drop fault answered %d", resp.StatusCode)
	}
	waitIdle(t, d.sb)
}

// waitIdle waits until the sandbox serves no request: ResetPeak then starts
// from 0. A client can have its whole answer a moment before the handler
// that sent it returns.
func waitIdle(t *testing.T, sb *sandbox.Server) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if sb.ResetPeak(); sb.PeakInFlight() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still in flight", sb.PeakInFlight())
		}
	}
}
