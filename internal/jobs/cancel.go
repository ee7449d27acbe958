package jobs

import (
	"context"
	"errors"
	"net/http"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// Cancelled is how a cancel of a restore job ended.
type Cancelled int

// The ends of a cancel.
const (
	CancelledNow     Cancelled = iota // Atlas took the cancel
	CancelledAlready                  // the job was cancelled already (a cancel resent after a lost answer finds it so)
)

// NoCancelError is a collection restore job: Atlas offers no cancel for
// them, and the job runs to its end.
type NoCancelError struct{ ID string }

func (e *NoCancelError) Error() string {
	return e.ID + " is a collection restore job, and Atlas offers no cancel for collection restore jobs: it runs to its end (nothing was cancelled)"
}

// CancelRestore cancels a restore job. Atlas refusing the cancel of a job
// that is cancelled already counts as done (CancelledAlready); an ID that
// is a collection restore job's is a *NoCancelError.
func CancelRestore(ctx context.Context, d Deps, s Scope, id string) (Cancelled, error) {
	err := d.Client.CancelRestore(ctx, s.ProjectID, s.Cluster, id)
	if err == nil {
		return CancelledNow, nil
	}
	if errors.As(err, new(*api.FlexClusterError)) {
		return 0, err // Flex offers no cancel
	}
	var nf *api.NotFoundError
	if errors.As(err, &nf) && nf.Kind == api.KindRestoreJob {
		if _, _, gerr := d.Client.GetCollectionRestore(ctx, s.ProjectID, s.Cluster, id); gerr == nil {
			return 0, &NoCancelError{ID: id}
		}
		return 0, err
	}
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status == http.StatusNotFound || apiErr.IsAuth() || apiErr.Status >= 500 {
		return 0, err
	}
	if job, _, gerr := d.Client.GetRestore(ctx, s.ProjectID, s.Cluster, id); gerr != nil || !job.Cancelled {
		return 0, err
	}
	return CancelledAlready, nil
}
