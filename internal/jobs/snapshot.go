package jobs

import (
	"context"
	"fmt"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// SnapshotInput is an on-demand snapshot of one cluster.
type SnapshotInput struct {
	Scope
	Request api.SnapshotRequest
	// Reuse follows the cluster's on-demand snapshot that is queued or
	// inProgress instead (Atlas takes one at a time).
	Reuse  bool
	DryRun bool
	Watch  *Watch // follows the snapshot until completed or failed
	// Prefix starts the notes ("demo: " in a fleet).
	Prefix string
	// ReusedWhy, when set, ends the note that a snapshot is reused.
	ReusedWhy string
}

// SnapshotResult is what became of an on-demand snapshot.
type SnapshotResult struct {
	Created[api.Snapshot]
	Seen Seen[api.Snapshot] // the last look, when followed
}

// TakeSnapshot reuses or takes an on-demand snapshot, then follows it when
// asked. As Restores, the error comes before a snapshot existed (Job nil)
// or after (Job set).
func TakeSnapshot(ctx context.Context, d Deps, in SnapshotInput) (SnapshotResult, error) {
	var r SnapshotResult
	steps := createSteps[api.Snapshot]{
		call: api.TakeSnapshotCall(in.ProjectID, in.Cluster, in.Request),
		create: func(ctx context.Context) (*api.Snapshot, []byte, error) {
			return d.Client.TakeSnapshot(ctx, in.ProjectID, in.Cluster, in.Request)
		},
		reused: func(s *api.Snapshot, dryRun bool) {
			verb := "reusing"
			if dryRun {
				verb = "would reuse"
			}
			d.note(fmtNote("%s%s snapshot %s (%s)", in.Prefix, verb, s.ID, s.Status) + in.ReusedWhy)
		},
	}
	if in.Reuse {
		steps.find = func(ctx context.Context) (*api.Snapshot, []byte, error) {
			return d.Client.FindRunningSnapshot(ctx, in.ProjectID, in.Cluster)
		}
	}
	var err error
	if r.Created, err = steps.run(ctx, d, in.DryRun); err != nil || in.DryRun || in.Watch == nil {
		return r, err
	}
	r.Seen, err = Follow(ctx, d, Snapshot, in.Scope, r.Job.ID, *in.Watch)
	return r, err
}

// NewSnapshot is how a job's --snapshot-id new is taken: its retention,
// and the wait until it is completed.
type NewSnapshot struct {
	RetentionDays int
	Wait          Watch
}

// NewSnapshotDescription describes the on-demand snapshots the tool takes.
const NewSnapshotDescription = "atlas-backup on-demand snapshot"

// PlaceholderSnapshotID stands, in a dry run's job request, for the ID of
// the snapshot that would be taken first.
const PlaceholderSnapshotID = "NEW_SNAPSHOT_ID"

// source resolves the snapshot a job starts from: latest (noted), new (an
// on-demand snapshot taken, or the one being taken reused, and followed
// until completed; in a dry run, the request it would send and
// PlaceholderSnapshotID), or an ID as it is. A new snapshot that fails is
// an *EndedError naming it, and no job is created.
func source(ctx context.Context, d Deps, s Scope, id string, n *NewSnapshot, dryRun bool, prefix string) (string, *api.DryRun, error) {
	if id != api.NewSnapshot {
		id, err := ResolveSnapshot(ctx, d, s.ProjectID, s.Cluster, id)
		return id, nil, err
	}
	if n == nil {
		n = &NewSnapshot{}
	}
	in := SnapshotInput{Scope: s, Reuse: true, DryRun: dryRun, Prefix: prefix,
		Request:   api.SnapshotRequest{Description: NewSnapshotDescription, RetentionInDays: max(n.RetentionDays, 1)},
		ReusedWhy: ": an on-demand snapshot of the cluster being taken already (Atlas takes one at a time), kept as long as it was asked to be"}
	r, err := TakeSnapshot(ctx, d, in)
	switch {
	case r.DryRun != nil:
		return PlaceholderSnapshotID, r.DryRun, err
	case err != nil:
		return "", nil, err
	case dryRun:
		return r.Job.ID, nil, nil // the snapshot being taken, which it would reuse
	case !r.Reused:
		d.note(fmtNote("%sTaking on-demand snapshot %s of %s; waiting until it is completed", prefix, r.Job.ID, s.Cluster))
	}
	if _, err := Follow(ctx, d, Snapshot, s, r.Job.ID, n.Wait); err != nil {
		return "", nil, &SnapshotWaitError{Scope: s, ID: r.Job.ID, Err: err}
	}
	return r.Job.ID, nil, nil
}

// SnapshotWaitError is a new snapshot that did not complete: it failed
// (*EndedError), the wait timed out or stopped. No job was created.
type SnapshotWaitError struct {
	Scope
	ID  string
	Err error
}

func (e *SnapshotWaitError) Error() string {
	return fmt.Sprintf("%v; no job was created", e.Err)
}

func (e *SnapshotWaitError) Unwrap() error { return e.Err }
