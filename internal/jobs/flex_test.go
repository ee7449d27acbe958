package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/download"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// The workflows on a Flex cluster: restores into a cluster and downloads
// through the Flex routes, followed through Atlas's Flex states; Flex
// snapshots followed like any; what Flex does not support refused before
// anything is created.

var (
	flexScope = jobs.Scope{ProjectID: project, Cluster: sandbox.DemoFlexCluster}
	flexSnaps = sandbox.SeedSnapshotIDs(sandbox.DemoFlexCluster)
	flexBase  = v1 + "/flexClusters/" + sandbox.DemoFlexCluster
)

// flexWatch follows a Flex job of the sandbox's jobDuration: it moves the
// clock on at each state, from PENDING (the first fifth) to QUEUED (the
// second), RUNNING, and its end.
func (e *env) flexWatch() (jobs.Watch, *progress) {
	p := &progress{}
	p.onUpdate = func(line string) {
		switch {
		case strings.HasSuffix(line, ": PENDING"), strings.HasSuffix(line, ": QUEUED"):
			e.sb.Advance(jobDuration / 5)
		case strings.HasSuffix(line, ": RUNNING"):
			e.sb.Advance(jobDuration * 3 / 5)
		}
	}
	return jobs.Watch{Interval: time.Millisecond, Timeout: 5 * time.Second, Retries: 2, MaxWait: time.Second, Progress: p}, p
}

func TestFlexRestoreFollowed(t *testing.T) {
	t.Parallel()
	e := start(t)
	w, p := e.flexWatch()
	r, err := jobs.Restores(context.Background(), e.deps(), jobs.RestoreInput{Scope: flexScope, Watch: &w,
		Request: api.RestoreRequest{DeliveryType: api.DeliveryAutomated, SnapshotID: api.Latest, TargetClusterName: sandbox.DemoFlexTargetCluster, TargetGroupID: project}})
	if err != nil {
		t.Fatal(err)
	}
	id := r.Job.ID
	equal(t, "progress", p.updates.get(), []string{
		"restore job " + id + ": PENDING", "restore job " + id + ": QUEUED", "restore job " + id + ": RUNNING", "restore job " + id + ": Succeeded"})
	if !r.Seen.State.OK || r.Seen.Job.Status() != api.RestoreSucceeded || r.Seen.Job.FinishedAt == nil || !strings.Contains(string(r.Seen.Raw), `"COMPLETED"`) {
		t.Errorf("last look %+v\n%s", r.Seen.Job, r.Seen.Raw)
	}
	equal(t, "notes", e.notes.get(), []string{"Using the latest completed snapshot of flex-dev: " + flexSnaps[0] + " (taken 2026-11-23 14:00:00 UTC)"})
	// The dedicated route once, the Flex cluster once; then only Flex routes.
	equal(t, "requests", e.apiRequests(), []string{
		"GET " + v1 + "/clusters/flex-dev/backup/snapshots",
		"GET " + flexBase,
		"GET " + flexBase + "/backup/snapshots",
		"POST " + flexBase + "/backup/restoreJobs",
		"GET " + flexBase + "/backup/restoreJobs/" + id,
		"GET " + flexBase + "/backup/restoreJobs/" + id,
		"GET " + flexBase + "/backup/restoreJobs/" + id,
		"GET " + flexBase + "/backup/restoreJobs/" + id,
	})
	if body := string(e.sent(http.MethodPost, flexBase+"/backup/restoreJobs")[0].Body); body !=
		`{"snapshotId":"`+flexSnaps[0]+`","targetDeploymentItemName":"flex-qa","targetProjectId":"`+project+`"}` {
		t.Errorf("body %s", body)
	}
}

func TestFlexRestoreFailed(t *testing.T) {
	t.Parallel()
	e := start(t, sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	w, p := e.flexWatch()
	r, err := jobs.Restores(context.Background(), e.deps(), jobs.RestoreInput{Scope: flexScope, Watch: &w,
		Request: api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: flexSnaps[1]}})
	var ended *jobs.EndedError
	if !errors.As(err, &ended) || r.Job == nil || ended.ID != r.Job.ID || ended.Why != api.RestoreFailed {
		t.Fatalf("got %v (%T), want the job ended Failed", err, err)
	}
	if ups := p.updates.get(); len(ups) != 4 || ups[3] != "restore job "+r.Job.ID+": Failed" {
		t.Errorf("progress %q", ups)
	}
	if r.Seen.Job == nil || len(r.Seen.Job.DeliveryURL) != 0 || !strings.Contains(string(r.Seen.Raw), `"FAILED"`) {
		t.Errorf("last look %+v", r.Seen)
	}
}

// A Flex snapshot is done at COMPLETED; one still RUNNING is waited for
// until the watch's timeout.
func TestFlexSnapshotFollowed(t *testing.T) {
	t.Parallel()
	e := start(t)
	w, p := e.watch(jobDuration)
	seen, err := jobs.Follow(context.Background(), e.deps(), jobs.Snapshot, flexScope, flexSnaps[0], w)
	if err != nil || !seen.State.OK || seen.Job.ID != flexSnaps[0] || !seen.Job.Flex {
		t.Errorf("COMPLETED: %+v, %v", seen, err)
	}
	equal(t, "progress", p.updates.get(), []string{"snapshot " + flexSnaps[0] + ": COMPLETED"})

	w.Interval, w.Timeout = time.Hour, 50*time.Millisecond
	seen, err = jobs.Follow(context.Background(), e.deps(), jobs.Snapshot, flexScope, sandbox.DemoFlexRunningSnapshotID, w)
	var timeout *jobs.TimeoutError
	if !errors.As(err, &timeout) || timeout.ID != sandbox.DemoFlexRunningSnapshotID || timeout.Kind != "snapshot" {
		t.Fatalf("RUNNING: got %v (%T), want a timeout", err, err)
	}
	if timeout.State != "" && (timeout.State != "RUNNING" || seen.Job == nil || seen.Job.Status != "RUNNING") {
		t.Errorf("last state %q, %+v", timeout.State, seen.Job)
	}
}

// A Flex download: its one archive, at snapshotUrl, downloaded without
// credentials, byte for byte; a second run skips it.
func TestFlexDownload(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := context.Background()
	r, err := jobs.Restores(ctx, e.deps(), jobs.RestoreInput{Scope: flexScope,
		Request: api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: flexSnaps[2]}})
	if err != nil {
		t.Fatal(err)
	}
	if body := string(e.sent(http.MethodPost, flexBase+"/backup/download")[0].Body); body != `{"snapshotId":"`+flexSnaps[2]+`"}` {
		t.Errorf("body %s", body)
	}
	dir := filepath.Join(t.TempDir(), "flex")
	w, _ := e.flexWatch()
	rep, err := jobs.Download(ctx, e.deps(), flexScope, r.Job.ID, jobs.DownloadInput{Watch: w, Dir: dir, Client: download.NewClient(nil)})
	if err != nil {
		t.Fatal(err)
	}
	name := sandbox.ArchiveFileName(flexSnaps[2], "")
	if len(rep.Archives) != 1 || !strings.HasPrefix(rep.Archives[0].URL, e.archives.URL+"/") || !strings.HasSuffix(rep.Archives[0].URL, "/"+name) ||
		rep.Archives[0].URL != rep.Seen.Job.DeliveryURL[0] {
		t.Fatalf("archives %+v", rep.Archives)
	}
	if len(rep.Results) != 1 || rep.Results[0].Outcome != download.Downloaded || rep.Results[0].Bytes != 64<<10 {
		t.Errorf("results %+v", rep.Results)
	}
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if want := get(t, rep.Archives[0].URL); !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes on disk differ from the %d served", name, len(got), len(want))
	}
	archives := e.archiveRequests()
	for _, a := range archives {
		if a.Header.Get("Authorization") != "" || a.Header.Get("Cookie") != "" {
			t.Errorf("credentials sent to the archive host: %v", a.Header)
		}
	}
	n := len(archives)
	rep, err = jobs.Download(ctx, e.deps(), flexScope, r.Job.ID, jobs.DownloadInput{Watch: w, Dir: dir, Client: download.NewClient(nil)})
	if err != nil || len(rep.Results) != 1 || rep.Results[0].Outcome != download.Skipped {
		t.Errorf("again: %+v, %v", rep.Results, err)
	}
	if len(e.archiveRequests()) != n {
		t.Errorf("downloaded again")
	}
}

// What Flex clusters do not support ends before anything is created, with
// a *FlexClusterError naming it.
func TestFlexRestoreRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   jobs.RestoreInput
		what string
	}{
		{"point in time", jobs.RestoreInput{Scope: flexScope, Request: api.RestoreRequest{DeliveryType: api.DeliveryPointInTime,
			PointInTimeUTCSeconds: t0.Add(-time.Hour).Unix(), TargetClusterName: "demo", TargetGroupID: project}}, "point-in-time restores"},
		{"a new snapshot", jobs.RestoreInput{Scope: flexScope, Request: api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: api.NewSnapshot}},
			"on-demand snapshots"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			r, err := jobs.Restores(context.Background(), e.deps(), tt.in)
			var fe *api.FlexClusterError
			if !errors.As(err, &fe) || fe.What != tt.what || fe.Cluster != sandbox.DemoFlexCluster || r.Job != nil {
				t.Errorf("got %v (%T), job %+v; want Flex clusters do not support %s", err, err, r.Job, tt.what)
			}
			for _, p := range e.posts() {
				if p.Status < 400 {
					t.Errorf("%s %s was accepted", p.Method, p.Path)
				}
			}
		})
	}
}
