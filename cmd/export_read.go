package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// JobOptions are the options of a command about one job: get, and the
// base of watch, cancel and download.
type JobOptions struct {
	runEnv
	clusterScope
	ID   string
	kind string // export or restore
}

// prepare takes the job ID argument, the printer, the project and the
// cluster.
func (o *JobOptions) prepare(_ *cobra.Command, args []string) error {
	o.ID = args[0]
	return o.resolve(o.runEnv)
}

func (o *JobOptions) validate() error { return jobID(o.kind, o.ID) }

// WatchOptions are the options of the watch commands.
type WatchOptions struct {
	JobOptions
	watch watchFlags
}

func (o *WatchOptions) prepare(c *cobra.Command, args []string) error {
	if err := o.JobOptions.prepare(c, args); err != nil {
		return err
	}
	o.watch.prepare(c, o.g.sandbox)
	return nil
}

func (o *WatchOptions) validate() error {
	if err := o.JobOptions.validate(); err != nil {
		return err
	}
	return o.watch.validate()
}

// jobCommand is the cobra command of a command about one job: its use, the
// job ID argument and --cluster. Its constructor sets RunE.
func jobCommand(use, short string, o *JobOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   use + " " + kindArg(o.kind),
		Short: short,
		Args:  exactArgs(1, kindArg(o.kind)),
	}
	whose := o.kind + " job it is"
	if o.kind == "snapshot" {
		whose = "snapshot it is"
	}
	o.addFlags(c, whose)
	return c
}

func kindArg(kind string) string {
	switch kind {
	case "export":
		return "EXPORT_ID"
	case "snapshot":
		return "SNAPSHOT_ID"
	}
	return "JOB_ID"
}

func newExportGetCmd(f *Factory, runF func(context.Context, *JobOptions) error) *cobra.Command {
	opts := &JobOptions{runEnv: f.env(), kind: "export"}
	c := jobCommand("get", "Show one export job", opts)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, exportGetRun, runF)
	c.Aliases = []string{"describe"}
	c.Example = `  atlas-backup export get 6b05e9390000000000000001 --cluster demo
  atlas-backup export get 6b05e9390000000000000001 --cluster demo -o 'go-template={{.state}}'`
	c.ValidArgsFunction = completeExportIDs(f, &opts.clusterScope)
	return c
}

func exportGetRun(ctx context.Context, o *JobOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	job, raw, err := client.GetExport(ctx, o.ProjectID, o.Cluster, o.ID)
	if err != nil {
		return err
	}
	return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.ExportJobTable(*job)})
}

func newExportWatchCmd(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{JobOptions: JobOptions{runEnv: f.env(), kind: "export"}}
	c := jobCommand("watch", "Follow an export job until it ends", &opts.JobOptions)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, exportWatchRun, runF)
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

func exportWatchRun(ctx context.Context, o *WatchOptions) error {
	return follow(ctx, o.runEnv, o.watch, o.Printer, exportJobKind(&o.clusterScope), o.ID)
}
