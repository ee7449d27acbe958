package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// RestoreGetOptions are the options of restore get.
type RestoreGetOptions struct {
	JobOptions
	Collections bool // the per-collection states of a collection restore job
}

func newRestoreGetCmd(f *Factory, runF func(context.Context, *RestoreGetOptions) error) *cobra.Command {
	opts := &RestoreGetOptions{JobOptions: JobOptions{runEnv: f.env(), kind: "restore"}}
	c := jobCommand("get", "Show one restore job, or collection restore job", &opts.JobOptions)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreGetRun, runF)
	c.Aliases = []string{"describe"}
	c.Long = `Show one restore job. The ID is looked up among the cluster's restore jobs,
then among its collection restore jobs, so either kind's ID works.

--collections shows what became of each collection of a collection restore
job: SOURCE, TARGET (where it was really restored: create-new restores into
a new name when the target exists), STATE, DOCUMENTS (restored/total) and
INDEXES; -o json the API's results array. The list is empty while the job
is INITIALIZING.`
	c.Example = `  atlas-backup restore get 6b05e9390000000000000002 --cluster demo
  atlas-backup restore get 6b05e9390000000000000002 --cluster demo -o json
  atlas-backup restore get 6b05e9390000000000000003 --cluster demo --collections`
	c.Flags().BoolVar(&opts.Collections, "collections", false, "show the per-collection states of a collection restore job")
	c.ValidArgsFunction = completeAnyRestoreIDs(f, &opts.clusterScope)
	return c
}

func restoreGetRun(ctx context.Context, o *RestoreGetOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	if o.Collections {
		return restoreCollectionsRun(ctx, client, o)
	}
	job, coll, raw, err := client.FindRestore(ctx, o.ProjectID, o.Cluster, o.ID)
	if restoreJobNotFound(err) && !client.IsFlex(o.ProjectID, o.Cluster) { // Flex has no collection restore jobs
		err = &neitherRestoreError{err: err, list: collectionRestoreJobKind(&o.clusterScope).list()}
	}
	if err != nil {
		return err
	}
	if coll != nil {
		return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.CollectionRestoreJobTable(*coll, o.ProjectID)})
	}
	return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.RestoreJobTable(*job, o.ProjectID)})
}

// restoreCollectionsRun prints a collection restore job's per-collection
// states (every page).
func restoreCollectionsRun(ctx context.Context, client *api.Client, o *RestoreGetOptions) error {
	states, err := client.ListCollectionRestoreStates(ctx, o.ProjectID, o.Cluster, o.ID)
	if err != nil {
		if !isNotFound(err) {
			return err
		}
		if job, _, gerr := client.GetRestore(ctx, o.ProjectID, o.Cluster, o.ID); gerr == nil {
			return &RefusedError{Err: fmt.Errorf("restore job %s is a restore of the whole cluster (%s), not a collection restore job: it has no per-collection states. See it with: %s",
				o.ID, text.Escape(job.DeliveryType), restoreJobKind(&o.clusterScope).get(o.ID))}
		}
		return fmt.Errorf("%w\nCluster %s of project %s has no collection restore job %s; see them with: %s",
			err, text.Escape(o.Cluster), o.ProjectID, o.ID, collectionRestoreJobKind(&o.clusterScope).list())
	}
	err = o.Printer.Print(o.IO.Out, output.Value{Raw: states.Raw, Table: output.CollectionStatesTable(states.Items)})
	if err == nil && len(states.Items) == 0 && o.format == "table" {
		o.notef("Collection restore job %s has no per-collection states yet: Atlas lists them once the job is past INITIALIZING.", o.ID)
	}
	return err
}

// restoreJobNotFound says whether err is Atlas's 404 for a restore job
// (not for its cluster, nor its project).
func restoreJobNotFound(err error) bool {
	var nf *api.NotFoundError
	return errors.As(err, &nf) && nf.Kind == api.KindRestoreJob
}

// neitherRestoreError is a job ID that is neither a restore job of the
// cluster nor a collection restore job: the restore job's 404 (worded
// with the list of restore jobs), and the list of collection restore jobs.
type neitherRestoreError struct {
	err  error
	list string
}

func (e *neitherRestoreError) Error() string {
	return e.err.Error() + "\nNor is it a collection restore job of the cluster; see those with: " + e.list
}
func (e *neitherRestoreError) Unwrap() error { return e.err }

func newRestoreWatchCmd(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{JobOptions: JobOptions{runEnv: f.env(), kind: "restore"}}
	c := jobCommand("watch", "Follow a restore job, or collection restore job, until it ends", &opts.JobOptions)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreWatchRun, runF)
	c.Long = `Check a restore job at once and then every --interval until it ends, showing
its status on stderr, then print the final job on stdout. A restore ends when
it has finished (or, for a download, has its delivery URL): exit 0; or when it
failed, was cancelled or expired: exit 6. Exit 7 when --watch-timeout passes
first. Ctrl-C stops watching; the job keeps running.

The ID may be a collection restore job's (restore create --collection or
--database): it is followed through INITIALIZING, IN_PROGRESS and FINALIZING
with the documents restored of the total, to SUCCESSFUL, FAILED or CANCELED;
then stderr names each collection that did not end SUCCESSFUL. Exit 0 only
when the job and every collection succeeded, else 6.`
	c.Example = `  atlas-backup restore watch 6b05e9390000000000000002 --cluster demo
  atlas-backup restore watch 6b05e9390000000000000002 --cluster demo --watch-timeout 2h -o json`
	opts.watch.add(c, false)
	c.ValidArgsFunction = completeAnyRestoreIDs(f, &opts.clusterScope)
	return c
}

// restoreWatchRun follows a restore job; on a 404 of it before its first
// look, the collection restore job of that ID.
func restoreWatchRun(ctx context.Context, o *WatchOptions) error {
	kind := restoreJobKind(&o.clusterScope)
	last, err := await(ctx, o.runEnv, o.watch, kind, o.ID)
	if last.Job == nil && restoreJobNotFound(err) && !o.isFlex() {
		return followCollectionRestore(ctx, o.runEnv, o.watch, o.Printer, &o.clusterScope, o.ID, err)
	}
	return printEnd(o.IO, o.Printer, seenValue(kind, last), err)
}

// isFlex says whether the command's client found its cluster to be a Flex
// one (which has no collection restore jobs).
func (o *WatchOptions) isFlex() bool {
	client, err := o.Client()
	return err == nil && client.IsFlex(o.ProjectID, o.Cluster)
}

// followCollectionRestore follows a collection restore job to its end
// (jobs.FollowCollectionRestore), then names on stderr the collections
// that did not end SUCCESSFUL, and prints the last look at the job. first
// is the restore job's 404, for an ID that is neither kind.
func followCollectionRestore(ctx context.Context, e runEnv, w watchFlags, p output.Printer, s *clusterScope, id string, first error) error {
	client, err := e.Client()
	if err != nil {
		return err
	}
	kind := collectionRestoreJobKind(s)
	display := e.display()
	defer display.Stop()
	ctx = api.WithRetryNotes(ctx, e.notesTo(display))
	r, err := jobs.FollowCollectionRestore(ctx, jobs.Deps{Client: client, Note: e.note}, s.jobs(), id, e.watch(w, display))
	display.Stop()
	if r.Seen.Job == nil && isNotFound(err) {
		return &neitherRestoreError{err: first, list: kind.list()}
	}
	e.warn(r.Warnings)
	reportCollections(e, r.Collections)
	return printEnd(e.IO, p, seenValue(kind, r.Seen), kind.watchEnd(err))
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

Atlas offers no cancel for collection restore jobs (restore create
--collection or --database), nor for a Flex cluster's restore jobs: the ID
of one is exit 5, nothing cancelled.

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
	ended, err := jobs.CancelRestore(ctx, jobs.Deps{Client: client}, o.jobs(), o.ID)
	var noCancel *jobs.NoCancelError
	var flex *api.FlexClusterError
	switch {
	case errors.As(err, &noCancel):
		return &RefusedError{Err: fmt.Errorf("%v. Follow it with: %s", noCancel, collectionRestoreJobKind(&o.clusterScope).resume(o.ID))}
	case errors.As(err, &flex):
		// Atlas's Flex API has no cancel: the job, if there is one, runs
		// to its end.
		if _, _, gerr := client.GetRestore(ctx, o.ProjectID, o.Cluster, o.ID); gerr != nil {
			return gerr
		}
		return &RefusedError{Err: fmt.Errorf("%v: restore job %s runs to its end (nothing was cancelled). Follow it with: %s",
			flex, o.ID, restoreJobKind(&o.clusterScope).resume(o.ID))}
	case err != nil:
		return err
	case ended == jobs.CancelledAlready:
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
	opts := &ListOptions{runEnv: f.env()}
	return listCommandOf(opts, short, what), opts
}

// listCommandOf is listCommand for options made by the caller (a list with
// flags of its own).
func listCommandOf(opts *ListOptions, short, what string) *cobra.Command {
	opts.ofCluster = what != ""
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
	return c
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

// RestoreListOptions are the options of restore list.
type RestoreListOptions struct {
	ListOptions
	Collections bool // the collection restore jobs
}

func newRestoreListCmd(f *Factory, runF func(context.Context, *RestoreListOptions) error) *cobra.Command {
	opts := &RestoreListOptions{ListOptions: ListOptions{runEnv: f.env()}}
	c := listCommandOf(&opts.ListOptions, "List a cluster's restore jobs, or collection restore jobs, newest first", "restore jobs")
	c.Flags().BoolVar(&opts.Collections, "collections", false, "list the collection restore jobs (restore create --collection or --database)")
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreListRun, runF)
	c.Example = `  atlas-backup restore list --cluster demo
  atlas-backup restore list --cluster demo --limit 10 --page 2
  atlas-backup restore list --cluster demo --collections`
	return c
}

func restoreListRun(ctx context.Context, o *RestoreListOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	if o.Collections {
		jobs, err := client.ListCollectionRestores(ctx, o.ProjectID, o.Cluster, o.Options)
		if err != nil {
			return err
		}
		return o.print(len(jobs.Items), "collection restore jobs", output.Value{Raw: jobs.Raw, Table: output.CollectionRestoreJobsTable(jobs.Items, o.ProjectID)})
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
	c, opts := listCommand(f, "List the project's clusters, dedicated and Flex: name, type, state, backup on or off, version", "")
	c.RunE = runCmd(opts, &opts.format, opts.prepare, clusterListRun, runF)
	c.Long = `List the project's clusters: the dedicated ones and the Flex ones (TYPE
FLEX), every page of both lists, in name order. --page and --limit page
that merged list (100 a page unless --limit says). -o json prints one array
of the API's objects of both kinds.`
	c.Example = `  atlas-backup cluster list
  atlas-backup cluster list --all -o json`
	return c
}

func clusterListRun(ctx context.Context, o *ListOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	// Both lists whole, merged in name order; --page and --limit cut the
	// merged list.
	clusters, err := client.ListAllClusters(ctx, o.ProjectID, api.ListOptions{All: true})
	if err != nil {
		return err
	}
	if o.Options.Limit > 0 || o.Options.Page > 0 {
		clusters = clusters.Page(max(o.Options.Page, 1), cmp.Or(o.Options.Limit, 100))
	}
	return o.print(len(clusters.Items), "clusters", output.Value{Raw: clusters.Raw, Table: output.ClustersTable(clusters.Items)})
}
