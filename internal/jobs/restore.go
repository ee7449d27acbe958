package jobs

import (
	"context"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// RestoreInput is a restore of one cluster's snapshot (or point in time).
type RestoreInput struct {
	Scope
	Request api.RestoreRequest // its SnapshotID may be api.Latest or api.NewSnapshot
	New     *NewSnapshot       // how api.NewSnapshot is taken and waited for
	Reuse   bool               // follow a running job that restores the same thing instead
	DryRun  bool
	// Watch, when set, follows the job once created. (A download's
	// archives are Download's, after.)
	Watch *Watch
}

// RestoreResult is what became of a restore.
type RestoreResult struct {
	Created[api.RestoreJob]
	Seen Seen[api.RestoreJob] // the last look at the job, when followed
}

// Restores resolves latest, reuses or creates the restore, then follows it
// when asked. The error is nil, a failure before a job
// existed (Job nil), or one after (Job set: it was created or reused, and
// its ID must not be lost).
func Restores(ctx context.Context, d Deps, in RestoreInput) (RestoreResult, error) {
	var r RestoreResult
	req := in.Request
	var before *api.DryRun
	if req.SnapshotID != "" {
		var err error
		if req.SnapshotID, before, err = source(ctx, d, in.Scope, req.SnapshotID, in.New, in.DryRun, ""); err != nil {
			return r, err
		}
	}
	call, err := d.Client.RestoreCall(in.ProjectID, in.Cluster, req) // the Flex route for a Flex cluster
	if err != nil {
		return r, err
	}
	steps := createSteps[api.RestoreJob]{
		call: call,
		create: func(ctx context.Context) (*api.RestoreJob, []byte, error) {
			return d.Client.CreateRestore(ctx, in.ProjectID, in.Cluster, req)
		},
		reused: func(job *api.RestoreJob, dryRun bool) {
			verb := "reusing"
			if dryRun {
				verb = "would reuse"
			}
			d.note(fmtNote("%s restore job %s (%s)", verb, job.ID, job.Status()))
		},
	}
	if in.Reuse {
		steps.find = func(ctx context.Context) (*api.RestoreJob, []byte, error) {
			return d.Client.FindRunningRestore(ctx, in.ProjectID, in.Cluster, req)
		}
	}
	r.Created, err = steps.run(ctx, d, in.DryRun)
	r.Before = before
	if err != nil || in.DryRun || in.Watch == nil {
		return r, err
	}
	r.Seen, err = Follow(ctx, d, Restore, in.Scope, r.Job.ID, *in.Watch)
	return r, err
}
