package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The reads and the one write that say how well a cluster is backed up:
// its backup schedule, on-demand snapshots, the projects the credentials
// can read, and a project's backup compliance policy.

// More resource versions: the newest the contract documents.
const (
	VersionSchedule   = "2024-08-05" // a cluster's backup schedule
	VersionProjects   = "2023-01-01" // listGroups
	VersionCompliance = "2023-10-01" // a project's backup compliance policy
)

// Schedule is a cluster's backup schedule (DiskBackupSnapshotSchedule20240805),
// the fields that say how far back it can be restored.
type Schedule struct {
	ClusterName  string     `json:"clusterName"`
	NextSnapshot *time.Time `json:"nextSnapshot,omitempty"`
	// RestoreWindowDays is how far back a point in time can be restored
	// (continuous cloud backup only; 0 when Atlas does not say).
	RestoreWindowDays int `json:"restoreWindowDays"`
}

// GetSchedule reads a dedicated cluster's backup schedule.
func (c *Client) GetSchedule(ctx context.Context, projectID, cluster string) (*Schedule, []byte, error) {
	s, raw, err := decodeOne[Schedule](c.do(ctx, call{method: http.MethodGet, path: clusterPath(projectID, cluster, "schedule"), version: VersionSchedule, pretty: true}))
	return s, raw, err
}

// SnapshotRequest is the body of an on-demand snapshot
// (DiskBackupOnDemandSnapshotRequest).
type SnapshotRequest struct {
	Description     string `json:"description,omitempty"`
	RetentionInDays int    `json:"retentionInDays,omitempty"`
}

// TakeSnapshotCall takes an on-demand snapshot of a dedicated cluster.
func TakeSnapshotCall(projectID, cluster string, r SnapshotRequest) Call {
	return call{method: http.MethodPost, path: clusterPath(projectID, cluster, "snapshots"), body: r, version: VersionBackup, pretty: true}
}

// TakeSnapshot takes an on-demand snapshot (Atlas answers 200 with it,
// queued). A failure that leaves unknown whether one was taken is an
// *OutcomeUnknownError.
func (c *Client) TakeSnapshot(ctx context.Context, projectID, cluster string, r SnapshotRequest) (*Snapshot, []byte, error) {
	s, raw, err := decodeOne[Snapshot](c.do(ctx, TakeSnapshotCall(projectID, cluster, r)))
	return s, raw, createOutcome(err)
}

// FindRunningSnapshot finds the cluster's on-demand snapshot that is
// queued or inProgress (Atlas takes one at a time), for --reuse: nil when
// there is none.
func (c *Client) FindRunningSnapshot(ctx context.Context, projectID, cluster string) (*Snapshot, []byte, error) {
	snaps, err := c.ListSnapshots(ctx, projectID, cluster, ListOptions{All: true})
	if err != nil {
		return nil, nil, err
	}
	for i, s := range snaps.Items {
		if ended, _ := s.Ended(); !ended && strings.EqualFold(s.SnapshotType, "onDemand") {
			return &snaps.Items[i], snaps.RawAt(i), nil
		}
	}
	return nil, nil, nil
}

// Project is a project the credentials can read (Group).
type Project struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ClusterCount int    `json:"clusterCount"`
}

// ListProjects lists the projects the credentials can read.
func (c *Client) ListProjects(ctx context.Context, o ListOptions) (*List[Project], error) {
	return list[Project](ctx, c, call{method: http.MethodGet, path: "/groups", version: VersionProjects, pretty: true}, o)
}

// CompliancePolicy is a project's backup compliance policy
// (DataProtectionSettings20231001), the fields a status shows.
type CompliancePolicy struct {
	State             string `json:"state"` // ACTIVE, ENABLING, UPDATING, DISABLING
	PitEnabled        bool   `json:"pitEnabled"`
	RestoreWindowDays int    `json:"restoreWindowDays"`
}

// GetCompliancePolicy reads a project's backup compliance policy: nil,
// without an error, when the project has none (Atlas answers 404).
func (c *Client) GetCompliancePolicy(ctx context.Context, projectID string) (*CompliancePolicy, []byte, error) {
	p, raw, err := decodeOne[CompliancePolicy](c.do(ctx, call{method: http.MethodGet, path: "/groups/" + url.PathEscape(projectID) + "/backupCompliancePolicy", version: VersionCompliance, pretty: true}))
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil, nil, nil
	}
	return p, raw, err
}
