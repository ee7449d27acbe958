package api

import (
	"context"
	"encoding/json"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// Patterns the API states for IDs and cluster names: the CLI checks its
// input against them before anything is sent.
var (
	IDPattern          = lazyre.New(`^[a-f0-9]{24}$`)
	ClusterNamePattern = lazyre.New(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
)

// Latest, as a snapshot ID, names a cluster's newest completed snapshot.
const Latest = "latest"

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
		if s.Status == SnapshotCompleted && s.CreatedAt != nil && (newest == nil || s.CreatedAt.After(*newest.CreatedAt)) {
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
		names = append(names, b.BucketName)
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
		amb.Matches = append(amb.Matches, Match{ID: b.ID, Provider: b.CloudProvider, Region: bucketRegion(buckets.RawAt(i))})
	}
	return "", nil, amb
}

// bucketRegion is an AWS bucket's region as Atlas sent it ("" when it sent
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
		if ended, _, _ := j.Ended(); !ended && j.SnapshotID == r.SnapshotID && j.ExportBucketID == r.ExportBucketID {
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
