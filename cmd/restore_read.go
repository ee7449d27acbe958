package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

func newRestoreGetCmd(f *Factory, runF func(context.Context, *JobOptions) error) *cobra.Command {
	opts := &JobOptions{runEnv: f.env(), kind: "restore"}
	c := jobCommand("get", "Show one restore job", opts)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreGetRun, runF)
	c.Aliases = []string{"describe"}
	c.Example = `  atlas-backup restore get 6b05e9390000000000000002 --cluster demo
  atlas-backup restore get 6b05e9390000000000000002 --cluster demo -o json`
	c.ValidArgsFunction = completeRestoreIDs(f, &opts.clusterScope)
	return c
}

func restoreGetRun(ctx context.Context, o *JobOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	job, raw, err := client.GetRestore(ctx, o.ProjectID, o.Cluster, o.ID)
	if err != nil {
		return err
	}
	return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.RestoreJobTable(*job, o.ProjectID)})
}

func newRestoreWatchCmd(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{JobOptions: JobOptions{runEnv: f.env(), kind: "restore"}}
	c := jobCommand("watch", "Follow a restore job until it ends", &opts.JobOptions)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreWatchRun, runF)
	c.Long = `Check a restore job at once and then every --interval until it ends, showing
its status on stderr, then print the final job on stdout. A restore ends when
it has finished (or, for a download, has its delivery URL): exit 0; or when it
failed, was cancelled or expired: exit 6. Exit 7 when --watch-timeout passes
first. Ctrl-C stops watching; the job keeps running.`
	c.Example = `  atlas-backup restore watch 6b05e9390000000000000002 --cluster demo
  atlas-backup restore watch 6b05e9390000000000000002 --cluster demo --watch-timeout 2h -o json`
	opts.watch.add(c, false)
	c.ValidArgsFunction = completeRestoreIDs(f, &opts.clusterScope)
	return c
}

func restoreWatchRun(ctx context.Context, o *WatchOptions) error {
	return follow(ctx, o.runEnv, o.watch, o.Printer, restoreJobKind(&o.clusterScope), o.ID)
}

// CancelOptions are the options of restore cancel.
type CancelOptions struct {
	JobOptions
	Yes bool
}

func newRestoreCancelCmd(f *Factory, runF func(context.Context, *CancelOptions) error) *cobra.Command {
	opts := &CancelOptions{JobOptions: JobOptions{runEnv: f.env(), kind: "restore"}}
	c := jobCommand("cancel", "Cancel a restore job", &opts.JobOptions)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreCancelRun, runF)
	c.Long = `Cancel a restore job that has not ended yet (DELETE .../restoreJobs/ID).
Atlas stops the job, and restore get then shows it as Cancelled. A job that
was cancelled already is no error; one that has ended otherwise is refused
by Atlas (exit 5).

Cancelling is asked like an overwriting restore: on a terminal you type the
cluster's name to go ahead (anything else, Ctrl-D or Ctrl-C sends nothing);
without a terminal, --yes is required (else exit 2, nothing sent).`
	c.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask before cancelling")
	c.Example = `  atlas-backup restore cancel 6b05e9390000000000000002 --cluster demo
  atlas-backup restore cancel 6b05e9390000000000000002 --cluster demo --yes`
	c.ValidArgsFunction = completeRestoreIDs(f, &opts.clusterScope)
	return c
}

func restoreCancelRun(ctx context.Context, o *CancelOptions) error {
	if !o.Yes {
		what := fmt.Sprintf("restore job %s of cluster %s (project %s)", o.ID, o.Cluster, o.ProjectID)
		err := confirm(ctx, o.IO, confirmation{
			warning: "This cancels " + what + ".",
			cluster: o.Cluster,
			refusal: "cancelling " + what + " needs a confirmation, and there is no terminal to ask on: add --yes to go ahead",
		})
		if err != nil {
			return err
		}
	}
	client, err := o.Client()
	if err != nil {
		return err
	}
	if err := client.CancelRestore(ctx, o.ProjectID, o.Cluster, o.ID); err != nil {
		// A cancel resent after a lost answer finds the job cancelled
		// already, and Atlas refuses it: what was asked for is done.
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Status == http.StatusNotFound || apiErr.IsAuth() || apiErr.Status >= 500 {
			return err
		}
		if job, _, gerr := client.GetRestore(ctx, o.ProjectID, o.Cluster, o.ID); gerr != nil || !job.Cancelled {
			return err
		}
		fmt.Fprintf(o.IO.ErrOut, "Restore job %s was cancelled already.\n", o.ID)
		return nil
	}
	fmt.Fprintf(o.IO.ErrOut, "Cancelled restore job %s.\n", o.ID)
	return nil
}

// ListOptions are the options of the list commands.
type ListOptions struct {
	runEnv
	clusterScope
	list      listFlags
	Options   api.ListOptions
	ofCluster bool // a cluster's items (--cluster), not the project's
}

func (o *ListOptions) prepare(c *cobra.Command, _ []string) error {
	var err error
	if o.ofCluster {
		err = o.resolve(o.runEnv)
	} else {
		err = o.resolveAPI(&o.apiScope)
	}
	if err != nil {
		return err
	}
	o.Options, err = o.list.options(c)
	return err
}

func (o *ListOptions) validate() error { return nil } // prepare checked the flags as it read them

// print prints a list of n items. An empty table is its header alone, so
// stderr says that there is nothing ("No export jobs for cluster demo.");
// -o json, yaml and go-template print what they print for no items ([]),
// and nothing more.
func (o *ListOptions) print(n int, what string, v output.Value) error {
	if err := o.Printer.Print(o.IO.Out, v); err != nil || n > 0 || o.format != "table" {
		return err
	}
	where := "in project " + o.ProjectID
	if o.ofCluster {
		where = "for cluster " + o.Cluster
	}
	if o.Options.Page > 1 {
		where += fmt.Sprintf(" on page %d", o.Options.Page)
	}
	o.notef("No %s %s.", what, where)
	return nil
}

// listCommand is the cobra command of a list: what names a cluster's items
// (and adds --cluster), or is "" for a project's. Its constructor sets RunE.
func listCommand(f *Factory, short, what string) (*cobra.Command, *ListOptions) {
	opts := &ListOptions{runEnv: f.env(), ofCluster: what != ""}
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   short,
		Args:    exactArgs(0, "none"),
	}
	if what != "" {
		opts.addFlags(c, what+" to list")
	}
	opts.list.add(c)
	return c, opts
}

func newExportListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c, opts := listCommand(f, "List a cluster's export jobs, newest first", "export jobs")
	c.RunE = runCmd(opts, &opts.format, opts.prepare, exportListRun, runF)
	c.Example = `  atlas-backup export list --cluster demo
  atlas-backup export list --cluster demo --all -o json`
	return c
}

func exportListRun(ctx context.Context, o *ListOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	jobs, err := client.ListExports(ctx, o.ProjectID, o.Cluster, o.Options)
	if err != nil {
		return err
	}
	return o.print(len(jobs.Items), "export jobs", output.Value{Raw: jobs.Raw, Table: output.ExportJobsTable(jobs.Items)})
}

func newRestoreListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c, opts := listCommand(f, "List a cluster's restore jobs, newest first", "restore jobs")
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreListRun, runF)
	c.Example = `  atlas-backup restore list --cluster demo
  atlas-backup restore list --cluster demo --limit 10 --page 2`
	return c
}

func restoreListRun(ctx context.Context, o *ListOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	jobs, err := client.ListRestores(ctx, o.ProjectID, o.Cluster, o.Options)
	if err != nil {
		return err
	}
	return o.print(len(jobs.Items), "restore jobs", output.Value{Raw: jobs.Raw, Table: output.RestoreJobsTable(jobs.Items, o.ProjectID)})
}

func newSnapshotListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c, opts := listCommand(f, "List a cluster's snapshots, newest first (to find a snapshot ID)", "snapshots")
	c.RunE = runCmd(opts, &opts.format, opts.prepare, snapshotListRun, runF)
	c.Example = `  atlas-backup snapshot list --cluster demo
  atlas-backup snapshot list --cluster demo --all -o 'go-template={{range .}}{{println .id}}{{end}}'`
	return c
}

func snapshotListRun(ctx context.Context, o *ListOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	snaps, err := client.ListSnapshots(ctx, o.ProjectID, o.Cluster, o.Options)
	if err != nil {
		return err
	}
	return o.print(len(snaps.Items), "snapshots", output.Value{Raw: snaps.Raw, Table: output.SnapshotsTable(snaps.Items)})
}

func newBucketListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c, opts := listCommand(f, "List the project's export buckets (to find a bucket ID)", "")
	c.RunE = runCmd(opts, &opts.format, opts.prepare, bucketListRun, runF)
	c.Example = `  atlas-backup bucket list
  atlas-backup bucket list -o json`
	return c
}

func bucketListRun(ctx context.Context, o *ListOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	buckets, err := client.ListBuckets(ctx, o.ProjectID, o.Options)
	if err != nil {
		return err
	}
	return o.print(len(buckets.Items), "export buckets", output.Value{Raw: buckets.Raw, Table: output.BucketsTable(buckets.Items)})
}

func newClusterListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c, opts := listCommand(f, "List the project's clusters: name, type, state, backup on or off, version", "")
	c.RunE = runCmd(opts, &opts.format, opts.prepare, clusterListRun, runF)
	c.Example = `  atlas-backup cluster list
  atlas-backup cluster list --all -o json`
	return c
}

func clusterListRun(ctx context.Context, o *ListOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	clusters, err := client.ListClusters(ctx, o.ProjectID, o.Options)
	if err != nil {
		return err
	}
	return o.print(len(clusters.Items), "clusters", output.Value{Raw: clusters.Raw, Table: output.ClustersTable(clusters.Items)})
}
