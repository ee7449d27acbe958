package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// restore create --collection/--database: a collection-level restore
// (collectionRestoreJobs). The flags are checked here; the workflow (the
// namespace check, reuse, create, follow, per-collection outcomes) is
// jobs.CollectionRestores.

// collectionFlags are the flags only a collection-level restore takes.
var collectionFlags = []string{"write-strategy", "index-strategy", "database-suffix", "collection-suffix"}

// notWithCollections are the flags of the other restores that a
// collection-level restore refuses.
var notWithCollections = []string{"delivery-type", "download-dir", "private-endpoint"}

// maxNamespaces is the most --collection, and --database, one restore takes.
const maxNamespaces = 100

// MongoDB's name rules.
const (
	maxDatabaseName   = 63
	maxNamespace      = 255
	databaseForbidden = "/\\. \"$\x00"
	databaseRule      = `has one of / \ . space " $ or NUL, which database names cannot have`
	collectionRule    = "has a $ or NUL, which collection names cannot have"
)

// collectionLevel says whether the restore is of some collections or
// databases: --collection or --database, or the file's collections or
// databases, were given.
func (o *RestoreCreateOptions) collectionLevel() bool {
	return o.set("collection") || o.set("database")
}

// pointInTimeSpelling refuses the point in time of the other kind of
// restore: a collection restore's field is pointInTimeUtcSeconds, a
// restore job's pointInTimeUTCSeconds.
func (r *requestFile) pointInTimeSpelling(collections, upper, lower bool) error {
	switch {
	case collections && upper:
		return usageErrorf("--file %s: pointInTimeUTCSeconds: a collection-level restore (collections, databases) spells it pointInTimeUtcSeconds", r.path)
	case !collections && lower:
		return usageErrorf("--file %s: pointInTimeUtcSeconds: only in a collection-level restore (with collections or databases); a restore job's field is pointInTimeUTCSeconds", r.path)
	}
	return nil
}

// checkCollections checks a collection-level restore and makes its
// request: the namespaces, the suffixes, the strategies, the source and
// the target, each refused with the flag, the value and the rule.
func (o *RestoreCreateOptions) checkCollections() error {
	for _, n := range notWithCollections {
		if o.set(n) {
			return usageErrorf("--%s: not allowed with --collection or --database (a collection-level restore goes into a cluster, with no delivery type)", n)
		}
	}
	r := api.CollectionRestoreRequest{DatabaseSuffix: o.DatabaseSuffix, CollectionSuffix: o.CollectionSuffix}
	var err error
	collections := entriesOf(o.Collections, o.fileCollections)
	databases := entriesOf(o.Databases, o.fileDatabases)
	if r.Collections, err = checkNamespaces("collection", collections, true); err != nil {
		return err
	}
	if r.Databases, err = checkNamespaces("database", databases, false); err != nil {
		return err
	}
	if len(r.Collections)+len(r.Databases) == 0 {
		return usageErrorf("--collection, --database: name at least one collection or database to restore")
	}
	if o.DatabaseSuffix != "" && strings.ContainsAny(o.DatabaseSuffix, databaseForbidden) {
		return usageErrorf("--database-suffix %q: %s", o.DatabaseSuffix, databaseRule)
	}
	if strings.ContainsAny(o.CollectionSuffix, "$\x00") {
		return usageErrorf("--collection-suffix %q: %s", o.CollectionSuffix, collectionRule)
	}
	if err := checkSuffixed(r); err != nil {
		return err
	}
	if r.WriteStrategy, err = strategy("write-strategy", o.WriteStrategy, api.WriteStrategyCreateNew, api.WriteStrategyOverwriteExisting); err != nil {
		return err
	}
	if r.IndexStrategy, err = strategy("index-strategy", o.IndexStrategy, api.IndexStrategyAll, api.IndexStrategyNone, api.IndexStrategyAllExceptTTL); err != nil {
		return err
	}
	if err := o.collectionSource(&r); err != nil {
		return err
	}
	if o.TargetCluster == "" {
		o.TargetCluster = o.Cluster
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
	o.collRequest = &r
	return nil
}

// collectionSource checks the source: exactly one of --snapshot-id,
// --point-in-time, or --oplog-ts with --oplog-inc.
func (o *RestoreCreateOptions) collectionSource(r *api.CollectionRestoreRequest) error {
	var given []string
	for _, names := range [][]string{{"snapshot-id"}, {"point-in-time"}, {"oplog-ts", "oplog-inc"}} {
		for _, n := range names {
			if o.set(n) {
				given = append(given, o.file.label("--"+n))
				break
			}
		}
	}
	switch {
	case len(given) == 0:
		return o.file.missing("a collection-level restore needs a source: --snapshot-id ID|latest, --point-in-time, or --oplog-ts with --oplog-inc",
			"snapshotId, pointInTimeUtcSeconds, or oplogTs with oplogInc,", " for a collection-level restore", "--snapshot-id, --point-in-time, or --oplog-ts with --oplog-inc")
	case len(given) > 1:
		return usageErrorf("%s: give one source, not %d: --snapshot-id, --point-in-time, or --oplog-ts with --oplog-inc", strings.Join(given, " and "), len(given))
	case o.set("snapshot-id"):
		if err := checkSnapshot(o.SnapshotID); err != nil {
			return err
		}
		r.SnapshotID = o.SnapshotID
		return nil
	}
	var err error
	r.PointInTimeUTCSeconds, r.OplogTs, r.OplogInc, err = o.pointInTime()
	return err
}

// nsEntry is a --collection or --database value, or an entry of the
// file's collections or databases.
type nsEntry struct {
	shown    string // as given: SRC or SRC=DST
	src, dst string
	hasDst   bool // "=" was given (an empty DST is a mistake)
}

// entriesOf reads the flag's values, or the file's entries when no flag
// gave any.
func entriesOf(values []string, file []namespaceEntry) []nsEntry {
	var out []nsEntry
	for _, v := range values {
		src, dst, ok := strings.Cut(v, "=")
		out = append(out, nsEntry{shown: v, src: src, dst: dst, hasDst: ok})
	}
	for _, e := range file {
		shown := e.SourceNamespace
		if e.TargetNamespace != "" {
			shown += "=" + e.TargetNamespace
		}
		out = append(out, nsEntry{shown: shown, src: e.SourceNamespace, dst: e.TargetNamespace})
	}
	return out
}

// checkNamespaces checks the entries of --collection (collections) or
// --database: their names, no source twice, no two collections into one
// target, at most maxNamespaces.
func checkNamespaces(flag string, entries []nsEntry, collections bool) ([]api.Namespace, error) {
	if len(entries) > maxNamespaces {
		return nil, usageErrorf("--%s: %d given: at most %d per restore", flag, len(entries), maxNamespaces)
	}
	check := checkDatabase
	if collections {
		check = checkCollection
	}
	var out []api.Namespace
	sources, targets := map[string]bool{}, map[string]string{}
	for _, e := range entries {
		bad := func(format string, args ...any) error {
			return usageErrorf("--%s %q: %s", flag, e.shown, fmt.Sprintf(format, args...))
		}
		if msg := check(e.src); msg != "" {
			return nil, bad("%s", msg)
		}
		if e.hasDst && e.dst == "" {
			return nil, bad("nothing after =: give the name to restore it under, or leave out =")
		}
		if e.dst != "" {
			if msg := check(e.dst); msg != "" {
				return nil, bad("after =: %s", msg)
			}
		}
		if sources[e.src] {
			return nil, bad("%q is given twice: name each source once", e.src)
		}
		sources[e.src] = true
		n := api.Namespace{SourceNamespace: e.src, TargetNamespace: e.dst}
		if other, ok := targets[n.Target()]; ok {
			return nil, bad("%q would be restored into %q, as %q is: each target once", e.src, n.Target(), other)
		}
		targets[n.Target()] = e.src
		out = append(out, n)
	}
	return out, nil
}

// checkDatabase says what is wrong with a database name, or "".
func checkDatabase(name string) string {
	switch {
	case name == "":
		return "database name is empty"
	case len(name) > maxDatabaseName:
		return fmt.Sprintf("database name %q is %d bytes: at most %d", name, len(name), maxDatabaseName)
	case strings.ContainsAny(name, databaseForbidden):
		return fmt.Sprintf("database name %q %s", name, databaseRule)
	}
	return ""
}

// checkCollection says what is wrong with a DATABASE.COLLECTION
// namespace, or "".
func checkCollection(ns string) string {
	db, coll, ok := strings.Cut(ns, ".")
	if !ok {
		return fmt.Sprintf("want DATABASE.COLLECTION: %q has no collection part", ns)
	}
	if msg := checkDatabase(db); msg != "" {
		return msg
	}
	switch {
	case coll == "":
		return fmt.Sprintf("collection name is empty in %q", ns)
	case strings.ContainsAny(coll, "$\x00"):
		return fmt.Sprintf("collection name %q %s", coll, collectionRule)
	case strings.HasPrefix(coll, "system."):
		return fmt.Sprintf("collection name %q starts with system.: system collections cannot be restored", coll)
	case len(ns) > maxNamespace:
		return fmt.Sprintf("namespace %q is %d bytes: at most %d", ns, len(ns), maxNamespace)
	}
	return ""
}

// checkSuffixed checks the names the suffixes make: a database name at
// most 63 bytes, a namespace at most 255.
func checkSuffixed(r api.CollectionRestoreRequest) error {
	if r.DatabaseSuffix == "" && r.CollectionSuffix == "" {
		return nil
	}
	for _, n := range r.Databases {
		if db := n.Target() + r.DatabaseSuffix; len(db) > maxDatabaseName {
			return usageErrorf("--database-suffix %q: makes database name %q %d bytes: at most %d", r.DatabaseSuffix, db, len(db), maxDatabaseName)
		}
	}
	for _, n := range r.Collections {
		db, coll, _ := strings.Cut(n.Target(), ".")
		db, coll = db+r.DatabaseSuffix, coll+r.CollectionSuffix
		if len(db) > maxDatabaseName {
			return usageErrorf("--database-suffix %q: makes database name %q %d bytes: at most %d", r.DatabaseSuffix, db, len(db), maxDatabaseName)
		}
		if ns := db + "." + coll; len(ns) > maxNamespace {
			flag, value := "--collection-suffix", r.CollectionSuffix
			if r.CollectionSuffix == "" {
				flag, value = "--database-suffix", r.DatabaseSuffix
			}
			return usageErrorf("%s %q: makes namespace %q %d bytes: at most %d", flag, value, ns, len(ns), maxNamespace)
		}
	}
	return nil
}

// strategy reads a --write-strategy or --index-strategy value: kebab-case
// (create-new) or the API's spelling (CREATE_NEW); it returns the API's.
func strategy(flag, value string, allowed ...string) (string, error) {
	for _, a := range allowed {
		if value == a || value == kebab(a) {
			return a, nil
		}
	}
	kebabs := make([]string, len(allowed))
	for i, a := range allowed {
		kebabs[i] = kebab(a)
	}
	return "", usageErrorf("--%s %q: must be %s (or the API's %s)", flag, value, orWords(kebabs), strings.Join(allowed, ", "))
}

// kebab is an API enum value as a flag value: CREATE_NEW → create-new.
func kebab(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }

// orWords is "a or b", "a, b or c".
func orWords(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, "")
	}
	return strings.Join(w[:len(w)-1], ", ") + " or " + w[len(w)-1]
}

// collectionRestoreRun runs a collection-level restore (jobs.CollectionRestores):
// an overwrite is confirmed after the namespace check and before the
// create; the job (the last state seen, with --watch) goes to stdout, the
// warnings and what became of each collection to stderr.
func collectionRestoreRun(ctx context.Context, o *RestoreCreateOptions) error {
	req := *o.collRequest
	overwrites := req.WriteStrategy == api.WriteStrategyOverwriteExisting
	ask := overwrites && !o.DryRun && !o.Yes
	client, err := o.Client()
	if err != nil {
		return err
	}
	// The pre-flight: for an overwrite, the source and the target; for a
	// point in time, the window too.
	pit := req.PointInTimeUTCSeconds + req.OplogTs
	var pf *jobs.Preflight
	switch {
	case o.NoPreflight:
	case overwrites:
		if pf, err = o.preflight(ctx, client, req.SnapshotID, pit); err != nil {
			return err
		}
		if client.IsFlex(o.ProjectID, o.Cluster) { // found out by the lookups, before any question
			return &api.FlexClusterError{ProjectID: o.ProjectID, Cluster: o.Cluster, What: "collection-level restores"}
		}
		if pf.Snapshot != nil {
			req.SnapshotID = pf.Snapshot.ID // latest, resolved once
		}
		if !ask {
			o.showPreflight(pf)
		}
	case pit != 0:
		// Nothing is overwritten: only the window is checked.
		if err := o.checkWindow(ctx, client, pit); err != nil {
			return err
		}
	}
	// No terminal to ask on: refused after the lookups, before anything
	// is sent, unless --reuse may find a job to follow (which needs no
	// question).
	if ask && !o.Reuse && !o.IO.IsStdinTTY() {
		if pf != nil {
			o.showPreflight(pf) // the refusal asks for --yes: say what it would confirm
		}
		return usageErrorf("%s", o.overwriteRefusal())
	}
	scope := scopeOf(o.ProjectID, o.Cluster)
	scope.Printer = o.Printer
	kind := collectionRestoreJobKind(scope)
	in := jobs.CollectionRestoreInput{Scope: scope.jobs(), Request: req, Reuse: o.Reuse, DryRun: o.DryRun}
	if ask && req.SnapshotID == api.NewSnapshot {
		// Asked before the snapshot is taken: the namespaces are checked
		// in it after.
		if err := confirm(ctx, o.IO, o.overwriteConfirmation(req, pf)); err != nil {
			return err
		}
	} else if ask {
		in.Confirm = func(ctx context.Context, r api.CollectionRestoreRequest) error {
			return confirm(ctx, o.IO, o.overwriteConfirmation(r, pf))
		}
	}
	waitNew := req.SnapshotID == api.NewSnapshot && !o.DryRun // (a dry run shows the snapshot request)
	if req.SnapshotID == api.NewSnapshot {
		in.New = o.snap.input(o.runEnv, o.watch, nil)
	}
	var display output.Progress
	if o.watch.watch || waitNew {
		display = o.display()
		defer display.Stop()
		ctx = api.WithRetryNotes(ctx, o.notesTo(display))
		w := o.runEnv.watch(o.watch, display)
		if o.watch.watch {
			in.Watch = &w
		}
		if waitNew {
			in.New.Wait.Progress = display
		}
	}
	in.Warn = func(w string) { o.warn([]string{w}) } // before any question or create
	r, err := jobs.CollectionRestores(ctx, jobs.Deps{Client: client, Note: o.note}, in)
	if display != nil {
		display.Stop() // before stdout is written
	}
	o.warn(r.Warnings)
	switch {
	case r.Job == nil && r.DryRun != nil:
		return printDryRun(o.IO, r.Before, r.DryRun)
	case r.Job == nil:
		return namespaceNext(outcomeUnknown(newSnapshotEnd(err), kind.list()), scope)
	case o.DryRun:
		return nil // stderr said which job it would reuse
	case o.watch.watch:
		reportCollections(o.runEnv, r.Collections)
		last := seenValue(kind, r.Seen)
		if last == nil { // stopped before its first check: the job as created
			last = &output.Value{Raw: r.Raw, Table: kind.table(r.Job)}
		}
		return created(kind, r.Job.ID, printEnd(o.IO, o.Printer, last, kind.watchEnd(err)))
	}
	return created(kind, r.Job.ID, o.Printer.Print(o.IO.Out, output.Value{Raw: r.Raw, Table: kind.table(r.Job)}))
}

// warn writes warnings on stderr, --quiet or not: they are about what
// the restore may not do.
func (e runEnv) warn(warnings []string) {
	e.notesMu.Lock()
	defer e.notesMu.Unlock()
	for _, w := range warnings {
		fmt.Fprintln(e.IO.ErrOut, "Warning: "+text.Escape(w))
	}
}

// reportCollections names on stderr, after a watch, each collection that
// did not end SUCCESSFUL, with its state and any index or error message
// (--quiet or not: they are the outcome); and, as notes, the collections
// restored under another name than the one asked for (create-new found
// the target taken).
func reportCollections(e runEnv, states []api.CollectionState) {
	for _, s := range states {
		into := ""
		if s.Target() != s.SourceNamespace {
			into = " (into " + s.Target() + ")"
		}
		switch {
		case !strings.EqualFold(s.State, api.CollectionStateSuccessful):
			e.notesMu.Lock()
			fmt.Fprintln(e.IO.ErrOut, text.Escape("Collection "+s.SourceNamespace+into+": "+s.Why()))
			e.notesMu.Unlock()
		case s.EffectiveTargetNamespace != "" && s.TargetNamespace != "" && s.EffectiveTargetNamespace != s.TargetNamespace:
			e.notef("Collection %s was restored into %s: %s exists on the target, and create-new never overwrites", s.SourceNamespace, s.EffectiveTargetNamespace, s.TargetNamespace)
		}
	}
}

// namespaceNext adds to a *jobs.NamespaceError (exit 4) the command that
// shows what the snapshot holds where the first missing namespace was
// looked for.
func namespaceNext(err error, s *clusterScope) error {
	var ns *jobs.NamespaceError
	if !errors.As(err, &ns) || len(ns.Missing) == 0 {
		return err
	}
	m := ns.Missing[0]
	snap, cluster := text.Escape(ns.SnapshotID), text.Escape(s.Cluster)
	see := fmt.Sprintf("atlas-backup snapshot databases %s --cluster %s --project-id %s", snap, cluster, s.ProjectID)
	if db, _, _ := strings.Cut(m.Namespace, "."); !m.Database && (len(m.Closest) == 0 || strings.HasPrefix(m.Closest[0], db+".")) {
		see = fmt.Sprintf("atlas-backup snapshot collections %s --cluster %s --database %s --project-id %s", snap, cluster, text.Escape(db), s.ProjectID)
	}
	return fmt.Errorf("%w; nothing was restored.\nSee what it holds with: %s", err, see)
}

// overwriteTargets are the namespaces an overwrite-existing restore drops
// and replaces, as the prompt lists them.
func overwriteTargets(r api.CollectionRestoreRequest) []string {
	var out []string
	for _, n := range r.Collections {
		db, coll, _ := strings.Cut(n.Target(), ".")
		target := db + r.DatabaseSuffix + "." + coll + r.CollectionSuffix
		line := "  " + target
		if target != n.SourceNamespace {
			line += " (from " + n.SourceNamespace + ")"
		}
		out = append(out, line)
	}
	for _, n := range r.Databases {
		line := "  every collection of database " + n.Target() + r.DatabaseSuffix + " the snapshot has"
		if n.Target()+r.DatabaseSuffix != n.SourceNamespace {
			line += " (from database " + n.SourceNamespace + ")"
		}
		if r.CollectionSuffix != "" {
			line += ", names ending " + r.CollectionSuffix
		}
		out = append(out, line)
	}
	return out
}

// maxListed is how many namespaces the prompt lists.
const maxListed = 20

// overwriteConfirmation says what an overwrite-existing restore will
// replace, with what, for the prompt.
func (o *RestoreCreateOptions) overwriteConfirmation(r api.CollectionRestoreRequest, pf *jobs.Preflight) confirmation {
	from := "snapshot " + r.SnapshotID
	switch {
	case pf != nil:
		from = o.preflightSource(pf)
	case o.SnapshotID == api.NewSnapshot:
		from = o.newSnapshotSource()
	case o.SnapshotID == api.Latest:
		from = "the latest completed snapshot of " + o.Cluster + " (" + r.SnapshotID + ")"
	case r.PointInTimeUTCSeconds != 0 || r.OplogTs != 0:
		from = o.pointInTimeSource()
	}
	targets := overwriteTargets(r)
	if len(targets) > maxListed {
		targets = append(targets[:maxListed], fmt.Sprintf("  and %d more", len(targets)-maxListed))
	}
	for i, t := range targets {
		targets[i] = text.Escape(t) // a collection name may hold a line break
	}
	warning := fmt.Sprintf("This restore DROPS AND REPLACES these namespaces on cluster %s (project %s):\n%s\nwith %s.",
		r.TargetClusterName, r.TargetGroupID, strings.Join(targets, "\n"), text.Escape(from))
	if pf != nil {
		warning += "\nThe target: " + text.Escape(o.preflightTarget(pf)) + "."
	}
	return confirmation{
		warning: warning,
		cluster: r.TargetClusterName,
		refusal: o.overwriteRefusal(),
	}
}

func (o *RestoreCreateOptions) overwriteRefusal() string {
	r := o.collRequest
	return fmt.Sprintf("this restore drops and replaces %d namespace(s) on cluster %s (project %s) (--write-strategy overwrite-existing), and there is no terminal to confirm on: add --yes to go ahead",
		len(r.Collections)+len(r.Databases), r.TargetClusterName, r.TargetGroupID)
}
