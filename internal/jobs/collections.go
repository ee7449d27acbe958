package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/text"
	"github.com/atlas-backup/atlas-backup/internal/watch"
	"golang.org/x/sync/errgroup"
)

// CollectionRestore is the collection restore job kind: its label is the
// state and the documents restored of the total.
var CollectionRestore = Kind[api.CollectionRestoreJob]{
	Name: "collection restore job",
	Fetch: func(ctx context.Context, c *api.Client, s Scope, id string) (*api.CollectionRestoreJob, []byte, error) {
		return c.GetCollectionRestore(ctx, s.ProjectID, s.Cluster, id)
	},
	Judge: func(j *api.CollectionRestoreJob) (watch.State, error) {
		if err := j.CheckState(); err != nil {
			return watch.State{Label: j.State}, err
		}
		ended, ok := j.Ended()
		return watch.State{Label: j.Progress(), Done: ended, OK: ok}, nil
	},
	Why: func(j *api.CollectionRestoreJob) string {
		if r := j.Reason(); r != "" {
			return j.State + ": " + r
		}
		return j.State
	},
}

// CollectionRestoreInput is a restore of some databases or collections of
// one cluster (Scope: the source), from a snapshot or a point in time.
type CollectionRestoreInput struct {
	Scope
	// Request is sent as it is, but: its SnapshotID may be api.Latest; an
	// empty target is the source cluster and project; empty strategies
	// are CREATE_NEW and ALL.
	Request api.CollectionRestoreRequest
	Reuse   bool // follow a running job that restores the same thing instead
	DryRun  bool
	New     *NewSnapshot // how a SnapshotID of api.NewSnapshot is taken and waited for
	// Confirm, when set, is asked just before the create is sent: after
	// the checks, and never for a job reused or a dry run. Its error stops
	// the create and is returned as it is (an overwrite the user did not
	// confirm).
	Confirm func(ctx context.Context, r api.CollectionRestoreRequest) error
	// Watch, when set, follows the job once created or reused, and then
	// reads what became of each of its collections.
	Watch *Watch
	// Warn, when set, receives the point-in-time check's warnings as they
	// are found, before anything is asked or created (else they are in
	// the result's Warnings).
	Warn func(line string)
}

// CollectionRestoreResult is what became of a collection restore.
type CollectionRestoreResult struct {
	Created[api.CollectionRestoreJob]
	Seen Seen[api.CollectionRestoreJob] // the last look at the job, when followed
	// Collections are the per-collection states, read (every page) when a
	// followed job ended.
	Collections []api.CollectionState
	// Warnings are for stderr: namespaces a point-in-time source may not
	// have (they are not in the snapshot taken before that time), or why
	// they could not be checked, or why the collections' states could not
	// be read after a job that failed anyway.
	Warnings []string
}

// NamespaceError is a restore whose source namespaces are not all in the
// snapshot it restores from. Nothing was created.
type NamespaceError struct {
	Cluster, SnapshotID string
	Missing             []MissingNamespace // in the order of the request: databases, then collections
}

// MissingNamespace is a database or collection a snapshot does not hold,
// with the names closest to it that it does hold.
type MissingNamespace struct {
	Namespace string // as requested: "sales", or "sales.orders"
	Database  bool   // a --database (else a --collection)
	Closest   []string
}

func (e *NamespaceError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		parts[i] = m.String()
	}
	return fmt.Sprintf("snapshot %s of cluster %s has %s", text.Escape(e.SnapshotID), text.Escape(e.Cluster), strings.Join(parts, ", "))
}

// String is "no collection sales.ordrs (did you mean sales.orders?)", its
// names escaped.
func (m MissingNamespace) String() string {
	kind := "collection"
	if m.Database {
		kind = "database"
	}
	s := "no " + kind + " " + text.Escape(m.Namespace)
	if len(m.Closest) > 0 {
		near := make([]string, len(m.Closest))
		for i, n := range m.Closest {
			near[i] = text.Escape(n)
		}
		s += " (did you mean " + orList(near) + "?)"
	}
	return s
}

// CollectionsFailedError is a collection restore job that ended
// SUCCESSFUL while some of its collections did not (NOT_FOUND,
// UNSUPPORTED, ROLLBACK, NOT_RESTORED, FAILED, INDEX_BUILD_FAILED). It
// unwraps to the *EndedError that says so, so that it ends a watch as any
// unsuccessful job does.
type CollectionsFailedError struct {
	Kind, ID string // the job, its ID escaped
	Failed   []api.CollectionState
	Of       int // the job's collections
}

func (e *CollectionsFailedError) Error() string { return e.ended().Error() }
func (e *CollectionsFailedError) Unwrap() error { return e.ended() }

// maxNamed is how many failed collections the message names.
const maxNamed = 3

func (e *CollectionsFailedError) ended() *EndedError {
	named := make([]string, 0, maxNamed)
	for _, s := range e.Failed[:min(len(e.Failed), maxNamed)] {
		named = append(named, text.Escape(s.SourceNamespace+" ("+s.Why()+")"))
	}
	list := strings.Join(named, ", ")
	if more := len(e.Failed) - len(named); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	why := fmt.Sprintf("%s, but %d of %d collections did not: %s", api.CollectionRestoreSuccessful, len(e.Failed), e.Of, list)
	return &EndedError{Kind: e.Kind, ID: e.ID, Why: why}
}

// CollectionRestores resolves latest, checks the source namespaces against
// the snapshot, reuses or creates the collection restore, then follows it
// when asked and reads what became of each collection. The error is nil,
// a failure before a job existed (Job nil: a lookup, a *NamespaceError, a
// refused create, Confirm's error), or one after (Job set: it was created
// or reused, and its ID must not be lost): an error of Follow's, or a
// *CollectionsFailedError.
func CollectionRestores(ctx context.Context, d Deps, in CollectionRestoreInput) (CollectionRestoreResult, error) {
	var r CollectionRestoreResult
	req := withDefaults(in.Scope, in.Request)
	var err error
	var before *api.DryRun
	switch {
	case req.SnapshotID != "":
		if req.SnapshotID, before, err = source(ctx, d, in.Scope, req.SnapshotID, in.New, in.DryRun, ""); err != nil {
			return r, err
		}
		if before != nil {
			break // a dry run: the snapshot is not taken, so not checked
		}
		missing, err := checkNamespaces(ctx, d, in.Scope, req.SnapshotID, req)
		if err != nil {
			return r, err
		}
		if len(missing) > 0 {
			return r, &NamespaceError{Cluster: in.Cluster, SnapshotID: req.SnapshotID, Missing: missing}
		}
	case req.PointInTimeUTCSeconds != 0 || req.OplogTs != 0:
		if r.Warnings, err = checkBefore(ctx, d, in.Scope, req); err != nil {
			return r, err
		}
		if in.Warn != nil {
			for _, w := range r.Warnings {
				in.Warn(w)
			}
			r.Warnings = nil
		}
	}
	steps := createSteps[api.CollectionRestoreJob]{
		call: api.CreateCollectionRestoreCall(in.ProjectID, in.Cluster, req),
		create: func(ctx context.Context) (*api.CollectionRestoreJob, []byte, error) {
			if in.Confirm != nil {
				if err := in.Confirm(ctx, req); err != nil {
					return nil, nil, err
				}
			}
			return d.Client.CreateCollectionRestore(ctx, in.ProjectID, in.Cluster, req)
		},
		reused: func(job *api.CollectionRestoreJob, dryRun bool) {
			verb := "reusing"
			if dryRun {
				verb = "would reuse"
			}
			d.note(fmtNote("%s collection restore job %s (%s)", verb, job.ID, job.State))
		},
	}
	if in.Reuse {
		steps.find = func(ctx context.Context) (*api.CollectionRestoreJob, []byte, error) {
			return d.Client.FindRunningCollectionRestore(ctx, in.ProjectID, in.Cluster, req)
		}
	}
	r.Created, err = steps.run(ctx, d, in.DryRun)
	r.Before = before
	if err != nil || in.DryRun || in.Watch == nil {
		return r, err
	}
	r.Seen, err = Follow(ctx, d, CollectionRestore, in.Scope, r.Job.ID, *in.Watch)
	return r, r.collections(ctx, d, in.Scope, err)
}

// withDefaults fills what the request leaves empty: the target is the
// source cluster of the same project, the strategies CREATE_NEW and ALL.
func withDefaults(s Scope, r api.CollectionRestoreRequest) api.CollectionRestoreRequest {
	if r.TargetClusterName == "" {
		r.TargetClusterName = s.Cluster
	}
	if r.TargetGroupID == "" {
		r.TargetGroupID = s.ProjectID
	}
	if r.WriteStrategy == "" {
		r.WriteStrategy = api.WriteStrategyCreateNew
	}
	if r.IndexStrategy == "" {
		r.IndexStrategy = api.IndexStrategyAll
	}
	return r
}

// collections reads, once a followed job has ended (followed is nil or an
// *EndedError), what became of each of its collections, and judges them:
// a job that succeeded with a collection that did not is a
// *CollectionsFailedError. A watch that stopped short of the end
// (followed is another error) reads nothing.
func (r *CollectionRestoreResult) collections(ctx context.Context, d Deps, s Scope, followed error) error {
	var ended *EndedError
	if followed != nil && !errors.As(followed, &ended) {
		return followed
	}
	id := text.Escape(r.Job.ID)
	states, err := d.Client.ListCollectionRestoreStates(ctx, s.ProjectID, s.Cluster, r.Job.ID)
	switch {
	case err != nil && followed != nil:
		// The job failed anyway: that is the news; the states are a detail.
		r.Warnings = append(r.Warnings, fmt.Sprintf("could not read the collection states of collection restore job %s: %v", id, err))
		return followed
	case err != nil:
		return fmt.Errorf("collection restore job %s ended %s, but what became of its collections could not be read: %w",
			id, api.CollectionRestoreSuccessful, err)
	}
	r.Collections = states.Items
	if followed != nil {
		return followed
	}
	var failed []api.CollectionState
	for _, c := range states.Items {
		if !c.OK() {
			failed = append(failed, c)
		}
	}
	if len(failed) > 0 {
		return &CollectionsFailedError{Kind: CollectionRestore.Name, ID: id, Failed: failed, Of: len(states.Items)}
	}
	return nil
}

// checkBefore checks a point-in-time restore's namespaces against the
// snapshot taken just before that time, and says what it misses as
// warnings: a namespace created after that snapshot is restored all the
// same. A lookup that Atlas refuses is a warning too (the check only
// warns); one that gets no answer, or a 5xx, ends the restore, as any
// would.
func checkBefore(ctx context.Context, d Deps, s Scope, req api.CollectionRestoreRequest) ([]string, error) {
	at := req.PointInTimeUTCSeconds
	if at == 0 {
		at = req.OplogTs
	}
	t := time.Unix(at, 0).UTC()
	when := t.Format("2006-01-02 15:04:05 UTC")
	refused := func(err error) ([]string, error) {
		var apiErr *api.Error
		if errors.As(err, &apiErr) && apiErr.Status < 500 {
			return []string{fmt.Sprintf("the namespaces were not checked against the snapshot taken before %s: %s", when, api.Summary(err))}, nil
		}
		return nil, err
	}
	snap, err := d.Client.SnapshotBefore(ctx, s.ProjectID, s.Cluster, t)
	if err != nil {
		return refused(err)
	}
	if snap == nil {
		return []string{fmtNote("cluster %s has no completed snapshot taken before %s: the namespaces were not checked", s.Cluster, when)}, nil
	}
	missing, err := checkNamespaces(ctx, d, s, snap.ID, req)
	if err != nil {
		return refused(err)
	}
	var warnings []string
	for _, m := range missing {
		warnings = append(warnings, fmt.Sprintf("snapshot %s of cluster %s (taken %s), the last before %s, has %s; it may have been created after that snapshot",
			text.Escape(snap.ID), text.Escape(s.Cluster), snap.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"), when, m))
	}
	return warnings, nil
}

// collectionsInFlight bounds the databases whose collections are listed
// at once.
const collectionsInFlight = 4

// checkNamespaces looks up every source database and collection of req in
// a snapshot, with as few requests as that takes: the snapshot's databases
// once, and the collections of each database a collection is asked of
// once (every page of each). What is missing comes back with the closest
// names the snapshot has; for a collection of a database it does not have,
// those are looked for in the databases closest to that one's name.
func checkNamespaces(ctx context.Context, d Deps, s Scope, snapshotID string, req api.CollectionRestoreRequest) ([]MissingNamespace, error) {
	list, err := d.Client.ListSnapshotDatabases(ctx, s.ProjectID, s.Cluster, snapshotID, api.ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	dbs := make([]string, len(list.Items))
	for i, db := range list.Items {
		dbs[i] = db.Name
	}
	names := &snapshotNames{d: d, s: s, snapshotID: snapshotID, collections: map[string][]string{}}
	// The databases whose collections are needed: listed together.
	var needed []string
	for _, n := range req.Collections {
		db, _, _ := strings.Cut(n.SourceNamespace, ".")
		if slices.Contains(dbs, db) && !slices.Contains(needed, db) {
			needed = append(needed, db)
		}
	}
	if err := names.fetch(ctx, needed); err != nil {
		return nil, err
	}
	var missing []MissingNamespace
	for _, n := range req.Databases {
		if !slices.Contains(dbs, n.SourceNamespace) {
			missing = append(missing, MissingNamespace{Namespace: n.SourceNamespace, Database: true, Closest: api.Closest(n.SourceNamespace, dbs)})
		}
	}
	for _, n := range req.Collections {
		db, coll, _ := strings.Cut(n.SourceNamespace, ".")
		if slices.Contains(dbs, db) && slices.Contains(names.collections[db], coll) {
			continue
		}
		near := []string{db}
		if !slices.Contains(dbs, db) {
			near = api.Closest(db, dbs)
			if err := names.fetch(ctx, near); err != nil {
				return nil, err
			}
		}
		var known []string
		for _, db := range near {
			for _, c := range names.collections[db] {
				known = append(known, db+"."+c)
			}
		}
		missing = append(missing, MissingNamespace{Namespace: n.SourceNamespace, Closest: api.Closest(n.SourceNamespace, known)})
	}
	return missing, nil
}

// snapshotNames are the collections of a snapshot's databases, each
// database listed once.
type snapshotNames struct {
	d           Deps
	s           Scope
	snapshotID  string
	collections map[string][]string // database → its collections' names
}

// fetch lists the collections of the databases not listed yet, a few at a
// time.
func (n *snapshotNames) fetch(ctx context.Context, dbs []string) error {
	var todo []string
	for _, db := range dbs {
		if _, ok := n.collections[db]; !ok {
			todo = append(todo, db)
		}
	}
	found := make([][]string, len(todo))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(collectionsInFlight)
	for i, db := range todo {
		g.Go(func() error {
			list, err := n.d.Client.ListSnapshotCollections(ctx, n.s.ProjectID, n.s.Cluster, n.snapshotID, db, api.ListOptions{All: true})
			if err != nil {
				return err
			}
			found[i] = make([]string, len(list.Items))
			for j, c := range list.Items {
				found[i][j] = c.Name
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, db := range todo {
		n.collections[db] = found[i]
	}
	return nil
}

// orList is "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
