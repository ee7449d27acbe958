package jobs

import (
	"context"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// Created is what the create step did: a job created or reused, or, for a
// dry run, the request it would have sent (or the job it would reuse).
type Created[T any] struct {
	Job    *T
	Raw    []byte
	Reused bool
	DryRun *api.DryRun // a dry run's request; nil when it would reuse a job
	// Before is, in a dry run with --snapshot-id new, the snapshot request
	// that would be sent first.
	Before *api.DryRun
}

// createSteps are one create, as every create command makes it: find a job
// to reuse (when asked), else show the request (a dry run), else send it,
// once. A create whose outcome is unknown is never sent again
// (*api.OutcomeUnknownError).
type createSteps[T any] struct {
	// find looks for a running job that the create would duplicate; nil:
	// no --reuse.
	find   func(ctx context.Context) (*T, []byte, error)
	call   api.Call
	create func(ctx context.Context) (*T, []byte, error)
	// reused says which job is reused (or would be, in a dry run).
	reused func(job *T, dryRun bool)
}

func (s createSteps[T]) run(ctx context.Context, d Deps, dryRun bool) (Created[T], error) {
	var c Created[T]
	if s.find != nil {
		job, raw, err := s.find(ctx)
		if err != nil {
			return c, err
		}
		if job != nil {
			s.reused(job, dryRun)
			c.Job, c.Raw, c.Reused = job, raw, true
			return c, nil
		}
	}
	if dryRun {
		var err error
		c.DryRun, err = d.Client.DryRun(ctx, s.call)
		return c, err
	}
	var err error
	c.Job, c.Raw, err = s.create(ctx)
	return c, err
}

// ResolveSnapshot turns latest into the cluster's newest completed
// snapshot, and notes which it took; an ID is returned as it is.
func ResolveSnapshot(ctx context.Context, d Deps, projectID, cluster, id string) (string, error) {
	id, snap, err := d.Client.ResolveSnapshot(ctx, projectID, cluster, id)
	if snap != nil {
		d.note(fmtNote("Using the latest completed snapshot of %s: %s (taken %s)", cluster, snap.ID, snap.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")))
	}
	return id, err
}
