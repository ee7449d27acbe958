package jobs

import (
	"context"
	"fmt"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/fleet"
)

// ExportInput is an export of one cluster's snapshot, or of many
// clusters' latest, to an export bucket.
type ExportInput struct {
	ProjectID string
	// Clusters are the clusters to export, in order; with AllClusters,
	// every cluster of the project with backup on instead.
	Clusters    []string
	AllClusters bool
	SnapshotID  string       // an ID, api.Latest or api.NewSnapshot
	New         *NewSnapshot // how api.NewSnapshot is taken and waited for
	Bucket      string       // an ID, or a bucket's name
	CustomData  []api.Label
	Reuse       bool // follow a running job of the same snapshot and bucket instead
	DryRun      bool
	// Watch, when set, follows each job to its end; Progress, when set,
	// gives the display of cluster i (else Watch.Progress serves all).
	Watch    *Watch
	Progress func(i int) Progress
	// Many says the clusters are a fleet even when there is one: each
	// cluster's notes and retry lines then name it.
	Many bool
}

// ExportResult is what became of one cluster's export.
type ExportResult struct {
	Cluster string
	Created[api.ExportJob]
	Err     error // before a job: a lookup or the create failed
	Watched error // the job's watch ended short of success (see Follow)
}

// NoClustersError is a project with no cluster whose backup is on.
type NoClustersError struct{ ProjectID string }

func (e *NoClustersError) Error() string {
	return fmt.Sprintf("project %s has no cluster with backup on", e.ProjectID)
}

// BackedUpClusters lists the project's dedicated clusters with backup on,
// in name order, and notes the others (backup off, or Flex clusters, which
// have no exports) as skipped.
func BackedUpClusters(ctx context.Context, d Deps, projectID string) ([]string, error) {
	list, err := d.Client.ListAllClusters(ctx, projectID, api.ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, cl := range list.Items { // in name order
		switch {
		case cl.Flex:
			d.note(fmtNote("Skipping cluster %s: a Flex cluster (Flex clusters have no exports)", cl.Name))
		case !cl.BackupEnabled:
			d.note(fmtNote("Skipping cluster %s: backup is off", cl.Name))
		default:
			names = append(names, cl.Name)
		}
	}
	if len(names) == 0 {
		return nil, &NoClustersError{ProjectID: projectID}
	}
	return names, nil
}

// Exports exports every cluster of in, each in its own goroutine (the
// client's limiter bounds the requests in flight, so that a watch of fifty
// jobs takes as long as the longest). One cluster's failure never stops
// the others: each has its result, in order. The error is for what comes
// before any cluster: listing the clusters, resolving the bucket.
func Exports(ctx context.Context, d Deps, in ExportInput) ([]ExportResult, error) {
	clusters := in.Clusters
	if in.AllClusters {
		var err error
		if clusters, err = BackedUpClusters(ctx, d, in.ProjectID); err != nil {
			return nil, err
		}
	}
	bucketID, bucket, err := d.Client.ResolveBucket(ctx, in.ProjectID, in.Bucket)
	if err != nil {
		return nil, err
	}
	if bucket != nil {
		d.note(fmtNote("Using export bucket %s: %s (%s)", bucket.BucketName, bucket.ID, bucket.CloudProvider))
	}
	many := in.Many || in.AllClusters || len(clusters) > 1
	results := make([]ExportResult, len(clusters))
	fleet.Run(ctx, len(clusters), 0, func(ctx context.Context, i int) {
		var w *Watch
		if in.Watch != nil {
			one := *in.Watch
			if in.Progress != nil {
				one.Progress = in.Progress(i)
			}
			w = &one
		}
		var n *NewSnapshot
		if in.New != nil {
			one := *in.New
			if in.Progress != nil {
				one.Wait.Progress = in.Progress(i)
			}
			n = &one
		}
		results[i] = exportOne(ctx, d, in, clusters[i], bucketID, many, w, n)
	})
	return results, nil
}

// exportOne resolves, reuses or creates, and follows one cluster's export.
// In a fleet that is followed, a cluster of which no job came says why on
// its line of the display (else it would stay "waiting").
func exportOne(ctx context.Context, d Deps, in ExportInput, cluster, bucketID string, many bool, w *Watch, n *NewSnapshot) (r ExportResult) {
	r = ExportResult{Cluster: cluster}
	defer func() {
		if r.Err != nil && many && w != nil && w.Progress != nil {
			w.Progress.Update("failed: " + api.Summary(r.Err))
		}
	}()
	prefix := ""
	if many {
		ctx = api.WithLabel(ctx, cluster) // its retry lines name it
		prefix = cluster + ": "
	}
	scope := Scope{ProjectID: in.ProjectID, Cluster: cluster}
	snapshotID, before, err := source(ctx, d, scope, in.SnapshotID, n, in.DryRun, prefix)
	if err != nil {
		r.Err = err
		return r
	}
	req := api.ExportRequest{SnapshotID: snapshotID, ExportBucketID: bucketID, CustomData: in.CustomData}
	steps := createSteps[api.ExportJob]{
		call: api.CreateExportCall(in.ProjectID, cluster, req),
		create: func(ctx context.Context) (*api.ExportJob, []byte, error) {
			return d.Client.CreateExport(ctx, in.ProjectID, cluster, req)
		},
		reused: func(job *api.ExportJob, dryRun bool) {
			verb := "reusing"
			if dryRun {
				verb = "would reuse"
			}
			d.note(fmtNote("%s%s export job %s (%s)", prefix, verb, job.ID, job.State))
		},
	}
	if in.Reuse {
		steps.find = func(ctx context.Context) (*api.ExportJob, []byte, error) {
			return d.Client.FindRunningExport(ctx, in.ProjectID, cluster, req)
		}
	}
	r.Created, r.Err = steps.run(ctx, d, in.DryRun)
	r.Before = before
	if r.Err != nil || in.DryRun || w == nil {
		return r
	}
	seen, err := Follow(ctx, d, Export, scope, r.Job.ID, *w)
	if seen.Job != nil {
		r.Job, r.Raw = seen.Job, seen.Raw
	}
	r.Watched = err
	return r
}
