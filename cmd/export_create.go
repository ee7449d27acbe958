package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// ExportCreateOptions are what `export create` was given, and what it resolved.
type ExportCreateOptions struct {
	runEnv
	apiScope

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
	snap        newSnapshotFlags

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
	opts := &ExportCreateOptions{runEnv: f.env()}
	opts.Client = f.ClientLimited(&opts.Parallel) // --parallel bounds the requests in flight
	c := &cobra.Command{
		Use:   "create",
		Short: "Start exporting a snapshot to an export bucket, for one cluster or many",
		Long: `Start a Cloud Backup export job: Atlas copies one snapshot of the cluster into
an export bucket (AWS S3, Azure Blob Storage or Google Cloud Storage).

--snapshot-id latest picks the cluster's newest completed snapshot; new
takes an on-demand snapshot first and waits until it is completed (each
cluster's, at once, with several; --watch-timeout applies to the wait,
--snapshot-retention DAYS to the snapshot). Flex clusters have no exports:
exit 2 (--all-clusters names them as skipped).
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
	}
	c.RunE = runCmd(opts, &opts.format, opts.prepare, noneCreated(exportCreateRun), runF)
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
	opts.snap.add(c)
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

// prepare resolves the printer and the project, notes which flags were
// given, and reads --file.
func (o *ExportCreateOptions) prepare(c *cobra.Command, _ []string) error {
	if err := o.resolveAPI(&o.apiScope); err != nil {
		return err
	}
	o.set = c.Flags().Changed
	o.watch.prepare(c, o.g.sandbox)
	return o.readFile()
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

// validate checks the flags and the file (its errors name it), then the
// watch flags.
func (o *ExportCreateOptions) validate() error {
	if err := o.file.name(o.check()); err != nil {
		return err
	}
	if err := o.snap.validate(o.SnapshotID, o.set, &o.watch); err != nil {
		return err
	}
	return o.watch.validate()
}

func (o *ExportCreateOptions) check() error {
	given := o.set != nil && o.set("cluster") // a value that names no cluster is not no --cluster
	switch {
	case o.AllClusters && (len(o.Clusters) > 0 || given):
		return usageErrorf("--cluster and --all-clusters: give one or the other")
	case len(o.Clusters) == 0 && given:
		return usageErrorf("--cluster: names no cluster (give names separated by commas or line breaks)")
	case !o.AllClusters && len(o.Clusters) == 0:
		return usageErrorf("--cluster is required (or --all-clusters)")
	}
	var err error
	if o.Clusters, err = checkClusters(o.Clusters); err != nil {
		return err
	}
	if o.SnapshotID == "" {
		return o.file.missing("--snapshot-id is required (an ID, or latest)", "snapshotId", ": an ID, or latest", "--snapshot-id")
	}
	if err := checkSnapshot(o.SnapshotID); err != nil {
		return err
	}
	if (o.AllClusters || len(o.Clusters) > 1) && o.SnapshotID != api.Latest && o.SnapshotID != api.NewSnapshot {
		return usageErrorf("--snapshot-id %q: with several clusters it must be latest (each cluster's newest completed snapshot) or new (a snapshot of each taken first)", o.SnapshotID)
	}
	if o.BucketID == "" {
		return o.file.missing("--bucket-id is required (a bucket ID or name; see atlas-backup bucket list)", "exportBucketId", "", "--bucket-id")
	}
	if !idPattern().MatchString(o.BucketID) && (len(o.BucketID) < 3 || len(o.BucketID) > 63) {
		return usageErrorf("--bucket-id %q: must be a 24-character hexadecimal ID or a bucket name of 3 to 63 characters", o.BucketID)
	}
	if err := checkParallel(o.Parallel); err != nil {
		return err
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
	o.labels, err = parseCustomData(append(slices.Clone(o.CustomData), o.legacyCustomData...))
	return err
}

// exportCreateRun exports every cluster given (jobs.Exports); one cluster
// is the same path with a fleet of one, printed as the job itself.
func exportCreateRun(ctx context.Context, o *ExportCreateOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	many := o.AllClusters || len(o.Clusters) > 1
	if o.DryRun && !many {
		if err := dryRunKind(ctx, client, o.ProjectID, o.Clusters[0], o.SnapshotID); err != nil {
			return err
		}
	}
	d := jobs.Deps{Client: client, Note: o.note}
	in := jobs.ExportInput{ProjectID: o.ProjectID, Clusters: o.Clusters, AllClusters: o.AllClusters,
		SnapshotID: o.SnapshotID, Bucket: o.BucketID, CustomData: o.labels, Reuse: o.Reuse, DryRun: o.DryRun}
	stop := func() {} // the live display, ended before stdout is written

	// A new snapshot is waited for (a dry run shows its request instead).
	newSnap := o.SnapshotID == api.NewSnapshot && !o.DryRun
	if o.SnapshotID == api.NewSnapshot {
		in.New = o.snap.input(o.runEnv, o.watch, nil)
	}
	if o.watch.watch || newSnap { // a new snapshot's wait shows too
		if many {
			// The live block needs the clusters, which --all-clusters
			// finds out first.
			clusters := o.Clusters
			if o.AllClusters {
				if clusters, err = jobs.BackedUpClusters(ctx, d, o.ProjectID); err != nil {
					return allClustersError(err)
				}
				in.AllClusters, in.Clusters, in.Many = false, clusters, true
			}
			multi := output.NewMultiProgress(o.IO, o.g.quiet, clusters)
			defer multi.Stop()
			stop = multi.Stop
			ctx = api.WithRetryNotes(ctx, o.notesTo(multi))
			d.Note = o.notesTo(multi)
			w := o.runEnv.watch(o.watch, nil)
			in.Progress = func(i int) jobs.Progress { return multi.For(i) }
			if o.watch.watch {
				in.Watch = &w
			}
		} else {
			display := o.display()
			defer display.Stop()
			stop = display.Stop
			w := o.runEnv.watch(o.watch, display)
			if o.watch.watch {
				in.Watch = &w
			}
			if newSnap {
				in.New.Wait.Progress = display
			}
			// The lookups' lines come before the display starts; the
			// checks' retries go through it.
			ctx = api.WithRetryNotes(ctx, o.notesTo(display))
		}
	}
	results, err := jobs.Exports(ctx, d, in)
	// The last frame is drawn, and nothing draws again: a redraw after the
	// report would write over its rows (also after Ctrl-C).
	stop()
	if err != nil {
		return allClustersError(err)
	}
	if !many {
		return o.printOne(results[0])
	}
	return o.printFleet(results)
}

// allClustersError words a project with no cluster to export.
func allClustersError(err error) error {
	var none *jobs.NoClustersError
	if errors.As(err, &none) {
		return &NotFoundError{Err: fmt.Errorf("--all-clusters: %w", err)}
	}
	return err
}

// printOne prints a single cluster's export as the job itself.
func (o *ExportCreateOptions) printOne(r jobs.ExportResult) error {
	kind := exportJobKind(scopeOf(o.ProjectID, r.Cluster))
	switch {
	case r.DryRun != nil:
		return printDryRun(o.IO, r.Before, r.DryRun)
	case r.Err != nil:
		return outcomeUnknown(newSnapshotEnd(r.Err), kind.list())
	case o.DryRun:
		return nil // --reuse: stderr said which job it would reuse
	}
	return created(kind, r.Job.ID, printEnd(o.IO, o.Printer, &output.Value{Raw: r.Raw, Table: kind.table(r.Job)}, kind.watchEnd(r.Watched)))
}

// printFleet prints one row (or array entry) per cluster, then says which
// fell short.
func (o *ExportCreateOptions) printFleet(results []jobs.ExportResult) error {
	errs := make([]error, len(results))
	for i, r := range results {
		kind := exportJobKind(scopeOf(o.ProjectID, r.Cluster))
		if r.Err != nil {
			errs[i] = wordAPIError(outcomeUnknown(newSnapshotEnd(markNoneCreated(r.Err)), kind.list()))
		} else {
			errs[i] = kind.watchEnd(r.Watched)
		}
	}
	if o.DryRun {
		for i, r := range results {
			if i > 0 {
				fmt.Fprintln(o.IO.Out)
			}
			if r.DryRun != nil {
				if err := printDryRun(o.IO, r.Before, r.DryRun); err != nil {
					return err
				}
			}
		}
	} else if err := o.Printer.Print(o.IO.Out, fleetValue(results, errs)); err != nil && !errors.Is(err, syscall.EPIPE) {
		// The report did not print (a template that fails on it): the
		// jobs created must not be lost.
		var made []string
		for _, r := range results {
			if r.Job != nil {
				kind := exportJobKind(scopeOf(o.ProjectID, r.Cluster))
				made = append(made, fmt.Sprintf("export job %s was created for %s; see it with: %s", text.Escape(r.Job.ID), text.Escape(r.Cluster), kind.get(r.Job.ID)))
			}
		}
		if len(made) > 0 {
			return fmt.Errorf("%w\n%s", err, strings.Join(made, "\n"))
		}
		return err // a reader that went away (| head) still gets the clusters' exit code
	}
	fe := &FleetError{}
	for i, r := range results {
		if errs[i] != nil {
			fe.add(r.Cluster, errs[i])
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
func fleetValue(results []jobs.ExportResult, errs []error) output.Value {
	t := output.FleetExportsTable()
	var raw strings.Builder
	raw.WriteByte('[')
	for i, r := range results {
		if i > 0 {
			raw.WriteByte(',')
		}
		name := jsonString(r.Cluster)
		if r.Job != nil {
			row := output.ExportJobTable(*r.Job).Rows[0]
			t.Add(append([]string{r.Cluster}, append(row, errText(errs[i]))...)...)
			fmt.Fprintf(&raw, `{"cluster":%s,"job":%s}`, name, r.Raw)
			continue
		}
		t.Add(r.Cluster, "", "", "", "", "", errText(errs[i]))
		fmt.Fprintf(&raw, `{"cluster":%s,"error":%s}`, name, errorJSON(errs[i]))
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
