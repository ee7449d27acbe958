package sandbox

import (
	"cmp"
	"fmt"
	"time"
)

// Outcome is how a simulated job ends once its duration has passed.
type Outcome string

const (
	OutcomeSuccess   Outcome = "success"
	OutcomeFailed    Outcome = "failed"
	OutcomeCancelled Outcome = "cancelled"
	// OutcomeExpired applies to restore jobs only: the job ends with expired=true.
	OutcomeExpired Outcome = "expired"
)

// ParseSnapshotOutcome reads how on-demand snapshots end (WithSnapshotOutcome):
// success or failed.
func ParseSnapshotOutcome(s string) (Outcome, error) {
	switch o := Outcome(s); o {
	case OutcomeSuccess, OutcomeFailed:
		return o, nil
	}
	return "", fmt.Errorf("%q: on-demand snapshots end success or failed", s)
}

// ParseOutcome reads an outcome name; restore says whether "expired" is allowed.
func ParseOutcome(s string, restore bool) (Outcome, error) {
	switch o := Outcome(s); o {
	case OutcomeSuccess, OutcomeFailed, OutcomeCancelled:
		return o, nil
	case OutcomeExpired:
		if restore {
			return o, nil
		}
		return "", fmt.Errorf("%q: export jobs end success, failed or cancelled", s)
	}
	if restore {
		return "", fmt.Errorf("%q: restore jobs end success, failed, cancelled or expired", s)
	}
	return "", fmt.Errorf("%q: export jobs end success, failed or cancelled", s)
}

// downloadLinkTTL is how long a finished download restore's link stays valid
// before the job turns expired: its expiresAt is the link's time plus this.
const downloadLinkTTL = time.Hour

type label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// exportJob is a snapshot export. Its state is a function of the clock: it is
// Queued for the first fifth of its duration, InProgress (exporting its
// collections one by one) until the duration has passed, then ends as its
// outcome says.
type exportJob struct {
	id, snapshotID, bucketID string
	customData               []label
	createdAt                time.Time
	duration                 time.Duration
	outcome                  Outcome
	collections              int
	components               []exportMember // a sharded cluster's: one per replica set
	prefix                   string
	failure                  string // the message of a failed job's stateReason; "" for the outcome's
}

// exportMember is the spec's DiskBackupExportMember.
type exportMember struct {
	ExportID       string `json:"exportId"`
	ReplicaSetName string `json:"replicaSetName"`
}

type exportStatus struct {
	Exported int `json:"exportedCollections"`
	Total    int `json:"totalCollections"`
}

type stateReason struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

// exportJobView is the spec's DiskBackupExportJob as Atlas answers it: keys
// in alphabetical order, prefix and exportStatus from the start, no links.
type exportJobView struct {
	Components     []exportMember `json:"components,omitempty"`
	CreatedAt      string         `json:"createdAt"`
	CustomData     []label        `json:"customData"`
	ExportBucketID string         `json:"exportBucketId"`
	ExportStatus   exportStatus   `json:"exportStatus"`
	FinishedAt     string         `json:"finishedAt,omitempty"`
	ID             string         `json:"id"`
	Prefix         string         `json:"prefix"`
	SnapshotID     string         `json:"snapshotId"`
	State          string         `json:"state"`
	StateReason    *stateReason   `json:"stateReason,omitempty"`
}

func (j *exportJob) done(now time.Time) bool { return !now.Before(j.createdAt.Add(j.duration)) }

func (j *exportJob) view(now time.Time) exportJobView {
	v := exportJobView{
		ID:             j.id,
		SnapshotID:     j.snapshotID,
		ExportBucketID: j.bucketID,
		CreatedAt:      timeString(j.createdAt),
		CustomData:     j.customData,
		Components:     j.components,
		Prefix:         j.prefix,
	}
	if v.CustomData == nil {
		v.CustomData = []label{}
	}
	elapsed := now.Sub(j.createdAt)
	queued := j.duration / 5
	switch {
	case elapsed < queued:
		v.State = "Queued" // exportStatus {0, 0}: Atlas has not counted yet
	case elapsed < j.duration:
		v.State = "InProgress"
		done := int(int64(j.collections) * int64(elapsed-queued) / int64(j.duration-queued))
		v.ExportStatus = exportStatus{Exported: done, Total: j.collections}
	default:
		v.FinishedAt = timeString(j.createdAt.Add(j.duration))
		v.ExportStatus = exportStatus{Exported: j.collections, Total: j.collections}
		switch j.outcome {
		case OutcomeFailed:
			v.State = "Failed"
			v.ExportStatus.Exported = j.collections / 2
			v.StateReason = &stateReason{
				ErrorCode: "EXPORT_FAILED",
				Message:   cmp.Or(j.failure, "Simulated failure: the export bucket refused a write (the sandbox was started with export outcome failed)."),
			}
		case OutcomeCancelled:
			v.State = "Cancelled"
			v.ExportStatus.Exported = j.collections / 2
		default:
			v.State = "Successful"
		}
	}
	return v
}

// restoreJob is a restore. Like an export it ends once its duration has
// passed; a cancel (DELETE) ends it at once.
type restoreJob struct {
	id, deliveryType, snapshotID   string
	groupID, cluster               string // the source cluster's
	targetCluster, targetGroup     string
	targetDeployment               string // the target's deploymentName, for automated restores
	pointInTime, oplogTs, oplogInc int64
	snapshotTime                   time.Time
	createdAt                      time.Time
	duration                       time.Duration
	outcome                        Outcome
	cancelledAt                    time.Time // zero: not cancelled
	replicaSets                    []string  // the source cluster's, when it is sharded
}

// privateURL is the spec's ApiPrivateDownloadDeliveryUrl.
type privateURL struct {
	DeliveryURL string `json:"deliveryUrl"`
	EndpointID  string `json:"endpointId"`
}

// restoreMember is the spec's DiskBackupRestoreMember.
type restoreMember struct {
	DownloadURL                 string       `json:"downloadUrl,omitempty"`
	PrivateDownloadDeliveryURLs []privateURL `json:"privateDownloadDeliveryUrls,omitempty"`
	ReplicaSetName              string       `json:"replicaSetName"`
}

// desiredTimestamp is the restore job's desiredTimestamp, in Atlas's key
// order (the one object whose keys are not alphabetical): all null but for
// a point-in-time restore, where time and date say the moment restored.
type desiredTimestamp struct {
	Increment *int64  `json:"increment"`
	Time      *int64  `json:"time"`
	Date      *string `json:"date"`
}

// restoreJobView is the spec's DiskBackupSnapshotRestoreJob as Atlas
// answers it, keys in alphabetical order.
type restoreJobView struct {
	Cancelled                bool             `json:"cancelled"`
	Components               []restoreMember  `json:"components,omitempty"`
	DeliveryType             string           `json:"deliveryType"`
	DeliveryURL              []string         `json:"deliveryUrl"`
	DesiredTimestamp         desiredTimestamp `json:"desiredTimestamp"`
	Expired                  bool             `json:"expired"`
	ExpiresAt                string           `json:"expiresAt,omitempty"`
	Failed                   bool             `json:"failed"`
	FinishedAt               string           `json:"finishedAt,omitempty"`
	ID                       string           `json:"id"`
	Links                    []link           `json:"links"`
	OplogInc                 int64            `json:"oplogInc,omitempty"`
	OplogTs                  int64            `json:"oplogTs,omitempty"`
	PointInTimeUTCSeconds    int64            `json:"pointInTimeUTCSeconds,omitempty"`
	PrivateDeliveryURLs      []privateURL     `json:"privateDownloadDeliveryUrls,omitempty"`
	SnapshotID               string           `json:"snapshotId,omitempty"`
	TargetClusterName        string           `json:"targetClusterName,omitempty"`
	TargetDeploymentItemName string           `json:"targetDeploymentItemName,omitempty"`
	TargetGroupID            string           `json:"targetGroupId,omitempty"`
	Timestamp                string           `json:"timestamp,omitempty"`
}

// ended reports whether the job has reached an end state at now.
func (j *restoreJob) ended(now time.Time) bool {
	return j.cancelled(now) || !now.Before(j.createdAt.Add(j.duration))
}

func (j *restoreJob) cancelled(now time.Time) bool {
	return !j.cancelledAt.IsZero() && !now.Before(j.cancelledAt)
}

// overwrites reports whether the job writes into its target cluster.
func (j *restoreJob) overwrites() bool { return j.deliveryType != "download" }

// linkExpired reports whether the job's download links no longer work: they
// last downloadLinkTTL from the job's end, when they were made.
func (j *restoreJob) linkExpired(now time.Time) bool {
	return !now.Before(j.createdAt.Add(j.duration + downloadLinkTTL))
}

// linksLive reports whether the job is a download restore that ended well and
// whose links still work.
func (j *restoreJob) linksLive(now time.Time) bool {
	return j.deliveryType == "download" && j.outcome == OutcomeSuccess && !j.cancelled(now) &&
		j.ended(now) && !j.linkExpired(now)
}

// archiveNames are the file names of a download job's archives: one for a
// replica set, one per replica set (in components order) for a sharded
// cluster.
func (j *restoreJob) archiveNames() []string {
	if len(j.replicaSets) == 0 {
		return []string{ArchiveFileName(j.snapshotID, "")}
	}
	names := make([]string, len(j.replicaSets))
	for i, rs := range j.replicaSets {
		names[i] = ArchiveFileName(j.snapshotID, rs)
	}
	return names
}

// restoreView is the job as the API shows it at now. Every job has a
// deliveryUrl ([] until a download's links exist) and a desiredTimestamp;
// a finished automated or point-in-time job has finishedAt, a finished
// download never does: its end is its links, which expire an hour later
// (expiresAt). The links are also offered through each private endpoint of
// the project, when it has one. A sharded cluster's job lists its replica
// sets in components, each with its own links once there are some.
func (s *Server) restoreView(x *exchange, j *restoreJob, now time.Time) restoreJobView {
	cluster := x.clusterURL(j.groupID, j.cluster)
	v := restoreJobView{
		ID:                       j.id,
		DeliveryType:             j.deliveryType,
		DeliveryURL:              []string{},
		SnapshotID:               j.snapshotID,
		TargetClusterName:        j.targetCluster,
		TargetDeploymentItemName: j.targetDeployment,
		TargetGroupID:            j.targetGroup,
		PointInTimeUTCSeconds:    j.pointInTime,
		OplogTs:                  j.oplogTs,
		OplogInc:                 j.oplogInc,
		Timestamp:                timeString(j.snapshotTime),
		Links:                    []link{{Href: cluster + "/backup/restoreJobs/" + j.id, Rel: "self"}},
	}
	if j.snapshotID != "" {
		v.Links = append(v.Links, link{Href: cluster + "/backup/snapshots/" + j.snapshotID, Rel: relSnapshot})
	}
	v.Links = append(v.Links,
		link{Href: cluster, Rel: relCluster},
		link{Href: fmt.Sprintf("%s%s/groups/%s", x.baseURL(), apiPrefix, j.groupID), Rel: relGroup})
	if j.deliveryType == "pointInTime" {
		at := j.pointInTime
		if at == 0 {
			at = j.oplogTs
		}
		date := timeString(time.Unix(at, 0))
		v.DesiredTimestamp = desiredTimestamp{Time: &at, Date: &date}
	}
	for _, rs := range j.replicaSets {
		v.Components = append(v.Components, restoreMember{ReplicaSetName: rs})
	}
	end := j.createdAt.Add(j.duration)
	switch {
	case j.cancelled(now):
		v.Cancelled = true
	case now.Before(end):
		// still running
	case j.outcome == OutcomeFailed:
		v.Failed = true
	case j.outcome == OutcomeCancelled:
		v.Cancelled = true
	case j.outcome == OutcomeExpired:
		v.Expired = true
		v.ExpiresAt = timeString(end)
	case j.deliveryType != "download":
		v.FinishedAt = timeString(end)
	default:
		v.ExpiresAt = timeString(end.Add(downloadLinkTTL))
		if j.linkExpired(now) {
			v.Expired = true
			break
		}
		endpoints := s.store.projects[j.groupID].privateEndpoints
		for i, name := range j.archiveNames() {
			u := s.archiveURL(j.id, name, "")
			var private []privateURL
			for _, ep := range endpoints {
				private = append(private, privateURL{DeliveryURL: s.archiveURL(j.id, name, ep), EndpointID: ep})
			}
			v.DeliveryURL, v.PrivateDeliveryURLs = append(v.DeliveryURL, u), append(v.PrivateDeliveryURLs, private...)
			if len(j.replicaSets) > 0 {
				v.Components[i].DownloadURL, v.Components[i].PrivateDownloadDeliveryURLs = u, private
			}
		}
	}
	return v
}
