package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// In a followed fleet, a cluster of which no job came (a 409, a cluster
// that is not there) says why on its line of the display, instead of
// staying "waiting"; a single cluster's display says nothing more than the
// error will.
func TestExportNoJobSaysWhy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := start(t)
	running, _, err := e.client.CreateExport(ctx, project, "demo", api.ExportRequest{SnapshotID: demoSnap, ExportBucketID: sandbox.DemoBucketID})
	if err != nil {
		t.Fatal(err)
	}
	clusters := []string{"demo", "nope", "analytics"}
	shows := make([]*progress, len(clusters))
	for i := range shows {
		shows[i] = &progress{} // the clock stands: demo's running job runs on
	}
	res, err := jobs.Exports(ctx, e.deps(), jobs.ExportInput{
		ProjectID: project, Clusters: clusters, SnapshotID: api.Latest, Bucket: sandbox.DemoBucketID,
		Watch:    &jobs.Watch{Interval: time.Millisecond, Timeout: 50 * time.Millisecond, Progress: &progress{}},
		Progress: func(i int) jobs.Progress { return shows[i] },
	})
	if err != nil || res[0].Err == nil || res[1].Err == nil || res[2].Err != nil {
		t.Fatalf("Exports: %+v, %v; want demo's and nope's to fail", res, err)
	}
	equal(t, "demo's display", shows[0].updates.get(), []string{"failed: export job " + running.ID + " is in the way (409 EXPORT_ALREADY_IN_PROGRESS)"})
	if got := shows[1].updates.get(); len(got) != 1 || !strings.HasPrefix(got[0], "failed: no cluster nope (404 ") {
		t.Errorf("nope's display: %q", got)
	}

	// One cluster: its display is the error's to tell.
	one := &progress{}
	w := jobs.Watch{Interval: time.Millisecond, Timeout: 50 * time.Millisecond, Progress: one}
	res, err = jobs.Exports(ctx, e.deps(), jobs.ExportInput{ProjectID: project, Clusters: []string{"demo"}, SnapshotID: demoSnap,
		Bucket: sandbox.DemoBucketID, Watch: &w})
	if err != nil || res[0].Err == nil {
		t.Fatalf("Exports: %+v, %v; want a 409", res, err)
	}
	equal(t, "the one cluster's display", one.updates.get(), nil)
}
