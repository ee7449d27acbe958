package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// ExportCreateOptions are what `export create` was given, and what it resolved.
type ExportCreateOptions struct {
	IO      output.Streams
	Client  func() (*api.Client, error)
	Printer output.Printer

	ProjectID  string
	Cluster    string
	SnapshotID string
	BucketID   string // an ID, or a bucket name
	CustomData []string
	DryRun     bool
	watch      watchFlags
	factory    *Factory

	labels []api.Label
}

func newExportCreateCmd(f *Factory, runF func(context.Context, *ExportCreateOptions) error) *cobra.Command {
	opts := &ExportCreateOptions{IO: f.IO, Client: f.Client, factory: f}
	c := &cobra.Command{
		Use:   "create",
		Short: "Start exporting a snapshot to an export bucket",
		Long: `Start a Cloud Backup export job: Atlas copies one snapshot of the cluster into
an export bucket (AWS S3, Azure Blob Storage or Google Cloud Storage).

--snapshot-id latest picks the cluster's newest completed snapshot.
--bucket-id takes a bucket ID or a bucket name (looked up with bucket list).
--custom-data KEY=VALUE (repeatable, order kept) goes into the metadata file
Atlas writes into the bucket when the export finishes.

--watch follows the job to its end (as export watch does) and prints only the
final job on stdout.`,
		Example: `  atlas-backup export create --cluster demo --snapshot-id latest --bucket-id demo-export-bucket
  atlas-backup export create --cluster demo --snapshot-id 65f0e0e0d0e0000000000001 \
    --bucket-id 65f0b0c0d0e0f00000000001 --custom-data team=payments --custom-data ticket=OPS-12
  atlas-backup --sandbox export create --cluster demo --snapshot-id latest --bucket-id demo-export-bucket`,
		Args: exactArgs(0, "none"),
		RunE: func(c *cobra.Command, args []string) error {
			var err error
			if opts.ProjectID, opts.Printer, err = f.projectAndPrinter(); err != nil {
				return err
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if err := opts.watch.resolve(c, f); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return exportCreateRun(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Cluster, "cluster", "", "cluster whose snapshot to export (required)")
	fl.StringVar(&opts.SnapshotID, "snapshot-id", "", "snapshot ID, or latest for the newest completed snapshot (required)")
	fl.StringVar(&opts.BucketID, "bucket-id", "", "export bucket ID or name (required)")
	fl.StringArrayVar(&opts.CustomData, "custom-data", nil, "KEY=VALUE for the export's metadata file (repeatable, order kept)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the request that would be sent, and send nothing that changes anything")
	opts.watch.add(c, true)
	c.RegisterFlagCompletionFunc("snapshot-id", completeSnapshotIDs(f, func() string { return opts.Cluster }))
	c.RegisterFlagCompletionFunc("bucket-id", completeBucketIDs(f))
	return c
}

func (o *ExportCreateOptions) validate() error {
	if err := checkCluster("cluster", o.Cluster); err != nil {
		return err
	}
	if o.SnapshotID == "" {
		return usageErrorf("--snapshot-id is required (an ID, or latest)")
	}
	if err := checkSnapshot(o.SnapshotID); err != nil {
		return err
	}
	if o.BucketID == "" {
		return usageErrorf("--bucket-id is required (a bucket ID or name; see atlas-backup bucket list)")
	}
	if !idPattern.MatchString(o.BucketID) && (len(o.BucketID) < 3 || len(o.BucketID) > 63) {
		return usageErrorf("--bucket-id %q: must be a 24-character hexadecimal ID or a bucket name of 3 to 63 characters", o.BucketID)
	}
	var err error
	o.labels, err = parseCustomData(o.CustomData)
	return err
}

func exportCreateRun(ctx context.Context, o *ExportCreateOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	snapshotID, err := resolveSnapshot(ctx, client, o.factory, o.ProjectID, o.Cluster, o.SnapshotID)
	if err != nil {
		return err
	}
	bucketID, bucket, err := client.ResolveBucket(ctx, o.ProjectID, o.BucketID)
	if err != nil {
		return err
	}
	if bucket != nil {
		o.factory.Notef("Using export bucket %s: %s (%s)", bucket.BucketName, bucket.ID, bucket.CloudProvider)
	}
	req := api.ExportRequest{SnapshotID: snapshotID, ExportBucketID: bucketID, CustomData: o.labels}
	if o.DryRun {
		return printDryRun(ctx, client, o.IO, api.CreateExportCall(o.ProjectID, o.Cluster, req))
	}
	scope := &clusterScope{ProjectID: o.ProjectID, Cluster: o.Cluster}
	kind := exportJobKind(scope)
	job, raw, err := client.CreateExport(ctx, o.ProjectID, o.Cluster, req)
	if err != nil {
		return outcomeUnknown(err, kind.list())
	}
	if o.watch.watch {
		return created(kind, job.ID, follow(ctx, o.factory, o.watch, o.Printer, kind, job.ID))
	}
	return created(kind, job.ID, o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: output.ExportJobTable(*job)}))
}
