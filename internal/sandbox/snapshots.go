package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The handlers run with s.mu held.

// snapshot is a cluster's backup snapshot. Like a job, its state is a
// function of the clock. An on-demand snapshot taken through the API is
// queued for the first fifth of the job duration, then inProgress (gaining
// mongodVersion, then cloudProvider, on the way), then completed: only then
// does it have a createdAt (the moment it holds, halfway through), a size,
// and an expiresAt counted from its completion. With WithSnapshotOutcome
// failed it ends failed instead: no createdAt, no size, and its expiresAt
// counted from its request. Seeded snapshots are completed from the start,
// except DemoInProgressSnapshotID, which never completes, and
// DemoOpsFailedSnapshotID, which failed.
type snapshot struct {
	id          string
	requestedAt time.Time // when it was asked for (or began, for a scheduled one)
	createdAt   time.Time // the moment it holds; zero until known
	completedAt time.Time // when it ends; zero: it never does
	failed      bool      // it ends failed, not completed
	retention   time.Duration
	frequency   string // frequencyType
	kind        string // snapshotType
	description string
	sizeBytes   int64
	rsName      string // the cluster's name; "" for a sharded cluster's snapshot
	provider    string
	version     string
	databases   []snapDatabase // what it holds (namespaces.go)
}

// ended reports whether the snapshot has ended, completed or failed, by now.
func (sn *snapshot) ended(now time.Time) bool {
	return !sn.completedAt.IsZero() && !now.Before(sn.completedAt)
}

// completed reports whether the snapshot has completed by now.
func (sn *snapshot) completed(now time.Time) bool { return !sn.failed && sn.ended(now) }

// snapshotView is the spec's DiskBackupReplicaSet (and, for a sharded
// cluster, the fields of DiskBackupShardedClusterSnapshot the sandbox
// fills), keys in Atlas's alphabetical order.
type snapshotView struct {
	CloudProvider    string   `json:"cloudProvider,omitempty"`
	CopyRegions      []string `json:"copyRegions"`
	CreatedAt        string   `json:"createdAt,omitempty"`
	Description      string   `json:"description,omitempty"`
	ExpiresAt        string   `json:"expiresAt"`
	FrequencyType    string   `json:"frequencyType"`
	ID               string   `json:"id"`
	Links            []link   `json:"links"`
	MongodVersion    string   `json:"mongodVersion,omitempty"`
	PolicyItems      []string `json:"policyItems"`
	ReplicaSetName   string   `json:"replicaSetName,omitempty"`
	SnapshotType     string   `json:"snapshotType"`
	Status           string   `json:"status"`
	StorageSizeBytes int64    `json:"storageSizeBytes"`
	Type             string   `json:"type"`
}

// snapshotView is a snapshot as the API shows it at now, with its self and
// cluster links.
func (x *exchange) snapshotView(sn *snapshot, now time.Time) snapshotView {
	cluster := x.clusterURL(x.params["groupId"], x.params["clusterName"])
	v := snapshotView{
		CopyRegions:    []string{},
		Description:    sn.description,
		ExpiresAt:      timeString(sn.requestedAt.Add(sn.retention)),
		FrequencyType:  sn.frequency,
		ID:             sn.id,
		Links:          []link{{Href: cluster + "/backup/snapshots/" + sn.id, Rel: "self"}, {Href: cluster, Rel: relCluster}},
		PolicyItems:    []string{},
		ReplicaSetName: sn.rsName,
		SnapshotType:   sn.kind,
		Type:           "replicaSet",
	}
	switch sn.frequency { // the items of the backup schedule (schedule.go)
	case "hourly":
		v.PolicyItems = []string{demoHourlyPolicyItemID}
	case "ondemand":
	default:
		v.PolicyItems = []string{demoPolicyItemID}
	}
	if sn.rsName == "" { // the spec gives replicaSetName for replica sets only
		v.Type = "shardedCluster"
	}
	// The phases of an on-demand snapshot's duration: queued for the first
	// fifth, then inProgress, with its mongodVersion from the second fifth
	// and its cloud provider from the third.
	phase := func(fifths int64) bool {
		if sn.completedAt.IsZero() {
			return true // a seed still in progress is past them all
		}
		d := sn.completedAt.Sub(sn.requestedAt)
		return !now.Before(sn.requestedAt.Add(time.Duration(int64(d) * fifths / 5)))
	}
	switch {
	case sn.failed && sn.ended(now):
		v.Status = "failed"
		v.CloudProvider, v.MongodVersion = sn.provider, sn.version
	case sn.completed(now):
		v.Status = "completed"
		v.CreatedAt = timeString(sn.createdAt)
		v.ExpiresAt = timeString(sn.completedAt.Add(sn.retention))
		v.StorageSizeBytes = sn.sizeBytes
		v.CloudProvider, v.MongodVersion = sn.provider, sn.version
	case !phase(1):
		v.Status = "queued"
	default:
		v.Status = "inProgress"
		if phase(2) {
			v.MongodVersion = sn.version
		}
		if phase(3) {
			v.CloudProvider = sn.provider
		}
	}
	return v
}

// clusterURL is the absolute URL of a cluster.
func (x *exchange) clusterURL(groupID, name string) string {
	return fmt.Sprintf("%s%s/groups/%s/clusters/%s", x.baseURL(), apiPrefix, groupID, name)
}

// The rel values of Atlas's links to related resources.
const (
	relCluster  = "https://cloud.mongodb.com/cluster"
	relSnapshot = "https://cloud.mongodb.com/snapshot"
	relGroup    = "https://cloud.mongodb.com/group"
)

func (s *Server) listSnapshots(x *exchange) (int, any, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	snaps := c.snapshots
	at := x.query.Get("pointInTimeUtcSeconds")
	if at == "" {
		at = x.query.Get("oplogTs")
	}
	if at != "" { // only the closest completed snapshot before that time
		secs, _ := strconv.ParseInt(at, 10, 64)
		snaps = nil
		if sn := c.snapshotBefore(time.Unix(secs, 0), now); sn != nil {
			snaps = []*snapshot{sn}
		}
	}
	return http.StatusOK, paginate(x, viewsOf(snaps, func(sn *snapshot) snapshotView { return x.snapshotView(sn, now) })), nil
}

func (s *Server) getSnapshot(x *exchange) (int, any, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	sn := c.snapshot(x.params["snapshotId"])
	if sn == nil {
		return 0, nil, notFound("snapshot", x.params["snapshotId"])
	}
	return http.StatusOK, x.snapshotView(sn, s.now()), nil
}

// defaultOnDemandRetention is how long an on-demand snapshot is kept when
// the request does not say (retentionInDays).
const defaultOnDemandRetention = 24 * time.Hour

// takeSnapshot takes an on-demand snapshot. As the spec says, only one
// on-demand snapshot of a cluster can be queued or inProgress at a time; one
// that has ended (completed or failed) is no longer in the way. It ends as
// WithSnapshotOutcome says.
func (s *Server) takeSnapshot(x *exchange) (int, any, *apiError) {
	b, apiErr := parseBody(x.body, []string{"description", "retentionInDays"}, []string{"links"})
	if apiErr != nil {
		return 0, nil, apiErr
	}
	description := b.str("description", false, nil)
	days := b.int32("retentionInDays", 1)
	if err := b.v.err(); err != nil {
		return 0, nil, err
	}
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	if err := backupEnabled(c, "taking a snapshot"); err != nil {
		return 0, nil, err
	}
	now := s.now()
	for _, sn := range c.snapshots {
		if sn.kind == "onDemand" && !sn.ended(now) {
			return 0, nil, newError(http.StatusBadRequest, codeOnDemandSnapshotExists,
				fmt.Sprintf("On-demand snapshot %s of cluster %s is still being taken: wait until it has completed before taking another.", sn.id, c.name),
				sn.id, c.name)
		}
	}
	retention := defaultOnDemandRetention
	if days > 0 {
		retention = time.Duration(days) * 24 * time.Hour
	}
	sn := &snapshot{
		id: s.newID(), requestedAt: now, createdAt: now.Add(s.jobDuration / 2).Truncate(time.Second),
		completedAt: now.Add(s.jobDuration), retention: retention,
		kind: "onDemand", frequency: "ondemand", description: description,
		sizeBytes: int64(c.collections) * (1 << 26) * 10, provider: c.hardware.provider, version: c.version,
		databases: demoCatalog(0),
	}
	if s.snapshotOutcome == OutcomeFailed {
		sn.failed, sn.createdAt = true, time.Time{}
	}
	if c.replicaSets == nil {
		sn.rsName = c.name
	}
	c.snapshots = append([]*snapshot{sn}, c.snapshots...)
	return http.StatusOK, x.snapshotView(sn, now), nil
}

// completedSnapshot finds a snapshot to export or restore from: it must
// exist and have completed (a failed one never will).
func completedSnapshot(c *cluster, id string, now time.Time) (*snapshot, *apiError) {
	sn := c.snapshot(id)
	if sn == nil {
		return nil, notFound("snapshot", id)
	}
	if sn.failed && sn.ended(now) {
		return nil, newError(http.StatusBadRequest, codeSnapshotNotCompleted,
			fmt.Sprintf("Snapshot %s of cluster %s failed: it holds nothing to export or restore.", id, c.name), id, c.name)
	}
	if !sn.completed(now) {
		return nil, newError(http.StatusBadRequest, codeSnapshotNotCompleted,
			fmt.Sprintf("Snapshot %s of cluster %s has not completed yet.", id, c.name), id, c.name)
	}
	return sn, nil
}
