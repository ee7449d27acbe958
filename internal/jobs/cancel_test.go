package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
)

// A cancel that Atlas takes; again (a cancel resent after a lost answer),
// which Atlas refuses and which counts as done; an ID that is no restore
// job's; and a collection restore job's, for which Atlas has no cancel.
func TestCancelRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := start(t)
	r, err := jobs.Restores(ctx, e.deps(), automated())
	if err != nil {
		t.Fatal(err)
	}
	s := jobs.Scope{ProjectID: project, Cluster: "demo"}
	if got, err := jobs.CancelRestore(ctx, e.deps(), s, r.Job.ID); err != nil || got != jobs.CancelledNow {
		t.Fatalf("first cancel: %v, %v", got, err)
	}
	if got, err := jobs.CancelRestore(ctx, e.deps(), s, r.Job.ID); err != nil || got != jobs.CancelledAlready {
		t.Fatalf("second cancel: %v, %v", got, err)
	}
	var nf *api.NotFoundError
	if _, err := jobs.CancelRestore(ctx, e.deps(), s, "6b05e9390000000000000fff"); !errors.As(err, &nf) {
		t.Errorf("unknown job: %v, want a not-found error", err)
	}
	c, err := jobs.CollectionRestores(ctx, e.deps(), jobs.CollectionRestoreInput{Scope: s, Request: api.CollectionRestoreRequest{
		SnapshotID: api.Latest, Collections: []api.Namespace{{SourceNamespace: "sales.orders"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var noCancel *jobs.NoCancelError
	if _, err := jobs.CancelRestore(ctx, e.deps(), s, c.Job.ID); !errors.As(err, &noCancel) || noCancel.ID != c.Job.ID {
		t.Errorf("collection restore job: %v, want a *NoCancelError", err)
	}
}
