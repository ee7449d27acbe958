package jobs_test

// On-demand snapshots (TakeSnapshot) and --snapshot-id new: the snapshot a
// restore or an export takes first and waits for, against the sandbox.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

var snapshotsPath = demoPath + "/snapshots"

func demoSnapshot(description string, days int) jobs.SnapshotInput {
	return jobs.SnapshotInput{Scope: demoScope, Request: api.SnapshotRequest{Description: description, RetentionInDays: days}}
}

// takes are the bodies of the on-demand snapshots asked for.
func (e *env) takes(cluster string) []string {
	var out []string
	for _, r := range e.sent(http.MethodPost, backupPath(cluster)+"/snapshots") {
		out = append(out, string(r.Body))
	}
	return out
}

// A snapshot taken: its body as given, Atlas's answer (queued), and no
// other request.
func TestTakeSnapshot(t *testing.T) {
	t.Parallel()
	e := start(t)
	r, err := jobs.TakeSnapshot(context.Background(), e.deps(), demoSnapshot("before the migration", 7))
	if err != nil {
		t.Fatal(err)
	}
	if r.Job == nil || r.Reused || r.DryRun != nil || r.Job.Status != api.SnapshotQueued || r.Job.SnapshotType != "onDemand" {
		t.Fatalf("result %+v, want a queued on-demand snapshot taken", r)
	}
	var raw map[string]any
	if err := json.Unmarshal(r.Raw, &raw); err != nil || raw["id"] != r.Job.ID || raw["description"] != "before the migration" {
		t.Errorf("raw %s: not Atlas's answer", r.Raw)
	}
	equal(t, "requests", e.apiRequests(), []string{"POST " + snapshotsPath})
	equal(t, "bodies", e.takes("demo"), []string{`{"description":"before the migration","retentionInDays":7}`})
	equal(t, "notes", e.notes.get(), nil)

	// Another while it is queued: Atlas refuses it (one at a time).
	_, err = jobs.TakeSnapshot(context.Background(), e.deps(), demoSnapshot("again", 1))
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.ErrorCode != "ON_DEMAND_SNAPSHOT_IN_PROGRESS" || !strings.Contains(apiErr.Detail, r.Job.ID) {
		t.Errorf("second snapshot: %v, want 400 ON_DEMAND_SNAPSHOT_IN_PROGRESS naming %s", err, r.Job.ID)
	}

	// With Reuse, it is followed instead: no POST.
	in := demoSnapshot("again", 1)
	in.Reuse = true
	again, err := jobs.TakeSnapshot(context.Background(), e.deps(), in)
	if err != nil || again.Job == nil || !again.Reused || again.Job.ID != r.Job.ID {
		t.Fatalf("reuse: %+v, %v; want %s reused", again, err, r.Job.ID)
	}
	equal(t, "notes", e.notes.get(), []string{"reusing snapshot " + r.Job.ID + " (queued)"})
	if n := len(e.posts()); n != 2 {
		t.Errorf("%d POSTs, want 2 (the reuse sends none)", n)
	}

	// Once it has ended, a new one may be taken, and Reuse finds none to
	// follow: it takes one.
	e.sb.Advance(jobDuration)
	third, err := jobs.TakeSnapshot(context.Background(), e.deps(), in)
	if err != nil || third.Reused || third.Job.ID == r.Job.ID {
		t.Fatalf("after the first ended: %+v, %v; want a new snapshot", third, err)
	}
	equal(t, "bodies", e.takes("demo"), []string{`{"description":"before the migration","retentionInDays":7}`,
		`{"description":"again","retentionInDays":1}`, `{"description":"again","retentionInDays":1}`})
}

// A cluster with backup off takes none: Atlas's refusal.
func TestTakeSnapshotBackupOff(t *testing.T) {
	t.Parallel()
	e := start(t)
	in := demoSnapshot(jobs.NewSnapshotDescription, 1)
	in.Cluster = "legacy"
	r, err := jobs.TakeSnapshot(context.Background(), e.deps(), in)
	var apiErr *api.Error
	if r.Job != nil || !errors.As(err, &apiErr) || apiErr.ErrorCode != "BACKUP_NOT_ENABLED" {
		t.Errorf("%+v, %v: want 400 BACKUP_NOT_ENABLED", r, err)
	}
}

// A dry run sends nothing: the request it would send; with Reuse and a
// snapshot being taken, the one it would reuse.
func TestTakeSnapshotDryRun(t *testing.T) {
	t.Parallel()
	e := start(t)
	in := demoSnapshot(jobs.NewSnapshotDescription, 3)
	in.DryRun = true
	r, err := jobs.TakeSnapshot(context.Background(), e.deps(), in)
	if err != nil || r.Job != nil || r.DryRun == nil {
		t.Fatalf("%+v, %v: want a dry run", r, err)
	}
	if r.DryRun.Method != http.MethodPost || !strings.HasSuffix(r.DryRun.URL, snapshotsPath) ||
		string(r.DryRun.Body) != `{"description":"atlas-backup on-demand snapshot","retentionInDays":3}` {
		t.Errorf("dry run %s %s %s", r.DryRun.Method, r.DryRun.URL, r.DryRun.Body)
	}
	equal(t, "requests", e.apiRequests(), nil)

	taken, err := jobs.TakeSnapshot(context.Background(), e.deps(), demoSnapshot("", 1))
	if err != nil {
		t.Fatal(err)
	}
	in.Reuse = true
	r, err = jobs.TakeSnapshot(context.Background(), e.deps(), in)
	if err != nil || r.DryRun != nil || r.Job == nil || r.Job.ID != taken.Job.ID {
		t.Fatalf("%+v, %v: want %s that it would reuse", r, err, taken.Job.ID)
	}
	equal(t, "notes", e.notes.get(), []string{"would reuse snapshot " + taken.Job.ID + " (queued)"})
	if len(e.posts()) != 1 {
		t.Errorf("posts %v", e.posts())
	}
}

// Followed until completed, or failed (an EndedError naming it).
func TestTakeSnapshotWatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		outcome sandbox.Outcome
		status  string
	}{{sandbox.OutcomeSuccess, api.SnapshotCompleted}, {sandbox.OutcomeFailed, api.SnapshotFailed}} {
		t.Run(string(tt.outcome), func(t *testing.T) {
			t.Parallel()
			e := start(t, sandbox.WithSnapshotOutcome(tt.outcome))
			w, p := e.watch(jobDuration)
			in := demoSnapshot(jobs.NewSnapshotDescription, 1)
			in.Watch = &w
			r, err := jobs.TakeSnapshot(context.Background(), e.deps(), in)
			if r.Job == nil || r.Seen.Job == nil || r.Seen.Job.Status != tt.status {
				t.Fatalf("%+v: want the snapshot seen %s", r, tt.status)
			}
			id := r.Job.ID
			var ended *jobs.EndedError
			switch {
			case tt.outcome == sandbox.OutcomeSuccess && err != nil:
				t.Errorf("err %v", err)
			case tt.outcome == sandbox.OutcomeFailed && (!errors.As(err, &ended) || ended.ID != id || err.Error() != "snapshot "+id+" ended failed"):
				t.Errorf("err %v, want snapshot %s ended failed", err, id)
			}
			equal(t, "progress", p.updates.get(), []string{"snapshot " + id + ": queued", "snapshot " + id + ": " + tt.status})
		})
	}
}

// restoreNew is a download restore of a new snapshot of the demo cluster.
func restoreNew(n *jobs.NewSnapshot) jobs.RestoreInput {
	return jobs.RestoreInput{Scope: demoScope, New: n,
		Request: api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: api.NewSnapshot}}
}

// --snapshot-id new: a snapshot is taken (after looking for one being
// taken to follow), with the retention asked for, followed until it is
// completed, then the job is created from it.
func TestRestoreNewSnapshot(t *testing.T) {
	t.Parallel()
	e := start(t)
	w, p := e.watch(jobDuration)
	r, err := jobs.Restores(context.Background(), e.deps(), restoreNew(&jobs.NewSnapshot{RetentionDays: 3, Wait: w}))
	if err != nil {
		t.Fatal(err)
	}
	var taken struct{ ID string }
	if err := json.Unmarshal(e.snapshotAnswer(t), &taken); err != nil {
		t.Fatal(err)
	}
	if taken.ID == "" || r.Job == nil || r.Job.SnapshotID != taken.ID {
		t.Fatalf("job %+v, snapshot %q: want the restore of the snapshot taken", r.Job, taken.ID)
	}
	equal(t, "requests", e.apiRequests(), []string{
		"GET " + snapshotsPath, // one being taken to follow?
		"POST " + snapshotsPath,
		"GET " + snapshotsPath + "/" + taken.ID, // queued
		"GET " + snapshotsPath + "/" + taken.ID, // completed
		"POST " + demoPath + "/restoreJobs",
	})
	equal(t, "snapshot body", e.takes("demo"), []string{`{"description":"atlas-backup on-demand snapshot","retentionInDays":3}`})
	if body := string(e.sent(http.MethodPost, demoPath+"/restoreJobs")[0].Body); body != `{"deliveryType":"download","snapshotId":"`+taken.ID+`"}` {
		t.Errorf("restore body %s", body)
	}
	equal(t, "notes", e.notes.get(), []string{"Taking on-demand snapshot " + taken.ID + " of demo; waiting until it is completed"})
	equal(t, "progress", p.updates.get(), []string{"snapshot " + taken.ID + ": queued", "snapshot " + taken.ID + ": completed"})

	// No retention given: 1 day, Atlas's least.
	e.sb.Advance(time.Hour)
	w, _ = e.watch(jobDuration)
	if _, err := jobs.Restores(context.Background(), e.deps(), restoreNew(&jobs.NewSnapshot{Wait: w})); err != nil {
		t.Fatal(err)
	}
	if takes := e.takes("demo"); len(takes) != 2 || takes[1] != `{"description":"atlas-backup on-demand snapshot","retentionInDays":1}` {
		t.Errorf("snapshot bodies %q", takes)
	}
}

// An on-demand snapshot being taken already is followed, not asked for
// again (Atlas would refuse a second).
func TestRestoreNewSnapshotReusesRunning(t *testing.T) {
	t.Parallel()
	e := start(t)
	running, err := jobs.TakeSnapshot(context.Background(), e.deps(), demoSnapshot("someone else's", 1))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := e.watch(jobDuration)
	r, err := jobs.Restores(context.Background(), e.deps(), restoreNew(&jobs.NewSnapshot{RetentionDays: 2, Wait: w}))
	if err != nil || r.Job == nil || r.Job.SnapshotID != running.Job.ID {
		t.Fatalf("%+v, %v: want a restore of %s", r.Job, err, running.Job.ID)
	}
	if len(e.takes("demo")) != 1 {
		t.Errorf("snapshots asked for: %q", e.takes("demo"))
	}
	equal(t, "notes", e.notes.get(), []string{"reusing snapshot " + running.Job.ID +
		" (queued): an on-demand snapshot of the cluster being taken already (Atlas takes one at a time), kept as long as it was asked to be"})
}

// A dry run with new sends nothing that changes anything: the snapshot
// request (with its retention) comes first, then the job's, naming the
// placeholder.
func TestRestoreNewSnapshotDryRun(t *testing.T) {
	t.Parallel()
	e := start(t)
	in := restoreNew(&jobs.NewSnapshot{RetentionDays: 3})
	in.DryRun = true
	r, err := jobs.Restores(context.Background(), e.deps(), in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Before == nil || r.DryRun == nil || r.Job != nil {
		t.Fatalf("%+v: want the two requests of a dry run", r)
	}
	if !strings.HasSuffix(r.Before.URL, snapshotsPath) || string(r.Before.Body) != `{"description":"atlas-backup on-demand snapshot","retentionInDays":3}` {
		t.Errorf("snapshot request %s %s", r.Before.URL, r.Before.Body)
	}
	if !strings.HasSuffix(r.DryRun.URL, demoPath+"/restoreJobs") || string(r.DryRun.Body) != `{"deliveryType":"download","snapshotId":"`+jobs.PlaceholderSnapshotID+`"}` {
		t.Errorf("job request %s %s", r.DryRun.URL, r.DryRun.Body)
	}
	if jobs.PlaceholderSnapshotID != "NEW_SNAPSHOT_ID" {
		t.Errorf("placeholder %q", jobs.PlaceholderSnapshotID)
	}
	if len(e.posts()) != 0 {
		t.Errorf("posts %v", e.posts())
	}
}

// A new snapshot that fails: a SnapshotWaitError naming it, wrapping the
// EndedError, and no job created.
func TestRestoreNewSnapshotFails(t *testing.T) {
	t.Parallel()
	e := start(t, sandbox.WithSnapshotOutcome(sandbox.OutcomeFailed))
	w, _ := e.watch(jobDuration)
	r, err := jobs.Restores(context.Background(), e.deps(), restoreNew(&jobs.NewSnapshot{Wait: w}))
	var wait *jobs.SnapshotWaitError
	var ended *jobs.EndedError
	if r.Job != nil || !errors.As(err, &wait) || !errors.As(err, &ended) {
		t.Fatalf("%+v, %v (%T): want a SnapshotWaitError of an EndedError", r, err, err)
	}
	if wait.ID != ended.ID || wait.Cluster != "demo" || wait.ProjectID != project ||
		err.Error() != "snapshot "+wait.ID+" ended failed; no job was created" {
		t.Errorf("err %q (%+v)", err, wait)
	}
	if n := e.count(http.MethodPost, demoPath+"/restoreJobs"); n != 0 {
		t.Errorf("%d restore jobs created", n)
	}
}

// The wait for a new snapshot has the watch's timeout: a TimeoutError
// inside the SnapshotWaitError, and no job.
func TestRestoreNewSnapshotTimeout(t *testing.T) {
	t.Parallel()
	e := start(t)
	p := &progress{} // the sandbox's clock stands still: it stays queued
	w := jobs.Watch{Interval: time.Millisecond, Timeout: 30 * time.Millisecond, Retries: 2, MaxWait: time.Second, Progress: p}
	r, err := jobs.Restores(context.Background(), e.deps(), restoreNew(&jobs.NewSnapshot{Wait: w}))
	var wait *jobs.SnapshotWaitError
	var timeout *jobs.TimeoutError
	if r.Job != nil || !errors.As(err, &wait) || !errors.As(err, &timeout) || timeout.ID != wait.ID || timeout.Kind != "snapshot" {
		t.Fatalf("%+v, %v (%T): want a SnapshotWaitError of a TimeoutError", r, err, err)
	}
	if !strings.HasSuffix(err.Error(), "; no job was created") {
		t.Errorf("err %q", err)
	}
	if n := e.count(http.MethodPost, demoPath+"/restoreJobs"); n != 0 {
		t.Errorf("%d restore jobs created", n)
	}
}

// Several clusters, each with its own new snapshot, taken concurrently:
// both are asked for before either completes (the sandbox's clock moves
// on only once both were), then one export each from its own snapshot.
func TestExportsNewSnapshotsConcurrently(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	takes := 0
	var sb *sandbox.Server
	e := start(t, sandbox.WithLog(func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		if line[strings.LastIndexByte(line, ' ')+1:] != "takeSnapshots" {
			return
		}
		mu.Lock()
		takes++
		n := takes
		mu.Unlock()
		if n == 2 {
			sb.Advance(jobDuration)
		}
	}))
	sb = e.sb
	w := jobs.Watch{Interval: time.Millisecond, Timeout: 5 * time.Second, Retries: 2, MaxWait: time.Second}
	results, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{ProjectID: project, Clusters: []string{"demo", "demo-sharded"},
		SnapshotID: api.NewSnapshot, New: &jobs.NewSnapshot{RetentionDays: 2, Wait: w}, Bucket: sandbox.DemoBucketID})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, cluster := range []string{"demo", "demo-sharded"} {
		r := results[i]
		if r.Cluster != cluster || r.Err != nil || r.Job == nil {
			t.Fatalf("%s: %+v", cluster, r)
		}
		posts := e.sent(http.MethodPost, backupPath(cluster)+"/snapshots")
		if len(posts) != 1 || string(posts[0].Body) != `{"description":"atlas-backup on-demand snapshot","retentionInDays":2}` {
			t.Fatalf("%s: snapshots asked for %v", cluster, posts)
		}
		if !posts[0].Received.Equal(t0) {
			t.Errorf("%s: snapshot asked for at %s, after the other completed", cluster, posts[0].Received)
		}
		if ids[r.Job.SnapshotID] || e.count(http.MethodGet, backupPath(cluster)+"/snapshots/"+r.Job.SnapshotID) == 0 {
			t.Errorf("%s: export of %s, not its own new snapshot", cluster, r.Job.SnapshotID)
		}
		ids[r.Job.SnapshotID] = true
	}
	notes := e.notes.get()
	for _, cluster := range []string{"demo", "demo-sharded"} {
		found := false
		for _, n := range notes {
			found = found || strings.HasPrefix(n, cluster+": Taking on-demand snapshot ") && strings.HasSuffix(n, " of "+cluster+"; waiting until it is completed")
		}
		if !found {
			t.Errorf("notes %q: none says %s's snapshot is being taken", notes, cluster)
		}
	}
}

// A dry run of several clusters with new: each cluster's snapshot request,
// then its job's with the placeholder; nothing sent but reads.
func TestExportsNewSnapshotDryRun(t *testing.T) {
	t.Parallel()
	e := start(t)
	results, err := jobs.Exports(context.Background(), e.deps(), jobs.ExportInput{ProjectID: project, Clusters: []string{"demo", "demo-sharded"},
		SnapshotID: api.NewSnapshot, New: &jobs.NewSnapshot{RetentionDays: 4}, Bucket: sandbox.DemoBucketID, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, cluster := range []string{"demo", "demo-sharded"} {
		r := results[i]
		if r.Err != nil || r.Before == nil || r.DryRun == nil {
			t.Fatalf("%s: %+v", cluster, r)
		}
		if !strings.HasSuffix(r.Before.URL, backupPath(cluster)+"/snapshots") || string(r.Before.Body) != `{"description":"atlas-backup on-demand snapshot","retentionInDays":4}` {
			t.Errorf("%s: snapshot request %s %s", cluster, r.Before.URL, r.Before.Body)
		}
		if !strings.Contains(string(r.DryRun.Body), `"snapshotId":"NEW_SNAPSHOT_ID"`) {
			t.Errorf("%s: job request %s", cluster, r.DryRun.Body)
		}
	}
	if len(e.posts()) != 0 {
		t.Errorf("posts %v", e.posts())
	}
}

// A collection-level restore from a new snapshot: taken, waited for, then
// its namespaces are checked in it and the job is created from it.
func TestCollectionRestoreNewSnapshot(t *testing.T) {
	t.Parallel()
	e := start(t)
	w, _ := e.watch(jobDuration)
	r, err := jobs.CollectionRestores(context.Background(), e.deps(), jobs.CollectionRestoreInput{Scope: demoScope, New: &jobs.NewSnapshot{RetentionDays: 5, Wait: w},
		Request: api.CollectionRestoreRequest{SnapshotID: api.NewSnapshot, Databases: []api.Namespace{{SourceNamespace: "sales"}}}})
	if err != nil {
		t.Fatal(err)
	}
	taken := e.sent(http.MethodPost, snapshotsPath)
	if len(taken) != 1 || string(taken[0].Body) != `{"description":"atlas-backup on-demand snapshot","retentionInDays":5}` {
		t.Fatalf("snapshots asked for %v", taken)
	}
	var answer struct{ ID string }
	if err := json.Unmarshal(e.snapshotAnswer(t), &answer); err != nil {
		t.Fatal(err)
	}
	if r.Job == nil || r.Job.SnapshotID != answer.ID {
		t.Errorf("job %+v, want a restore of %s", r.Job, answer.ID)
	}
	if e.count(http.MethodGet, dbsPath(answer.ID)) != 1 {
		t.Errorf("the namespaces were not checked in the new snapshot: %q", e.apiRequests())
	}
}

// snapshotAnswer is the ID of the snapshot taken, as JSON {"id"}: read
// back from the sandbox.
func (e *env) snapshotAnswer(t *testing.T) []byte {
	t.Helper()
	for _, r := range e.sb.Requests() {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Path, snapshotsPath+"/") && !strings.Contains(strings.TrimPrefix(r.Path, snapshotsPath+"/"), "/") {
			return []byte(`{"id":"` + strings.TrimPrefix(r.Path, snapshotsPath+"/") + `"}`)
		}
	}
	t.Fatalf("no snapshot was followed: %q", e.apiRequests())
	return nil
}
