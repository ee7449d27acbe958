package sandbox_test

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// The Flex API: cluster reads, snapshots, restore and download jobs. Every
// answer is checked against the contract by the test server.

var (
	flexDev = flexGroups + sandbox.DemoFlexCluster
	flexQA  = flexGroups + sandbox.DemoFlexTargetCluster
)

// flexSend sends a request of the Flex API: its one version, in Accept and,
// with a body, Content-Type.
func (e *env) flexSend(method, path, body string) response {
	e.t.Helper()
	h := map[string]string{}
	if body != "" {
		h["Content-Type"] = vFlex
	}
	return e.send(req{method: method, path: path, body: body, accept: vFlex, header: h})
}

func (e *env) flexGet(path string) response { e.t.Helper(); return e.flexSend("GET", path, "") }

// flexRestoreBody is a Flex restore create body; targetProject "" leaves it out.
func flexRestoreBody(snapshotID, target, targetProject string) string {
	b := `{"snapshotId":"` + snapshotID + `","targetDeploymentItemName":"` + target + `"`
	if targetProject != "" {
		b += `,"targetProjectId":"` + targetProject + `"`
	}
	return b + "}"
}

func TestFlexClusterReads(t *testing.T) {
	e := start(t)
	list := e.flexGet(groups + sandbox.DemoProjectID + "/flexClusters")
	wantStatus(t, list, 200, "")
	if got := names(list); !slices.Equal(got, []string{sandbox.DemoFlexCluster, sandbox.DemoFlexTargetCluster}) || list.body["totalCount"] != float64(2) {
		t.Errorf("flexClusters %v: %s", got, list.raw)
	}
	if ct := list.header.Get("Content-Type"); ct != vFlex+";charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	want := shape{
		has: []string{"id", "groupId", "createDate", "connectionStrings", "links"},
		raw: map[string]string{
			"name": `"flex-dev"`, "stateName": `"IDLE"`, "clusterType": `"REPLICASET"`, "versionReleaseSystem": `"LTS"`,
			"backupSettings": `{"enabled":true}`, "tags": `[]`, "terminationProtectionEnabled": "false", "mongoDBVersion": `"8.0.12"`,
			"providerSettings": `{"backingProviderName":"AWS","diskSizeGB":5.0,"providerName":"FLEX","regionName":"US_EAST_1"}`,
			"groupId":          `"` + sandbox.DemoProjectID + `"`,
		},
		check: func(t *testing.T, r response) {
			cs, _ := r.body["connectionStrings"].(map[string]any)
			if !strings.HasPrefix(cs["standardSrv"].(string), "mongodb+srv://flex-dev.") || !strings.HasPrefix(cs["standard"].(string), "mongodb://") {
				t.Errorf("connectionStrings %v", cs)
			}
			if !hex24.MatchString(r.str("id")) || !strings.HasSuffix(hrefOf(r, "self"), "/flexClusters/flex-dev") {
				t.Errorf("id %q, links %v", r.str("id"), r.body["links"])
			}
		},
	}
	wantShape(t, rawResults(t, list)[0], want)
	got := e.flexGet(flexDev)
	wantStatus(t, got, 200, "")
	wantShape(t, got.raw, want)

	// One per page, in name order.
	page := e.flexGet(groups + sandbox.DemoProjectID + "/flexClusters?itemsPerPage=1&pageNum=2")
	if got := names(page); !slices.Equal(got, []string{sandbox.DemoFlexTargetCluster}) || link(page, "previous") == "" || link(page, "next") != "" {
		t.Errorf("page 2 of 1: %s", page.raw)
	}
	// They are not dedicated clusters, and WithClusters does not add any.
	for _, opts := range [][]sandbox.Option{nil, {sandbox.WithClusters(3)}} {
		f := start(t, opts...)
		for _, n := range names(f.getCluster(clusters + "?itemsPerPage=500")) {
			if strings.HasPrefix(n, "flex-") {
				t.Errorf("the dedicated list has %s", n)
			}
		}
		if n := len(names(f.flexGet(groups + sandbox.DemoProjectID + "/flexClusters"))); n != 2 {
			t.Errorf("%d Flex clusters", n)
		}
	}
	// Other projects have none: an empty list.
	r := e.flexGet(groups + sandbox.DemoStagingID + "/flexClusters")
	if wantStatus(t, r, 200, ""); !strings.Contains(string(r.raw), `"results":[]`) {
		t.Errorf("staging's Flex clusters: %s", r.raw)
	}
	wantStatus(t, e.flexGet(flexGroups+"demo"), 400, "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API")
	wantStatus(t, e.flexGet(flexGroups+"gone"), 404, "CLUSTER_NOT_FOUND")
	wantStatus(t, e.flexGet(groups+"0123456789abcdef01234567/flexClusters"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.send(req{path: flexDev}), 406, "INVALID_VERSION_DATE") // 2023-01-01: not a version of it
}

func TestFlexSnapshots(t *testing.T) {
	e := start(t) // the clock starts at 2026-11-24T12:00:00Z
	ids := sandbox.SeedSnapshotIDs(sandbox.DemoFlexCluster)
	if len(ids) != 3 || len(sandbox.SeedSnapshotIDs(sandbox.DemoFlexTargetCluster)) != 1 {
		t.Fatalf("SeedSnapshotIDs: flex-dev %v, flex-qa %v", ids, sandbox.SeedSnapshotIDs(sandbox.DemoFlexTargetCluster))
	}
	list := e.flexGet(flexDev + "/backup/snapshots")
	wantStatus(t, list, 200, "")
	var got []string
	for _, sn := range list.results() {
		got = append(got, sn.(map[string]any)["id"].(string))
	}
	if want := append([]string{sandbox.DemoFlexRunningSnapshotID}, ids...); !slices.Equal(got, want) || list.body["totalCount"] != float64(4) {
		t.Errorf("snapshots %v, want newest first %v", got, want)
	}
	items := rawResults(t, list)
	wantShape(t, items[0], shape{
		raw:   map[string]string{"status": `"RUNNING"`, "startTime": `"2026-11-24T11:40:00Z"`, "scheduledTime": `"2026-11-24T11:39:00Z"`, "mongoDBVersion": `"8.0.12"`},
		has:   []string{"expiration", "links"},
		lacks: []string{"finishTime"},
	})
	completed := shape{
		raw: map[string]string{"status": `"COMPLETED"`, "finishTime": `"2026-11-23T14:00:00Z"`, "startTime": `"2026-11-23T13:57:00Z"`,
			"scheduledTime": `"2026-11-23T13:56:00Z"`, "expiration": `"2026-12-01T13:56:00Z"`},
		check: func(t *testing.T, r response) {
			if got := rels(r); !slices.Equal(got, []string{"self", relCluster}) || !strings.HasSuffix(hrefOf(r, "self"), "/flexClusters/flex-dev/backup/snapshots/"+ids[0]) {
				t.Errorf("links %v", r.body["links"])
			}
		},
	}
	wantShape(t, items[1], completed)
	one := e.flexGet(flexDev + "/backup/snapshots/" + ids[0])
	wantStatus(t, one, 200, "")
	wantShape(t, one.raw, completed)

	// A page of one is the newest; the running one stays running.
	e.clock.Advance(48 * time.Hour)
	first := e.flexGet(flexDev + "/backup/snapshots?itemsPerPage=1")
	if r := first.results(); len(r) != 1 || r[0].(map[string]any)["status"] != "RUNNING" || first.body["totalCount"] != float64(4) {
		t.Errorf("first page of one: %s", first.raw)
	}
	qa := e.flexGet(flexQA + "/backup/snapshots")
	if r := qa.results(); len(r) != 1 || r[0].(map[string]any)["finishTime"] != "2026-11-24T02:00:00Z" {
		t.Errorf("flex-qa snapshots: %s", qa.raw)
	}
	wantStatus(t, e.flexGet(flexDev+"/backup/snapshots/0123456789abcdef01234567"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.flexGet(flexDev+"/backup/snapshots/"+sandbox.SeedSnapshotIDs("demo")[0]), 404, "RESOURCE_NOT_FOUND")
}

// A Flex restore goes PENDING, QUEUED, RUNNING, COMPLETED over the job
// duration (10s here).
func TestFlexRestoreLifecycle(t *testing.T) {
	e := start(t)
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoFlexCluster)[0]
	created := e.flexSend("POST", flexDev+"/backup/restoreJobs", flexRestoreBody(snap, sandbox.DemoFlexTargetCluster, ""))
	wantStatus(t, created, 200, "")
	id := created.str("id")
	stages := []struct {
		at   time.Duration
		want shape
	}{
		{0, shape{
			raw: map[string]string{"status": `"PENDING"`, "deliveryType": `"RESTORE"`, "instanceName": `"flex-dev"`, "snapshotId": `"` + snap + `"`,
				"targetDeploymentItemName": `"flex-qa"`, "projectId": `"` + sandbox.DemoProjectID + `"`, "targetProjectId": `"` + sandbox.DemoProjectID + `"`,
				"restoreScheduledDate": `"2026-11-24T12:00:00Z"`, "snapshotFinishedDate": `"2026-11-23T14:00:00Z"`},
			lacks: []string{"restoreFinishedDate", "snapshotUrl", "expirationDate"},
			check: func(t *testing.T, r response) {
				if got := rels(r); !slices.Equal(got, []string{"self", relSnapshot}) || !strings.HasSuffix(hrefOf(r, "self"), "/flexClusters/flex-dev/backup/restoreJobs/"+r.str("id")) {
					t.Errorf("links %v", r.body["links"])
				}
			},
		}},
		{2 * time.Second, shape{raw: map[string]string{"status": `"QUEUED"`}, lacks: []string{"restoreFinishedDate"}}},
		{4 * time.Second, shape{raw: map[string]string{"status": `"RUNNING"`}, lacks: []string{"restoreFinishedDate"}}},
		{10 * time.Second, shape{
			raw:   map[string]string{"status": `"COMPLETED"`, "restoreFinishedDate": `"2026-11-24T12:00:10Z"`, "targetDeploymentItemName": `"flex-qa"`},
			lacks: []string{"snapshotUrl", "expirationDate"},
		}},
	}
	wantShape(t, created.raw, stages[0].want)
	t0 := e.clock.Now()
	for _, st := range stages {
		e.clock.Advance(t0.Add(st.at).Sub(e.clock.Now()))
		r := e.flexGet(flexDev + "/backup/restoreJobs/" + id)
		wantStatus(t, r, 200, "")
		wantShape(t, r.raw, st.want)
		wantShape(t, rawResults(t, e.flexGet(flexDev+"/backup/restoreJobs"))[0], st.want)
	}

	// Into a dedicated cluster of the project, or of another project; the
	// list is newest first.
	wantStatus(t, e.flexSend("POST", flexDev+"/backup/restoreJobs", flexRestoreBody(snap, "analytics", "")), 200, "")
	last := e.flexSend("POST", flexDev+"/backup/restoreJobs", flexRestoreBody(snap, "staging", sandbox.DemoStagingID))
	wantStatus(t, last, 200, "")
	if last.str("targetProjectId") != sandbox.DemoStagingID {
		t.Errorf("targetProjectId: %s", last.raw)
	}
	list := e.flexGet(flexDev + "/backup/restoreJobs?itemsPerPage=1")
	if r := list.results(); len(r) != 1 || r[0].(map[string]any)["id"] != last.str("id") || list.body["totalCount"] != float64(3) {
		t.Errorf("newest first: %s", list.raw)
	}
	wantStatus(t, e.flexGet(flexDev+"/backup/restoreJobs/"+id+"?pretty=true"), 200, "")
	wantStatus(t, e.flexGet(flexDev+"/backup/restoreJobs/0123456789abcdef01234567"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.flexGet(flexQA+"/backup/restoreJobs/"+id), 404, "RESOURCE_NOT_FOUND") // another cluster's
	// No cancel.
	r := e.flexSend("DELETE", flexDev+"/backup/restoreJobs/"+id, "")
	if wantStatus(t, r, 405, "METHOD_NOT_ALLOWED"); r.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

func TestFlexRestoreRefused(t *testing.T) {
	e := start(t)
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoFlexCluster)[0]
	jobs := flexDev + "/backup/restoreJobs"
	for _, tt := range []struct {
		name, path, body string
		status           int
		code, detail     string
	}{
		{"unknown field", jobs, `{"snapshotId":"` + snap + `","targetDeploymentItemName":"flex-qa","deliveryType":"RESTORE","target":"x"}`, 400, "VALIDATION_ERROR", "target: is not an attribute"},
		{"no snapshot ID", jobs, `{"targetDeploymentItemName":"flex-qa"}`, 400, "VALIDATION_ERROR", "snapshotId: is required"},
		{"no target", jobs, `{"snapshotId":"` + snap + `"}`, 400, "VALIDATION_ERROR", "targetDeploymentItemName: is required"},
		{"bad snapshot ID", jobs, flexRestoreBody("x", "flex-qa", ""), 400, "VALIDATION_ERROR", `snapshotId: "x" must match`},
		{"bad target name", jobs, flexRestoreBody(snap, "a/b", ""), 400, "VALIDATION_ERROR", "targetDeploymentItemName"},
		{"bad target project", jobs, flexRestoreBody(snap, "flex-qa", "nope"), 400, "VALIDATION_ERROR", "targetProjectId"},
		{"not JSON", jobs, `[1]`, 400, "VALIDATION_ERROR", "must be a JSON object"},
		{"unknown snapshot", jobs, flexRestoreBody("0123456789abcdef01234567", "flex-qa", ""), 404, "RESOURCE_NOT_FOUND", "Cannot find resource snapshot"},
		{"a dedicated cluster's snapshot", jobs, flexRestoreBody(sandbox.SeedSnapshotIDs("demo")[0], "flex-qa", ""), 404, "RESOURCE_NOT_FOUND", "snapshot"},
		{"running snapshot", jobs, flexRestoreBody(sandbox.DemoFlexRunningSnapshotID, "flex-qa", ""), 400, "SNAPSHOT_NOT_COMPLETED", "has not completed"},
		{"unknown target", jobs, flexRestoreBody(snap, "nowhere", ""), 404, "CLUSTER_NOT_FOUND", "No cluster named nowhere exists in group " + sandbox.DemoProjectID},
		{"target in another project", jobs, flexRestoreBody(snap, "flex-qa", sandbox.DemoStagingID), 404, "CLUSTER_NOT_FOUND", "No cluster named flex-qa exists in group " + sandbox.DemoStagingID},
		{"unknown target project", jobs, flexRestoreBody(snap, "flex-qa", "0123456789abcdef01234567"), 404, "RESOURCE_NOT_FOUND", "group"},
		{"download: target given", flexDev + "/backup/download", flexRestoreBody(snap, "flex-qa", ""), 400, "VALIDATION_ERROR", "targetDeploymentItemName: is not an attribute"},
		{"download: running snapshot", flexDev + "/backup/download", `{"snapshotId":"` + sandbox.DemoFlexRunningSnapshotID + `"}`, 400, "SNAPSHOT_NOT_COMPLETED", ""},
		{"download: unknown snapshot", flexDev + "/backup/download", `{"snapshotId":"0123456789abcdef01234567"}`, 404, "RESOURCE_NOT_FOUND", ""},
		{"download: dedicated cluster", flexGroups + "demo/backup/download", `{"snapshotId":"` + snap + `"}`, 400, "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API", "Cannot use non-flex cluster demo in the flex API."},
		{"download: no such cluster", flexGroups + "gone/backup/download", `{"snapshotId":"` + snap + `"}`, 404, "CLUSTER_NOT_FOUND", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.flexSend("POST", tt.path, tt.body)
			wantStatus(t, r, tt.status, tt.code)
			if !strings.Contains(r.str("detail"), tt.detail) {
				t.Errorf("detail %q, want it to say %q", r.str("detail"), tt.detail)
			}
		})
	}
	if n := len(e.flexGet(jobs).results()); n != 0 {
		t.Errorf("refused creates left %d jobs", n)
	}

	// One restore into a cluster at a time: a second one, from either
	// kind of restore, is 409 until the first has ended.
	wantStatus(t, e.flexSend("POST", jobs, flexRestoreBody(snap, "demo", "")), 200, "")
	wantStatus(t, e.flexSend("POST", jobs, flexRestoreBody(snap, "demo", "")), 409, "CLUSTER_RESTORE_IN_PROGRESS")
	wantStatus(t, e.post(demo+"/restoreJobs", restoreBody("automated", sandbox.SeedSnapshotIDs("demo")[0], pitTarget)), 409, "CLUSTER_RESTORE_IN_PROGRESS")
	wantStatus(t, e.post(clusters+"/analytics/backup/restoreJobs", restoreBody("automated", sandbox.SeedSnapshotIDs("analytics")[0], `"targetClusterName":"flex-qa","targetGroupId":"`+sandbox.DemoProjectID+`"`)),
		400, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API") // a dedicated snapshot does not go into a Flex cluster
	wantStatus(t, e.post(demo+"/restoreJobs", restoreBody("automated", sandbox.SeedSnapshotIDs("demo")[0], `"targetClusterName":"analytics","targetGroupId":"`+sandbox.DemoProjectID+`"`)), 200, "")
	wantStatus(t, e.flexSend("POST", jobs, flexRestoreBody(snap, "analytics", "")), 409, "CLUSTER_RESTORE_IN_PROGRESS")
	e.clock.Advance(10 * time.Second)
	wantStatus(t, e.flexSend("POST", jobs, flexRestoreBody(snap, "demo", "")), 200, "")
	// Downloads take nothing over: as many as wanted.
	for range 2 {
		wantStatus(t, e.flexSend("POST", flexDev+"/backup/download", `{"snapshotId":"`+snap+`"}`), 200, "")
	}
}

// A download job: DOWNLOAD, its link on the archive origin once COMPLETED,
// working for four hours from the request.
func TestFlexDownload(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(100_000))
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoFlexTargetCluster)[0]
	created := e.flexSend("POST", flexQA+"/backup/download", `{"snapshotId":"`+snap+`"}`)
	wantStatus(t, created, 200, "")
	wantShape(t, created.raw, shape{
		raw: map[string]string{"deliveryType": `"DOWNLOAD"`, "status": `"PENDING"`, "expirationDate": `"2026-11-24T16:00:00Z"`,
			"instanceName": `"flex-qa"`, "snapshotId": `"` + snap + `"`, "targetProjectId": `"` + sandbox.DemoProjectID + `"`},
		lacks: []string{"snapshotUrl", "targetDeploymentItemName", "restoreFinishedDate"},
	})
	job := flexQA + "/backup/restoreJobs/" + created.str("id")
	e.clock.Advance(5 * time.Second)
	if r := e.flexGet(job); r.str("status") != "RUNNING" || r.str("snapshotUrl") != "" {
		t.Errorf("halfway: %s", r.raw)
	}
	e.clock.Advance(5 * time.Second)
	r := e.flexGet(job)
	wantShape(t, r.raw, shape{
		raw:   map[string]string{"status": `"COMPLETED"`, "restoreFinishedDate": `"2026-11-24T12:00:10Z"`, "expirationDate": `"2026-11-24T16:00:00Z"`},
		lacks: []string{"targetDeploymentItemName"},
	})
	link := r.str("snapshotUrl")
	u, err := url.Parse(link)
	if err != nil || !archiveURLPattern.MatchString(u.Path) || path.Base(u.Path) != sandbox.ArchiveFileName(snap, "") ||
		!strings.HasPrefix(link, e.sb.ArchiveURL()+"/") {
		t.Fatalf("snapshotUrl %q: want a link to restore-%s.tar.gz on the archive origin %s", link, snap, e.sb.ArchiveURL())
	}
	if listed := e.flexGet(flexQA + "/backup/restoreJobs").results()[0].(map[string]any); listed["snapshotUrl"] != link {
		t.Errorf("the list's snapshotUrl %v, want %s", listed["snapshotUrl"], link)
	}

	// A real .tar.gz of the configured size, with ETag, Range and If-Range,
	// and no credentials.
	d := fetchArchive(t, "GET", link, nil)
	if d.status != 200 || len(d.body) != 100_000 || d.header.Get("ETag") == "" || d.header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("GET: %d, %d bytes, headers %v", d.status, len(d.body), d.header)
	}
	if files := readArchive(t, d.body); len(files) != 3 {
		t.Errorf("archive files %v", files)
	}
	part := fetchArchive(t, "GET", link, map[string]string{"Range": "bytes=1000-", "If-Range": d.header.Get("ETag")})
	if part.status != http.StatusPartialContent || string(part.body) != string(d.body[1000:]) {
		t.Errorf("Range with a matching If-Range: %d, %d bytes", part.status, len(part.body))
	}
	whole := fetchArchive(t, "GET", link, map[string]string{"Range": "bytes=1000-", "If-Range": `"0123456789abcdef0123456789abcdef"`})
	if whole.status != 200 || len(whole.body) != 100_000 {
		t.Errorf("Range with a stale If-Range: %d, %d bytes", whole.status, len(whole.body))
	}
	// Each download has an archive of its own, and the same one each time.
	other := e.flexSend("POST", flexQA+"/backup/download", `{"snapshotId":"`+snap+`"}`)
	e.clock.Advance(10 * time.Second)
	link2 := e.flexGet(flexQA + "/backup/restoreJobs/" + other.str("id")).str("snapshotUrl")
	if d2 := fetchArchive(t, "GET", link2, nil); link2 == link || d2.status != 200 || d2.header.Get("ETag") == d.header.Get("ETag") {
		t.Errorf("a second download: %s (%d, ETag %s)", link2, d2.status, d2.header.Get("ETag"))
	}
	if again := fetchArchive(t, "GET", link, nil); string(again.body) != string(d.body) {
		t.Error("the archive changed between two downloads")
	}

	// The link works until expirationDate, four hours after the request.
	e.clock.Advance(4*time.Hour - 20*time.Second - time.Second)
	if d := fetchArchive(t, "GET", link, nil); d.status != 200 {
		t.Errorf("a second before expirationDate: %d", d.status)
	}
	e.clock.Advance(time.Second)
	if d := fetchArchive(t, "GET", link, nil); d.status != 403 || !strings.Contains(string(d.body), "Request has expired") {
		t.Errorf("at expirationDate: %d %s", d.status, d.body)
	}
	if r := e.flexGet(job); r.str("status") != "COMPLETED" {
		t.Errorf("after expirationDate: %s", r.raw)
	}
}

// A Flex job that does not succeed ends FAILED, whatever the outcome.
func TestFlexRestoreOutcomes(t *testing.T) {
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoFlexCluster)[1]
	for _, o := range []sandbox.Outcome{sandbox.OutcomeFailed, sandbox.OutcomeCancelled, sandbox.OutcomeExpired} {
		t.Run(string(o), func(t *testing.T) {
			e := withArchives(t, sandbox.WithRestoreOutcome(o))
			restore := e.flexSend("POST", flexDev+"/backup/restoreJobs", flexRestoreBody(snap, sandbox.DemoFlexCluster, ""))
			download := e.flexSend("POST", flexDev+"/backup/download", `{"snapshotId":"`+snap+`"}`)
			e.clock.Advance(5 * time.Second)
			if r := e.flexGet(flexDev + "/backup/restoreJobs/" + restore.str("id")); r.str("status") != "RUNNING" {
				t.Errorf("halfway: %s", r.raw)
			}
			e.clock.Advance(5 * time.Second)
			for _, id := range []string{restore.str("id"), download.str("id")} {
				r := e.flexGet(flexDev + "/backup/restoreJobs/" + id)
				wantShape(t, r.raw, shape{
					raw:   map[string]string{"status": `"FAILED"`, "restoreFinishedDate": `"2026-11-24T12:00:10Z"`},
					lacks: []string{"snapshotUrl"},
				})
			}
		})
	}
}

// Dedicated-cluster routes refuse a Flex cluster's name; Flex routes a
// dedicated cluster's. A name that is neither is 404 on both.
func TestFlexAndDedicatedRoutes(t *testing.T) {
	e := start(t)
	snap, id := sandbox.SeedSnapshotIDs(sandbox.DemoFlexCluster)[0], "0123456789abcdef01234567"
	dedicated := []req{
		{path: clusters + "/%s", accept: vClusters},
		{path: clusters + "/%s/backup/snapshots"},
		{path: clusters + "/%s/backup/snapshots/" + snap},
		{method: "POST", path: clusters + "/%s/backup/snapshots", body: `{}`},
		{path: clusters + "/%s/backup/snapshots/" + snap + "/databases", accept: v3},
		{path: clusters + "/%s/backup/snapshots/" + snap + "/databases/sales", accept: v3},
		{path: clusters + "/%s/backup/snapshots/" + snap + "/databases/sales/collections", accept: v3},
		{path: clusters + "/%s/backup/snapshots/" + snap + "/databases/sales/collections/orders", accept: v3},
		{path: clusters + "/%s/backup/exports"},
		{path: clusters + "/%s/backup/exports/" + id},
		{method: "POST", path: clusters + "/%s/backup/exports", body: `{"snapshotId":"` + snap + `","exportBucketId":"` + sandbox.DemoBucketID + `"}`},
		{path: clusters + "/%s/backup/restoreJobs"},
		{path: clusters + "/%s/backup/restoreJobs/" + id},
		{method: "POST", path: clusters + "/%s/backup/restoreJobs", body: restoreBody("download", snap, "")},
		{method: "DELETE", path: clusters + "/%s/backup/restoreJobs/" + id},
		{path: clusters + "/%s/backup/schedule", accept: vClusters},
		{path: clusters + "/%s/collectionRestoreJobs", accept: v3},
		{path: clusters + "/%s/collectionRestoreJobs/" + id, accept: v3},
		{path: clusters + "/%s/collectionRestoreJobs/" + id + "/collections", accept: v3},
		{path: clusters + "/%s/collectionRestoreJobs/" + id + "/collections/sales.orders", accept: v3},
	}
	for _, r := range dedicated {
		r.path = strings.Replace(r.path, "%s", sandbox.DemoFlexCluster, 1)
		if r.accept != "" && r.body != "" {
			r.header = map[string]string{"Content-Type": r.accept}
		}
		got := e.send(r)
		wantStatus(t, got, 400, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API")
		if params, _ := got.body["parameters"].([]any); got.str("detail") != "Cannot use flex cluster flex-dev in the cluster API." || len(params) != 1 || params[0] != "flex-dev" {
			t.Errorf("%s %s: %s", r.method, r.path, got.raw)
		}
	}
	// A collection restore from (or into) a Flex cluster.
	body := `{"snapshotId":"` + sandbox.SeedSnapshotIDs("demo")[0] + `","targetClusterName":"flex-qa","targetGroupId":"` + sandbox.DemoProjectID +
		`","indexStrategy":"ALL","writeStrategy":"CREATE_NEW","collections":[{"sourceNamespace":"sales.orders"}]}`
	wantStatus(t, e.post3(collJobs, body), 400, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API")

	flex := []struct{ method, path, body string }{
		{"GET", "%s", ""},
		{"GET", "%s/backup/snapshots", ""},
		{"GET", "%s/backup/snapshots/" + snap, ""},
		{"GET", "%s/backup/restoreJobs", ""},
		{"GET", "%s/backup/restoreJobs/" + id, ""},
		{"POST", "%s/backup/restoreJobs", flexRestoreBody(snap, "flex-qa", "")},
		{"POST", "%s/backup/download", `{"snapshotId":"` + snap + `"}`},
	}
	for _, r := range flex {
		for name, code := range map[string]string{"demo": "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API", "legacy": "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API", "gone": "CLUSTER_NOT_FOUND"} {
			status := 400
			if name == "gone" {
				status = 404
			}
			wantStatus(t, e.flexSend(r.method, flexGroups+strings.Replace(r.path, "%s", name, 1), r.body), status, code)
		}
	}
	wantStatus(t, e.getCluster(clusters+"/gone"), 404, "CLUSTER_NOT_FOUND")
	// Faults name the new operations.
	for _, op := range []string{"listFlexClusters", "getGroupFlexCluster", "downloadFlexBackup", "downloadGroupFlexClusterBackup",
		"createFlexRestoreJob", "getBackupSchedule", "getCompliancePolicy", "getGroupBackupCompliancePolicy", "listGroups"} {
		if _, err := sandbox.ParseFault(op + ":503"); err != nil {
			t.Errorf("ParseFault(%s:503): %v", op, err)
		}
	}
}
