package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// SnapshotNamesOptions are the options of snapshot databases and snapshot
// collections: what a snapshot holds.
type SnapshotNamesOptions struct {
	ListOptions
	SnapshotID string // an ID, or latest
	Database   string // snapshot collections: whose collections
	// collections: snapshot collections (else snapshot databases).
	collections bool
}

func (o *SnapshotNamesOptions) prepare(c *cobra.Command, args []string) error {
	o.SnapshotID = args[0]
	return o.ListOptions.prepare(c, args)
}

func (o *SnapshotNamesOptions) validate() error {
	if o.SnapshotID != api.Latest && !idPattern().MatchString(o.SnapshotID) {
		return usageErrorf("snapshot ID %q: must be a 24-character hexadecimal ID (^[a-f0-9]{24}$) or latest", o.SnapshotID)
	}
	if !o.collections {
		return nil
	}
	if o.Database == "" {
		return usageErrorf("--database is required: the database whose collections to list (see atlas-backup snapshot databases)")
	}
	if msg := checkDatabase(o.Database); msg != "" {
		return usageErrorf("--database %q: %s", o.Database, msg)
	}
	return nil
}

// snapshotNamesCommand is the cobra command of snapshot databases or
// snapshot collections.
func snapshotNamesCommand(f *Factory, use, short string, collections bool) (*cobra.Command, *SnapshotNamesOptions) {
	opts := &SnapshotNamesOptions{ListOptions: ListOptions{runEnv: f.env()}, collections: collections}
	c := listCommandOf(&opts.ListOptions, short, "snapshot it is")
	c.Use, c.Aliases = use+" SNAPSHOT_ID", nil
	c.Args = exactArgs(1, "SNAPSHOT_ID")
	c.ValidArgsFunction = completeJobArg(completeSnapshotIDs(f, func() string { return opts.Cluster }))
	return c, opts
}

func newSnapshotDatabasesCmd(f *Factory, runF func(context.Context, *SnapshotNamesOptions) error) *cobra.Command {
	c, opts := snapshotNamesCommand(f, "databases", "List the databases a snapshot holds (for restore create --database)", false)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, snapshotNamesRun, runF)
	c.Long = `List the databases a snapshot holds, by name: what restore create --database
can restore from it. SNAPSHOT_ID may be latest, the cluster's newest
completed snapshot. -o json prints an array of the API's objects.`
	c.Example = `  atlas-backup snapshot databases latest --cluster demo
  atlas-backup snapshot databases 65f0e0e0d0e0000000000001 --cluster demo -o json`
	return c
}

func newSnapshotCollectionsCmd(f *Factory, runF func(context.Context, *SnapshotNamesOptions) error) *cobra.Command {
	c, opts := snapshotNamesCommand(f, "collections", "List the collections of one database of a snapshot (for restore create --collection)", true)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, snapshotNamesRun, runF)
	c.Flags().StringVar(&opts.Database, "database", "", "database whose collections to list (required)")
	c.RegisterFlagCompletionFunc("database", completeNamespaces(f, func() string { return opts.Cluster }, false))
	c.Long = `List the collections of one database of a snapshot, by name (without the
database's): restore create --collection DATABASE.NAME restores one.
SNAPSHOT_ID may be latest, the cluster's newest completed snapshot. -o json
prints an array of the API's objects.`
	c.Example = `  atlas-backup snapshot collections latest --cluster demo --database sales
  atlas-backup snapshot collections 65f0e0e0d0e0000000000001 --cluster demo --database sales -o json`
	return c
}

func snapshotNamesRun(ctx context.Context, o *SnapshotNamesOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	id, err := jobs.ResolveSnapshot(ctx, jobs.Deps{Client: client, Note: o.note}, o.ProjectID, o.Cluster, o.SnapshotID)
	var nf *api.NotFoundError
	if errors.As(err, &nf) && nf.Kind == api.KindSnapshot && nf.Err == nil {
		// latest, the argument, found nothing: not --snapshot-id's words.
		return &NotFoundError{Err: fmt.Errorf("snapshot latest: %s", nf.Error())}
	}
	if err != nil {
		return err
	}
	if !o.collections {
		dbs, err := client.ListSnapshotDatabases(ctx, o.ProjectID, o.Cluster, id, o.Options)
		if err != nil {
			return err
		}
		names := make([]string, len(dbs.Items))
		for i, d := range dbs.Items {
			names[i] = d.Name
		}
		return o.printNames(len(names), "databases", id, output.Value{Raw: dbs.Raw, Table: output.NamesTable(names)})
	}
	colls, err := client.ListSnapshotCollections(ctx, o.ProjectID, o.Cluster, id, o.Database, o.Options)
	if err != nil {
		return o.noDatabase(ctx, client, id, err)
	}
	names := make([]string, len(colls.Items))
	for i, c := range colls.Items {
		names[i] = c.Name
	}
	return o.printNames(len(names), "collections in database "+o.Database, id, output.Value{Raw: colls.Raw, Table: output.NamesTable(names)})
}

// printNames prints the names; an empty table says on stderr that there
// are none.
func (o *SnapshotNamesOptions) printNames(n int, what, id string, v output.Value) error {
	if err := o.Printer.Print(o.IO.Out, v); err != nil || n > 0 || o.format != "table" {
		return err
	}
	where := ""
	if o.Options.Page > 1 {
		where = fmt.Sprintf(" on page %d", o.Options.Page)
	}
	o.notef("No %s in snapshot %s of cluster %s%s.", what, id, o.Cluster, where)
	return nil
}

// noDatabase words a 404 of a database's collections: when the snapshot
// does not hold the database (one read of its databases, made only then),
// a not-found naming the database and the closest names it has.
func (o *SnapshotNamesOptions) noDatabase(ctx context.Context, client *api.Client, id string, err error) error {
	if !isNotFound(err) {
		return err
	}
	dbs, lerr := client.ListSnapshotDatabases(ctx, o.ProjectID, o.Cluster, id, api.ListOptions{All: true})
	if lerr != nil {
		return err
	}
	names := make([]string, len(dbs.Items))
	for i, d := range dbs.Items {
		if d.Name == o.Database {
			return err // it is there: the 404 is about something else
		}
		names[i] = d.Name
	}
	msg := fmt.Sprintf("--database %s: snapshot %s of cluster %s has no database %s", text.Escape(o.Database), text.Escape(id), text.Escape(o.Cluster), text.Escape(o.Database))
	if near := api.Closest(o.Database, names); len(near) > 0 {
		for i, n := range near {
			near[i] = text.Escape(n)
		}
		msg += " (did you mean " + orWords(near) + "?)"
	}
	return &NotFoundError{Err: fmt.Errorf("%s. See its databases with: atlas-backup snapshot databases %s --cluster %s --project-id %s",
		msg, text.Escape(id), text.Escape(o.Cluster), o.ProjectID)}
}

func newSnapshotGetCmd(f *Factory, runF func(context.Context, *JobOptions) error) *cobra.Command {
	opts := &JobOptions{runEnv: f.env(), kind: "snapshot"}
	c := jobCommand("get", "Show one snapshot", opts)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, snapshotGetRun, runF)
	c.Aliases = []string{"describe"}
	c.Long = `Show one snapshot of a cluster (dedicated or Flex), as snapshot list does:
ID, STATUS, TYPE, CREATED (UTC), SIZE. -o json prints the API's object.`
	c.Example = `  atlas-backup snapshot get 65f0e0e0d0e0000000000001 --cluster demo
  atlas-backup snapshot get 65f0e0e0d0e0000000000001 --cluster demo -o json`
	c.ValidArgsFunction = completeJobArg(completeSnapshotIDs(f, func() string { return opts.Cluster }))
	return c
}

func snapshotGetRun(ctx context.Context, o *JobOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	snap, raw, err := client.GetSnapshot(ctx, o.ProjectID, o.Cluster, o.ID)
	if err != nil {
		return err
	}
	return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.SnapshotTable(*snap)})
}

func newSnapshotWatchCmd(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{JobOptions: JobOptions{runEnv: f.env(), kind: "snapshot"}}
	c := jobCommand("watch", "Follow a snapshot until it is completed or failed", &opts.JobOptions)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, snapshotWatchRun, runF)
	c.Long = `Check a snapshot at once and then every --interval until it is completed
or failed (a Flex cluster's: COMPLETED or FAILED), showing its status on
stderr, then print the final snapshot on stdout. Exit 0 when completed, 6
when failed, 7 when --watch-timeout passes first. Ctrl-C stops watching;
the snapshot is still taken.`
	c.Example = `  atlas-backup snapshot watch 65f0e0e0d0e0000000000100 --cluster demo
  atlas-backup snapshot watch 65f0e0e0d0e0000000000100 --cluster demo --watch-timeout 1h -o json`
	opts.watch.add(c, false)
	c.ValidArgsFunction = completeJobArg(completeSnapshotIDs(f, func() string { return opts.Cluster }))
	return c
}

func snapshotWatchRun(ctx context.Context, o *WatchOptions) error {
	return follow(ctx, o.runEnv, o.watch, o.Printer, snapshotKind(&o.clusterScope), o.ID)
}
