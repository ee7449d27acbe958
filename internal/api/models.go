package api

import (
	"strings"
	"time"
)

// The typed views of Atlas objects. They feed tables and decisions only;
// -o json/yaml/go-template render the raw bytes Atlas sent, so fields this
// package does not model are never lost.

// ExportJob is a snapshot export job (DiskBackupExportJob).
type ExportJob struct {
	ID string `json:"id"`
	ExportRequest
	State        string        `json:"state"`
	StateReason  *StateReason  `json:"stateReason,omitempty"`
	ExportStatus *ExportStatus `json:"exportStatus,omitempty"`
	CreatedAt    *time.Time    `json:"createdAt,omitempty"`
	FinishedAt   *time.Time    `json:"finishedAt,omitempty"`
}

// ExportRequest is the body of an export create (DiskBackupExportJobRequest).
type ExportRequest struct {
	SnapshotID     string  `json:"snapshotId"`
	ExportBucketID string  `json:"exportBucketId"`
	CustomData     []Label `json:"customData,omitempty"`
}

// RestoreRequest is the body of a restore create (DiskBackupSnapshotRestoreJob).
type RestoreRequest struct {
	DeliveryType          string `json:"deliveryType"`
	SnapshotID            string `json:"snapshotId,omitempty"`
	TargetClusterName     string `json:"targetClusterName,omitempty"`
	TargetGroupID         string `json:"targetGroupId,omitempty"`
	PointInTimeUTCSeconds int64  `json:"pointInTimeUTCSeconds,omitempty"`
	OplogTs               int64  `json:"oplogTs,omitempty"`
	OplogInc              int64  `json:"oplogInc,omitempty"`
}

// StateReason says why an export job failed.
type StateReason struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

// ExportStatus counts an export's collections.
type ExportStatus struct {
	ExportedCollections int `json:"exportedCollections"`
	TotalCollections    int `json:"totalCollections"`
}

// Label is one customData entry.
type Label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Export job states.
const (
	ExportQueued     = "Queued"
	ExportInProgress = "InProgress"
	ExportSuccessful = "Successful"
	ExportFailed     = "Failed"
	ExportCancelled  = "Cancelled"
)

// RestoreJob is a restore job (DiskBackupSnapshotRestoreJob): what was asked
// for, and how it is going.
type RestoreJob struct {
	ID string `json:"id"`
	RestoreRequest
	Cancelled   bool       `json:"cancelled"`
	Failed      bool       `json:"failed"`
	Expired     bool       `json:"expired"`
	Timestamp   *time.Time `json:"timestamp,omitempty"`
	FinishedAt  *time.Time `json:"finishedAt,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	DeliveryURL []string   `json:"deliveryUrl,omitempty"`
	// PrivateDownloadDeliveryURLs are the links through private endpoints.
	PrivateDownloadDeliveryURLs []PrivateURL `json:"privateDownloadDeliveryUrls,omitempty"`
	// Components has one entry per replica set of a sharded cluster.
	Components []RestoreComponent `json:"components,omitempty"`
	// FlexStatus is a Flex cluster's job's own status (PENDING, QUEUED,
	// RUNNING, COMPLETED, FAILED); "" for a dedicated cluster's.
	FlexStatus string `json:"-"`
	// ScheduledAt is a Flex job's restoreScheduledDate; nil for a
	// dedicated cluster's (Atlas records no creation time for those).
	ScheduledAt *time.Time `json:"-"`
}

// PrivateURL is a download link through a private endpoint.
type PrivateURL struct {
	DeliveryURL string `json:"deliveryUrl"`
	EndpointID  string `json:"endpointId"`
}

// RestoreComponent is one replica set's part of a restore job.
type RestoreComponent struct {
	ReplicaSetName              string       `json:"replicaSetName"`
	DownloadURL                 string       `json:"downloadUrl"`
	PrivateDownloadDeliveryURLs []PrivateURL `json:"privateDownloadDeliveryUrls,omitempty"`
}

// Restore delivery types.
const (
	DeliveryAutomated   = "automated"
	DeliveryDownload    = "download"
	DeliveryPointInTime = "pointInTime"
)

// Restore job statuses, derived by Status.
const (
	RestorePending   = "Pending"
	RestoreSucceeded = "Succeeded"
	RestoreFailed    = "Failed"
	RestoreCancelled = "Cancelled"
	RestoreExpired   = "Expired"
)

// Status is the restore job's state as one word, derived from its flags
// (Atlas has no state field for restores): Cancelled, Failed, Expired,
// Succeeded (finished, or a download with its URL), or Pending. It is the
// one definition of a restore's end: the STATUS column and the watcher
// both read it.
func (j *RestoreJob) Status() string {
	switch {
	case j.Cancelled:
		return RestoreCancelled
	case j.Failed:
		return RestoreFailed
	case j.Expired:
		return RestoreExpired
	case j.FinishedAt != nil, j.DeliveryType == DeliveryDownload && len(j.DeliveryURL) > 0:
		return RestoreSucceeded
	default:
		return RestorePending
	}
}

// Progress is the restore job's Status for people; a Flex job still
// pending shows Atlas's own word for where it is (QUEUED, RUNNING).
func (j *RestoreJob) Progress() string {
	if s := j.Status(); s != RestorePending || j.FlexStatus == "" {
		return s
	}
	return j.FlexStatus
}

// Target names where the restore goes: the target cluster (with its
// project when that differs from the job's own), or "download".
func (j *RestoreJob) Target(projectID string) string {
	if j.DeliveryType == DeliveryDownload || j.TargetClusterName == "" {
		return j.DeliveryType
	}
	if j.TargetGroupID != "" && j.TargetGroupID != projectID {
		return j.TargetGroupID + "/" + j.TargetClusterName
	}
	return j.TargetClusterName
}

// Snapshot is a replica set or sharded cluster snapshot (DiskBackupReplicaSet,
// DiskBackupShardedClusterSnapshot), or a Flex cluster's (Flex).
type Snapshot struct {
	ID               string     `json:"id"`
	Status           string     `json:"status"`
	SnapshotType     string     `json:"snapshotType"`
	FrequencyType    string     `json:"frequencyType"`
	Type             string     `json:"type"` // replicaSet or shardedCluster
	CreatedAt        *time.Time `json:"createdAt,omitempty"`
	StorageSizeBytes int64      `json:"storageSizeBytes"`
	MongodVersion    string     `json:"mongodVersion"`
	Description      string     `json:"description"`
	// Flex says it is a Flex cluster's (whose status words are upper
	// case, and which has no size).
	Flex bool `json:"-"`
}

// Snapshot statuses: completed can be exported or restored. A Flex
// snapshot's are the same words in upper case (COMPLETED, FAILED), with
// PENDING, QUEUED and RUNNING before.
const (
	SnapshotQueued     = "queued"
	SnapshotInProgress = "inProgress"
	SnapshotCompleted  = "completed"
	SnapshotFailed     = "failed"
)

// Completed says whether the snapshot can be exported or restored.
func (s *Snapshot) Completed() bool { return strings.EqualFold(s.Status, SnapshotCompleted) }

// Ended judges a snapshot being taken: it has ended when completed or
// failed, successfully when completed.
func (s *Snapshot) Ended() (ended, ok bool) {
	return s.Completed() || strings.EqualFold(s.Status, SnapshotFailed), s.Completed()
}

func (s *Snapshot) jobID() string { return s.ID }

// snapshotStatuses are the statuses Atlas documents for a snapshot, a
// dedicated cluster's (queued, inProgress, completed, failed) and a Flex
// cluster's (PENDING, QUEUED, RUNNING, COMPLETED, FAILED).
var snapshotStatuses = []string{SnapshotQueued, SnapshotInProgress, SnapshotCompleted, SnapshotFailed, FlexPending, FlexRunning}

// CheckStatus is nil for a status Atlas documents, else an
// *UnknownJobStateError: a watch stops on it rather than wait for
// something that may never come.
func (s *Snapshot) CheckStatus() error {
	for _, known := range snapshotStatuses {
		if strings.EqualFold(s.Status, known) {
			return nil
		}
	}
	return &UnknownJobStateError{Kind: "snapshot", State: s.Status, Known: snapshotStatuses}
}

// Cluster is a cluster of a project (ClusterDescription20240805), or a
// Flex cluster as one (Flex, ClusterType FLEX).
type Cluster struct {
	ID             string `json:"id"`
	GroupID        string `json:"groupId"`
	Name           string `json:"name"`
	ClusterType    string `json:"clusterType"` // REPLICASET, SHARDED, GEOSHARDED (or FLEX)
	StateName      string `json:"stateName"`
	Paused         bool   `json:"paused"`
	BackupEnabled  bool   `json:"backupEnabled"`
	PitEnabled     bool   `json:"pitEnabled"`
	MongoDBVersion string `json:"mongoDBVersion"`
	Flex           bool   `json:"-"`
}

// Bucket is an export bucket (DiskBackupSnapshotExportBucketResponse).
type Bucket struct {
	ID            string `json:"_id"`
	BucketName    string `json:"bucketName"`
	CloudProvider string `json:"cloudProvider"`
}
