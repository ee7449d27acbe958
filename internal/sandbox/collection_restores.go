package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The handlers run with s.mu held.

// Collection-level restore jobs (…/clusters/{clusterName}/collectionRestoreJobs,
// version 2025-03-12 only, not under /backup): a restore of chosen
// databases and collections of a snapshot or a point in time into a target
// cluster, next to or over its data. The rules the sandbox follows, where
// the spec leaves them open:
//
// Request. indexStrategy (ALL, NONE, ALL_EXCEPT_TTL), writeStrategy
// (CREATE_NEW, OVERWRITE_EXISTING), targetClusterName and targetGroupId are
// required. The source is exactly one of snapshotId, pointInTimeUtcSeconds,
// or oplogTs with oplogInc (none, two, or oplogTs without oplogInc is 400);
// a point in time must not be in the future, needs the source cluster's
// continuous cloud backup (400 PIT_NOT_ENABLED) and a moment within its
// restore window (400 INVALID_POINT_IN_TIME), and restores from the newest
// snapshot completed at or before it (none: 400). collections (db.collection)
// and databases (database names) hold at most 100 entries each, at least
// one entry in all, no source twice in a list; names follow MongoDB's
// rules (a database name 1..63 bytes without /\. "$ or NUL; a collection
// name non-empty, without $ or NUL, not system.*; a namespace at most 255
// bytes, suffixes included); two restored collections may not have the
// same target. JSON nulls of the nullable fields count as absent. Any
// broken rule is 400 VALIDATION_ERROR naming every field; then an unknown
// cluster, project or snapshot is 404, a source cluster with backup off
// or a snapshot still being taken 400.
//
// One job per cluster at a time. While a collection restore job runs, a
// create whose source or target cluster takes part in it (as source or
// target) is 409 COLLECTION_RESTORE_ALREADY_IN_PROGRESS; a running
// automated or point-in-time restore into the target is 409
// CLUSTER_RESTORE_IN_PROGRESS (and an automated or point-in-time restore
// into a cluster that a collection restore job writes to is too).
//
// What is restored, in this order: each collections entry, then each
// databases entry expanded to the collections of that database in the
// snapshot, in name order (a collection listed on its own is not restored
// twice). Its target is the entry's targetNamespace (empty: the source's
// name), the database part with databaseSuffix appended and the collection
// part with collectionSuffix; that is the per-collection targetNamespace.
// A source the snapshot does not hold (a collection, or a whole database,
// which is then one entry named after it) ends NOT_FOUND, with no
// documents and no effectiveTargetNamespace; the job still succeeds.
//
// CREATE_NEW never overwrites. The target cluster's existing namespaces
// are modelled as those of the source cluster's newest completed snapshot,
// plus what earlier successful collection restore jobs restored into it. A
// collections entry whose target exists is restored into
// db.COLLECTION_restored_N, a databases entry whose target database exists
// into DATABASE_restored_N (all its collections), N the smallest from 1 that
// is free: that is its effectiveTargetNamespace. OVERWRITE_EXISTING
// replaces: effectiveTargetNamespace is targetNamespace.
//
// Over the job duration D (WithJobDuration): INITIALIZING for the first
// fifth (no per-collection states yet: the list is empty, a GET is 404;
// totalDocuments is an estimate, rounded up to the thousand), IN_PROGRESS
// until 4/5 of D, during which the collections are restored one after the
// other in equal slots, FINALIZING until D, then SUCCESSFUL. In its slot a
// collection goes NOT_STARTED → IN_PROGRESS (restoredDocuments growing to
// totalDocuments over three quarters of the slot) → FINALIZING (indexes
// being built) → SUCCESSFUL. The job's counts add up its collections'.
//
// Outcomes (WithRestoreOutcome, --restore-outcome): failed and cancelled
// jobs run the same way, except that their last collection found in the
// snapshot stops at half its documents and the job stays IN_PROGRESS
// until D; then the job is FAILED (that collection FAILED) or CANCELED
// (that collection NOT_RESTORED), with an errorMessage, and the
// collections restored before it ROLLBACK. expired means nothing here: the
// job succeeds.
//
// Index failures: a collection whose target collection name (suffix
// included, before any rename) ends in BadIndexSuffix ("_badindex") ends
// INDEX_BUILD_FAILED, its data restored and its indexStatus FAILED with an
// errorMessage and the failed index in failedIndexes; the job still ends
// SUCCESSFUL, its indexStatus FAILED with failedCollectionCount. With
// indexStrategy NONE no index is built: every indexStatus is NOT_RESTORED.
//
// There is no cancel: DELETE …/collectionRestoreJobs/{jobId} is 405, as
// the spec has no such operation.

// BadIndexSuffix ends the target collection names whose index builds fail
// in a collection restore job: restoring sales.orders into
// sales.orders_badindex (or with collectionSuffix _badindex) ends that
// collection INDEX_BUILD_FAILED.
const BadIndexSuffix = "_badindex"

// maxNamespaces is the most entries collections, and databases, may hold.
const maxNamespaces = 100

var (
	indexStrategies = []string{"ALL", "NONE", "ALL_EXCEPT_TTL"}
	writeStrategies = []string{"CREATE_NEW", "OVERWRITE_EXISTING"}
	// collectionStates are the per-collection states, the spec's order.
	collectionStates = []string{"NOT_STARTED", "IN_PROGRESS", "FINALIZING", "NOT_FOUND", "UNSUPPORTED",
		"SUCCESSFUL", "ROLLBACK", "NOT_RESTORED", "FAILED", "INDEX_BUILD_FAILED"}
)

// Collection restore request fields: writable, and read-only (ignored).
var (
	collectionRestoreWritable = []string{
		"collectionSuffix", "collections", "databaseSuffix", "databases", "indexStrategy", "oplogInc",
		"oplogTs", "pointInTimeUtcSeconds", "snapshotId", "targetClusterName", "targetGroupId", "writeStrategy",
	}
	collectionRestoreReadOnly = []string{
		"createdAt", "errorMessage", "finishedAt", "id", "indexStatus", "restoredDocuments", "state", "totalDocuments",
	}
)

// collectionRestoreJob is a collection-level restore job. Like the other
// jobs, its state is a function of the clock.
type collectionRestoreJob struct {
	id                               string
	groupID, cluster                 string // the source cluster's
	targetGroup, targetCluster       string
	snapshotID                       string // as requested; "" for a point in time
	pointInTime, oplogTs, oplogInc   *int64
	databases, collections           []namespaceView
	databaseSuffix, collectionSuffix string
	indexStrategy, writeStrategy     string
	createdAt                        time.Time
	duration                         time.Duration
	outcome                          Outcome
	items                            []restoreItem // what it restores, in order
}

// restoreItem is one collection of a job (or a source the snapshot does not
// hold).
type restoreItem struct {
	source    string // db.collection; a database name when the snapshot lacks that database
	target    string // requested, suffixes applied
	effective string // where it goes; "" when not found
	documents int64
	found     bool
	badIndex  bool
}

// namespaceView is the spec's ApiAtlasRestoreNamespaceView.
type namespaceView struct {
	SourceNamespace string `json:"sourceNamespace"`
	TargetNamespace string `json:"targetNamespace"`
}

// collectionRestoreJobView is the spec's ApiAtlasCollectionRestoreJobResponse,
// keys in alphabetical order: the request echoed (an empty targetNamespace
// as the source's name, suffixes as "") and the job's progress.
type collectionRestoreJobView struct {
	CollectionSuffix      string          `json:"collectionSuffix"`
	Collections           []namespaceView `json:"collections"`
	CreatedAt             string          `json:"createdAt"`
	DatabaseSuffix        string          `json:"databaseSuffix"`
	Databases             []namespaceView `json:"databases"`
	ErrorMessage          string          `json:"errorMessage,omitempty"`
	FinishedAt            string          `json:"finishedAt,omitempty"`
	ID                    string          `json:"id"`
	IndexStatus           jobIndexStatus  `json:"indexStatus"`
	IndexStrategy         string          `json:"indexStrategy"`
	OplogInc              *int64          `json:"oplogInc,omitempty"`
	OplogTs               *int64          `json:"oplogTs,omitempty"`
	PointInTimeUTCSeconds *int64          `json:"pointInTimeUtcSeconds,omitempty"`
	RestoredDocuments     int64           `json:"restoredDocuments"`
	SnapshotID            string          `json:"snapshotId,omitempty"`
	State                 string          `json:"state"`
	TargetClusterName     string          `json:"targetClusterName"`
	TargetGroupID         string          `json:"targetGroupId"`
	TotalDocuments        int64           `json:"totalDocuments"`
	WriteStrategy         string          `json:"writeStrategy"`
}

// jobIndexStatus is the spec's ApiAtlasCollectionRestoreJobIndexStatus.
type jobIndexStatus struct {
	FailedCollectionCount int    `json:"failedCollectionCount"`
	State                 string `json:"state"`
}

// collectionStateView is the spec's
// ApiAtlasCollectionRestoreCollectionStateResponse.
type collectionStateView struct {
	EffectiveTargetNamespace string                `json:"effectiveTargetNamespace,omitempty"`
	IndexStatus              collectionIndexStatus `json:"indexStatus"`
	RestoredDocuments        int64                 `json:"restoredDocuments"`
	SourceNamespace          string                `json:"sourceNamespace"`
	State                    string                `json:"state"`
	TargetNamespace          string                `json:"targetNamespace"`
	TotalDocuments           int64                 `json:"totalDocuments"`
}

// collectionIndexStatus is the spec's ApiAtlasCollectionRestoreIndexStatus.
type collectionIndexStatus struct {
	ErrorMessage  string           `json:"errorMessage,omitempty"`
	FailedIndexes []map[string]any `json:"failedIndexes,omitempty"`
	State         string           `json:"state"`
}

// ended reports whether the job has reached its end state at now.
func (j *collectionRestoreJob) ended(now time.Time) bool {
	return !now.Before(j.createdAt.Add(j.duration))
}

// succeeds reports whether the job ends SUCCESSFUL.
func (j *collectionRestoreJob) succeeds() bool {
	return j.outcome != OutcomeFailed && j.outcome != OutcomeCancelled
}

// breaker is the item a failed or cancelled job stops at (its last
// collection found in the snapshot), or -1.
func (j *collectionRestoreJob) breaker() int {
	if j.succeeds() {
		return -1
	}
	for i := len(j.items) - 1; i >= 0; i-- {
		if j.items[i].found {
			return i
		}
	}
	return -1
}

// progress is the job's state and its collections' at now.
func (j *collectionRestoreJob) progress(now time.Time) (state string, items []collectionStateView) {
	d := j.duration
	elapsed := now.Sub(j.createdAt)
	initEnd, workEnd := d/5, d*4/5
	var found []int
	for i, it := range j.items {
		if it.found {
			found = append(found, i)
		}
	}
	ended := j.ended(now)
	switch {
	case ended && j.outcome == OutcomeFailed:
		state = "FAILED"
	case ended && j.outcome == OutcomeCancelled:
		state = "CANCELED"
	case ended:
		state = "SUCCESSFUL"
	case elapsed < initEnd:
		return "INITIALIZING", nil
	case elapsed < workEnd || !j.succeeds():
		state = "IN_PROGRESS"
	default:
		state = "FINALIZING"
	}
	breaker := j.breaker()
	items = make([]collectionStateView, len(j.items))
	k := 0 // the item's number among the found ones
	for i, it := range j.items {
		v := collectionStateView{SourceNamespace: it.source, TargetNamespace: it.target, EffectiveTargetNamespace: it.effective}
		if !it.found {
			v.State = "NOT_FOUND"
			v.IndexStatus.State = "NOT_RESTORED"
			items[i] = v
			continue
		}
		v.TotalDocuments = it.documents
		// Its slot of the IN_PROGRESS phase: restoring for three quarters,
		// then finalizing.
		span := int64(workEnd - initEnd)
		n := int64(len(found))
		from := initEnd + time.Duration(span*int64(k)/n)
		to := initEnd + time.Duration(span*int64(k+1)/n)
		finalize := from + (to-from)*3/4
		k++
		switch {
		case ended && i == breaker && j.outcome == OutcomeFailed:
			v.State, v.RestoredDocuments = "FAILED", it.documents/2
		case ended && i == breaker:
			v.State, v.RestoredDocuments = "NOT_RESTORED", it.documents/2
		case ended && !j.succeeds():
			v.State, v.RestoredDocuments = "ROLLBACK", it.documents
		case !ended && elapsed < from:
			v.State = "NOT_STARTED"
		case !ended && elapsed < finalize:
			v.State = "IN_PROGRESS"
			v.RestoredDocuments = it.documents * int64(elapsed-from) / int64(finalize-from)
		case !ended && elapsed < to:
			v.State, v.RestoredDocuments = "FINALIZING", it.documents
		case it.badIndex:
			v.State, v.RestoredDocuments = "INDEX_BUILD_FAILED", it.documents
		default:
			v.State, v.RestoredDocuments = "SUCCESSFUL", it.documents
		}
		if i == breaker && !ended && v.State != "NOT_STARTED" { // it never gets past half its documents
			v.State, v.RestoredDocuments = "IN_PROGRESS", min(v.RestoredDocuments, it.documents/2)
		}
		v.IndexStatus = j.collectionIndexStatus(it, v.State)
		items[i] = v
	}
	return state, items
}

// collectionIndexStatus is how a collection's index builds stand in a state.
func (j *collectionRestoreJob) collectionIndexStatus(it restoreItem, state string) collectionIndexStatus {
	if j.indexStrategy == "NONE" {
		return collectionIndexStatus{State: "NOT_RESTORED"}
	}
	switch state {
	case "NOT_STARTED", "IN_PROGRESS":
		return collectionIndexStatus{State: "NOT_STARTED"}
	case "FINALIZING":
		return collectionIndexStatus{State: "IN_PROGRESS"}
	case "SUCCESSFUL":
		return collectionIndexStatus{State: "SUCCESSFUL"}
	case "INDEX_BUILD_FAILED":
		return collectionIndexStatus{
			State: "FAILED",
			ErrorMessage: fmt.Sprintf("Index build failed on %s: E11000 duplicate key error collection: %s index: externalId_1 dup key: { externalId: \"A-1042\" } (the sandbox fails the indexes of collections restored as *%s)",
				it.effective, it.effective, BadIndexSuffix),
			FailedIndexes: []map[string]any{{"key": map[string]any{"externalId": 1}, "name": "externalId_1", "unique": true}},
		}
	}
	return collectionIndexStatus{State: "NOT_RESTORED"}
}

// view is the job as the API shows it at now.
func (j *collectionRestoreJob) view(now time.Time) collectionRestoreJobView {
	v := collectionRestoreJobView{
		CollectionSuffix:      j.collectionSuffix,
		Collections:           append([]namespaceView{}, j.collections...),
		CreatedAt:             timeString(j.createdAt),
		DatabaseSuffix:        j.databaseSuffix,
		Databases:             append([]namespaceView{}, j.databases...),
		ID:                    j.id,
		IndexStrategy:         j.indexStrategy,
		OplogInc:              j.oplogInc,
		OplogTs:               j.oplogTs,
		PointInTimeUTCSeconds: j.pointInTime,
		SnapshotID:            j.snapshotID,
		TargetClusterName:     j.targetCluster,
		TargetGroupID:         j.targetGroup,
		WriteStrategy:         j.writeStrategy,
	}
	state, items := j.progress(now)
	v.State = state
	failedIndexes, found := 0, 0
	for i, it := range j.items {
		if !it.found {
			continue
		}
		found++
		v.TotalDocuments += it.documents
		if items != nil {
			v.RestoredDocuments += items[i].RestoredDocuments
			if items[i].State == "INDEX_BUILD_FAILED" {
				failedIndexes++
			}
		}
	}
	v.IndexStatus.FailedCollectionCount = failedIndexes
	if state == "INITIALIZING" { // an estimate, until the collections are counted
		v.TotalDocuments = (v.TotalDocuments + 999) / 1000 * 1000
	}
	switch {
	case j.indexStrategy == "NONE":
		v.IndexStatus.State = "NOT_RESTORED"
	case state == "INITIALIZING":
		v.IndexStatus.State = "NOT_STARTED"
	case state == "IN_PROGRESS" || state == "FINALIZING":
		v.IndexStatus.State = "IN_PROGRESS"
	case state == "SUCCESSFUL" && failedIndexes > 0:
		v.IndexStatus.State = "FAILED"
	case state == "SUCCESSFUL" && found > 0:
		v.IndexStatus.State = "SUCCESSFUL"
	default: // nothing restored, or rolled back
		v.IndexStatus.State = "NOT_RESTORED"
	}
	if j.ended(now) {
		v.FinishedAt = timeString(j.createdAt.Add(j.duration))
		v.ErrorMessage = j.errorMessage()
	}
	return v
}

// errorMessage says why a failed or cancelled job ended so.
func (j *collectionRestoreJob) errorMessage() string {
	b := j.breaker()
	switch {
	case j.outcome == OutcomeFailed && b < 0:
		return "Simulated failure: the collection restore job failed before restoring any collection (the sandbox was started with restore outcome failed)."
	case j.outcome == OutcomeFailed:
		return fmt.Sprintf("Simulated failure: restoring %s into %s failed, and the collections restored before it were rolled back (the sandbox was started with restore outcome failed).",
			j.items[b].source, j.items[b].effective)
	case j.outcome == OutcomeCancelled && b < 0:
		return "Simulated cancellation: the collection restore job was canceled by MongoDB Cloud before restoring any collection (the sandbox was started with restore outcome cancelled)."
	case j.outcome == OutcomeCancelled:
		return fmt.Sprintf("Simulated cancellation: the collection restore job was canceled by MongoDB Cloud while restoring %s, and the collections restored before it were rolled back (the sandbox was started with restore outcome cancelled).",
			j.items[b].source)
	}
	return ""
}

// Request body checks.

// dropNulls removes the fields whose value is JSON null: the nullable
// fields of a request, for which null means absent.
func (b *body) dropNulls(names ...string) {
	for _, n := range names {
		if v, ok := b.fields[n]; ok && v == nil {
			delete(b.fields, n)
		}
	}
}

// enum returns a required string field that must be one of allowed.
func (b *body) enum(name string, allowed []string) string {
	s := b.str(name, true, nil)
	if _, isString := b.fields[name].(string); isString && !slices.Contains(allowed, s) {
		b.v.add(name, "%q must be one of %s", s, strings.Join(allowed, ", "))
	}
	return s
}

// optInt32 returns an optional 32-bit integer field, nil when absent.
func (b *body) optInt32(name string) *int64 {
	if !b.has(name) {
		return nil
	}
	n := b.int32(name, math.MinInt32)
	return &n
}

// entries is how many entries an array field holds (0 when it is absent or
// not an array).
func (b *body) entries(name string) int {
	arr, _ := b.fields[name].([]any)
	return len(arr)
}

// namespaces returns a databases or collections array of
// {sourceNamespace, targetNamespace} objects, an empty targetNamespace
// replaced by the source's name.
func (b *body) namespaces(name string, collections bool) []namespaceView {
	raw, ok := b.fields[name]
	if !ok {
		return nil
	}
	arr, ok := raw.([]any)
	if !ok {
		b.v.add(name, "must be an array of {sourceNamespace, targetNamespace} objects")
		return nil
	}
	if len(arr) > maxNamespaces {
		b.v.add(name, "has %d entries: at most %d", len(arr), maxNamespaces)
	}
	check := checkDatabaseName
	if collections {
		check = checkNamespace
	}
	var out []namespaceView
	seen := map[string]bool{}
	for i, item := range arr {
		field := fmt.Sprintf("%s[%d]", name, i)
		obj, ok := item.(map[string]any)
		if !ok {
			b.v.add(field, "must be an object with sourceNamespace and targetNamespace")
			continue
		}
		for _, k := range sortedKeys(obj) {
			if k != "sourceNamespace" && k != "targetNamespace" {
				b.v.add(field+"."+k, "is not an attribute of a restore namespace")
			}
		}
		src, ok := obj["sourceNamespace"].(string)
		if !ok {
			b.v.add(field+".sourceNamespace", "is required, a string")
			continue
		}
		if msg := check(src); msg != "" {
			b.v.add(field+".sourceNamespace", "%q %s", src, msg)
		} else if seen[src] {
			b.v.add(field+".sourceNamespace", "%q is listed twice", src)
		}
		seen[src] = true
		target := ""
		if raw, ok := obj["targetNamespace"]; ok && raw != nil {
			if target, ok = raw.(string); !ok {
				b.v.add(field+".targetNamespace", "must be a string")
			} else if msg := check(target); target != "" && msg != "" {
				b.v.add(field+".targetNamespace", "%q %s", target, msg)
			}
		}
		out = append(out, namespaceView{SourceNamespace: src, TargetNamespace: cmpOr(target, src)})
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Name rules of MongoDB, as the contract states them.
const (
	maxDatabaseName   = 63
	maxNamespace      = 255
	databaseForbidden = "/\\. \"$\x00"
)

// checkDatabaseName says what is wrong with a database name, or "".
func checkDatabaseName(name string) string {
	switch {
	case name == "":
		return "is not a database name: it is empty"
	case len(name) > maxDatabaseName:
		return fmt.Sprintf("is not a database name: it is longer than %d bytes", maxDatabaseName)
	case strings.ContainsAny(name, databaseForbidden):
		return `is not a database name: it has one of /\. "$ or NUL`
	}
	return ""
}

// checkNamespace says what is wrong with a db.collection namespace, or "".
func checkNamespace(ns string) string {
	db, coll, ok := strings.Cut(ns, ".")
	switch {
	case !ok:
		return "is not a namespace: want database.collection"
	case checkDatabaseName(db) != "":
		return "is not a namespace: its database part " + strings.TrimPrefix(checkDatabaseName(db), "is not a database name: ")
	case coll == "":
		return "is not a namespace: its collection part is empty"
	case strings.ContainsAny(coll, "$\x00"):
		return "is not a namespace: its collection part has a $ or NUL"
	case strings.HasPrefix(coll, "system."):
		return "is not a namespace that can be restored: system collections cannot"
	case len(ns) > maxNamespace:
		return fmt.Sprintf("is not a namespace: it is longer than %d bytes", maxNamespace)
	}
	return ""
}

// Handlers.

func (s *Server) createCollectionRestore(x *exchange) (int, any, *apiError) {
	b, apiErr := parseBody(x.body, collectionRestoreWritable, collectionRestoreReadOnly)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	b.dropNulls("pointInTimeUtcSeconds", "oplogTs", "oplogInc", "databaseSuffix", "collectionSuffix")
	now := s.now()
	j := &collectionRestoreJob{
		snapshotID:       b.str("snapshotId", false, idPattern()),
		pointInTime:      b.optInt32("pointInTimeUtcSeconds"),
		oplogTs:          b.optInt32("oplogTs"),
		oplogInc:         b.optInt32("oplogInc"),
		targetCluster:    b.str("targetClusterName", true, nil),
		targetGroup:      b.str("targetGroupId", true, idPattern()),
		indexStrategy:    b.enum("indexStrategy", indexStrategies),
		writeStrategy:    b.enum("writeStrategy", writeStrategies),
		databaseSuffix:   b.str("databaseSuffix", false, nil),
		collectionSuffix: b.str("collectionSuffix", false, nil),
		collections:      b.namespaces("collections", true),
		databases:        b.namespaces("databases", false),
	}
	if b.entries("collections") == 0 && b.entries("databases") == 0 && !b.v.has("collections", "databases") {
		b.v.add("collections", "give at least one entry in collections or databases")
	}
	if strings.ContainsAny(j.databaseSuffix, databaseForbidden) {
		b.v.add("databaseSuffix", `%q has one of /\. "$ or NUL, which database names cannot have`, j.databaseSuffix)
	}
	if strings.ContainsAny(j.collectionSuffix, "$\x00") {
		b.v.add("collectionSuffix", "%q has a $ or NUL, which collection names cannot have", j.collectionSuffix)
	}
	oplog := j.oplogTs != nil || j.oplogInc != nil
	sources := 0
	for _, given := range []bool{b.has("snapshotId"), j.pointInTime != nil, oplog} {
		if given {
			sources++
		}
	}
	switch {
	case sources == 0:
		b.v.add("snapshotId", "give the source: snapshotId, pointInTimeUtcSeconds, or oplogTs with oplogInc")
	case sources > 1:
		b.v.add("snapshotId", "give one source only: snapshotId, pointInTimeUtcSeconds, or oplogTs with oplogInc")
	case oplog && (j.oplogTs == nil || j.oplogInc == nil):
		b.v.add("oplogTs", "oplogTs and oplogInc must be given together")
	}
	if j.pointInTime != nil && *j.pointInTime > now.Unix() {
		b.v.add("pointInTimeUtcSeconds", "%d is in the future", *j.pointInTime)
	}
	if j.oplogTs != nil && *j.oplogTs > now.Unix() {
		b.v.add("oplogTs", "%d is in the future", *j.oplogTs)
	}
	if err := b.v.err(); err != nil {
		return 0, nil, err
	}

	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	if err := backupEnabled(c, "restoring from its snapshots"); err != nil {
		return 0, nil, err
	}
	var snap *snapshot
	if j.snapshotID != "" {
		if snap, err = completedSnapshot(c, j.snapshotID, now); err != nil {
			return 0, nil, err
		}
	} else {
		at := j.oplogTs
		if j.pointInTime != nil {
			at = j.pointInTime
		}
		if err := c.checkPointInTime(*at, now); err != nil {
			return 0, nil, err
		}
		if snap = c.snapshotBefore(time.Unix(*at, 0), now); snap == nil {
			t := timeString(time.Unix(*at, 0))
			return 0, nil, newError(http.StatusBadRequest, codeValidation,
				fmt.Sprintf("No snapshot of cluster %s was taken before %s: pick a later point in time.", c.name, t), c.name, t)
		}
	}
	target, err := s.store.cluster(j.targetGroup, j.targetCluster)
	if err != nil {
		return 0, nil, err
	}
	for _, cl := range []*cluster{c, target} {
		if busy := s.collectionRestoreWith(cl.groupID, cl.name, now); busy != nil {
			state, _ := busy.progress(now)
			return 0, nil, newError(http.StatusConflict, codeCollectionRestoreInProgress,
				fmt.Sprintf("Cluster %s already takes part in collection restore job %s (%s): Atlas runs one collection restore job per cluster at a time.", cl.name, busy.id, state),
				cl.name, busy.id)
		}
	}
	if busy := s.restoreInto(target.groupID, target.name, now); busy != nil {
		return 0, nil, newError(http.StatusConflict, codeRestoreInProgress,
			fmt.Sprintf("Cluster %s is already the target of restore job %s.", target.name, busy.id), target.name, busy.id)
	}
	if busy := s.flexRestoreInto(target.groupID, target.name, now); busy != nil {
		return 0, nil, newError(http.StatusConflict, codeRestoreInProgress,
			fmt.Sprintf("Cluster %s is already the target of Flex restore job %s.", target.name, busy.id), target.name, busy.id)
	}
	if err := s.planCollectionRestore(j, snap, c, now); err != nil {
		return 0, nil, err
	}
	j.id, j.createdAt = s.newID(), now
	j.groupID, j.cluster = c.groupID, c.name
	j.duration, j.outcome = s.jobDuration, s.restoreOutcome
	c.collectionRestores = append([]*collectionRestoreJob{j}, c.collectionRestores...)
	return http.StatusCreated, j.view(now), nil
}

// has reports whether a violation names one of the fields (or an entry of
// one of them).
func (v violations) has(fields ...string) bool {
	for _, f := range v {
		for _, name := range fields {
			if f.Field == name || strings.HasPrefix(f.Field, name+"[") {
				return true
			}
		}
	}
	return false
}

// planCollectionRestore works out what the job restores from the
// snapshot, and where to; two collections restored into the same target,
// or a suffix that makes a name too long, is 400.
func (s *Server) planCollectionRestore(j *collectionRestoreJob, snap *snapshot, source *cluster, now time.Time) *apiError {
	existing := s.targetNamespaces(source, j.targetGroup, j.targetCluster, now)
	existingDBs := map[string]bool{}
	for ns := range existing {
		db, _, _ := strings.Cut(ns, ".")
		existingDBs[db] = true
	}
	taken, takenDBs := map[string]bool{}, map[string]bool{} // by this job
	createNew := j.writeStrategy == "CREATE_NEW"
	var v violations
	said := map[string]bool{}
	add := func(field, format string, args ...any) { // each violation once
		if msg := field + ": " + fmt.Sprintf(format, args...); !said[msg] {
			said[msg] = true
			v.add(field, "%s", fmt.Sprintf(format, args...))
		}
	}
	take := func(it restoreItem, field string) {
		db, coll, _ := strings.Cut(it.target, ".")
		switch {
		case len(db) > maxDatabaseName:
			add("databaseSuffix", "%q makes database name %q longer than %d bytes", j.databaseSuffix, db, maxDatabaseName)
		case len(it.target) > maxNamespace:
			if j.collectionSuffix != "" || j.databaseSuffix != "" {
				field = "collectionSuffix"
			}
			add(field, "%s would be restored into %q, longer than %d bytes", it.source, it.target, maxNamespace)
		}
		if it.found {
			for _, prev := range j.items {
				if prev.found && prev.target == it.target {
					add(field, "%s and %s would both be restored into %s", prev.source, it.source, it.target)
					break
				}
			}
			it.badIndex = j.indexStrategy != "NONE" && strings.HasSuffix(coll, BadIndexSuffix)
			taken[it.effective], takenDBs[strings.SplitN(it.effective, ".", 2)[0]] = true, true
		}
		j.items = append(j.items, it)
	}
	// free is the first name+"_restored_N" that neither exists nor is taken.
	free := func(name string, exists func(string) bool) string {
		for n := 1; ; n++ {
			if c := name + "_restored_" + strconv.Itoa(n); !exists(c) {
				return c
			}
		}
	}
	explicit := map[string]bool{}
	for _, n := range j.collections {
		explicit[n.SourceNamespace] = true
		sdb, scoll, _ := strings.Cut(n.SourceNamespace, ".")
		tdb, tcoll, _ := strings.Cut(n.TargetNamespace, ".")
		tdb, tcoll = tdb+j.databaseSuffix, tcoll+j.collectionSuffix
		it := restoreItem{source: n.SourceNamespace, target: tdb + "." + tcoll}
		if d := snap.database(sdb); d != nil {
			if sc := d.collection(scoll); sc != nil {
				it.found, it.documents, it.effective = true, sc.documents, it.target
			}
		}
		if it.found && createNew && (existing[it.target] || taken[it.target]) {
			it.effective = tdb + "." + free(tcoll, func(c string) bool { return existing[tdb+"."+c] || taken[tdb+"."+c] })
		}
		take(it, "collections")
	}
	for _, n := range j.databases {
		tdb := n.TargetNamespace + j.databaseSuffix
		d := snap.database(n.SourceNamespace)
		if d == nil {
			take(restoreItem{source: n.SourceNamespace, target: tdb}, "databases")
			continue
		}
		edb := tdb
		if createNew && (existingDBs[tdb] || takenDBs[tdb]) {
			edb = free(tdb, func(c string) bool { return existingDBs[c] || takenDBs[c] })
		}
		for _, sc := range d.collections {
			src := d.name + "." + sc.name
			if explicit[src] {
				continue // its own entry restores it
			}
			tcoll := sc.name + j.collectionSuffix
			take(restoreItem{source: src, target: tdb + "." + tcoll, effective: edb + "." + tcoll, documents: sc.documents, found: true}, "databases")
		}
	}
	return v.err()
}

// targetNamespaces are the namespaces modelled as existing on the target
// cluster: those of the source cluster's newest completed snapshot, and
// those that earlier successful collection restore jobs restored into it.
func (s *Server) targetNamespaces(source *cluster, groupID, name string, now time.Time) map[string]bool {
	out := map[string]bool{}
	if sn := source.latestCompleted(now); sn != nil {
		for _, ns := range sn.namespaces() {
			out[ns] = true
		}
	}
	for _, p := range s.store.projects {
		for _, c := range p.clusters {
			for _, j := range c.collectionRestores {
				if j.targetGroup != groupID || j.targetCluster != name || !j.ended(now) || !j.succeeds() {
					continue
				}
				for _, it := range j.items {
					if it.found {
						out[it.effective] = true
					}
				}
			}
		}
	}
	return out
}

// collectionRestoreWith returns a running collection restore job that the
// cluster takes part in, as its source or its target.
func (s *Server) collectionRestoreWith(groupID, name string, now time.Time) *collectionRestoreJob {
	for _, p := range s.store.projects {
		for _, c := range p.clusters {
			for _, j := range c.collectionRestores {
				if j.ended(now) {
					continue
				}
				if (j.groupID == groupID && j.cluster == name) || (j.targetGroup == groupID && j.targetCluster == name) {
					return j
				}
			}
		}
	}
	return nil
}

// collectionRestoreInto returns a running collection restore job that
// writes into the cluster.
func (s *Server) collectionRestoreInto(groupID, name string, now time.Time) *collectionRestoreJob {
	for _, p := range s.store.projects {
		for _, c := range p.clusters {
			for _, j := range c.collectionRestores {
				if !j.ended(now) && j.targetGroup == groupID && j.targetCluster == name {
					return j
				}
			}
		}
	}
	return nil
}

// collectionRestoreOf finds the job of the request's path.
func (s *Server) collectionRestoreOf(x *exchange) (*collectionRestoreJob, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return nil, err
	}
	for _, j := range c.collectionRestores {
		if j.id == x.params["jobId"] {
			return j, nil
		}
	}
	return nil, notFound("collection restore job", x.params["jobId"])
}

func (s *Server) listCollectionRestores(x *exchange) (int, any, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	return http.StatusOK, paginate(x, viewsOf(c.collectionRestores, func(j *collectionRestoreJob) collectionRestoreJobView { return j.view(now) })), nil
}

func (s *Server) getCollectionRestore(x *exchange) (int, any, *apiError) {
	j, err := s.collectionRestoreOf(x)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, j.view(s.now()), nil
}

// listCollectionRestoreStates lists a job's per-collection states, filtered
// by state, sourceNamespace and targetNamespace (the requested target,
// exactly); empty while the job is INITIALIZING.
func (s *Server) listCollectionRestoreStates(x *exchange) (int, any, *apiError) {
	j, err := s.collectionRestoreOf(x)
	if err != nil {
		return 0, nil, err
	}
	_, items := j.progress(s.now())
	out := []collectionStateView{}
	for _, v := range items {
		if f := x.query.Get("state"); f != "" && v.State != f {
			continue
		}
		if f := x.query.Get("sourceNamespace"); f != "" && v.SourceNamespace != f {
			continue
		}
		if f := x.query.Get("targetNamespace"); f != "" && v.TargetNamespace != f {
			continue
		}
		out = append(out, v)
	}
	return http.StatusOK, paginate(x, out), nil
}

// getCollectionRestoreState is one collection's state, by its source
// namespace: 404 while the job is INITIALIZING, as the states do not
// exist yet.
func (s *Server) getCollectionRestoreState(x *exchange) (int, any, *apiError) {
	j, err := s.collectionRestoreOf(x)
	if err != nil {
		return 0, nil, err
	}
	_, items := j.progress(s.now())
	ns := x.params["sourceNamespace"]
	for _, v := range items {
		if v.SourceNamespace == ns {
			return http.StatusOK, v, nil
		}
	}
	return 0, nil, newError(http.StatusNotFound, codeNotFound,
		fmt.Sprintf("Cannot find resource collection %s in collection restore job %s.", ns, j.id), ns, j.id)
}
