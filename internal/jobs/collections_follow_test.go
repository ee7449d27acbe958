package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/jobs"
)

// FollowCollectionRestore follows a job that exists (restore watch), then
// reads and judges its collections, as a create with a watch does.
func TestFollowCollectionRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newCollAtlas(t)
	created, err := jobs.CollectionRestores(ctx, a.deps(), restoreTwo())
	if err != nil || created.Job == nil {
		t.Fatalf("CollectionRestores: %+v, %v", created, err)
	}
	w, p := watchFast()
	r, err := jobs.FollowCollectionRestore(ctx, a.deps(), demoScope, created.Job.ID, w)
	if err != nil {
		t.Fatal(err)
	}
	if r.Job == nil || r.Job.ID != collJob || !r.Seen.State.OK || len(r.Collections) != 3 || len(p.updates.get()) != 3 {
		t.Errorf("result %+v, progress %q", r, p.updates.get())
	}

	b := newCollAtlas(t)
	b.states[2] = stateJSON("crm.leads", "crm.leads", "NOT_FOUND", "NOT_RESTORED", "")
	if _, err := jobs.CollectionRestores(ctx, b.deps(), restoreTwo()); err != nil {
		t.Fatal(err)
	}
	w, _ = watchFast()
	r, err = jobs.FollowCollectionRestore(ctx, b.deps(), demoScope, collJob, w)
	var failed *jobs.CollectionsFailedError
	if !errors.As(err, &failed) || len(failed.Failed) != 1 || failed.Of != 3 || len(r.Collections) != 3 {
		t.Errorf("FollowCollectionRestore: %+v, %v; want a *jobs.CollectionsFailedError", r, err)
	}
}
