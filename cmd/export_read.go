package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// JobOptions are the options of a command about one job (get).
type JobOptions struct {
	clusterScope
	ID string
}

// WatchOptions are the options of the watch commands.
type WatchOptions struct {
	JobOptions
	watch watchFlags
}

// CancelOptions are the options of restore cancel.
type CancelOptions struct {
	JobOptions
	Yes bool
}

// newJobCmd builds a command that takes one job ID and the cluster; job is
// the JobOptions inside opts.
func newJobCmd[O any](f *Factory, use, short, kind string, opts *O, job *JobOptions, run func(context.Context, *O) error,
	runF func(context.Context, *O) error, extra func(*cobra.Command) error) *cobra.Command {
	job.IO, job.Client = f.IO, f.Client
	c := &cobra.Command{
		Use:   use + " " + kindArg(kind),
		Short: short,
		Args:  exactArgs(1, kindArg(kind)),
		RunE: func(c *cobra.Command, args []string) error {
			job.ID = args[0]
			if err := job.resolve(f); err != nil {
				return err
			}
			if err := jobID(kind, job.ID); err != nil {
				return err
			}
			if extra != nil {
				if err := extra(c); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return run(c.Context(), opts)
		},
	}
	job.addFlags(c, kind+" job it is")
	return c
}

func kindArg(kind string) string {
	if kind == "export" {
		return "EXPORT_ID"
	}
	return "JOB_ID"
}

func newExportGetCmd(f *Factory, runF func(context.Context, *JobOptions) error) *cobra.Command {
	opts := &JobOptions{}
	c := newJobCmd(f, "get", "Show one export job", "export", opts, opts, func(ctx context.Context, o *JobOptions) error {
		client, err := o.Client()
		if err != nil {
			return err
		}
		job, raw, err := client.GetExport(ctx, o.ProjectID, o.Cluster, o.ID)
		if err != nil {
			return err
		}
		return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.ExportJobTable(*job)})
	}, runF, nil)
	c.Aliases = []string{"describe"}
	c.Example = `  atlas-backup export get 6b05e9390000000000000001 --cluster demo
  atlas-backup export get 6b05e9390000000000000001 --cluster demo -o 'go-template={{.state}}'`
	c.ValidArgsFunction = completeExportIDs(f, &opts.clusterScope)
	return c
}

func newExportWatchCmd(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{}
	c := newJobCmd(f, "watch", "Follow an export job until it ends", "export", opts, &opts.JobOptions, func(ctx context.Context, o *WatchOptions) error {
		return follow(ctx, f, o.watch, o.Printer, exportJobKind(&o.clusterScope), o.ID)
	}, runF, func(c *cobra.Command) error { return opts.watch.resolve(c, f) })
	c.Long = `Check an export job at once and then every --interval until it ends, showing
its state and progress on stderr, then print the final job on stdout.
Exit 0 when it ends Successful, 6 when it ends Failed or Cancelled, 7 when
--watch-timeout passes first. Ctrl-C stops watching; the job keeps running.`
	c.Example = `  atlas-backup export watch 6b05e9390000000000000001 --cluster demo
  atlas-backup export watch 6b05e9390000000000000001 --cluster demo --interval 30s --watch-timeout 2h -o json`
	opts.watch.add(c, false)
	c.ValidArgsFunction = completeExportIDs(f, &opts.clusterScope)
	return c
}
