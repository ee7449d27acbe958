package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

var (
	demoSnap      = sandbox.SeedSnapshotIDs("demo")[0]
	analyticsSnap = sandbox.SeedSnapshotIDs("analytics")[0]
	shardedSnap   = sandbox.SeedSnapshotIDs("demo-sharded")[0]
)

func backupPath(cluster string) string { return v1 + "/clusters/" + cluster + "/backup" }

func TestExportLatestOneCluster(t *testing.T) {
	t.Parallel()
	e := start(t)
	res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
		ProjectID: project, Clusters: []string{"demo"}, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID,
		CustomData: []api.Label{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	r := res[0]
	if r.Cluster != "demo" || r.Err != nil || r.Watched != nil || r.Reused || r.DryRun != nil || r.Job == nil {
		t.Fatalf("result %+v", r)
	}
	if r.Job.SnapshotID != demoSnap || r.Job.ExportBucketID != sandbox.DemoBucketID || r.Job.State != api.ExportQueued {
		t.Errorf("job %+v: want snapshot %s to bucket %s, Queued", r.Job, demoSnap, sandbox.DemoBucketID)
	}
	if !strings.Contains(string(r.Raw), `"id":"`+r.Job.ID+`"`) {
		t.Errorf("raw %s: not the job's answer", r.Raw)
	}
	equal(t, "notes", e.notes.get(), []string{snapshotNote("demo", demoSnap, 2*time.Hour)})
	equal(t, "requests", e.apiRequests(), []string{
		"GET " + demoPath + "/snapshots",
		"POST " + demoPath + "/exports",
	})
	post := e.posts()[0]
	want := `{"snapshotId":"` + demoSnap + `","exportBucketId":"` + sandbox.DemoBucketID +
		`","customData":[{"key":"b","value":"2"},{"key":"a","value":"1"}]}`
	if string(post.Body) != want {
		t.Errorf("POST body\n got %s\nwant %s", post.Body, want)
	}
	if got := post.Header.Get("Content-Type"); got != "application/vnd.atlas.2023-01-01+json" {
		t.Errorf("POST Content-Type %q", got)
	}
}

func TestExportBucketByNameOrID(t *testing.T) {
	t.Parallel()
	buckets := v1 + "/backup/exportBuckets"
	for _, tc := range []struct {
		name, bucket, wantID string
		notes, requests      []string
	}{
		{"by ID", sandbox.DemoBucketID, sandbox.DemoBucketID, nil,
			[]string{"POST " + demoPath + "/exports"}},
		{"by name", sandbox.DemoBucketName, sandbox.DemoBucketID,
			[]string{"Using export bucket demo-export-bucket: " + sandbox.DemoBucketID + " (AWS)"},
			[]string{"GET " + buckets, "POST " + demoPath + "/exports"}},
		{"by name, GCP", sandbox.DemoGCPBucketName, sandbox.DemoGCPBucketID,
			[]string{"Using export bucket demo-gcs-bucket: " + sandbox.DemoGCPBucketID + " (GCP)"},
			[]string{"GET " + buckets, "POST " + demoPath + "/exports"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
				ProjectID: project, Clusters: []string{"demo"}, SnapshotID: demoSnap, Bucket: tc.bucket,
			})
			if err != nil || len(res) != 1 || res[0].Err != nil {
				t.Fatalf("Exports: %+v, %v", res, err)
			}
			if got := res[0].Job.ExportBucketID; got != tc.wantID {
				t.Errorf("job's bucket %s, want %s", got, tc.wantID)
			}
			equal(t, "notes", e.notes.get(), tc.notes)
			equal(t, "requests", e.apiRequests(), tc.requests)
			if body := string(e.posts()[0].Body); body != `{"snapshotId":"`+demoSnap+`","exportBucketId":"`+tc.wantID+`"}` {
				t.Errorf("POST body %s", body)
			}
		})
	}

	t.Run("unknown name", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
			ProjectID: project, Clusters: []string{"demo", "analytics"}, SnapshotID: api.Latest, Bucket: "no-such-bucket",
		})
		var nf *api.NotFoundError
		if !errors.As(err, &nf) || res != nil {
			t.Fatalf("Exports: %+v, %v; want no results and an *api.NotFoundError", res, err)
		}
		if !strings.Contains(err.Error(), "known: demo-export-bucket, demo-gcs-bucket") {
			t.Errorf("error %q does not list the buckets there are", err)
		}
		// The bucket comes before any cluster: nothing else was asked.
		equal(t, "requests", e.apiRequests(), []string{"GET " + buckets})
	})
}

func TestExportSeveralClusters(t *testing.T) {
	t.Parallel()
	e := start(t)
	clusters := []string{"demo", "analytics", "demo-sharded"}
	res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
		ProjectID: project, Clusters: clusters, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID,
	})
	if err != nil || len(res) != 3 {
		t.Fatalf("Exports: %+v, %v", res, err)
	}
	snaps := []string{demoSnap, analyticsSnap, shardedSnap}
	for i, r := range res {
		if r.Cluster != clusters[i] || r.Err != nil || r.Job == nil || r.Job.SnapshotID != snaps[i] {
			t.Errorf("result %d: %+v, want cluster %s exporting %s", i, r, clusters[i], snaps[i])
		}
	}
	notes := e.notes.get()
	slices.Sort(notes)
	equal(t, "notes", notes, []string{
		snapshotNote("analytics", analyticsSnap, 5*time.Hour),
		snapshotNote("demo-sharded", shardedSnap, 4*time.Hour),
		snapshotNote("demo", demoSnap, 2*time.Hour),
	})
	for i, c := range clusters {
		if n := e.count(http.MethodGet, backupPath(c)+"/snapshots"); n != 1 {
			t.Errorf("%s: %d snapshot lists, want 1", c, n)
		}
		posts := e.sent(http.MethodPost, backupPath(c)+"/exports")
		if len(posts) != 1 || !strings.Contains(string(posts[0].Body), `"snapshotId":"`+snaps[i]+`"`) {
			t.Errorf("%s: POSTs %d, want one exporting %s", c, len(posts), snaps[i])
		}
	}
	if n := len(e.apiRequests()); n != 6 {
		t.Errorf("%d requests, want 6: %q", n, e.apiRequests())
	}
}

func TestExportAllClusters(t *testing.T) {
	t.Parallel()
	e := start(t)
	res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
		ProjectID: project, AllClusters: true, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, r.Cluster)
		if r.Err != nil || r.Job == nil {
			t.Errorf("%s: %+v", r.Cluster, r)
		}
	}
	equal(t, "clusters, in name order", got, []string{"analytics", "demo", "demo-sharded"})
	notes := e.notes.get()
	skipped := []string{
		"Skipping cluster " + sandbox.DemoFlexCluster + ": a Flex cluster (Flex clusters have no exports)",
		"Skipping cluster " + sandbox.DemoFlexTargetCluster + ": a Flex cluster (Flex clusters have no exports)",
		"Skipping cluster legacy: backup is off",
	}
	if len(notes) != 6 || !slices.Equal(notes[:3], skipped) {
		t.Errorf("notes %q: want the skipped clusters first (Flex ones and backup off, in name order), then three snapshots", notes)
	}
	reqs := e.apiRequests()
	if len(reqs) < 2 || reqs[0] != "GET "+v1+"/clusters" || reqs[1] != "GET "+v1+"/flexClusters" {
		t.Errorf("requests %q: want the cluster lists first (dedicated, then Flex)", reqs)
	}
	for _, r := range reqs {
		if strings.Contains(r, "/clusters/legacy") {
			t.Errorf("a request for the cluster with backup off: %s", r)
		}
	}
	if n := len(e.posts()); n != 3 {
		t.Errorf("%d POSTs, want 3", n)
	}
}

func TestExportAllClustersListFails(t *testing.T) {
	t.Parallel()
	e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "listClusters", Status: http.StatusUnauthorized}))
	res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
		ProjectID: project, AllClusters: true, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketName,
	})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || res != nil {
		t.Fatalf("Exports: %+v, %v; want the list's 401 and no results", res, err)
	}
	equal(t, "requests", e.apiRequests(), []string{"GET " + v1 + "/clusters"})
	equal(t, "notes", e.notes.get(), nil)
}

func TestExportAllClustersNoneBackedUp(t *testing.T) {
	t.Parallel()
	clusters := "GET /api/atlas/v2/groups/" + project + "/clusters"
	s := script(t, map[string]route{
		clusters: {200, list(
			`{"id":"65f0f1f10000000000000009","name":"old","backupEnabled":false}`,
			`{"id":"65f0f1f1000000000000000a","name":"evil\u001b[2J","backupEnabled":false}`,
		)},
		"GET /api/atlas/v2/groups/" + project + "/flexClusters": {200, list()},
	})
	notes := &lines{}
	d := jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken"), Note: notes.add}
	res, err := jobs.Exports(context.Background(), d, jobs.ExportInput{
		ProjectID: project, AllClusters: true, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID,
	})
	var none *jobs.NoClustersError
	if !errors.As(err, &none) || none.ProjectID != project || res != nil {
		t.Fatalf("Exports: %+v, %v; want a *jobs.NoClustersError", res, err)
	}
	if want := "project " + project + " has no cluster with backup on"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	// Names from Atlas are escaped before they reach a terminal.
	equal(t, "notes", notes.get(), []string{
		`Skipping cluster evil\x1b[2J: backup is off`,
		"Skipping cluster old: backup is off",
	})
	if n := s.hit(clusters); n != 1 {
		t.Errorf("%d cluster lists, want 1", n)
	}
}

func TestExportReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// running starts an export of the demo cluster's newest snapshot, as
	// another run would have.
	running := func(t *testing.T, e *env) *api.ExportJob {
		t.Helper()
		j, _, err := e.client.CreateExport(ctx, project, "demo", api.ExportRequest{SnapshotID: demoSnap, ExportBucketID: sandbox.DemoBucketID})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	in := jobs.ExportInput{ProjectID: project, Clusters: []string{"demo"}, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID, Reuse: true}

	t.Run("finds a running job", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j := running(t, e)
		res, err := jobs.Exports(ctx, e.deps(), in)
		if err != nil || res[0].Err != nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		r := res[0]
		if !r.Reused || r.Job == nil || r.Job.ID != j.ID || r.DryRun != nil {
			t.Errorf("result %+v: want job %s reused", r, j.ID)
		}
		if !strings.HasPrefix(string(r.Raw), "{") || !strings.Contains(string(r.Raw), j.ID) {
			t.Errorf("raw %s: want the listed job", r.Raw)
		}
		equal(t, "notes", e.notes.get(), []string{
			snapshotNote("demo", demoSnap, 2*time.Hour),
			"reusing export job " + j.ID + " (Queued)",
		})
		equal(t, "requests", e.apiRequests(), []string{
			"POST " + demoPath + "/exports", // running's
			"GET " + demoPath + "/snapshots",
			"GET " + demoPath + "/exports",
		})
	})

	t.Run("none running", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		res, err := jobs.Exports(ctx, e.deps(), in)
		if err != nil || res[0].Err != nil || res[0].Reused || res[0].Job == nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		equal(t, "requests", e.apiRequests(), []string{
			"GET " + demoPath + "/snapshots",
			"GET " + demoPath + "/exports",
			"POST " + demoPath + "/exports",
		})
	})

	t.Run("an ended job is not reused", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		old := running(t, e)
		e.sb.Advance(jobDuration) // it is Successful now
		res, err := jobs.Exports(ctx, e.deps(), in)
		if err != nil || res[0].Err != nil || res[0].Reused || res[0].Job == nil || res[0].Job.ID == old.ID {
			t.Fatalf("Exports: %+v, %v; want a new job", res, err)
		}
		if n := len(e.posts()); n != 2 {
			t.Errorf("%d POSTs, want 2", n)
		}
	})

	t.Run("of a fleet, each cluster on its own", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j := running(t, e)
		in := in
		in.Clusters = []string{"demo", "analytics"}
		res, err := jobs.Exports(ctx, e.deps(), in)
		if err != nil || len(res) != 2 || res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		if !res[0].Reused || res[0].Job.ID != j.ID || res[1].Reused || res[1].Job.ID == j.ID {
			t.Errorf("demo %+v, analytics %+v: want demo's job reused, analytics' created", res[0], res[1])
		}
		if !slices.Contains(e.notes.get(), "demo: reusing export job "+j.ID+" (Queued)") {
			t.Errorf("notes %q: want demo's reuse, named", e.notes.get())
		}
		if e.count(http.MethodPost, demoPath+"/exports") != 1 || e.count(http.MethodPost, backupPath("analytics")+"/exports") != 1 {
			t.Errorf("requests %q: want one POST for each (demo's by running)", e.apiRequests())
		}
	})

	t.Run("Many names the one cluster", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j := running(t, e)
		in := in
		in.Many = true
		res, err := jobs.Exports(ctx, e.deps(), in)
		if err != nil || !res[0].Reused {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		equal(t, "notes", e.notes.get(), []string{
			snapshotNote("demo", demoSnap, 2*time.Hour),
			"demo: reusing export job " + j.ID + " (Queued)",
		})
	})

	t.Run("the lookup fails: nothing created", func(t *testing.T) {
		t.Parallel()
		e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "listBackupExports", Status: http.StatusForbidden}))
		res, err := jobs.Exports(ctx, e.deps(), in)
		var apiErr *api.Error
		if err != nil || !errors.As(res[0].Err, &apiErr) || apiErr.Status != http.StatusForbidden || res[0].Job != nil {
			t.Fatalf("Exports: %+v, %v; want the lookup's 403", res, err)
		}
		equal(t, "requests", e.apiRequests(), []string{
			"GET " + demoPath + "/snapshots",
			"GET " + demoPath + "/exports",
		})
	})

	t.Run("followed to its end", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j := running(t, e)
		w, p := e.watch(jobDuration)
		in := in
		in.Watch = &w
		res, err := jobs.Exports(ctx, e.deps(), in)
		if err != nil || res[0].Err != nil || res[0].Watched != nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		if !res[0].Reused || res[0].Job.ID != j.ID || res[0].Job.State != api.ExportSuccessful {
			t.Errorf("result %+v: want job %s reused and Successful", res[0], j.ID)
		}
		equal(t, "progress", p.updates.get(), []string{
			"export job " + j.ID + ": Queued",
			"export job " + j.ID + ": Successful (42/42 collections)",
		})
		if n := len(e.posts()); n != 1 {
			t.Errorf("%d POSTs, want running's only", n)
		}
	})
}

func TestExportDryRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("shows the create", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		w, _ := e.watch(jobDuration)
		res, err := jobs.Exports(ctx, e.deps(), jobs.ExportInput{
			ProjectID: project, Clusters: []string{"demo"}, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketName,
			CustomData: []api.Label{{Key: "k", Value: "v"}}, DryRun: true, Watch: &w,
		})
		if err != nil || len(res) != 1 || res[0].Err != nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		r := res[0]
		if r.Job != nil || r.Reused || r.DryRun == nil {
			t.Fatalf("result %+v: want a dry run only", r)
		}
		dr := r.DryRun
		if dr.Method != http.MethodPost || dr.URL != e.api.URL+demoPath+"/exports" {
			t.Errorf("dry run %s %s", dr.Method, dr.URL)
		}
		if want := `{"snapshotId":"` + demoSnap + `","exportBucketId":"` + sandbox.DemoBucketID + `","customData":[{"key":"k","value":"v"}]}`; string(dr.Body) != want {
			t.Errorf("dry run body\n got %s\nwant %s", dr.Body, want)
		}
		if got := dr.Header.Get("Authorization"); got != "Bearer REDACTED" {
			t.Errorf("dry run Authorization %q", got)
		}
		if got := dr.Header.Get("Accept"); got != "application/vnd.atlas.2023-01-01+json" {
			t.Errorf("dry run Accept %q", got)
		}
		// The lookups are made; the create and the watch are not.
		equal(t, "requests", e.apiRequests(), []string{
			"GET " + v1 + "/backup/exportBuckets",
			"GET " + demoPath + "/snapshots",
		})
	})

	t.Run("would reuse", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j, _, err := e.client.CreateExport(ctx, project, "demo", api.ExportRequest{SnapshotID: demoSnap, ExportBucketID: sandbox.DemoBucketID})
		if err != nil {
			t.Fatal(err)
		}
		res, err := jobs.Exports(ctx, e.deps(), jobs.ExportInput{
			ProjectID: project, Clusters: []string{"demo"}, SnapshotID: demoSnap, Bucket: sandbox.DemoBucketID,
			Reuse: true, DryRun: true,
		})
		if err != nil || res[0].Err != nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		if r := res[0]; !r.Reused || r.DryRun != nil || r.Job == nil || r.Job.ID != j.ID {
			t.Errorf("result %+v: want job %s, would be reused", r, j.ID)
		}
		equal(t, "notes", e.notes.get(), []string{"would reuse export job " + j.ID + " (Queued)"})
		if n := len(e.posts()); n != 1 {
			t.Errorf("%d POSTs, want the first create's only", n)
		}
	})
}

func TestExportOneClusterFails(t *testing.T) {
	t.Parallel()
	e := start(t)
	res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
		ProjectID: project, Clusters: []string{"demo", "nope", "analytics"}, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID,
	})
	if err != nil || len(res) != 3 {
		t.Fatalf("Exports: %+v, %v", res, err)
	}
	var apiErr *api.Error
	if r := res[1]; r.Cluster != "nope" || r.Job != nil || !errors.As(r.Err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("nope: %+v, want a 404 and no job", r)
	}
	for _, i := range []int{0, 2} {
		if r := res[i]; r.Err != nil || r.Job == nil {
			t.Errorf("%s: %+v, want a job", r.Cluster, r)
		}
	}
	if e.count(http.MethodPost, backupPath("nope")+"/exports") != 0 || len(e.posts()) != 2 {
		t.Errorf("requests %q: want one POST each for demo and analytics, none for nope", e.apiRequests())
	}
}

func TestExportWatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := jobs.ExportInput{ProjectID: project, Clusters: []string{"demo"}, SnapshotID: demoSnap, Bucket: sandbox.DemoBucketID}

	t.Run("to Successful", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		w, p := e.watch(jobDuration / 2)
		in := in
		in.Watch = &w
		res, err := jobs.Exports(ctx, e.deps(), in)
		if err != nil || res[0].Err != nil || res[0].Watched != nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		r := res[0]
		if r.Job.State != api.ExportSuccessful || !strings.Contains(string(r.Raw), `"state":"Successful"`) {
			t.Errorf("job %+v, raw %s: want the last look, Successful", r.Job, r.Raw)
		}
		id := r.Job.ID
		equal(t, "progress", p.updates.get(), []string{
			"export job " + id + ": Queued",
			"export job " + id + ": InProgress (15/42 collections)",
			"export job " + id + ": Successful (42/42 collections)",
		})
		equal(t, "requests", e.apiRequests(), []string{
			"POST " + demoPath + "/exports",
			"GET " + demoPath + "/exports/" + id,
			"GET " + demoPath + "/exports/" + id,
			"GET " + demoPath + "/exports/" + id,
		})
	})

	for _, tc := range []struct {
		outcome sandbox.Outcome
		state   string
		why     string
	}{
		{sandbox.OutcomeFailed, api.ExportFailed, "Failed: EXPORT_FAILED: Simulated failure: the export bucket refused a write"},
		{sandbox.OutcomeCancelled, api.ExportCancelled, "Cancelled"},
	} {
		t.Run("to "+tc.state, func(t *testing.T) {
			t.Parallel()
			e := start(t, sandbox.WithExportOutcome(tc.outcome))
			w, _ := e.watch(jobDuration)
			in := in
			in.Watch = &w
			res, err := jobs.Exports(ctx, e.deps(), in)
			if err != nil || res[0].Err != nil {
				t.Fatalf("Exports: %+v, %v", res, err)
			}
			r := res[0]
			var ended *jobs.EndedError
			if !errors.As(r.Watched, &ended) {
				t.Fatalf("Watched %v, want an *jobs.EndedError", r.Watched)
			}
			if ended.Kind != "export job" || ended.ID != r.Job.ID || !strings.HasPrefix(ended.Why, tc.why) {
				t.Errorf("ended %+v, want why %q…", ended, tc.why)
			}
			if want := "export job " + r.Job.ID + " ended " + tc.why; !strings.HasPrefix(ended.Error(), want) {
				t.Errorf("message %q, want %q…", ended, want)
			}
			if r.Job.State != tc.state {
				t.Errorf("job state %s, want %s", r.Job.State, tc.state)
			}
		})
	}

	t.Run("each cluster its own display", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		clusters := []string{"demo", "analytics", "demo-sharded"}
		shows := make([]*progress, len(clusters))
		for i := range shows {
			shows[i] = &progress{sb: e.sb, step: jobDuration / 2}
		}
		res, err := jobs.Exports(ctx, e.deps(), jobs.ExportInput{
			ProjectID: project, Clusters: clusters, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID,
			Watch:    &jobs.Watch{Interval: time.Millisecond, Timeout: 5 * time.Second, Progress: &progress{}},
			Progress: func(i int) jobs.Progress { return shows[i] },
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil || r.Watched != nil || r.Job.State != api.ExportSuccessful {
				t.Errorf("%s: %+v", r.Cluster, r)
				continue
			}
			lines := shows[i].updates.get()
			for _, l := range lines {
				if !strings.HasPrefix(l, "export job "+r.Job.ID+": ") {
					t.Errorf("%s's display shows %q", r.Cluster, l)
				}
			}
			// The clock is shared: another job's display may have moved
			// this one past its first states before its first check.
			if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], "export job "+r.Job.ID+": Successful (") {
				t.Errorf("%s's display: %q", r.Cluster, lines)
			}
		}
	})
}

func TestExportCreateSentOnce(t *testing.T) {
	t.Parallel()
	for _, f := range []sandbox.Fault{
		{Status: http.StatusInternalServerError},
		{Status: http.StatusBadGateway},
		{Status: http.StatusServiceUnavailable},
		{Status: http.StatusGatewayTimeout},
		{Drop: true},
	} {
		f.Operation = "createBackupExport"
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			e := start(t, sandbox.WithFaults(f))
			w, _ := e.watch(jobDuration)
			res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
				ProjectID: project, Clusters: []string{"demo"}, SnapshotID: demoSnap, Bucket: sandbox.DemoBucketID, Watch: &w,
			})
			if err != nil || len(res) != 1 {
				t.Fatalf("Exports: %+v, %v", res, err)
			}
			r := res[0]
			var unknown *api.OutcomeUnknownError
			if !errors.As(r.Err, &unknown) || r.Job != nil || r.Watched != nil {
				t.Fatalf("result %+v: want an *api.OutcomeUnknownError and no job", r)
			}
			var apiErr *api.Error
			if f.Status != 0 && (!errors.As(r.Err, &apiErr) || apiErr.Status != f.Status) {
				t.Errorf("error %v: want status %d", r.Err, f.Status)
			}
			equal(t, "requests", e.apiRequests(), []string{"POST " + demoPath + "/exports"})
		})
	}

	t.Run("a 429 is sent again: Atlas did nothing", func(t *testing.T) {
		t.Parallel()
		e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "createBackupExport", Status: http.StatusTooManyRequests, Times: 1}))
		res, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{
			ProjectID: project, Clusters: []string{"demo"}, SnapshotID: demoSnap, Bucket: sandbox.DemoBucketID,
		})
		if err != nil || res[0].Err != nil || res[0].Job == nil {
			t.Fatalf("Exports: %+v, %v", res, err)
		}
		if n := len(e.posts()); n != 2 {
			t.Errorf("%d POSTs, want 2", n)
		}
	})
}

// The clusters with backup on are taken in name order, whatever order
// Atlas lists them in.
func TestExportAllClustersNameOrder(t *testing.T) {
	t.Parallel()
	clusters := "GET /api/atlas/v2/groups/" + project + "/clusters"
	s := script(t, map[string]route{
		clusters: {200, list(
			`{"id":"65f0f1f10000000000000001","name":"zeta","backupEnabled":true}`,
			`{"id":"65f0f1f10000000000000002","name":"old","backupEnabled":false}`,
			`{"id":"65f0f1f10000000000000003","name":"alpha","backupEnabled":true}`,
		)},
		"GET /api/atlas/v2/groups/" + project + "/flexClusters": {200, list(`{"id":"65f0f1f10000000000000004","name":"tiny","stateName":"IDLE"}`)},
	})
	notes := &lines{}
	d := jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken"), Note: notes.add}

	names, err := jobs.BackedUpClusters(context.Background(), d, project)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "clusters", names, []string{"alpha", "zeta"})
	equal(t, "notes", notes.get(), []string{"Skipping cluster old: backup is off", "Skipping cluster tiny: a Flex cluster (Flex clusters have no exports)"})

	// A dry run with a snapshot ID and a bucket ID asks nothing more.
	res, err := jobs.Exports(context.Background(), d, jobs.ExportInput{
		ProjectID: project, AllClusters: true, SnapshotID: demoSnap, Bucket: sandbox.DemoBucketID, DryRun: true,
	})
	if err != nil || len(res) != 2 {
		t.Fatalf("Exports: %+v, %v", res, err)
	}
	for i, c := range []string{"alpha", "zeta"} {
		if r := res[i]; r.Cluster != c || r.Err != nil || r.DryRun == nil || r.DryRun.URL != s.srv.URL+backupPath(c)+"/exports" {
			t.Errorf("result %d: %+v, want %s's dry run", i, r, c)
		}
	}
	if n := s.hit(clusters); n != 2 {
		t.Errorf("%d cluster lists, want 2", n)
	}
}
