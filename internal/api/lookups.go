package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// Patterns the API states for IDs and cluster names: the CLI checks its
// input against them before anything is sent.
var (
	IDPattern          = lazyre.New(`^[a-f0-9]{24}$`)
	ClusterNamePattern = lazyre.New(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
)

// Latest, as a snapshot ID, names a cluster's newest completed snapshot;
// NewSnapshot ("new"), an on-demand snapshot taken for the job, and
// waited for.
const (
	Latest      = "latest"
	NewSnapshot = "new"
)

// ResolveSnapshot turns Latest into the cluster's newest completed
// snapshot (returned too, so the caller can say which it took); any other
// ID is returned as it is, with a nil snapshot. A cluster without a
// completed snapshot is a *NotFoundError.
func (c *Client) ResolveSnapshot(ctx context.Context, projectID, cluster, id string) (string, *Snapshot, error) {
	if id != Latest {
		return id, nil, nil
	}
	snaps, err := c.ListSnapshots(ctx, projectID, cluster, ListOptions{All: true})
	if err != nil {
		return "", nil, err
	}
	var newest *Snapshot
	for i, s := range snaps.Items {
		if s.Completed() && s.CreatedAt != nil && (newest == nil || s.CreatedAt.After(*newest.CreatedAt)) {
			newest = &snaps.Items[i]
		}
	}
	if newest == nil {
		return "", nil, &NotFoundError{Kind: KindSnapshot, Name: Latest, ProjectID: projectID, Cluster: cluster}
	}
	return newest.ID, newest, nil
}

// ResolveBucket turns an export bucket's name into its ID (returning the
// bucket too); an ID is returned as it is, with a nil bucket. An unknown
// name is a *NotFoundError that lists the names there are; a name that
// several buckets share (Atlas lets them) is an *AmbiguousError listing
// them, never one of them taken at random.
func (c *Client) ResolveBucket(ctx context.Context, projectID, nameOrID string) (string, *Bucket, error) {
	if IDPattern().MatchString(nameOrID) {
		return nameOrID, nil, nil
	}
	buckets, err := c.ListBuckets(ctx, projectID, ListOptions{All: true})
	if err != nil {
		return "", nil, err
	}
	var names []string
	var found []int
	for i, b := range buckets.Items {
		if !slices.Contains(names, b.BucketName) { // names repeat: Atlas lets them
			names = append(names, b.BucketName)
		}
		if b.BucketName == nameOrID {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return "", nil, &NotFoundError{Kind: KindBucket, Name: nameOrID, ProjectID: projectID, Known: names}
	case 1:
		b := &buckets.Items[found[0]]
		return b.ID, b, nil
	}
	amb := &AmbiguousError{Kind: KindBucket, Name: nameOrID, ProjectID: projectID}
	for _, i := range found {
		b := buckets.Items[i]
		region := bucketRegion(buckets.RawAt(i))
		if region == "" && b.CloudProvider == "AWS" { // lists leave it out: one read of each match
			if _, raw, err := c.GetBucket(ctx, projectID, b.ID); err == nil {
				region = bucketRegion(raw)
			}
		}
		amb.Matches = append(amb.Matches, Match{ID: b.ID, Provider: b.CloudProvider, Region: region})
	}
	return "", nil, amb
}

// bucketRegion is a bucket's region as Atlas sent it ("" when it sent
// none): only the ambiguous-name message needs it.
func bucketRegion(raw []byte) string {
	var b struct {
		Region string `json:"region"`
	}
	_ = json.Unmarshal(raw, &b) // the item decoded as a Bucket already; no region is ""
	return b.Region
}

// FindRunningExport finds an export job of the cluster that has not ended
// and exports the same snapshot to the same bucket, for --reuse: nil when
// there is none.
func (c *Client) FindRunningExport(ctx context.Context, projectID, cluster string, r ExportRequest) (*ExportJob, []byte, error) {
	jobs, err := c.ListExports(ctx, projectID, cluster, ListOptions{All: true})
	if err != nil {
		return nil, nil, err
	}
	for i, j := range jobs.Items {
		if ended, _, err := j.Ended(); err == nil && !ended && j.SnapshotID == r.SnapshotID && j.ExportBucketID == r.ExportBucketID {
			return &jobs.Items[i], jobs.RawAt(i), nil
		}
	}
	return nil, nil, nil
}

// FindRunningRestore finds a restore job of the cluster that has not ended
// and asks for the same restore (delivery type, snapshot or point in time,
// target), for --reuse: nil when there is none.
func (c *Client) FindRunningRestore(ctx context.Context, projectID, cluster string, r RestoreRequest) (*RestoreJob, []byte, error) {
	jobs, err := c.ListRestores(ctx, projectID, cluster, ListOptions{All: true})
	if err != nil {
		return nil, nil, err
	}
	for i, j := range jobs.Items {
		if ended, _ := j.Ended(); !ended && sameRestore(j.RestoreRequest, r) {
			return &jobs.Items[i], jobs.RawAt(i), nil
		}
	}
	return nil, nil, nil
}

// sameRestore compares what makes two restores the same: the delivery
// type, the snapshot or the point in time, and (when there is one) the
// target. Fields Atlas adds to its answer do not count.
func sameRestore(job, r RestoreRequest) bool {
	if job.DeliveryType != r.DeliveryType {
		return false
	}
	switch r.DeliveryType {
	case DeliveryDownload:
		return job.SnapshotID == r.SnapshotID
	case DeliveryAutomated:
		return job.SnapshotID == r.SnapshotID && job.TargetClusterName == r.TargetClusterName && job.TargetGroupID == r.TargetGroupID
	}
	return job.PointInTimeUTCSeconds == r.PointInTimeUTCSeconds && job.OplogTs == r.OplogTs && job.OplogInc == r.OplogInc &&
		job.TargetClusterName == r.TargetClusterName && job.TargetGroupID == r.TargetGroupID
}

// explain gives an error answer the context of the call it answered. A
// 404 under a cluster's path says what is not there: the cluster itself
// (when Atlas's answer speaks of it, one read of the project's clusters,
// made only then, tells, and gives the names near it), or else the job or
// snapshot asked for (*NotFoundError). A 409 to a create names the job in
// the way (*ConflictError). Any other answer is returned as it is.
func (c *Client) explain(ctx context.Context, k call, e *Error) error {
	if err, ok := c.explainFlex(ctx, k, e); ok {
		return err
	}
	s, ok := scopeOfPath(k.path)
	if !ok {
		return e
	}
	switch {
	case e.Status == http.StatusNotFound:
		return c.explainNotFound(ctx, k, s, e)
	case e.Status == http.StatusConflict && k.method == http.MethodPost:
		return c.explainConflict(ctx, s, e)
	}
	return e
}

func (c *Client) explainNotFound(ctx context.Context, k call, s pathScope, e *Error) error {
	if aboutCluster(e, s.cluster) {
		clusters, err := c.ListAllClusters(ctx, s.projectID, ListOptions{All: true})
		if err != nil && clusterCode(e) {
			// Atlas's code says it, though the names near are not known.
			return &NotFoundError{Kind: KindCluster, Name: s.cluster, ProjectID: s.projectID, Err: e}
		}
		if err == nil {
			names := make([]string, len(clusters.Items))
			for i, cl := range clusters.Items {
				names[i] = cl.Name
			}
			if !slices.Contains(names, s.cluster) {
				return &NotFoundError{Kind: KindCluster, Name: s.cluster, ProjectID: s.projectID, Known: names, Err: e}
			}
		}
		// The cluster is there (or the list could not tell): the 404 is
		// about something else.
	}
	nf := &NotFoundError{ProjectID: s.projectID, Cluster: s.cluster, Err: e}
	switch {
	case s.id != "" && (k.method == http.MethodGet || k.method == http.MethodDelete):
		nf.Kind, nf.Name = s.kind, s.id
	case mentions(e, "snapshot"):
		nf.Kind, nf.Name = KindSnapshot, snapshotIDOf(k, e)
	default:
		return e
	}
	if nf.Name == "" {
		return e
	}
	return nf
}

func (c *Client) explainConflict(ctx context.Context, s pathScope, e *Error) error {
	if s.kind == "" || s.id != "" {
		return e
	}
	ce := &ConflictError{Kind: s.kind, ProjectID: s.projectID, Cluster: s.cluster, Err: e}
	if m := conflictJobID().FindStringSubmatch(e.Detail); m != nil {
		ce.JobID = strings.ToLower(m[1])
	}
	switch {
	case ce.JobID == "":
	case s.kind == KindExportJob:
		ce.OfCluster = true // an export of one of the cluster's snapshots
	default:
		// A restore into the same target may be another cluster's: one
		// read says whether this cluster's watch can follow it.
		_, _, err := c.GetRestore(ctx, s.projectID, s.cluster, ce.JobID)
		ce.OfCluster = err == nil
	}
	return ce
}

// aboutCluster says whether a 404 speaks of the cluster: its code
// (CLUSTER_NOT_FOUND, CLUSTER_NAME_NOT_FOUND), or its detail naming it
// ("Cannot find resource cluster dmeo.", "No cluster named dmeo exists in
// group …").
func aboutCluster(e *Error, cluster string) bool {
	if clusterCode(e) {
		return true
	}
	if !mentions(e, "cluster") {
		return false
	}
	for _, w := range strings.FieldsFunc(e.Detail, func(r rune) bool {
		return !(r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		if w == cluster {
			return true
		}
	}
	return false
}

// clusterCode says whether a 404's code is about a cluster:
// CLUSTER_NOT_FOUND, CLUSTER_NAME_NOT_FOUND.
func clusterCode(e *Error) bool {
	code := strings.ToUpper(e.ErrorCode)
	return strings.HasPrefix(code, "CLUSTER") && strings.HasSuffix(code, "NOT_FOUND")
}

// mentions says whether a 404's code or detail speaks of word (lower case).
func mentions(e *Error, word string) bool {
	return strings.Contains(strings.ToLower(e.ErrorCode), word) || strings.Contains(strings.ToLower(e.Detail), word)
}

// snapshotIDOf is the snapshot a call named (a create's snapshotId), else
// the ID the 404's detail names; "" when neither.
func snapshotIDOf(k call, e *Error) string {
	switch b := k.body.(type) {
	case ExportRequest:
		return b.SnapshotID
	case RestoreRequest:
		if b.SnapshotID != "" {
			return b.SnapshotID
		}
	}
	return anyID().FindString(e.Detail)
}

var anyID = lazyre.New(`[a-f0-9]{24}`)

// pathScope is what a call's path under a cluster says: its project and
// cluster, and the kind of job (with its ID, for one job) it is about.
type pathScope struct {
	projectID, cluster string
	kind, id           string // KindExportJob or KindRestoreJob, and the job's ID; "" for others
}

// scopeOfPath reads /groups/P/clusters/C or /groups/P/clusters/C/backup/REST
// (or the same under flexClusters); ok is false for a
// path of another shape.
func scopeOfPath(path string) (pathScope, bool) {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	clusters := len(seg) >= 4 && seg[0] == "groups" && (seg[2] == "clusters" || seg[2] == "flexClusters")
	// The dedicated cluster itself (GET flexClusters/NAME is explain's own
	// question whether a cluster is a Flex one: its 404 stays as it is).
	cluster := len(seg) == 4 && seg[2] == "clusters"
	if !cluster && (!clusters || len(seg) < 6 || seg[4] != "backup") {
		return pathScope{}, false
	}
	var s pathScope
	var err1, err2 error
	s.projectID, err1 = url.PathUnescape(seg[1])
	s.cluster, err2 = url.PathUnescape(seg[3])
	if err1 != nil || err2 != nil {
		return pathScope{}, false
	}
	if cluster {
		return s, true
	}
	switch seg[5] {
	case "exports":
		s.kind = KindExportJob
	case "restoreJobs":
		s.kind = KindRestoreJob
	}
	if len(seg) == 7 && s.kind != "" {
		s.id, _ = url.PathUnescape(seg[6])
	} else if len(seg) > 7 {
		s.kind = ""
	}
	return s, true
}
