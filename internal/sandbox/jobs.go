package sandbox

import (
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
// before the job turns expired.
const downloadLinkTTL = 4 * time.Hour

type label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

func selfLinks(href string) []link { return []link{{Href: href, Rel: "self"}} }

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

type exportJobView struct {
	ID             string         `json:"id"`
	SnapshotID     string         `json:"snapshotId"`
	ExportBucketID string         `json:"exportBucketId"`
	State          string         `json:"state"`
	StateReason    *stateReason   `json:"stateReason,omitempty"`
	ExportStatus   *exportStatus  `json:"exportStatus,omitempty"`
	CreatedAt      string         `json:"createdAt"`
	FinishedAt     string         `json:"finishedAt,omitempty"`
	CustomData     []label        `json:"customData"`
	Components     []exportMember `json:"components,omitempty"`
	Links          []link         `json:"links"`
}

func (j *exportJob) done(now time.Time) bool { return !now.Before(j.createdAt.Add(j.duration)) }

func (j *exportJob) view(now time.Time, self string) exportJobView {
	v := exportJobView{
		ID:             j.id,
		SnapshotID:     j.snapshotID,
		ExportBucketID: j.bucketID,
		CreatedAt:      timeString(j.createdAt),
		CustomData:     j.customData,
		Components:     j.components,
		Links:          selfLinks(self),
	}
	if v.CustomData == nil {
		v.CustomData = []label{}
	}
	elapsed := now.Sub(j.createdAt)
	queued := j.duration / 5
	switch {
	case elapsed < queued:
		v.State = "Queued"
	case elapsed < j.duration:
		v.State = "InProgress"
		done := int(int64(j.collections) * int64(elapsed-queued) / int64(j.duration-queued))
		v.ExportStatus = &exportStatus{Exported: done, Total: j.collections}
	default:
		v.FinishedAt = timeString(j.createdAt.Add(j.duration))
		v.ExportStatus = &exportStatus{Exported: j.collections, Total: j.collections}
		switch j.outcome {
		case OutcomeFailed:
			v.State = "Failed"
			v.ExportStatus.Exported = j.collections / 2
			v.StateReason = &stateReason{
				ErrorCode: "EXPORT_FAILED",
				Message:   "Simulated failure: the export bucket refused a write (the sandbox was started with export outcome failed).",
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
	targetCluster, targetGroup     string
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
	ReplicaSetName              string       `json:"replicaSetName"`
	DownloadURL                 string       `json:"downloadUrl,omitempty"`
	PrivateDownloadDeliveryURLs []privateURL `json:"privateDownloadDeliveryUrls,omitempty"`
}

type restoreJobView struct {
	ID                    string          `json:"id"`
	DeliveryType          string          `json:"deliveryType"`
	SnapshotID            string          `json:"snapshotId,omitempty"`
	TargetClusterName     string          `json:"targetClusterName,omitempty"`
	TargetGroupID         string          `json:"targetGroupId,omitempty"`
	PointInTimeUTCSeconds int64           `json:"pointInTimeUTCSeconds,omitempty"`
	OplogTs               int64           `json:"oplogTs,omitempty"`
	OplogInc              int64           `json:"oplogInc,omitempty"`
	Timestamp             string          `json:"timestamp,omitempty"`
	Cancelled             bool            `json:"cancelled"`
	Failed                bool            `json:"failed"`
	Expired               bool            `json:"expired"`
	FinishedAt            string          `json:"finishedAt,omitempty"`
	ExpiresAt             string          `json:"expiresAt,omitempty"`
	DeliveryURL           []string        `json:"deliveryUrl,omitempty"`
	PrivateDeliveryURLs   []privateURL    `json:"privateDownloadDeliveryUrls,omitempty"`
	Components            []restoreMember `json:"components,omitempty"`
	Links                 []link          `json:"links"`
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
// last downloadLinkTTL from the job's end.
func (j *restoreJob) linkExpired(now time.Time) bool {
	return !now.Before(j.createdAt.Add(j.duration + downloadLinkTTL))
}

// linksLive reports whether the job is a download restore that ended well and
// whose links still work.
func (j *restoreJob) linksLive(now time.Time) bool {
	return j.deliveryType == "download" && j.outcome == OutcomeSuccess && !j.cancelled(now) &&
		j.ended(now) && !j.linkExpired(now)
}

// archiveURLs makes the URL of a job's archive, or of its private
// endpoint's copy.
type archiveURLs func(jobID, name string, private bool) string

// view is the job as the API shows it. A sharded cluster's job lists its
// replica sets in components; a finished download job links to one archive
// per replica set (one in all for a replica set), in deliveryUrl, in
// privateDownloadDeliveryUrls for DemoPrivateEndpointID, and per replica set
// in components.
func (j *restoreJob) view(now time.Time, self string, urls archiveURLs) restoreJobView {
	v := restoreJobView{
		ID:                    j.id,
		DeliveryType:          j.deliveryType,
		SnapshotID:            j.snapshotID,
		TargetClusterName:     j.targetCluster,
		TargetGroupID:         j.targetGroup,
		PointInTimeUTCSeconds: j.pointInTime,
		OplogTs:               j.oplogTs,
		OplogInc:              j.oplogInc,
		Timestamp:             timeString(j.snapshotTime),
		Links:                 selfLinks(self),
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
	default:
		v.FinishedAt = timeString(end)
		if j.deliveryType == "download" {
			expires := end.Add(downloadLinkTTL)
			v.ExpiresAt = timeString(expires)
			if j.linkExpired(now) {
				v.Expired = true
				break
			}
			urlsOf := func(rs string) (string, privateURL) {
				name := ArchiveFileName(j.id, rs)
				return urls(j.id, name, false), privateURL{DeliveryURL: urls(j.id, name, true), EndpointID: DemoPrivateEndpointID}
			}
			if len(j.replicaSets) == 0 {
				u, p := urlsOf("")
				v.DeliveryURL, v.PrivateDeliveryURLs = []string{u}, []privateURL{p}
			}
			for i, rs := range j.replicaSets {
				u, p := urlsOf(rs)
				v.DeliveryURL, v.PrivateDeliveryURLs = append(v.DeliveryURL, u), append(v.PrivateDeliveryURLs, p)
				v.Components[i].DownloadURL, v.Components[i].PrivateDownloadDeliveryURLs = u, []privateURL{p}
			}
		}
	}
	return v
}
