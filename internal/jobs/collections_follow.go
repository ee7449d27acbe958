package jobs

import (
	"context"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// FollowCollectionRestore follows a collection restore job that exists
// already (restore watch), then reads what became of each of its
// collections, as CollectionRestores does after a create: the result's
// Seen, Job and Collections are set as far as the watch got. The error is
// nil (the job and every collection succeeded), one of Follow's, or a
// *CollectionsFailedError.
func FollowCollectionRestore(ctx context.Context, d Deps, s Scope, id string, w Watch) (CollectionRestoreResult, error) {
	var r CollectionRestoreResult
	var err error
	r.Seen, err = Follow(ctx, d, CollectionRestore, s, id, w)
	if r.Seen.Job == nil {
		return r, err // never seen: nothing ended, nothing to read
	}
	r.Created = Created[api.CollectionRestoreJob]{Job: r.Seen.Job, Raw: r.Seen.Raw}
	return r, r.collections(ctx, d, s, err)
}
