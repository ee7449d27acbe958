package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/fleet"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// statusOf is the status of the named cluster in r; the test fails
// without it.
func statusOf(t *testing.T, r *jobs.StatusReport, name string) *jobs.ClusterStatus {
	t.Helper()
	for i := range r.Clusters {
		if r.Clusters[i].Name == name {
			return &r.Clusters[i]
		}
	}
	t.Fatalf("no status of %s", name)
	return nil
}

// names are the clusters of r, in order, as "project/cluster" when the
// project has a name.
func names(r *jobs.StatusReport) []string {
	var out []string
	for _, c := range r.Clusters {
		if c.Project.Name != "" {
			out = append(out, c.Project.Name+"/"+c.Name)
		} else {
			out = append(out, c.Name)
		}
	}
	return out
}

func TestStatusDemoProject(t *testing.T) {
	e := start(t)
	r, err := jobs.Status(context.Background(), e.deps(), jobs.StatusInput{ProjectID: project, Now: t0, Checks: jobs.StatusChecks{RequireBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "clusters", names(r), []string{"analytics", "demo", "demo-sharded", "flex-dev", "flex-qa", "legacy"})
	if p := r.Projects[0]; p.ID != project || p.Compliance != nil || p.ComplianceErr != nil || p.Err != nil {
		t.Errorf("project %+v", p)
	}
	for _, c := range []struct {
		name        string
		kind        string
		backup, pit bool
		window      int
		age         time.Duration // of the newest completed snapshot; 0: none
		problems    []string
	}{
		{"analytics", "REPLICASET", true, false, 0, 5 * time.Hour, nil},
		{"demo", "REPLICASET", true, true, 7, 2 * time.Hour, nil},
		{"demo-sharded", "SHARDED", true, true, 2, 4 * time.Hour, nil},
		{"flex-dev", "FLEX", true, false, 0, 22 * time.Hour, nil},
		{"flex-qa", "FLEX", true, false, 0, 10 * time.Hour, nil},
		{"legacy", "REPLICASET", false, false, 0, 0, []string{"backup is off"}},
	} {
		s := statusOf(t, r, c.name)
		if s.Type != c.kind || s.BackupEnabled != c.backup || s.PitEnabled != c.pit || s.RestoreWindowDays != c.window || s.Err != nil ||
			!slices.Equal(s.Problems, c.problems) || s.Running() != 0 || s.LastFailure != nil || !s.Listed {
			t.Errorf("%s: %+v", c.name, s)
		}
		switch {
		case c.age == 0:
			if s.LastSnapshot != nil {
				t.Errorf("%s: last snapshot %+v", c.name, s.LastSnapshot)
			}
		case s.LastSnapshot == nil || s.LastSnapshot.ID != sandbox.SeedSnapshotIDs(c.name)[0] || !s.LastSnapshot.CreatedAt.Equal(t0.Add(-c.age)):
			t.Errorf("%s: last snapshot %+v, want %s of %v ago", c.name, s.LastSnapshot, sandbox.SeedSnapshotIDs(c.name)[0], c.age)
		}
		// The schedule says when the next snapshot is: dedicated clusters
		// with backup on only.
		if hasNext := s.NextSnapshot != nil; hasNext != (c.backup && c.kind != "FLEX") {
			t.Errorf("%s: next snapshot %v", c.name, s.NextSnapshot)
		} else if hasNext && !s.NextSnapshot.After(t0) {
			t.Errorf("%s: next snapshot %v is not after now", c.name, s.NextSnapshot)
		}
	}
	// The requests: the project's three, four per dedicated cluster with
	// backup on, two per Flex cluster, none for legacy; no cluster read.
	var want []string
	want = append(want, "GET "+v1+"/backupCompliancePolicy", "GET "+v1+"/clusters", "GET "+v1+"/flexClusters")
	for _, c := range []string{"analytics", "demo", "demo-sharded"} {
		for _, r := range []string{"exports", "restoreJobs", "schedule", "snapshots"} {
			want = append(want, "GET "+v1+"/clusters/"+c+"/backup/"+r)
		}
	}
	for _, c := range []string{"flex-dev", "flex-qa"} {
		want = append(want, "GET "+v1+"/flexClusters/"+c+"/backup/restoreJobs", "GET "+v1+"/flexClusters/"+c+"/backup/snapshots")
	}
	slices.Sort(want)
	got := e.apiRequests()
	slices.Sort(got)
	equal(t, "requests", got, want)
	for _, req := range e.sent(http.MethodGet, v1+"/clusters/demo/backup/snapshots") {
		if req.RawQuery != "itemsPerPage=20" {
			t.Errorf("snapshot list query %q, want one page of 20", req.RawQuery)
		}
	}
}

func TestStatusOpsProject(t *testing.T) {
	e := start(t)
	in := jobs.StatusInput{ProjectID: sandbox.DemoOpsID, Now: t0, Checks: jobs.StatusChecks{RequireBackup: true, MaxSnapshotAge: 26 * time.Hour, RequirePIT: true}}
	r, err := jobs.Status(context.Background(), e.deps(), in)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "clusters", names(r), []string{"billing", "orders"})
	if p := r.Projects[0].Compliance; p == nil || p.State != "ACTIVE" || !p.PitEnabled || p.RestoreWindowDays != 7 {
		t.Errorf("compliance policy %+v", p)
	}
	billing, orders := statusOf(t, r, "billing"), statusOf(t, r, "orders")
	equal(t, "billing problems", billing.Problems, []string{"point in time is off", "newest completed snapshot is 4d old (more than 1d2h)"})
	equal(t, "orders problems", orders.Problems, nil)
	if orders.RunningRestores != 1 || orders.RunningExports != 0 || orders.RestoreWindowDays != 7 {
		t.Errorf("orders %+v", orders)
	}
	// Its newest failure is the snapshot of about 2 days ago, which Atlas
	// gives no time: it lies between the snapshots of 75 and 27 hours ago,
	// after the export that failed about 3 days ago.
	f := orders.LastFailure
	if f == nil || f.Kind != jobs.FailedSnapshot || f.ID != sandbox.DemoOpsFailedSnapshotID || f.At != nil ||
		!f.After.Equal(t0.Add(-75*time.Hour)) || !f.Before.Equal(t0.Add(-27*time.Hour)) {
		t.Errorf("orders last failure %+v", f)
	}

	// Five days on, the export (now 8 days ago) is out of the window; the
	// snapshot, which may be as recent as 27h + 5d, is still in it. Eight
	// days on, nothing is.
	e.sb.Advance(5 * 24 * time.Hour)
	in.Now = t0.Add(5 * 24 * time.Hour)
	if r, err = jobs.Status(context.Background(), e.deps(), in); err != nil {
		t.Fatal(err)
	}
	if f := statusOf(t, r, "orders").LastFailure; f == nil || f.ID != sandbox.DemoOpsFailedSnapshotID {
		t.Errorf("5 days on: last failure %+v", f)
	}
	e.sb.Advance(3 * 24 * time.Hour)
	in.Now = t0.Add(8 * 24 * time.Hour)
	if r, err = jobs.Status(context.Background(), e.deps(), in); err != nil {
		t.Fatal(err)
	}
	if f := statusOf(t, r, "orders").LastFailure; f != nil {
		t.Errorf("8 days on: last failure %+v, want none", f)
	}
}

func TestStatusAllProjects(t *testing.T) {
	e := start(t)
	r, err := jobs.Status(context.Background(), e.deps(), jobs.StatusInput{AllProjects: true, Now: t0, Checks: jobs.StatusChecks{RequireBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "clusters", names(r), []string{
		"demo-project/analytics", "demo-project/demo", "demo-project/demo-sharded", "demo-project/flex-dev", "demo-project/flex-qa", "demo-project/legacy",
		"ops-project/billing", "ops-project/orders",
		"staging-project/onboarding", "staging-project/retired", "staging-project/staging", "staging-project/warehouse"})
	var problems []string
	for _, c := range r.Clusters {
		for _, p := range c.Problems {
			problems = append(problems, c.Name+": "+p)
		}
	}
	equal(t, "problems", problems, []string{"legacy: backup is off", "retired: backup is off"})
	if c := statusOf(t, r, "onboarding"); c.LastSnapshot != nil || c.Err != nil || c.NextSnapshot == nil {
		t.Errorf("onboarding (CREATING, no snapshot yet): %+v", c)
	}
	if n := e.count(http.MethodGet, "/api/atlas/v2/groups"); n != 1 {
		t.Errorf("%d project lists", n)
	}
}

func TestStatusClusters(t *testing.T) {
	e := start(t)
	r, err := jobs.Status(context.Background(), e.deps(), jobs.StatusInput{ProjectID: project, Clusters: []string{"flex-qa", "demo", "dmeo"}, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "clusters", names(r), []string{"flex-qa", "demo", "dmeo"})
	var nf *api.NotFoundError
	if c := statusOf(t, r, "dmeo"); c.Listed || !errors.As(c.Err, &nf) || !strings.Contains(nf.Where(), "did you mean demo?") {
		t.Errorf("dmeo: %+v", c)
	}
	if n := e.count(http.MethodGet, v1+"/clusters/analytics/backup/snapshots"); n != 0 {
		t.Errorf("a cluster not named was read")
	}
}

// A read that fails is the cluster's error; its other reads, and the other
// clusters, are still there.
func TestStatusReadFailure(t *testing.T) {
	e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "listBackupRestoreJobs", Status: http.StatusInternalServerError}))
	r, err := jobs.Status(context.Background(), e.deps(), jobs.StatusInput{ProjectID: project, Clusters: []string{"demo", "flex-qa"}, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	demo := statusOf(t, r, "demo")
	var apiErr *api.Error
	if !errors.As(demo.Err, &apiErr) || apiErr.Status != http.StatusInternalServerError {
		t.Errorf("demo's error: %v", demo.Err)
	}
	if demo.LastSnapshot == nil || demo.NextSnapshot == nil || demo.RestoreWindowDays != 7 {
		t.Errorf("demo's other reads: %+v", demo)
	}
	if flex := statusOf(t, r, "flex-qa"); flex.Err != nil || flex.LastSnapshot == nil {
		t.Errorf("flex-qa: %+v", flex)
	}
	// The cluster list failing is the error of the whole status.
	e = start(t, sandbox.WithFaults(sandbox.Fault{Operation: "listClusters", Status: http.StatusNotFound}))
	if _, err := jobs.Status(context.Background(), e.deps(), jobs.StatusInput{ProjectID: project, Now: t0}); !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Errorf("error %v", err)
	}
}

// What the lists say, judged: running jobs (a state Atlas does not
// document counts as running), the newest completed snapshot whatever the
// order, and the newest failure within a week, of any kind, with or
// without a time of its own.
func TestStatusJudgesTheLists(t *testing.T) {
	at := func(d time.Duration) string { return `"` + t0.Add(-d).Format(time.RFC3339) + `"` }
	const p = "/api/atlas/v2/groups/" + project
	srv := script(t, map[string]route{
		"GET " + p + "/clusters":                    {200, list(`{"name":"c1","clusterType":"SHARDED","backupEnabled":true,"pitEnabled":true}`)},
		"GET " + p + "/flexClusters":                {200, list(`{"name":"f1","providerSettings":{}}`)},
		"GET " + p + "/backupCompliancePolicy":      {404, `{"error":404,"errorCode":"RESOURCE_NOT_FOUND","reason":"Not Found","detail":"No compliance policy."}`},
		"GET " + p + "/clusters/c1/backup/schedule": {200, `{"clusterName":"c1","nextSnapshot":` + at(-time.Hour) + `,"restoreWindowDays":3,"policies":[]}`},
		"GET " + p + "/clusters/c1/backup/snapshots": {200, list(
			`{"id":"s5","status":"queued"}`,
			`{"id":"s4","status":"completed","createdAt":`+at(2*time.Hour)+`}`,
			`{"id":"s3","status":"completed","createdAt":`+at(time.Hour)+`}`,
			`{"id":"s2","status":"failed","createdAt":`+at(24*time.Hour)+`}`,
			`{"id":"s1","status":"failed","createdAt":`+at(8*24*time.Hour)+`}`)},
		"GET " + p + "/clusters/c1/backup/exports": {200, list(
			`{"id":"e4","state":"Queued"}`,
			`{"id":"e3","state":"Paused"}`,
			`{"id":"e2","state":"Failed","createdAt":`+at(6*24*time.Hour)+`,"finishedAt":`+at(5*24*time.Hour)+`,"stateReason":{"errorCode":"X","message":"no"}}`,
			`{"id":"e1","state":"Cancelled","createdAt":`+at(time.Hour)+`}`)},
		"GET " + p + "/clusters/c1/backup/restoreJobs": {200, list(
			`{"id":"r3","deliveryType":"automated"}`,
			`{"id":"r2","deliveryType":"automated","failed":true,"timestamp":`+at(2*24*time.Hour)+`}`,
			`{"id":"r1","deliveryType":"automated","finishedAt":`+at(time.Hour)+`}`)},
		"GET " + p + "/flexClusters/f1/backup/snapshots": {200, list(
			`{"id":"fs2","status":"FAILED","startTime":`+at(30*time.Minute)+`}`,
			`{"id":"fs1","status":"COMPLETED","startTime":`+at(4*time.Hour)+`,"finishTime":`+at(3*time.Hour)+`}`)},
		"GET " + p + "/flexClusters/f1/backup/restoreJobs": {200, list(
			`{"id":"fr2","status":"RUNNING","deliveryType":"RESTORE"}`,
			`{"id":"fr1","status":"FAILED","deliveryType":"RESTORE","restoreScheduledDate":`+at(2*time.Hour)+`,"restoreFinishedDate":`+at(20*time.Minute)+`}`)},
	})
	d := jobs.Deps{Client: newClient(t, srv.srv.URL, "token")}
	r, err := jobs.Status(context.Background(), d, jobs.StatusInput{ProjectID: project, Now: t0, Checks: jobs.StatusChecks{MaxSnapshotAge: 90 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	c1, f1 := statusOf(t, r, "c1"), statusOf(t, r, "f1")
	if c1.Err != nil || c1.LastSnapshot == nil || c1.LastSnapshot.ID != "s3" || c1.RestoreWindowDays != 3 || c1.NextSnapshot == nil ||
		c1.RunningExports != 2 || c1.RunningRestores != 1 || c1.Problems != nil {
		t.Errorf("c1 %+v", c1)
	}
	if f := c1.LastFailure; f == nil || f.Kind != jobs.FailedSnapshot || f.ID != "s2" || f.At == nil || !f.At.Equal(t0.Add(-24*time.Hour)) {
		t.Errorf("c1 last failure %+v", f)
	}
	if f1.Err != nil || f1.Type != "FLEX" || !f1.BackupEnabled || f1.PitEnabled || f1.NextSnapshot != nil || f1.RunningRestores != 1 ||
		f1.LastSnapshot == nil || f1.LastSnapshot.ID != "fs1" {
		t.Errorf("f1 %+v", f1)
	}
	// The Flex restore job's restoreFinishedDate, 20 minutes ago, is after
	// the snapshot that failed 30 minutes ago.
	if f := f1.LastFailure; f == nil || f.Kind != jobs.FailedRestore || f.ID != "fr1" || f.Status != "FAILED" || f.At == nil || !f.At.Equal(t0.Add(-20*time.Minute)) {
		t.Errorf("f1 last failure %+v", f)
	}
	equal(t, "f1 problems", f1.Problems, []string{"newest completed snapshot is 3h old (more than 1h30m)"})
	for _, key := range []string{"GET " + p + "/clusters/c1/backup/snapshots", "GET " + p + "/flexClusters/f1/backup/restoreJobs"} {
		if n := srv.hit(key); n != 1 {
			t.Errorf("%s: %d requests", key, n)
		}
	}

	// Without the snapshot failure, the export's (5 days ago) is older
	// than the restore job's lower bound (its snapshot, 2 days ago).
	srv.routes["GET "+p+"/clusters/c1/backup/snapshots"] = route{200, list(`{"id":"s3","status":"completed","createdAt":` + at(time.Hour) + `}`)}
	if r, err = jobs.Status(context.Background(), d, jobs.StatusInput{ProjectID: project, Clusters: []string{"c1"}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	if f := statusOf(t, r, "c1").LastFailure; f == nil || f.ID != "r2" || f.At != nil || !f.After.Equal(t0.Add(-48*time.Hour)) {
		t.Errorf("c1 last failure %+v", f)
	}
}

// BenchmarkStatusClusters: the status workflow over the demo project with
// 10 and with 100 clusters more, its reads bounded to 4 in flight.
func BenchmarkStatusClusters(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("clusters=%d", n+6), func(b *testing.B) {
			sb := sandbox.New(sandbox.WithClusters(n), sandbox.WithClock(func() time.Time { return t0 }))
			srv := httptest.NewServer(sb)
			b.Cleanup(srv.Close)
			c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: sb.Credentials().AccessToken}, Limiter: fleet.NewLimiter(4)})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				r, err := jobs.Status(context.Background(), jobs.Deps{Client: c}, jobs.StatusInput{ProjectID: project, Now: t0})
				if err != nil || len(r.Clusters) != n+6 {
					b.Fatalf("%v, %d clusters", err, len(r.Clusters))
				}
			}
			b.ReportMetric(float64(len(sb.Requests()))/float64(b.N)/float64(n+6), "requests/cluster")
		})
	}
}
