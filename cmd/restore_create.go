package cmd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// RestoreCreateOptions are what `restore create` was given, and what it resolved.
type RestoreCreateOptions struct {
	runEnv
	apiScope
	Now func() time.Time

	Cluster         string
	DeliveryType    string
	SnapshotID      string
	TargetCluster   string
	TargetProjectID string
	PointInTime     string
	OplogTs         int64
	OplogInc        int64
	Yes             bool
	File            string
	Reuse           bool
	file            *requestFile
	DryRun          bool
	NoPreflight     bool
	watch           watchFlags
	snap            newSnapshotFlags
	dl              downloadFlags // with --download-dir

	// A collection-level restore: --collection and --database SRC[=DST]
	// (repeatable), or the file's collections and databases.
	Collections      []string
	Databases        []string
	WriteStrategy    string
	IndexStrategy    string
	DatabaseSuffix   string
	CollectionSuffix string
	fileCollections  []namespaceEntry
	fileDatabases    []namespaceEntry

	// set tells which flags the user gave (pflag's Changed).
	set func(name string) bool

	request api.RestoreRequest
	// collRequest is the collection restore to send; nil for a restore
	// of the whole cluster.
	collRequest *api.CollectionRestoreRequest
}

func newRestoreCreateCmd(f *Factory, runF func(context.Context, *RestoreCreateOptions) error) *cobra.Command {
	opts := &RestoreCreateOptions{runEnv: f.env(), Now: f.Now}
	c := &cobra.Command{
		Use:   "create",
		Short: "Start a restore: automated into a cluster, download, pointInTime, or only some collections",
		Long: `Start a Cloud Backup restore job. --delivery-type says which kind:

  automated    restore a snapshot into a cluster (--snapshot-id, --target-cluster)
  download     prepare a snapshot for download (--snapshot-id); the job's
               deliveryUrl links to the archive
  pointInTime  restore a cluster to a moment (--target-cluster and either
               --point-in-time, or --oplog-ts with --oplog-inc); Atlas picks
               the snapshot

--snapshot-id takes an ID, latest (the newest completed snapshot), or new:
an on-demand snapshot of --cluster taken first and waited for (progress on
stderr; --watch-timeout applies to the wait, --snapshot-retention DAYS to
the snapshot), then used; a snapshot that fails is exit 6, and no job is
created. --point-in-time takes Unix seconds, an RFC 3339 time with Z or an
offset, or a time relative to now (--point-in-time=-90m, -2h, -1d12h); the
time it resolved to is printed on stderr.

automated and pointInTime restores OVERWRITE EVERY DATABASE on the target
cluster. First, a pre-flight looks up what the restore depends on: the
snapshot (its ID, time and age) or, for a point in time, the cluster's
restore window (continuous cloud backup off, or a time outside the window:
exit 2); and the target in its project (missing: exit 4; paused or not IDLE:
exit 2; a topology or version mismatch is a warning). Then, on a terminal,
you are asked to type the target cluster's name, below what the pre-flight
found; --yes skips the question; without a terminal, --yes is required.
--dry-run shows the findings and the request; --no-preflight skips the
lookups. --target-project-id defaults to --project-id.

Flex clusters work the same way for automated and download restores (see
atlas-backup cluster list); Flex has no point in time, no collection-level
restore and no on-demand snapshot.

Collection-level restore: --collection DB.COLL[=DB.COLL] and --database
DB[=DB] (each repeatable, at most 100 of each; both may be given) restore
only those collections and databases, without --delivery-type, from one
source: --snapshot-id ID|latest, --point-in-time, or --oplog-ts with
--oplog-inc. The target cluster defaults to --cluster. =DST restores under
another name; --database-suffix and --collection-suffix append to the
restored names. Before anything is created, every source is looked up in
the snapshot: a missing one is exit 4 with the closest names it has (for a
point-in-time source, the snapshot taken just before that time is checked,
and a missing one is only a warning). --write-strategy create-new (the
default) never overwrites: a target that exists is restored under a new
name, and nothing is asked. overwrite-existing DROPS AND REPLACES the
target namespaces: it asks as an automated restore does, listing them.
--index-strategy all, none or all-except-ttl. --watch shows the documents
restored of the total, then names on stderr each collection that did not
end SUCCESSFUL; exit 0 only when the job and every collection succeeded,
else 6. See what a snapshot holds with snapshot databases and snapshot
collections.

--watch follows the job to its end (as restore watch does) and prints only
the final job on stdout.`,
		Example: `  atlas-backup restore create --delivery-type download --cluster demo --snapshot-id latest
  atlas-backup restore create --delivery-type automated --cluster demo --snapshot-id latest \
    --target-cluster staging --target-project-id 65f0a1b2c3d4e5f601234568 --yes
  atlas-backup restore create --delivery-type pointInTime --cluster demo \
    --target-cluster demo --point-in-time=-90m
  atlas-backup restore create --delivery-type automated --cluster demo --snapshot-id new \
    --target-cluster staging --target-project-id 65f0a1b2c3d4e5f601234568 --yes
  atlas-backup restore create --cluster demo --snapshot-id latest \
    --collection sales.orders --collection inventory.items=archive.items --watch
  atlas-backup restore create --cluster demo --point-in-time 2026-11-24T09:30:00Z \
    --database sales --write-strategy overwrite-existing --yes`,
		Args: exactArgs(0, "none"),
	}
	c.RunE = runCmd(opts, &opts.format, opts.prepare, noneCreated(restoreCreateRun), runF)
	fl := c.Flags()
	fl.StringVar(&opts.Cluster, "cluster", "", "cluster whose backup to restore from (required)")
	fl.StringVar(&opts.DeliveryType, "delivery-type", "", "automated, download or pointInTime (required, except with --collection or --database)")
	fl.StringVar(&opts.SnapshotID, "snapshot-id", "", "snapshot ID, latest (the newest completed snapshot) or new (take one now, wait for it): automated, download, collections")
	fl.StringVar(&opts.TargetCluster, "target-cluster", "", "cluster to restore into (automated, pointInTime; collections: default --cluster)")
	fl.StringVar(&opts.TargetProjectID, "target-project-id", "", "project of the target cluster (default: --project-id)")
	fl.StringVar(&opts.PointInTime, "point-in-time", "", "moment to restore to: Unix seconds, RFC 3339 with Z or an offset, or relative to now: -90m, -2h, -1d12h (pointInTime)")
	fl.Int64Var(&opts.OplogTs, "oplog-ts", 0, "oplog timestamp: Unix seconds, with --oplog-inc (pointInTime)")
	fl.Int64Var(&opts.OplogInc, "oplog-inc", 0, "oplog timestamp increment, with --oplog-ts (pointInTime)")
	fl.BoolVar(&opts.Yes, "yes", false, "do not ask before overwriting the target cluster")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "run the pre-flight lookups, print the request(s) that would be sent, and send nothing that changes anything")
	fl.BoolVar(&opts.NoPreflight, "no-preflight", false, "skip the lookups before an overwriting restore (the snapshot, the target cluster, the restore window)")
	fl.StringVar(&opts.File, "file", "", "read the request body from FILE (JSON or YAML; - for stdin); flags override it")
	fl.BoolVar(&opts.Reuse, "reuse", false, "follow an identical restore job that has not ended instead of starting another")
	fl.StringArrayVar(&opts.Collections, "collection", nil, "restore only this collection: `DB.COLL[=DB.COLL]`, under the second name when given (repeatable)")
	fl.StringArrayVar(&opts.Databases, "database", nil, "restore only this database: `DB[=DB]`, under the second name when given (repeatable)")
	fl.StringVar(&opts.WriteStrategy, "write-strategy", "create-new", "with --collection or --database: create-new (never overwrites) or overwrite-existing (drops and replaces the targets)")
	fl.StringVar(&opts.IndexStrategy, "index-strategy", "all", "with --collection or --database: all, none or all-except-ttl")
	fl.StringVar(&opts.DatabaseSuffix, "database-suffix", "", "with --collection or --database: append this to the restored databases' names")
	fl.StringVar(&opts.CollectionSuffix, "collection-suffix", "", "with --collection or --database: append this to the restored collections' names")
	c.MarkFlagFilename("file", "json", "yaml", "yml")
	opts.watch.add(c, true)
	opts.snap.add(c)
	opts.dl.add(c, "download-dir", "with --delivery-type download: wait for the archives and download them here (implies --watch)")
	c.RegisterFlagCompletionFunc("snapshot-id", completeSnapshotIDs(f, func() string { return opts.Cluster }))
	c.RegisterFlagCompletionFunc("collection", completeNamespaces(f, func() string { return opts.Cluster }, true))
	c.RegisterFlagCompletionFunc("database", completeNamespaces(f, func() string { return opts.Cluster }, false))
	c.RegisterFlagCompletionFunc("write-strategy", cobra.FixedCompletions([]string{"create-new", "overwrite-existing"}, cobra.ShellCompDirectiveNoFileComp))
	c.RegisterFlagCompletionFunc("index-strategy", cobra.FixedCompletions([]string{"all", "none", "all-except-ttl"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// prepare resolves the printer and the project, and reads --file.
func (o *RestoreCreateOptions) prepare(c *cobra.Command, _ []string) error {
	if err := o.resolveAPI(&o.apiScope); err != nil {
		return err
	}
	o.watch.prepare(c, o.g.sandbox)
	return o.readFile(c)
}

// validate checks the flags and the file (its errors name it), then
// --download-dir and the watch flags.
func (o *RestoreCreateOptions) validate() error {
	if err := o.file.name(o.check()); err != nil {
		return err
	}
	if err := o.downloadDir(); err != nil {
		return err
	}
	if err := o.snap.validate(o.SnapshotID, o.set, &o.watch); err != nil {
		return err
	}
	return o.watch.validate()
}

func (o *RestoreCreateOptions) check() error {
	if err := checkCluster("cluster", o.Cluster); err != nil {
		return err
	}
	if o.collectionLevel() {
		return o.checkCollections()
	}
	for _, n := range collectionFlags {
		if o.set(n) {
			return usageErrorf("--%s: only with --collection or --database (a collection-level restore)", n)
		}
	}
	r := api.RestoreRequest{DeliveryType: o.DeliveryType}
	target := []string{"target-cluster", "target-project-id"}
	pit := []string{"point-in-time", "oplog-ts", "oplog-inc"}
	refuse := func(names []string) error {
		for _, n := range names {
			if o.set(n) {
				return usageErrorf("--%s: not allowed with --delivery-type %s", n, o.DeliveryType)
			}
		}
		return nil
	}
	switch o.DeliveryType {
	case "":
		return o.file.missing("--delivery-type is required: automated, download or pointInTime (or --collection/--database to restore only some)",
			"deliveryType", ": automated, download or pointInTime", "--delivery-type")
	case api.DeliveryAutomated, api.DeliveryDownload:
		if o.SnapshotID == "" {
			return o.file.missing(fmt.Sprintf("--snapshot-id is required with --delivery-type %s (an ID, or latest)", o.DeliveryType),
				"snapshotId", o.with()+": an ID, or latest", "--snapshot-id")
		}
		if err := checkSnapshot(o.SnapshotID); err != nil {
			return err
		}
		r.SnapshotID = o.SnapshotID
		if err := refuse(pit); err != nil {
			return err
		}
		if o.DeliveryType == api.DeliveryDownload {
			if err := refuse(target); err != nil {
				return err
			}
			break
		}
		if err := o.checkTarget(&r); err != nil {
			return err
		}
	case api.DeliveryPointInTime:
		if o.set("snapshot-id") {
			return usageErrorf("--snapshot-id: not allowed with --delivery-type pointInTime (Atlas picks the snapshot from --point-in-time or --oplog-ts)")
		}
		if err := o.checkTarget(&r); err != nil {
			return err
		}
		if !o.set("point-in-time") && !o.set("oplog-ts") && !o.set("oplog-inc") {
			return o.file.missing("--delivery-type pointInTime needs --point-in-time, or --oplog-ts with --oplog-inc",
				"pointInTimeUTCSeconds, or oplogTs with oplogInc,", o.with(), "--point-in-time, or --oplog-ts with --oplog-inc")
		}
		var err error
		if r.PointInTimeUTCSeconds, r.OplogTs, r.OplogInc, err = o.pointInTime(); err != nil {
			return err
		}
	default:
		return usageErrorf("--delivery-type %q: must be automated, download or pointInTime", o.DeliveryType)
	}
	o.request = r
	return nil
}

// pointInTime checks --point-in-time, or --oplog-ts with --oplog-inc (one
// of them was given), and returns them in Unix seconds.
func (o *RestoreCreateOptions) pointInTime() (pit, ts, inc int64, err error) {
	oplog := o.set("oplog-ts") || o.set("oplog-inc")
	switch {
	case o.set("point-in-time") && oplog:
		return 0, 0, 0, usageErrorf("--point-in-time and --oplog-ts/--oplog-inc: give one or the other, not both")
	case oplog && !(o.set("oplog-ts") && o.set("oplog-inc")):
		given, absent, field := "--oplog-ts", "--oplog-inc", "oplogInc"
		if !o.set("oplog-ts") {
			given, absent, field = "--oplog-inc", "--oplog-ts", "oplogTs"
		}
		return 0, 0, 0, o.file.missing("--oplog-ts and --oplog-inc go together: give both", field, " with "+o.file.label(given), absent)
	case oplog:
		if err := checkEpoch("--oplog-ts", strconv.FormatInt(o.OplogTs, 10), o.OplogTs, o.Now()); err != nil {
			return 0, 0, 0, err
		}
		if o.OplogInc < 1 || o.OplogInc > 1<<31-1 {
			return 0, 0, 0, usageErrorf("--oplog-inc %d: must be from 1 to 2147483647", o.OplogInc)
		}
		return 0, o.OplogTs, o.OplogInc, nil
	}
	pit, err = parseTime("point-in-time", o.PointInTime, o.Now())
	return pit, 0, 0, err
}

// restoreFile is restore create's body as --file gives it.
type restoreFile struct {
	DeliveryType          *string `yaml:"deliveryType"`
	SnapshotID            *string `yaml:"snapshotId"`
	TargetClusterName     *string `yaml:"targetClusterName"`
	TargetGroupID         *string `yaml:"targetGroupId"`
	PointInTimeUTCSeconds *int64  `yaml:"pointInTimeUTCSeconds"`
	OplogTs               *int64  `yaml:"oplogTs"`
	OplogInc              *int64  `yaml:"oplogInc"`
	// A collection-level restore's fields (a file that holds collections
	// or databases is one); its point in time is spelt Utc.
	PointInTimeUtcSeconds *int64           `yaml:"pointInTimeUtcSeconds"`
	Collections           []namespaceEntry `yaml:"collections"`
	Databases             []namespaceEntry `yaml:"databases"`
	WriteStrategy         *string          `yaml:"writeStrategy"`
	IndexStrategy         *string          `yaml:"indexStrategy"`
	DatabaseSuffix        *string          `yaml:"databaseSuffix"`
	CollectionSuffix      *string          `yaml:"collectionSuffix"`
}

// namespaceEntry is an entry of the file's collections or databases.
type namespaceEntry struct {
	SourceNamespace string `yaml:"sourceNamespace"`
	TargetNamespace string `yaml:"targetNamespace"`
}

// readFile takes the body's fields from --file where no flag gives them;
// they count as given for the validation's rules.
func (o *RestoreCreateOptions) readFile(c *cobra.Command) error {
	o.set = c.Flags().Changed
	if o.File == "" {
		return nil
	}
	var body restoreFile
	var err error
	if o.file, err = readRequestFile(o.File, o.IO.In, &body); err != nil {
		return err
	}
	str := func(v *string, flag, field string, to *string) {
		if v != nil && !c.Flags().Changed(flag) {
			*to = *v
			o.file.from(flag, field)
		}
	}
	num := func(v *int64, flag, field string, to *string) {
		if v != nil && !c.Flags().Changed(flag) {
			*to = strconv.FormatInt(*v, 10)
			o.file.from(flag, field)
		}
	}
	str(body.DeliveryType, "delivery-type", "deliveryType", &o.DeliveryType)
	str(body.SnapshotID, "snapshot-id", "snapshotId", &o.SnapshotID)
	str(body.TargetClusterName, "target-cluster", "targetClusterName", &o.TargetCluster)
	str(body.TargetGroupID, "target-project-id", "targetGroupId", &o.TargetProjectID)
	num(body.PointInTimeUTCSeconds, "point-in-time", "pointInTimeUTCSeconds", &o.PointInTime)
	num(body.PointInTimeUtcSeconds, "point-in-time", "pointInTimeUtcSeconds", &o.PointInTime)
	str(body.WriteStrategy, "write-strategy", "writeStrategy", &o.WriteStrategy)
	str(body.IndexStrategy, "index-strategy", "indexStrategy", &o.IndexStrategy)
	str(body.DatabaseSuffix, "database-suffix", "databaseSuffix", &o.DatabaseSuffix)
	str(body.CollectionSuffix, "collection-suffix", "collectionSuffix", &o.CollectionSuffix)
	if body.Collections != nil && !c.Flags().Changed("collection") {
		o.fileCollections = body.Collections
		o.file.from("collection", "collections")
	}
	if body.Databases != nil && !c.Flags().Changed("database") {
		o.fileDatabases = body.Databases
		o.file.from("database", "databases")
	}
	collections := c.Flags().Changed("collection") || c.Flags().Changed("database") || body.Collections != nil || body.Databases != nil
	if err := o.file.pointInTimeSpelling(collections, body.PointInTimeUTCSeconds != nil, body.PointInTimeUtcSeconds != nil); err != nil {
		return err
	}
	for _, n := range []struct {
		v           *int64
		flag, field string
		to          *int64
	}{{body.OplogTs, "oplog-ts", "oplogTs", &o.OplogTs}, {body.OplogInc, "oplog-inc", "oplogInc", &o.OplogInc}} {
		if n.v != nil && !c.Flags().Changed(n.flag) {
			*n.to = *n.v
			o.file.from(n.flag, n.field)
		}
	}
	o.set = func(name string) bool { return c.Flags().Changed(name) || o.file.given(name) }
	return nil
}

// with is " with --delivery-type TYPE", for a message about a value that
// type requires; "deliveryType TYPE" when --file gave it.
func (o *RestoreCreateOptions) with() string {
	return " with " + o.file.label("--delivery-type") + " " + o.DeliveryType
}

// downloadDir checks --download-dir and the flags that go with it; it
// implies --watch.
func (o *RestoreCreateOptions) downloadDir() error {
	if !o.set("download-dir") {
		for _, name := range []string{"parallel", "force", "private-endpoint", "no-wait"} {
			if o.set(name) {
				return usageErrorf("--%s: only with --download-dir", name)
			}
		}
		return nil
	}
	if o.DeliveryType != api.DeliveryDownload {
		return usageErrorf("--download-dir: only with --delivery-type download, not %s", o.DeliveryType)
	}
	if o.dl.dir == "" {
		return usageErrorf("--download-dir: give a directory (. for the current one)")
	}
	if !o.DryRun {
		o.watch.watch = true
		if err := o.dl.validate(); err != nil {
			return err
		}
	}
	return nil
}

// checkTarget requires the target cluster and project (which defaults to
// the job's own).
func (o *RestoreCreateOptions) checkTarget(r *api.RestoreRequest) error {
	if o.TargetCluster == "" {
		return o.file.missing(fmt.Sprintf("--target-cluster is required with --delivery-type %s", o.DeliveryType),
			"targetClusterName", o.with(), "--target-cluster")
	}
	if err := checkCluster("target-cluster", o.TargetCluster); err != nil {
		return err
	}
	if o.TargetProjectID == "" {
		o.TargetProjectID = o.ProjectID
	}
	if err := checkID("target-project-id", o.TargetProjectID); err != nil {
		return err
	}
	r.TargetClusterName, r.TargetGroupID = o.TargetCluster, o.TargetProjectID
	return nil
}

func restoreCreateRun(ctx context.Context, o *RestoreCreateOptions) error {
	o.notePointInTime()
	if o.collRequest != nil {
		return collectionRestoreRun(ctx, o)
	}
	overwrites := o.request.DeliveryType != api.DeliveryDownload
	var pf *jobs.Preflight
	if overwrites && !o.NoPreflight {
		client, err := o.Client()
		if err != nil {
			return err
		}
		if pf, err = o.preflight(ctx, client, o.request.SnapshotID, o.request.PointInTimeUTCSeconds+o.request.OplogTs); err != nil {
			return err
		}
		if pf.Snapshot != nil {
			o.request.SnapshotID = pf.Snapshot.ID // latest, resolved once
		}
	}
	if overwrites && !o.DryRun && !o.Yes {
		if pf != nil && !o.IO.IsStdinTTY() {
			o.showPreflight(pf) // the refusal below asks for --yes: say what it would confirm
		}
		if err := confirm(ctx, o.IO, o.confirmation(pf)); err != nil {
			return err
		}
	} else if pf != nil {
		o.showPreflight(pf)
	}
	client, err := o.Client()
	if err != nil {
		return err
	}
	if o.DryRun && pf == nil {
		if err := dryRunKind(ctx, client, o.ProjectID, o.Cluster, o.request.SnapshotID); err != nil {
			return err
		}
	}
	download := o.set("download-dir") // then the download waits, not a watch
	scope := scopeOf(o.ProjectID, o.Cluster)
	scope.Printer = o.Printer
	kind := restoreJobKind(scope)
	in := jobs.RestoreInput{Scope: scope.jobs(), Request: o.request, Reuse: o.Reuse, DryRun: o.DryRun}
	newSnap := o.request.SnapshotID == api.NewSnapshot && !o.DryRun // (a dry run shows the snapshot request)
	if o.request.SnapshotID == api.NewSnapshot {
		in.New = o.snap.input(o.runEnv, o.watch, nil)
	}
	var display output.Progress
	if (o.watch.watch && !download) || newSnap {
		display = o.display()
		defer display.Stop()
		ctx = api.WithRetryNotes(ctx, o.notesTo(display))
		if o.watch.watch && !download {
			w := o.runEnv.watch(o.watch, display)
			in.Watch = &w
		}
		if newSnap {
			in.New.Wait.Progress = display
		}
	}
	r, err := jobs.Restores(ctx, jobs.Deps{Client: client, Note: o.note}, in)
	if display != nil {
		display.Stop() // before stdout is written
	}
	switch {
	case r.Job == nil && r.DryRun != nil:
		return printDryRun(o.IO, r.Before, r.DryRun)
	case r.Job == nil:
		return outcomeUnknown(newSnapshotEnd(err), kind.list())
	case o.DryRun:
		return nil // stderr said which job it would reuse
	case download:
		return created(kind, r.Job.ID, downloadRestore(ctx, o.runEnv, o.watch, o.dl, scope, r.Job.ID))
	case o.watch.watch:
		last := seenValue(kind, r.Seen)
		if last == nil { // stopped before its first check: the job as created
			last = &output.Value{Raw: r.Raw, Table: kind.table(r.Job)}
		}
		return created(kind, r.Job.ID, printEnd(o.IO, o.Printer, last, kind.watchEnd(err)))
	}
	return created(kind, r.Job.ID, o.Printer.Print(o.IO.Out, output.Value{Raw: r.Raw, Table: kind.table(r.Job)}))
}

// notePointInTime says on stderr, before anything is sent, the moment
// --point-in-time resolved to, in UTC.
func (o *RestoreCreateOptions) notePointInTime() {
	secs := o.request.PointInTimeUTCSeconds
	if o.collRequest != nil {
		secs = o.collRequest.PointInTimeUTCSeconds
	}
	if secs == 0 || !o.set("point-in-time") {
		return
	}
	t := time.Unix(secs, 0).UTC()
	o.notef("Point in time: %s (%s ago)", t.Format(time.RFC3339), text.Age(o.Now().Sub(t)))
}

// preflight looks up what an overwriting restore depends on, from a
// snapshot (an ID, latest or new) or a point in time (Unix seconds), into
// the target flags name. Its refusals are exit 2 (nothing sent).
func (o *RestoreCreateOptions) preflight(ctx context.Context, client *api.Client, snapshotID string, pit int64) (*jobs.Preflight, error) {
	target, targetProject := o.TargetCluster, o.TargetProjectID
	if o.collRequest != nil {
		target, targetProject = o.collRequest.TargetClusterName, o.collRequest.TargetGroupID
	}
	in := jobs.PreflightInput{Scope: jobs.Scope{ProjectID: o.ProjectID, Cluster: o.Cluster}, SnapshotID: snapshotID,
		TargetProjectID: targetProject, TargetCluster: target, Now: o.Now()}
	if pit != 0 {
		in.PointInTime = time.Unix(pit, 0)
	}
	pf, err := jobs.RunPreflight(ctx, jobs.Deps{Client: client, Note: o.note}, in)
	if err := preflightRefused(err); err != nil {
		return nil, err
	}
	var nf *api.NotFoundError
	if errors.As(err, &nf) && nf.Kind == api.KindCluster && nf.Name == target && target != o.Cluster {
		return nil, &NotFoundError{Err: fmt.Errorf("--target-cluster %s: %w", target, err)}
	}
	if err != nil {
		return nil, err
	}
	o.warn(pf.Warnings)
	return pf, nil
}

// preflightSource is the source the pre-flight found, as the prompt
// names it.
func (o *RestoreCreateOptions) preflightSource(pf *jobs.Preflight) string {
	switch {
	case pf.Snapshot != nil && pf.Snapshot.CreatedAt != nil:
		return fmt.Sprintf("snapshot %s of %s, taken %s (%s ago)", pf.Snapshot.ID, o.Cluster,
			output.FormatTime(pf.Snapshot.CreatedAt)+" UTC", text.Age(o.Now().Sub(*pf.Snapshot.CreatedAt)))
	case pf.Snapshot != nil:
		return fmt.Sprintf("snapshot %s of %s", pf.Snapshot.ID, o.Cluster)
	case o.SnapshotID == api.NewSnapshot:
		return o.newSnapshotSource()
	}
	return o.pointInTimeSource()
}

// preflightRefused words a pre-flight check's refusal: exit 2, nothing
// created; nil for any other outcome.
func preflightRefused(err error) error {
	var refused *jobs.PreflightError
	if errors.As(err, &refused) {
		return usageErrorf("%s (nothing was created; --no-preflight skips this check)", refused.Msg)
	}
	return nil
}

// checkWindow checks a point in time (Unix seconds) against the source
// cluster's restore window, before a restore that overwrites nothing.
func (o *RestoreCreateOptions) checkWindow(ctx context.Context, client *api.Client, pit int64) error {
	w, _, err := jobs.RestoreWindow(ctx, jobs.Deps{Client: client, Note: o.note}, o.ProjectID, o.Cluster, o.Now())
	if err != nil {
		return err
	}
	err = jobs.CheckPointInTime(w, time.Unix(pit, 0))
	if refused := preflightRefused(err); refused != nil {
		return refused
	}
	return err // nil, or a Flex cluster's refusal
}

// preflightLines are what the pre-flight found: the source and the
// target, one line each.
func (o *RestoreCreateOptions) preflightLines(pf *jobs.Preflight) []string {
	return []string{"  from  " + text.Escape(o.preflightSource(pf)), "  into  " + text.Escape(o.preflightTarget(pf))}
}

// preflightTarget is the target the pre-flight found, as Atlas describes
// it: "cluster staging of project P: REPLICASET, MongoDB 8.0.4, idle".
func (o *RestoreCreateOptions) preflightTarget(pf *jobs.Preflight) string {
	t := pf.Target
	return fmt.Sprintf("cluster %s of project %s: %s, MongoDB %s, %s", t.Name, o.targetProject(), t.ClusterType, t.MongoDBVersion, strings.ToLower(orWord(t.StateName, "IDLE")))
}

// showPreflight prints what the pre-flight found, where no prompt shows
// it (--yes, --dry-run).
func (o *RestoreCreateOptions) showPreflight(pf *jobs.Preflight) {
	o.notef("Pre-flight:")
	for _, l := range o.preflightLines(pf) {
		o.note(l)
	}
}

func (o *RestoreCreateOptions) targetProject() string {
	if o.collRequest != nil {
		return o.collRequest.TargetGroupID
	}
	return o.TargetProjectID
}

// newSnapshotSource is the source of a restore from --snapshot-id new, as
// the prompt names it.
func (o *RestoreCreateOptions) newSnapshotSource() string {
	return "a new on-demand snapshot of " + o.Cluster + ", taken before the restore starts"
}

// pointInTimeSource is the source of a point-in-time restore, as the
// prompt names it.
func (o *RestoreCreateOptions) pointInTimeSource() string {
	pit, ts, inc := o.request.PointInTimeUTCSeconds, o.request.OplogTs, o.request.OplogInc
	if r := o.collRequest; r != nil {
		pit, ts, inc = r.PointInTimeUTCSeconds, r.OplogTs, r.OplogInc
	}
	switch {
	case pit != 0:
		t := time.Unix(pit, 0).UTC()
		return fmt.Sprintf("cluster %s as it was at %s (%s ago)", o.Cluster, t.Format(time.RFC3339), text.Age(o.Now().Sub(t)))
	case ts != 0:
		return fmt.Sprintf("cluster %s as it was at oplog timestamp %d:%d", o.Cluster, ts, inc)
	}
	return "the latest completed snapshot of " + o.Cluster
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// confirmation says what an overwriting restore will do, for the prompt:
// what the pre-flight found, or (--no-preflight) what the flags say.
func (o *RestoreCreateOptions) confirmation(pf *jobs.Preflight) confirmation {
	target := fmt.Sprintf("cluster %s (project %s)", o.TargetCluster, o.TargetProjectID)
	warning := ""
	if pf != nil {
		warning = "This restore OVERWRITES EVERY DATABASE on the target:\n" + strings.Join(o.preflightLines(pf), "\n")
	} else {
		from := "snapshot " + o.SnapshotID
		switch {
		case o.SnapshotID == api.NewSnapshot:
			from = o.newSnapshotSource()
		case o.SnapshotID == "" || o.SnapshotID == api.Latest:
			from = o.pointInTimeSource()
		}
		warning = fmt.Sprintf("This restore OVERWRITES EVERY DATABASE on %s\nwith %s.", target, from)
	}
	return confirmation{
		warning: warning,
		cluster: o.TargetCluster,
		refusal: fmt.Sprintf("this restore overwrites every database on %s, and there is no terminal to confirm on: add --yes to go ahead", target),
	}
}
