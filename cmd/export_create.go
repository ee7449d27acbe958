package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/fleet"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// ExportCreateOptions are what `export create` was given, and what it resolved.
type ExportCreateOptions struct {
	IO      output.Streams
	Client  func() (*api.Client, error)
	Printer output.Printer

	ProjectID   string
	Clusters    []string // --cluster, repeated, comma-separated or one a line
	AllClusters bool
	SnapshotID  string
	BucketID    string // an ID, or a bucket name
	CustomData  []string
	File        string
	Reuse       bool
	Parallel    int
	DryRun      bool
	watch       watchFlags
	factory     *Factory

	set        func(name string) bool
	file       *requestFile
	fileLabels []api.Label // customData from --file
	// legacyCustomData is --customData, comma-separated as the atlas CLI reads it.
	legacyCustomData []string
	labels           []api.Label
}

// exportFile is export create's body as --file gives it.
type exportFile struct {
	SnapshotID     *string     `yaml:"snapshotId"`
	ExportBucketID *string     `yaml:"exportBucketId"`
	CustomData     []api.Label `yaml:"customData"`
}

func newExportCreateCmd(f *Factory, runF func(context.Context, *ExportCreateOptions) error) *cobra.Command {
	opts := &ExportCreateOptions{IO: f.IO, Client: f.Client, factory: f}
	c := &cobra.Command{
		Use:   "create",
		Short: "Start exporting a snapshot to an export bucket, for one cluster or many",
		Long: `Start a Cloud Backup export job: Atlas copies one snapshot of the cluster into
an export bucket (AWS S3, Azure Blob Storage or Google Cloud Storage).

--snapshot-id latest picks the cluster's newest completed snapshot.
--bucket-id takes a bucket ID or a bucket name (looked up with bucket list).
--custom-data KEY=VALUE (repeatable, order kept) goes into the metadata file
Atlas writes into the bucket when the export finishes.
--file FILE (or - for stdin) reads the body as JSON or YAML with the API's
field names (snapshotId, exportBucketId, customData); flags override it.
--reuse follows a job of the same snapshot and bucket that has not ended,
instead of starting a second one.

Several clusters: --cluster a,b (or --cluster repeated, or one name a line,
as in --cluster "$(cat clusters.txt)"), or --all-clusters for every cluster
of the project with backup on. --snapshot-id must then be
latest. One cluster's failure never stops the others; --parallel bounds the
requests in flight, and a 429 pauses them all. stdout is a table with a row
per cluster (or with -o json an array of {cluster, job} and {cluster, error});
the exit code is the one the first cluster that fell short would have had.

--watch follows the jobs to their end (as export watch does) and prints only
the final jobs on stdout.`,
		Example: `  atlas-backup export create --cluster demo --snapshot-id latest --bucket-id demo-export-bucket
  atlas-backup export create --cluster demo --snapshot-id 65f0e0e0d0e0000000000001 \
    --bucket-id 65f0b0c0d0e0f00000000001 --custom-data team=payments --custom-data ticket=OPS-12
  atlas-backup export create --all-clusters --snapshot-id latest --bucket-id demo-export-bucket --watch --reuse
  atlas-backup export create --cluster demo --file export.yaml
  atlas-backup --sandbox export create --cluster demo --snapshot-id latest --bucket-id demo-export-bucket`,
		Args: exactArgs(0, "none"),
		RunE: func(c *cobra.Command, args []string) error {
			var err error
			if opts.ProjectID, opts.Printer, err = f.projectAndPrinter(); err != nil {
				return err
			}
			opts.set = c.Flags().Changed
			if err := opts.readFile(); err != nil {
				return err
			}
			if err := opts.file.name(opts.validate()); err != nil {
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
	fl.Var(newNameList(&opts.Clusters), "cluster", "cluster(s) whose snapshot to export: repeat it or give a comma-separated list")
	fl.BoolVar(&opts.AllClusters, "all-clusters", false, "every cluster of the project with backup on (--snapshot-id latest)")
	fl.StringVar(&opts.SnapshotID, "snapshot-id", "", "snapshot ID, or latest for the newest completed snapshot (required)")
	fl.StringVar(&opts.BucketID, "bucket-id", "", "export bucket ID or name (required)")
	fl.StringArrayVar(&opts.CustomData, "custom-data", nil, "KEY=VALUE for the export's metadata file (repeatable, order kept)")
	// The official CLI's --customData takes KEY=VALUE pairs separated by
	// commas: kept as it means there, so migrated scripts send the same.
	fl.StringSliceVar(&opts.legacyCustomData, "customData", nil, "KEY=VALUE,KEY=VALUE (the atlas CLI's spelling)")
	fl.MarkHidden("customData")
	fl.StringVar(&opts.File, "file", "", "read the request body from FILE (JSON or YAML; - for stdin); flags override it")
	fl.BoolVar(&opts.Reuse, "reuse", false, "follow a job of the same snapshot and bucket that has not ended instead of starting another")
	fl.IntVar(&opts.Parallel, "parallel", 4, "requests in flight at once across all clusters, 1 to 32")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the request(s) that would be sent, and send nothing that changes anything")
	opts.watch.add(c, true)
	c.MarkFlagFilename("file", "json", "yaml", "yml")
	c.RegisterFlagCompletionFunc("snapshot-id", completeSnapshotIDs(f, func() string {
		if len(opts.Clusters) > 0 {
			return opts.Clusters[0]
		}
		return ""
	}))
	c.RegisterFlagCompletionFunc("bucket-id", completeBucketIDs(f))
	return c
}

// readFile takes the body's fields from --file where no flag gives them.
func (o *ExportCreateOptions) readFile() error {
	if o.File == "" {
		return nil
	}
	var body exportFile
	var err error
	if o.file, err = readRequestFile(o.File, o.IO.In, &body); err != nil {
		return err
	}
	if body.SnapshotID != nil && !o.set("snapshot-id") {
		o.SnapshotID = *body.SnapshotID
		o.file.from("snapshot-id", "snapshotId")
	}
	if body.ExportBucketID != nil && !o.set("bucket-id") {
		o.BucketID = *body.ExportBucketID
		o.file.from("bucket-id", "exportBucketId")
	}
	if body.CustomData != nil && !o.set("custom-data") && !o.set("customData") {
		o.fileLabels = body.CustomData // as given: a key may hold "="
		o.file.from("custom-data", "customData")
	}
	return nil
}

func (o *ExportCreateOptions) validate() error {
	given := o.set != nil && o.set("cluster") // a value that names no cluster is not no --cluster
	switch {
	case o.AllClusters && (len(o.Clusters) > 0 || given):
		return usageErrorf("--cluster and --all-clusters: give one or the other")
	case len(o.Clusters) == 0 && given:
		return usageErrorf("--cluster: names no cluster (give names separated by commas or line breaks)")
	case !o.AllClusters && len(o.Clusters) == 0:
		return usageErrorf("--cluster is required (or --all-clusters)")
	}
	var clusters []string
	for _, c := range o.Clusters {
		if err := checkCluster("cluster", c); err != nil {
			return err
		}
		if !slices.Contains(clusters, c) {
			clusters = append(clusters, c)
		}
	}
	o.Clusters = clusters
	if o.SnapshotID == "" {
		return usageErrorf("--snapshot-id is required (an ID, or latest)")
	}
	if err := checkSnapshot(o.SnapshotID); err != nil {
		return err
	}
	if (o.AllClusters || len(o.Clusters) > 1) && o.SnapshotID != api.Latest {
		return usageErrorf("--snapshot-id %q: with several clusters it must be latest (each cluster's newest completed snapshot)", o.SnapshotID)
	}
	if o.BucketID == "" {
		return usageErrorf("--bucket-id is required (a bucket ID or name; see atlas-backup bucket list)")
	}
	if !idPattern().MatchString(o.BucketID) && (len(o.BucketID) < 3 || len(o.BucketID) > 63) {
		return usageErrorf("--bucket-id %q: must be a 24-character hexadecimal ID or a bucket name of 3 to 63 characters", o.BucketID)
	}
	if o.Parallel < 1 || o.Parallel > 32 {
		return usageErrorf("--parallel %d: must be from 1 to 32", o.Parallel)
	}
	if o.fileLabels != nil {
		for i, l := range o.fileLabels {
			if l.Key == "" {
				return usageErrorf("--custom-data entry %d: must have a non-empty key", i+1)
			}
		}
		o.labels = o.fileLabels
		return nil
	}
	var err error
	o.labels, err = parseCustomData(append(slices.Clone(o.CustomData), o.legacyCustomData...))
	return err
}

// exportResult is what became of one cluster's export.
type exportResult struct {
	cluster string
	job     *api.ExportJob
	raw     []byte
	err     error // no job: the lookups or the create failed
	watched error // the job's watch ended short of success
	dryRun  *api.DryRun
}

// exportCreateRun exports every cluster given, each in its own goroutine;
// one cluster is the same path with a fleet of one.
func exportCreateRun(ctx context.Context, o *ExportCreateOptions) error {
	f := o.factory
	f.limit(o.Parallel)
	client, err := o.Client()
	if err != nil {
		return err
	}
	clusters := o.Clusters
	if o.AllClusters {
		if clusters, err = backedUpClusters(ctx, client, f, o.ProjectID); err != nil {
			return err
		}
	}
	bucketID, bucket, err := client.ResolveBucket(ctx, o.ProjectID, o.BucketID)
	if err != nil {
		return err
	}
	if bucket != nil {
		f.Notef("Using export bucket %s: %s (%s)", bucket.BucketName, bucket.ID, bucket.CloudProvider)
	}
	many := o.AllClusters || len(clusters) > 1
	progress := func(int) output.Progress { return nil } // a display of its own
	if many && o.watch.watch {
		multi := output.NewMultiProgress(f.IO, f.global.quiet, clusters)
		defer multi.Stop()
		f.progress = multi
		progress = multi.For
	}
	// Every cluster has a goroutine; the limiter in the one client bounds
	// the requests in flight (--parallel), so that a watch of fifty jobs
	// takes as long as the longest, not fifty over eight of them.
	results := make([]exportResult, len(clusters))
	fleet.Run(ctx, len(clusters), 0, func(ctx context.Context, i int) {
		results[i] = o.exportOne(ctx, client, clusters[i], bucketID, many, progress(i))
	})
	if !many {
		return o.printOne(results[0])
	}
	return o.printFleet(results)
}

// backedUpClusters lists the project's clusters with backup on, in name
// order, and names the others on stderr as skipped.
func backedUpClusters(ctx context.Context, c *api.Client, f *Factory, projectID string) ([]string, error) {
	list, err := c.ListClusters(ctx, projectID, api.ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	var names, skipped []string
	for _, cl := range list.Items {
		if cl.BackupEnabled {
			names = append(names, cl.Name)
		} else {
			skipped = append(skipped, cl.Name)
		}
	}
	slices.Sort(names)
	slices.Sort(skipped)
	for _, s := range skipped {
		f.Notef("Skipping cluster %s: backup is off", s)
	}
	if len(names) == 0 {
		return nil, &NotFoundError{Err: fmt.Errorf("--all-clusters: project %s has no cluster with backup on", projectID)}
	}
	return names, nil
}

// exportOne resolves, reuses or creates, and watches one cluster's export.
func (o *ExportCreateOptions) exportOne(ctx context.Context, client *api.Client, cluster, bucketID string, many bool, progress output.Progress) exportResult {
	f := o.factory
	r := exportResult{cluster: cluster}
	if many {
		ctx = api.WithLabel(ctx, cluster) // its retry lines name it
	}
	kind := exportJobKind(&clusterScope{ProjectID: o.ProjectID, Cluster: cluster})
	snapshotID, err := resolveSnapshot(ctx, client, f, o.ProjectID, cluster, o.SnapshotID)
	if err != nil {
		r.err = err
		return r
	}
	req := api.ExportRequest{SnapshotID: snapshotID, ExportBucketID: bucketID, CustomData: o.labels}
	prefix := ""
	if many {
		prefix = cluster + ": "
	}
	if o.Reuse {
		job, raw, err := client.FindRunningExport(ctx, o.ProjectID, cluster, req)
		if err != nil {
			r.err = err
			return r
		}
		if job != nil {
			verb := "reusing"
			if o.DryRun {
				verb = "would reuse"
			}
			f.Notef("%s%s export job %s (%s)", prefix, verb, job.ID, job.State)
			r.job, r.raw = job, raw
		}
	}
	switch {
	case o.DryRun && r.job == nil:
		r.dryRun, r.err = client.DryRun(ctx, api.CreateExportCall(o.ProjectID, cluster, req))
		return r
	case o.DryRun:
		return r
	case r.job == nil:
		r.job, r.raw, err = client.CreateExport(ctx, o.ProjectID, cluster, req)
		if err != nil {
			r.err = outcomeUnknown(err, kind.list())
			return r
		}
	}
	if o.watch.watch {
		last, err := await(ctx, f, o.watch, kind, r.job.ID, progress)
		if last.job != nil {
			r.job, r.raw = last.job, last.raw
		}
		r.watched = err
	}
	return r
}

// printOne prints a single cluster's export as the job itself.
func (o *ExportCreateOptions) printOne(r exportResult) error {
	kind := exportJobKind(&clusterScope{ProjectID: o.ProjectID, Cluster: r.cluster})
	switch {
	case r.dryRun != nil:
		return printDryRun(o.IO, r.dryRun)
	case r.err != nil:
		return r.err
	case o.DryRun:
		return nil // --reuse: stderr said which job it would reuse
	}
	var interrupted *InterruptedError
	var usage *UsageError
	if !errors.As(r.watched, &interrupted) && !errors.As(r.watched, &usage) {
		if err := o.Printer.Print(o.IO.Out, output.Value{Raw: r.raw, Table: output.ExportJobTable(*r.job)}); err != nil {
			return created(kind, r.job.ID, err)
		}
	}
	return created(kind, r.job.ID, r.watched)
}

// printFleet prints one row (or array entry) per cluster, then says which
// fell short.
func (o *ExportCreateOptions) printFleet(results []exportResult) error {
	if o.DryRun {
		for i, r := range results {
			if i > 0 {
				fmt.Fprintln(o.IO.Out)
			}
			if r.dryRun != nil {
				if err := printDryRun(o.IO, r.dryRun); err != nil {
					return err
				}
			}
		}
	} else if err := o.Printer.Print(o.IO.Out, fleetValue(results)); err != nil {
		return err
	}
	fe := &FleetError{}
	for _, r := range results {
		err := r.err
		if err == nil {
			err = r.watched
		}
		if err != nil {
			fe.add(r.cluster, err)
		}
	}
	if len(fe.errs) == 0 {
		return nil
	}
	return fe
}

// fleetValue is the report: CLUSTER, ID, STATE, PROGRESS, CREATED,
// FINISHED, ERROR; or an array of {"cluster", "job"} and {"cluster",
// "error"} in output order.
func fleetValue(results []exportResult) output.Value {
	t := output.FleetExportsTable()
	var raw strings.Builder
	raw.WriteByte('[')
	for i, r := range results {
		if i > 0 {
			raw.WriteByte(',')
		}
		name := jsonString(r.cluster)
		if r.job != nil {
			row := output.ExportJobTable(*r.job).Rows[0]
			t.Add(append([]string{r.cluster}, append(row, errText(r.watched))...)...)
			fmt.Fprintf(&raw, `{"cluster":%s,"job":%s}`, name, r.raw)
			continue
		}
		t.Add(r.cluster, "", "", "", "", "", errText(r.err))
		fmt.Fprintf(&raw, `{"cluster":%s,"error":%s}`, name, errorJSON(r.err))
	}
	raw.WriteByte(']')
	return output.Value{Raw: []byte(raw.String()), Table: t}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return strings.SplitN(err.Error(), "\n", 2)[0]
}

// errorJSON is an error as the API's error object when Atlas sent one,
// else {"message": …}.
func errorJSON(err error) string {
	var apiErr *api.Error
	if errors.As(err, &apiErr) && len(apiErr.Raw) > 0 {
		return string(apiErr.Raw)
	}
	return `{"message":` + jsonString(err.Error()) + `}`
}

// FleetError is the clusters of a fleet run that fell short, in output
// order. Its exit code is that of the first.
type FleetError struct{ errs []error }

func (e *FleetError) add(cluster string, err error) {
	e.errs = append(e.errs, &clusterError{cluster: cluster, err: err})
}

// Error is one line per cluster; Main puts "Error: " before the first, and
// the others carry their own.
func (e *FleetError) Error() string {
	lines := make([]string, len(e.errs))
	for i, err := range e.errs {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\nError: ")
}
func (e *FleetError) Unwrap() []error { return e.errs }

type clusterError struct {
	cluster string
	err     error
}

// Error names the cluster escaped: with --all-clusters the name is Atlas's.
func (e *clusterError) Error() string { return text.Escape(e.cluster) + ": " + e.err.Error() }
func (e *clusterError) Unwrap() error { return e.err }
