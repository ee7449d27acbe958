package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Collection-level restores (collectionRestoreJobs) and the namespaces a
// snapshot holds: one resource version, 2025-03-12, for requests and
// answers. Unlike the other restore jobs, collection restore jobs are not
// under …/backup/, and their create answers 201 Created.

// VersionCollections is the only version of the collection restore jobs
// and of a snapshot's databases and collections.
const VersionCollections = "2025-03-12"

// CollectionRestoreRequest is the body of a collection restore create
// (ApiAtlasCollectionRestoreJobRequest). The source is one of SnapshotID,
// PointInTimeUTCSeconds, or OplogTs with OplogInc; the names are the
// source cluster's, restored into TargetClusterName of TargetGroupID.
// Optional fields left empty are not sent.
type CollectionRestoreRequest struct {
	SnapshotID            string `json:"snapshotId,omitempty"`
	PointInTimeUTCSeconds int64  `json:"pointInTimeUtcSeconds,omitempty"` // "Utc" here, "UTC" in a restore job
	OplogTs               int64  `json:"oplogTs,omitempty"`
	OplogInc              int64  `json:"oplogInc,omitempty"`
	TargetClusterName     string `json:"targetClusterName"`
	TargetGroupID         string `json:"targetGroupId"`
	// Databases are whole databases (sourceNamespace "sales"), Collections
	// single collections ("sales.orders"); at most 100 of each.
	Databases        []Namespace `json:"databases,omitempty"`
	Collections      []Namespace `json:"collections,omitempty"`
	DatabaseSuffix   string      `json:"databaseSuffix,omitempty"`
	CollectionSuffix string      `json:"collectionSuffix,omitempty"`
	IndexStrategy    string      `json:"indexStrategy"` // IndexStrategyAll, …
	WriteStrategy    string      `json:"writeStrategy"` // WriteStrategyCreateNew, …
}

// Namespace is one database or collection to restore
// (ApiAtlasRestoreNamespaceView): an empty TargetNamespace restores under
// the source's name.
type Namespace struct {
	SourceNamespace string `json:"sourceNamespace"`
	TargetNamespace string `json:"targetNamespace,omitempty"`
}

// Target is where the namespace is restored to: its TargetNamespace, else
// its source's name.
func (n Namespace) Target() string {
	if n.TargetNamespace != "" {
		return n.TargetNamespace
	}
	return n.SourceNamespace
}

// Write and index strategies of a collection restore.
const (
	WriteStrategyCreateNew         = "CREATE_NEW"
	WriteStrategyOverwriteExisting = "OVERWRITE_EXISTING"
	IndexStrategyAll               = "ALL"
	IndexStrategyNone              = "NONE"
	IndexStrategyAllExceptTTL      = "ALL_EXCEPT_TTL"
)

// CollectionRestoreJob is a collection restore job
// (ApiAtlasCollectionRestoreJobResponse): the request it echoes, and how
// it is going.
type CollectionRestoreJob struct {
	ID string `json:"id"`
	CollectionRestoreRequest
	State string `json:"state"` // CollectionRestoreInitializing, …
	// TotalDocuments may start as an estimate; both count over every
	// supported collection of the job.
	TotalDocuments    int64           `json:"totalDocuments"`
	RestoredDocuments int64           `json:"restoredDocuments"`
	IndexStatus       *JobIndexStatus `json:"indexStatus,omitempty"`
	ErrorMessage      string          `json:"errorMessage,omitempty"` // when it failed or was canceled
	CreatedAt         *time.Time      `json:"createdAt,omitempty"`
	FinishedAt        *time.Time      `json:"finishedAt,omitempty"`
}

// JobIndexStatus is how a collection restore job's index builds went.
type JobIndexStatus struct {
	State                 string `json:"state"` // IndexBuildNotStarted, …
	FailedCollectionCount int    `json:"failedCollectionCount"`
}

// Collection restore job states (CANCELED with one L).
const (
	CollectionRestoreInitializing = "INITIALIZING"
	CollectionRestoreInProgress   = "IN_PROGRESS"
	CollectionRestoreFinalizing   = "FINALIZING"
	CollectionRestoreSuccessful   = "SUCCESSFUL"
	CollectionRestoreCanceled     = "CANCELED"
	CollectionRestoreFailed       = "FAILED"
)

// Index build states, of a job and of each collection.
const (
	IndexBuildNotStarted  = "NOT_STARTED"
	IndexBuildInProgress  = "IN_PROGRESS"
	IndexBuildSuccessful  = "SUCCESSFUL"
	IndexBuildFailed      = "FAILED"
	IndexBuildNotRestored = "NOT_RESTORED"
)

// Namespaces is how many namespaces the job restores: its databases and
// collections, as requested.
func (j *CollectionRestoreJob) Namespaces() int { return len(j.Databases) + len(j.Collections) }

// Target names where the restore goes: the target cluster, with its
// project when that differs from projectID.
func (j *CollectionRestoreJob) Target(projectID string) string {
	if j.TargetGroupID != "" && j.TargetGroupID != projectID {
		return j.TargetGroupID + "/" + j.TargetClusterName
	}
	return j.TargetClusterName
}

// CollectionState is what became of one collection of a collection restore
// job (ApiAtlasCollectionRestoreCollectionStateResponse).
type CollectionState struct {
	SourceNamespace string `json:"sourceNamespace"`
	TargetNamespace string `json:"targetNamespace"`
	// EffectiveTargetNamespace is where it was really restored (renamed
	// when CREATE_NEW met an existing namespace).
	EffectiveTargetNamespace string                 `json:"effectiveTargetNamespace,omitempty"`
	State                    string                 `json:"state"` // CollectionStateNotStarted, …
	TotalDocuments           int64                  `json:"totalDocuments"`
	RestoredDocuments        int64                  `json:"restoredDocuments"`
	IndexStatus              *CollectionIndexStatus `json:"indexStatus,omitempty"`
}

// CollectionIndexStatus is how one collection's index builds went.
type CollectionIndexStatus struct {
	State        string `json:"state"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	// FailedIndexes are the specifications of the indexes that failed (at
	// most 64), as Atlas sent them.
	FailedIndexes []map[string]any `json:"failedIndexes,omitempty"`
}

// Per-collection states of a collection restore job.
const (
	CollectionStateNotStarted       = "NOT_STARTED"
	CollectionStateInProgress       = "IN_PROGRESS"
	CollectionStateFinalizing       = "FINALIZING"
	CollectionStateNotFound         = "NOT_FOUND"
	CollectionStateUnsupported      = "UNSUPPORTED"
	CollectionStateSuccessful       = "SUCCESSFUL"
	CollectionStateRollback         = "ROLLBACK"
	CollectionStateNotRestored      = "NOT_RESTORED"
	CollectionStateFailed           = "FAILED"
	CollectionStateIndexBuildFailed = "INDEX_BUILD_FAILED"
)

// Target is where the collection went: Atlas's effective target when it
// gives one, else the target asked for, else the source's name.
func (s *CollectionState) Target() string {
	switch {
	case s.EffectiveTargetNamespace != "":
		return s.EffectiveTargetNamespace
	case s.TargetNamespace != "":
		return s.TargetNamespace
	}
	return s.SourceNamespace
}

// SnapshotDatabase is a database a snapshot holds (DiskBackupDatabaseResponse).
type SnapshotDatabase struct {
	Name string `json:"name"`
}

// SnapshotCollection is a collection of one database of a snapshot
// (DiskBackupCollectionResponse): its name only, without the database's.
type SnapshotCollection struct {
	Name string `json:"name"`
}

// collectionRestorePath is …/clusters/{cluster}/collectionRestoreJobs[/rest]:
// not under /backup.
func collectionRestorePath(projectID, cluster, rest string) string {
	p := "/groups/" + url.PathEscape(projectID) + "/clusters/" + url.PathEscape(cluster) + "/collectionRestoreJobs"
	if rest != "" {
		p += "/" + rest
	}
	return p
}

// CreateCollectionRestoreCall starts a collection restore job of the
// source cluster.
func CreateCollectionRestoreCall(projectID, cluster string, r CollectionRestoreRequest) Call {
	return call{method: http.MethodPost, path: collectionRestorePath(projectID, cluster, ""), body: r, version: VersionCollections, pretty: true}
}

// CreateCollectionRestore starts a collection restore job (Atlas answers
// 201 Created). A failure that leaves unknown whether a job was started is
// an *OutcomeUnknownError.
func (c *Client) CreateCollectionRestore(ctx context.Context, projectID, cluster string, r CollectionRestoreRequest) (*CollectionRestoreJob, []byte, error) {
	job, raw, err := decodeOne[CollectionRestoreJob](c.do(ctx, CreateCollectionRestoreCall(projectID, cluster, r)))
	return job, raw, createOutcome(err)
}

// GetCollectionRestore reads one collection restore job.
func (c *Client) GetCollectionRestore(ctx context.Context, projectID, cluster, id string) (*CollectionRestoreJob, []byte, error) {
	return decodeOne[CollectionRestoreJob](c.do(ctx, call{method: http.MethodGet, path: collectionRestorePath(projectID, cluster, url.PathEscape(id)), version: VersionCollections, pretty: true}))
}

// ListCollectionRestores lists a cluster's collection restore jobs.
func (c *Client) ListCollectionRestores(ctx context.Context, projectID, cluster string, o ListOptions) (*List[CollectionRestoreJob], error) {
	return list[CollectionRestoreJob](ctx, c, call{method: http.MethodGet, path: collectionRestorePath(projectID, cluster, ""), version: VersionCollections, pretty: true}, o)
}

// ListCollectionRestoreStates lists what became of each collection of a
// collection restore job, every page of it. While the job is INITIALIZING
// the list is empty: the states do not exist yet.
func (c *Client) ListCollectionRestoreStates(ctx context.Context, projectID, cluster, id string) (*List[CollectionState], error) {
	return list[CollectionState](ctx, c, call{method: http.MethodGet, path: collectionRestorePath(projectID, cluster, url.PathEscape(id)+"/collections"), version: VersionCollections, pretty: true}, ListOptions{All: true})
}

// snapshotPath is …/backup/snapshots/{id}/databases[/{db}/collections].
func snapshotPath(projectID, cluster, snapshotID, rest string) string {
	return clusterPath(projectID, cluster, "snapshots/"+url.PathEscape(snapshotID)+"/"+rest)
}

// ListSnapshotDatabases lists the databases a snapshot holds.
func (c *Client) ListSnapshotDatabases(ctx context.Context, projectID, cluster, snapshotID string, o ListOptions) (*List[SnapshotDatabase], error) {
	return list[SnapshotDatabase](ctx, c, call{method: http.MethodGet, path: snapshotPath(projectID, cluster, snapshotID, "databases"), version: VersionCollections, pretty: true}, o)
}

// ListSnapshotCollections lists the collections of one database of a
// snapshot.
func (c *Client) ListSnapshotCollections(ctx context.Context, projectID, cluster, snapshotID, database string, o ListOptions) (*List[SnapshotCollection], error) {
	return list[SnapshotCollection](ctx, c, call{method: http.MethodGet, path: snapshotPath(projectID, cluster, snapshotID, "databases/"+url.PathEscape(database)+"/collections"), version: VersionCollections, pretty: true}, o)
}

// SnapshotBefore is the cluster's newest completed snapshot taken at or
// before t: the one a point-in-time restore to t starts from; nil when
// the cluster has none.
//
// It reads the cluster's snapshots (every page) and picks, as
// ResolveSnapshot does for latest, rather than ask Atlas with the list's
// pointInTimeUtcSeconds parameter: the answer is the same, and it does not
// depend on a server honouring that parameter.
func (c *Client) SnapshotBefore(ctx context.Context, projectID, cluster string, t time.Time) (*Snapshot, error) {
	snaps, err := c.ListSnapshots(ctx, projectID, cluster, ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	var best *Snapshot
	for i, s := range snaps.Items {
		if s.Completed() && s.CreatedAt != nil && !s.CreatedAt.After(t) && (best == nil || s.CreatedAt.After(*best.CreatedAt)) {
			best = &snaps.Items[i]
		}
	}
	return best, nil
}

// FindRunningCollectionRestore finds a collection restore job of the
// cluster that has not ended and asks for the same restore (source,
// target, namespaces, suffixes and strategies), for --reuse: nil when
// there is none.
func (c *Client) FindRunningCollectionRestore(ctx context.Context, projectID, cluster string, r CollectionRestoreRequest) (*CollectionRestoreJob, []byte, error) {
	jobs, err := c.ListCollectionRestores(ctx, projectID, cluster, ListOptions{All: true})
	if err != nil {
		return nil, nil, err
	}
	for i, j := range jobs.Items {
		if ended, _ := j.Ended(); !ended && sameCollectionRestore(j.CollectionRestoreRequest, r) {
			return &jobs.Items[i], jobs.RawAt(i), nil
		}
	}
	return nil, nil, nil
}

// sameCollectionRestore compares what makes two collection restores the
// same: the source (snapshot, or point in time), the target, the
// namespaces (in any order; an empty target is the source's name), the
// suffixes and the strategies. Fields Atlas adds to its answer do not
// count.
func sameCollectionRestore(job, r CollectionRestoreRequest) bool {
	return job.SnapshotID == r.SnapshotID && job.PointInTimeUTCSeconds == r.PointInTimeUTCSeconds &&
		job.OplogTs == r.OplogTs && job.OplogInc == r.OplogInc &&
		job.TargetClusterName == r.TargetClusterName && job.TargetGroupID == r.TargetGroupID &&
		job.DatabaseSuffix == r.DatabaseSuffix && job.CollectionSuffix == r.CollectionSuffix &&
		strings.EqualFold(job.IndexStrategy, r.IndexStrategy) && strings.EqualFold(job.WriteStrategy, r.WriteStrategy) &&
		sameNamespaces(job.Databases, r.Databases) && sameNamespaces(job.Collections, r.Collections)
}

func sameNamespaces(a, b []Namespace) bool {
	key := func(ns []Namespace) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = n.SourceNamespace + "\x00" + n.Target()
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// Closest is what of known is close to name, closest first (at most
// three): the same name but for case, or one at most two edits away, as
// NotFoundError.Near judges.
func Closest(name string, known []string) []string {
	return (&NotFoundError{Name: name, Known: known}).Near()
}

// FindRestore looks a job ID up among the cluster's restore jobs, then, on
// a 404 of that job (not of its cluster or project), among its collection
// restore jobs: one ID works for both kinds, and one of job and coll is
// set. When it is neither, the error is the restore job's *NotFoundError.
func (c *Client) FindRestore(ctx context.Context, projectID, cluster, id string) (job *RestoreJob, coll *CollectionRestoreJob, raw []byte, err error) {
	job, raw, err = c.GetRestore(ctx, projectID, cluster, id)
	var nf *NotFoundError
	if err == nil || !errors.As(err, &nf) || nf.Kind != KindRestoreJob || c.IsFlex(projectID, cluster) {
		return job, nil, raw, err // (a Flex cluster has no collection restore jobs)
	}
	coll, raw, cerr := c.GetCollectionRestore(ctx, projectID, cluster, id)
	var cnf *NotFoundError
	var apiErr *Error
	switch {
	case cerr == nil:
		return nil, coll, raw, nil
	case errors.As(cerr, &cnf), errors.As(cerr, &apiErr) && apiErr.Status == http.StatusNotFound:
		return nil, nil, nil, err // neither: the restore job's 404
	}
	return nil, nil, nil, cerr
}
