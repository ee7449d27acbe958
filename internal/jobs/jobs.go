// Package jobs holds atlas-backup's workflows, written once and used by
// every command, for one cluster or many: resolve the inputs (latest, a
// bucket by name, the clusters with backup on), find a job to reuse, dry
// run, create (never resent), follow to the end, and download a restore's
// archives. Each returns typed results: the job created or reused, how its
// watch ended, what became of each cluster and archive.
//
// It takes narrow dependencies (the API client, sinks for notes and
// progress) and plain inputs. It knows no Cobra, no flags and no terminal:
// the commands in cmd/ turn flags into its inputs, and its results into
// printed output, messages and exit codes.
package jobs

import (
	"context"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/watch"
)

// Deps are what a workflow needs from the command that runs it.
type Deps struct {
	Client *api.Client
	// Note receives informational lines ("Using the latest completed
	// snapshot of demo: …"); nil: none. It may be called from several
	// goroutines at once.
	Note func(line string)
}

func (d Deps) note(line string) {
	if d.Note != nil {
		d.Note(line)
	}
}

// Progress shows a job's state while it is followed; output.Progress is
// one.
type Progress interface {
	Update(line string)
	Note(line string)
}

// Scope is the cluster a job belongs to.
type Scope struct {
	ProjectID string
	Cluster   string
}

// Kind connects the workflows to one kind of job.
type Kind[T any] struct {
	Name  string // "export job", "restore job"
	Fetch func(ctx context.Context, c *api.Client, s Scope, id string) (*T, []byte, error)
	Judge func(*T) (watch.State, error)
	Why   func(*T) string // how an unsuccessful end is described
}

// Export is the export job kind.
var Export = Kind[api.ExportJob]{
	Name: "export job",
	Fetch: func(ctx context.Context, c *api.Client, s Scope, id string) (*api.ExportJob, []byte, error) {
		return c.GetExport(ctx, s.ProjectID, s.Cluster, id)
	},
	Judge: func(j *api.ExportJob) (watch.State, error) {
		ended, ok, err := j.Ended()
		return watch.State{Label: j.Progress(), Done: ended, OK: ok}, err
	},
	Why: func(j *api.ExportJob) string {
		if r := j.Reason(); r != "" {
			return j.State + ": " + r
		}
		return j.State
	},
}

// Restore is the restore job kind.
var Restore = Kind[api.RestoreJob]{
	Name: "restore job",
	Fetch: func(ctx context.Context, c *api.Client, s Scope, id string) (*api.RestoreJob, []byte, error) {
		return c.GetRestore(ctx, s.ProjectID, s.Cluster, id)
	},
	Judge: func(j *api.RestoreJob) (watch.State, error) {
		ended, ok := j.Ended()
		return watch.State{Label: j.Progress(), Done: ended, OK: ok}, j.CheckState()
	},
	Why: func(j *api.RestoreJob) string { return j.Status() },
}

// Snapshot is a snapshot being taken, followed like a job: done when
// completed, failed when failed (a Flex snapshot's COMPLETED and FAILED).
var Snapshot = Kind[api.Snapshot]{
	Name: "snapshot",
	Fetch: func(ctx context.Context, c *api.Client, s Scope, id string) (*api.Snapshot, []byte, error) {
		return c.GetSnapshot(ctx, s.ProjectID, s.Cluster, id)
	},
	Judge: func(sn *api.Snapshot) (watch.State, error) {
		ended, ok := sn.Ended()
		return watch.State{Label: sn.Status, Done: ended, OK: ok}, sn.CheckStatus()
	},
	Why: func(sn *api.Snapshot) string { return sn.Status },
}
