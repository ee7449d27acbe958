package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// automated restores the demo cluster's newest snapshot into analytics.
func automated() jobs.RestoreInput {
	return jobs.RestoreInput{
		Scope: jobs.Scope{ProjectID: project, Cluster: "demo"},
		Request: api.RestoreRequest{DeliveryType: api.DeliveryAutomated, SnapshotID: api.Latest,
			TargetClusterName: "analytics", TargetGroupID: project},
	}
}

func TestRestoreAutomatedLatest(t *testing.T) {
	t.Parallel()
	e := start(t)
	r, err := jobs.Restores(context.Background(), e.deps(), automated())
	if err != nil {
		t.Fatal(err)
	}
	if r.Job == nil || r.Reused || r.DryRun != nil || r.Seen.Job != nil {
		t.Fatalf("result %+v: want a job created, not followed", r)
	}
	if r.Job.SnapshotID != demoSnap || r.Job.DeliveryType != api.DeliveryAutomated || r.Job.Status() != api.RestorePending {
		t.Errorf("job %+v: want an automated restore of %s, Pending", r.Job, demoSnap)
	}
	if !strings.Contains(string(r.Raw), `"id":"`+r.Job.ID+`"`) {
		t.Errorf("raw %s: not the job's answer", r.Raw)
	}
	equal(t, "notes", e.notes.get(), []string{snapshotNote("demo", demoSnap, 2*time.Hour)})
	equal(t, "requests", e.apiRequests(), []string{
		"GET " + demoPath + "/snapshots",
		"POST " + demoPath + "/restoreJobs",
	})
	want := `{"deliveryType":"automated","snapshotId":"` + demoSnap + `","targetClusterName":"analytics","targetGroupId":"` + project + `"}`
	if body := string(e.posts()[0].Body); body != want {
		t.Errorf("POST body\n got %s\nwant %s", body, want)
	}
}

func TestRestorePointInTime(t *testing.T) {
	t.Parallel()
	e := start(t)
	at := t0.Add(-time.Hour).Unix()
	r, err := jobs.Restores(context.Background(), e.deps(), jobs.RestoreInput{
		Scope: jobs.Scope{ProjectID: project, Cluster: "demo"},
		Request: api.RestoreRequest{DeliveryType: api.DeliveryPointInTime, PointInTimeUTCSeconds: at,
			TargetClusterName: "analytics", TargetGroupID: project},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Job == nil || r.Job.PointInTimeUTCSeconds != at || r.Job.DeliveryType != api.DeliveryPointInTime {
		t.Errorf("job %+v: want a point-in-time restore to %d", r.Job, at)
	}
	// No snapshot to resolve: Atlas picks it.
	equal(t, "notes", e.notes.get(), nil)
	equal(t, "requests", e.apiRequests(), []string{"POST " + demoPath + "/restoreJobs"})
	want := `{"deliveryType":"pointInTime","targetClusterName":"analytics","targetGroupId":"` + project +
		`","pointInTimeUTCSeconds":` + strconv.FormatInt(at, 10) + `}`
	if body := string(e.posts()[0].Body); body != want {
		t.Errorf("POST body\n got %s\nwant %s", body, want)
	}
}

func TestRestoreErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("latest of a cluster without snapshots", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		in := automated()
		in.Cluster = "legacy"
		r, err := jobs.Restores(ctx, e.deps(), in)
		var nf *api.NotFoundError
		if !errors.As(err, &nf) || r.Job != nil {
			t.Fatalf("Restores: %+v, %v; want an *api.NotFoundError and no job", r, err)
		}
		if !strings.Contains(err.Error(), "cluster legacy has no completed snapshot") {
			t.Errorf("error %q", err)
		}
		equal(t, "requests", e.apiRequests(), []string{"GET " + backupPath("legacy") + "/snapshots"})
	})

	t.Run("target busy: Atlas refuses, nothing resent", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		if _, err := jobs.Restores(ctx, e.deps(), automated()); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.Restores(ctx, e.deps(), automated())
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || r.Job != nil {
			t.Fatalf("Restores: %+v, %v; want a 409 and no job", r, err)
		}
		if n := len(e.posts()); n != 2 {
			t.Errorf("%d POSTs, want 2", n)
		}
	})

	t.Run("a 5xx is not resent", func(t *testing.T) {
		t.Parallel()
		e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "createBackupRestoreJob", Status: http.StatusServiceUnavailable}))
		w, _ := e.watch(jobDuration)
		in := automated()
		in.Watch = &w
		r, err := jobs.Restores(ctx, e.deps(), in)
		var unknown *api.OutcomeUnknownError
		if !errors.As(err, &unknown) || r.Job != nil {
			t.Fatalf("Restores: %+v, %v; want an *api.OutcomeUnknownError and no job", r, err)
		}
		equal(t, "requests", e.apiRequests(), []string{
			"GET " + demoPath + "/snapshots",
			"POST " + demoPath + "/restoreJobs",
		})
	})
}

func TestRestoreReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("finds a running job", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		first, err := jobs.Restores(ctx, e.deps(), automated())
		if err != nil {
			t.Fatal(err)
		}
		in := automated()
		in.Reuse = true
		r, err := jobs.Restores(ctx, e.deps(), in)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Reused || r.Job == nil || r.Job.ID != first.Job.ID || r.DryRun != nil {
			t.Errorf("result %+v: want job %s reused", r, first.Job.ID)
		}
		if !strings.Contains(string(r.Raw), first.Job.ID) {
			t.Errorf("raw %s: want the listed job", r.Raw)
		}
		notes := e.notes.get()
		if len(notes) != 3 || notes[2] != "reusing restore job "+first.Job.ID+" (Pending)" {
			t.Errorf("notes %q: want the reuse said last", notes)
		}
		equal(t, "requests", e.apiRequests(), []string{
			"GET " + demoPath + "/snapshots",
			"POST " + demoPath + "/restoreJobs", // first's
			"GET " + demoPath + "/snapshots",
			"GET " + demoPath + "/restoreJobs",
		})
	})

	t.Run("a different restore is not reused", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		// A download of an older snapshot is running: not the same restore.
		older := sandbox.SeedSnapshotIDs("demo")[1]
		other, _, err := e.client.CreateRestore(ctx, project, "demo", api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: older})
		if err != nil {
			t.Fatal(err)
		}
		in := automated()
		in.Reuse = true
		r, err := jobs.Restores(ctx, e.deps(), in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Reused || r.Job == nil || r.Job.ID == other.ID {
			t.Errorf("result %+v: want a new job", r)
		}
		equal(t, "requests", e.apiRequests(), []string{
			"POST " + demoPath + "/restoreJobs", // other's
			"GET " + demoPath + "/snapshots",
			"GET " + demoPath + "/restoreJobs",
			"POST " + demoPath + "/restoreJobs",
		})
	})

	t.Run("would reuse, in a dry run", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		first, err := jobs.Restores(ctx, e.deps(), automated())
		if err != nil {
			t.Fatal(err)
		}
		in := automated()
		in.Reuse, in.DryRun = true, true
		r, err := jobs.Restores(ctx, e.deps(), in)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Reused || r.DryRun != nil || r.Job == nil || r.Job.ID != first.Job.ID {
			t.Errorf("result %+v: want job %s, would be reused", r, first.Job.ID)
		}
		if notes := e.notes.get(); notes[len(notes)-1] != "would reuse restore job "+first.Job.ID+" (Pending)" {
			t.Errorf("notes %q", notes)
		}
		if n := len(e.posts()); n != 1 {
			t.Errorf("%d POSTs, want first's only", n)
		}
	})
}

func TestRestoreDryRun(t *testing.T) {
	t.Parallel()
	e := start(t)
	w, _ := e.watch(jobDuration)
	in := automated()
	in.DryRun, in.Watch = true, &w
	r, err := jobs.Restores(context.Background(), e.deps(), in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Job != nil || r.Reused || r.DryRun == nil {
		t.Fatalf("result %+v: want a dry run only", r)
	}
	dr := r.DryRun
	if dr.Method != http.MethodPost || dr.URL != e.api.URL+demoPath+"/restoreJobs" {
		t.Errorf("dry run %s %s", dr.Method, dr.URL)
	}
	want := `{"deliveryType":"automated","snapshotId":"` + demoSnap + `","targetClusterName":"analytics","targetGroupId":"` + project + `"}`
	if string(dr.Body) != want {
		t.Errorf("dry run body\n got %s\nwant %s", dr.Body, want)
	}
	if got := dr.Header.Get("Authorization"); got != "Bearer REDACTED" {
		t.Errorf("dry run Authorization %q", got)
	}
	equal(t, "notes", e.notes.get(), []string{snapshotNote("demo", demoSnap, 2*time.Hour)})
	equal(t, "requests", e.apiRequests(), []string{"GET " + demoPath + "/snapshots"})
}

func TestRestoreWatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("to Succeeded", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		w, p := e.watch(jobDuration)
		in := automated()
		in.Watch = &w
		r, err := jobs.Restores(ctx, e.deps(), in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Job == nil || r.Seen.Job == nil || r.Seen.Job.ID != r.Job.ID {
			t.Fatalf("result %+v: want the created job, followed", r)
		}
		if !r.Seen.State.Done || !r.Seen.State.OK || r.Seen.State.Label != api.RestoreSucceeded || r.Seen.Job.FinishedAt == nil {
			t.Errorf("last look %+v, %+v: want Succeeded", r.Seen.State, r.Seen.Job)
		}
		if !strings.Contains(string(r.Seen.Raw), `"finishedAt"`) {
			t.Errorf("last raw %s", r.Seen.Raw)
		}
		id := r.Job.ID
		equal(t, "progress", p.updates.get(), []string{"restore job " + id + ": Pending", "restore job " + id + ": Succeeded"})
		equal(t, "requests", e.apiRequests(), []string{
			"GET " + demoPath + "/snapshots",
			"POST " + demoPath + "/restoreJobs",
			"GET " + demoPath + "/restoreJobs/" + id,
			"GET " + demoPath + "/restoreJobs/" + id,
		})
	})

	for _, tc := range []struct {
		outcome sandbox.Outcome
		why     string
	}{
		{sandbox.OutcomeFailed, api.RestoreFailed},
		{sandbox.OutcomeCancelled, api.RestoreCancelled},
		{sandbox.OutcomeExpired, api.RestoreExpired},
	} {
		t.Run("to "+tc.why, func(t *testing.T) {
			t.Parallel()
			e := start(t, sandbox.WithRestoreOutcome(tc.outcome))
			w, _ := e.watch(jobDuration)
			in := automated()
			in.Watch = &w
			r, err := jobs.Restores(ctx, e.deps(), in)
			var ended *jobs.EndedError
			if !errors.As(err, &ended) {
				t.Fatalf("Restores: %+v, %v; want an *jobs.EndedError", r, err)
			}
			// The job exists: its ID must not be lost.
			if r.Job == nil || ended.ID != r.Job.ID || ended.Kind != "restore job" || ended.Why != tc.why {
				t.Errorf("ended %+v, job %+v", ended, r.Job)
			}
			if want := "restore job " + r.Job.ID + " ended " + tc.why; err.Error() != want {
				t.Errorf("message %q, want %q", err, want)
			}
			if r.Seen.State.OK || !r.Seen.State.Done || r.Seen.Job.Status() != tc.why {
				t.Errorf("last look %+v", r.Seen)
			}
		})
	}
}
