package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// SnapshotCreateOptions are what `snapshot create` was given.
type SnapshotCreateOptions struct {
	runEnv
	clusterScope
	Retention   int
	Description string
	Reuse       bool
	DryRun      bool
	watch       watchFlags
}

func newSnapshotCreateCmd(f *Factory, runF func(context.Context, *SnapshotCreateOptions) error) *cobra.Command {
	opts := &SnapshotCreateOptions{runEnv: f.env()}
	c := &cobra.Command{
		Use:   "create",
		Short: "Take an on-demand snapshot of a cluster",
		Long: `Take an on-demand snapshot of a dedicated cluster now (POST
.../backup/snapshots), kept --retention days. Atlas takes one on-demand
snapshot of a cluster at a time: while one is queued or inProgress it
refuses another, and --reuse follows that one instead.

--watch follows the snapshot until it is completed (exit 0) or failed
(exit 6), as snapshot watch does. To use a fresh snapshot for an export or
a restore in one command, give them --snapshot-id new.`,
		Example: `  atlas-backup snapshot create --cluster demo --watch
  atlas-backup snapshot create --cluster demo --retention 7 --description "before the migration" --reuse -o json`,
		Args: exactArgs(0, "none"),
	}
	c.RunE = runCmd(opts, &opts.format, opts.prepare, noneCreated(snapshotCreateRun), runF)
	opts.addFlags(c, "snapshot to take")
	fl := c.Flags()
	fl.IntVar(&opts.Retention, "retention", 1, "days to keep the snapshot (1 or more)")
	fl.StringVar(&opts.Description, "description", jobs.NewSnapshotDescription, "description of the snapshot")
	fl.BoolVar(&opts.Reuse, "reuse", false, "follow the cluster's on-demand snapshot that is queued or inProgress instead of asking for another")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the request that would be sent, and send nothing that changes anything")
	opts.watch.add(c, true)
	return c
}

func (o *SnapshotCreateOptions) prepare(c *cobra.Command, _ []string) error {
	if err := o.resolve(o.runEnv); err != nil {
		return err
	}
	o.watch.prepare(c, o.g.sandbox)
	return nil
}

func (o *SnapshotCreateOptions) validate() error {
	if err := checkRetention("retention", o.Retention); err != nil {
		return err
	}
	return o.watch.validate()
}

// checkRetention checks a retention in days: retentionInDays is at least 1.
func checkRetention(flag string, days int) error {
	if days < 1 || days > 1<<31-1 {
		return usageErrorf("--%s %d: must be 1 or more (days)", flag, days)
	}
	return nil
}

func snapshotCreateRun(ctx context.Context, o *SnapshotCreateOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	kind := snapshotKind(&o.clusterScope)
	in := jobs.SnapshotInput{Scope: o.jobs(), Reuse: o.Reuse, DryRun: o.DryRun,
		Request: api.SnapshotRequest{Description: o.Description, RetentionInDays: o.Retention}}
	var display output.Progress
	if o.watch.watch {
		display = o.display()
		defer display.Stop()
		ctx = api.WithRetryNotes(ctx, o.notesTo(display))
		w := o.runEnv.watch(o.watch, display)
		in.Watch = &w
	}
	r, err := jobs.TakeSnapshot(ctx, jobs.Deps{Client: client, Note: o.note}, in)
	if display != nil {
		display.Stop()
	}
	switch {
	case r.Job == nil && r.DryRun != nil:
		return printDryRun(o.IO, r.DryRun)
	case r.Job == nil:
		var apiErr *api.Error
		if errors.As(err, &apiErr) && strings.Contains(strings.ToUpper(apiErr.ErrorCode), "IN_PROGRESS") {
			return fmt.Errorf("%w\nAtlas takes one on-demand snapshot of a cluster at a time: add --reuse to follow the one being taken, or see it with: %s",
				err, kind.list())
		}
		return outcomeUnknown(err, kind.list())
	case o.DryRun:
		return nil // stderr said which snapshot it would reuse
	case o.watch.watch:
		last := seenValue(kind, r.Seen)
		if last == nil {
			last = &output.Value{Raw: r.Raw, Table: kind.table(r.Job)}
		}
		return created(kind, r.Job.ID, printEnd(o.IO, o.Printer, last, kind.watchEnd(err)))
	}
	return created(kind, r.Job.ID, o.Printer.Print(o.IO.Out, output.Value{Raw: r.Raw, Table: kind.table(r.Job)}))
}

// newSnapshotFlags is --snapshot-retention, for --snapshot-id new: the
// on-demand snapshot a create takes first, and waits for (--watch-timeout
// and --interval apply to that wait, --watch or not).
type newSnapshotFlags struct {
	retention int
}

func (n *newSnapshotFlags) add(c *cobra.Command) {
	c.Flags().IntVar(&n.retention, "snapshot-retention", 1, "with --snapshot-id new: days to keep the snapshot taken (1 or more)")
}

// validate checks --snapshot-retention against the snapshot ID given, and
// lets the watch flags time the wait for a new snapshot.
func (n *newSnapshotFlags) validate(snapshotID string, set func(string) bool, w *watchFlags) error {
	if snapshotID != api.NewSnapshot {
		if set("snapshot-retention") {
			return usageErrorf("--snapshot-retention: only with --snapshot-id new")
		}
		return nil
	}
	w.wait = true
	return checkRetention("snapshot-retention", n.retention)
}

// input is how the workflows take the new snapshot: its retention, and
// the wait, shown on display.
func (n *newSnapshotFlags) input(e runEnv, w watchFlags, display jobs.Progress) *jobs.NewSnapshot {
	return &jobs.NewSnapshot{RetentionDays: n.retention, Wait: e.watch(w, display)}
}

// newSnapshotEnd words a --snapshot-id new whose snapshot did not
// complete as snapshot watch would (failed: exit 6, naming it; timed out:
// exit 7, with the command that follows it), adding that no job was
// created.
func newSnapshotEnd(err error) error {
	var wait *jobs.SnapshotWaitError
	if !errors.As(err, &wait) {
		return err
	}
	e := &noJobError{err: snapshotKind(scopeOf(wait.ProjectID, wait.Cluster)).watchEnd(wait.Err)}
	if !errors.As(wait.Err, new(*jobs.EndedError)) {
		// Still being taken: the command can use it once it is done.
		e.next = "once it is completed, run this command again with --snapshot-id " + text.Escape(wait.ID)
	}
	return e
}

// noJobError is an error before a job was created, that says so, and what
// to do next.
type noJobError struct {
	err  error
	next string
}

func (e *noJobError) Error() string {
	if e.next != "" {
		return fmt.Sprintf("%v; no job was created: %s", e.err, e.next)
	}
	return fmt.Sprintf("%v; no job was created", e.err)
}
func (e *noJobError) Unwrap() error { return e.err }
