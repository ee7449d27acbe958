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
	opts := &JobOptions{}
	c := newJobCmd(f, "get", "Show one restore job", "restore", opts, opts, func(ctx context.Context, o *JobOptions) error {
		client, err := o.Client()
		if err != nil {
			return err
		}
		job, raw, err := client.GetRestore(ctx, o.ProjectID, o.Cluster, o.ID)
		if err != nil {
			return err
		}
		return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.RestoreJobTable(*job, o.ProjectID)})
	}, runF, nil)
	c.Aliases = []string{"describe"}
	c.Example = `  atlas-backup restore get 6b05e9390000000000000002 --cluster demo
  atlas-backup restore get 6b05e9390000000000000002 --cluster demo -o json`
	c.ValidArgsFunction = completeRestoreIDs(f, &opts.clusterScope)
	return c
}

func newRestoreWatchCmd(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{}
	c := newJobCmd(f, "watch", "Follow a restore job until it ends", "restore", opts, &opts.JobOptions, func(ctx context.Context, o *WatchOptions) error {
		return follow(ctx, f, o.watch, o.Printer, restoreJobKind(&o.clusterScope), o.ID)
	}, runF, func(c *cobra.Command) error { return opts.watch.resolve(c, f) })
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

func newRestoreCancelCmd(f *Factory, runF func(context.Context, *CancelOptions) error) *cobra.Command {
	opts := &CancelOptions{}
	c := newJobCmd(f, "cancel", "Cancel a restore job", "restore", opts, &opts.JobOptions, func(ctx context.Context, o *CancelOptions) error {
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
	}, runF, nil)
	c.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask before cancelling")
	c.Example = `  atlas-backup restore cancel 6b05e9390000000000000002 --cluster demo
  atlas-backup restore cancel 6b05e9390000000000000002 --cluster demo --yes`
	c.ValidArgsFunction = completeRestoreIDs(f, &opts.clusterScope)
	return c
}

// ListOptions are the options of the list commands.
type ListOptions struct {
	clusterScope
	list    listFlags
	Options api.ListOptions
}

// newListCmd builds the list commands: fetch reads the page(s) and says how
// to print them. what names a cluster's items (and adds --cluster), or is ""
// for a project's (bucket list).
func newListCmd(f *Factory, short, what string, runF func(context.Context, *ListOptions) error,
	fetch func(ctx context.Context, c *api.Client, o *ListOptions) (output.Value, error)) *cobra.Command {
	opts := &ListOptions{clusterScope: clusterScope{IO: f.IO, Client: f.Client}}
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   short,
		Args:    exactArgs(0, "none"),
		RunE: func(c *cobra.Command, args []string) error {
			var err error
			if what == "" {
				opts.ProjectID, opts.Printer, err = f.projectAndPrinter()
			} else {
				err = opts.resolve(f)
			}
			if err != nil {
				return err
			}
			if opts.Options, err = opts.list.options(c); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			client, err := opts.Client()
			if err != nil {
				return err
			}
			v, err := fetch(c.Context(), client, opts)
			if err != nil {
				return err
			}
			return opts.Printer.Print(opts.IO.Out, v)
		},
	}
	if what != "" {
		opts.addFlags(c, what+" to list")
	}
	opts.list.add(c)
	return c
}

func newExportListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c := newListCmd(f, "List a cluster's export jobs, newest first", "export jobs", runF,
		func(ctx context.Context, c *api.Client, o *ListOptions) (output.Value, error) {
			jobs, err := c.ListExports(ctx, o.ProjectID, o.Cluster, o.Options)
			if err != nil {
				return output.Value{}, err
			}
			return output.Value{Raw: jobs.Raw, Table: output.ExportJobsTable(jobs.Items)}, nil
		})
	c.Example = `  atlas-backup export list --cluster demo
  atlas-backup export list --cluster demo --all -o json`
	return c
}

func newRestoreListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c := newListCmd(f, "List a cluster's restore jobs, newest first", "restore jobs", runF,
		func(ctx context.Context, c *api.Client, o *ListOptions) (output.Value, error) {
			jobs, err := c.ListRestores(ctx, o.ProjectID, o.Cluster, o.Options)
			if err != nil {
				return output.Value{}, err
			}
			return output.Value{Raw: jobs.Raw, Table: output.RestoreJobsTable(jobs.Items, o.ProjectID)}, nil
		})
	c.Example = `  atlas-backup restore list --cluster demo
  atlas-backup restore list --cluster demo --limit 10 --page 2`
	return c
}

func newSnapshotListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c := newListCmd(f, "List a cluster's snapshots, newest first (to find a snapshot ID)", "snapshots", runF,
		func(ctx context.Context, c *api.Client, o *ListOptions) (output.Value, error) {
			snaps, err := c.ListSnapshots(ctx, o.ProjectID, o.Cluster, o.Options)
			if err != nil {
				return output.Value{}, err
			}
			return output.Value{Raw: snaps.Raw, Table: output.SnapshotsTable(snaps.Items)}, nil
		})
	c.Example = `  atlas-backup snapshot list --cluster demo
  atlas-backup snapshot list --cluster demo --all -o 'go-template={{range .}}{{println .id}}{{end}}'`
	return c
}

func newBucketListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c := newListCmd(f, "List the project's export buckets (to find a bucket ID)", "", runF,
		func(ctx context.Context, c *api.Client, o *ListOptions) (output.Value, error) {
			buckets, err := c.ListBuckets(ctx, o.ProjectID, o.Options)
			if err != nil {
				return output.Value{}, err
			}
			return output.Value{Raw: buckets.Raw, Table: output.BucketsTable(buckets.Items)}, nil
		})
	c.Example = `  atlas-backup bucket list
  atlas-backup bucket list -o json`
	return c
}

func newClusterListCmd(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	c := newListCmd(f, "List the project's clusters: name, type, state, backup on or off, version", "", runF,
		func(ctx context.Context, c *api.Client, o *ListOptions) (output.Value, error) {
			clusters, err := c.ListClusters(ctx, o.ProjectID, o.Options)
			if err != nil {
				return output.Value{}, err
			}
			return output.Value{Raw: clusters.Raw, Table: output.ClustersTable(clusters.Items)}, nil
		})
	c.Example = `  atlas-backup cluster list
  atlas-backup cluster list --all -o json`
	return c
}
