package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Flex clusters (which replaced M2/M5 and serverless instances) have a
// backup API of their own under /groups/{id}/flexClusters/{name}/backup,
// version 2024-11-13 only: daily snapshots, restores into a cluster and
// snapshot downloads; no export, no point in time, no cancel.
//
// A caller names a cluster without saying which kind it is. The methods
// that Flex clusters support (snapshots, restore jobs, the cluster read)
// ask the dedicated route first, so that a dedicated cluster costs no
// extra request; when Atlas answers that the cluster is not one there
// (400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API, or a 404 about the
// cluster), explain asks GET flexClusters/{name}, and when that finds it
// the client remembers the cluster as a Flex one and uses the Flex route,
// then and for the rest of the invocation. Every other operation on a
// Flex cluster is a *FlexClusterError.

// VersionFlex is the version of every Flex operation.
const VersionFlex = "2024-11-13"

// Flex snapshot and restore job statuses (FlexBackupSnapshot20241113,
// FlexBackupRestoreJob20241113).
const (
	FlexPending   = "PENDING"
	FlexQueued    = "QUEUED"
	FlexRunning   = "RUNNING"
	FlexCompleted = "COMPLETED"
	FlexFailed    = "FAILED"
	// FlexClosed is what the restoreFinishedDate description says a
	// finished job becomes, although the enum lacks it: taken as
	// COMPLETED.
	FlexClosed = "CLOSED"
)

// flexJobStatuses are the statuses Atlas documents for a Flex restore job
// (and CLOSED, which its description names).
var flexJobStatuses = []string{FlexPending, FlexQueued, FlexRunning, FlexCompleted, FlexFailed, FlexClosed}

// CheckState is nil for a dedicated cluster's restore job (Atlas gives it
// flags, not a state) and for a Flex job's documented status, else an
// *UnknownJobStateError.
func (j *RestoreJob) CheckState() error {
	if j.FlexStatus == "" {
		return nil
	}
	for _, known := range flexJobStatuses {
		if strings.EqualFold(j.FlexStatus, known) {
			return nil
		}
	}
	return &UnknownJobStateError{Kind: "Flex restore job", State: j.FlexStatus, Known: flexJobStatuses}
}

// ClusterTypeFlex is the TYPE a Flex cluster shows among the others.
const ClusterTypeFlex = "FLEX"

// codeFlexInClusterAPI is Atlas's answer to a dedicated-cluster route
// called with a Flex cluster's name.
const codeFlexInClusterAPI = "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API"

// FlexClusterError is an operation Flex clusters do not support, asked of
// one: Atlas refused the dedicated route, and the Flex cluster exists.
type FlexClusterError struct {
	ProjectID, Cluster string
	// What the operation is, as "Flex clusters do not support WHAT"
	// reads: "exports", "point-in-time restores", "cancelling a restore
	// job"…
	What string
	// Create says a create command was refused (cmd sets it): nothing was
	// created.
	Create bool
	Err    error // Atlas's answer on the dedicated route; nil when none was sent
}

func (e *FlexClusterError) Error() string {
	return fmt.Sprintf("cluster %s is a Flex cluster, and Flex clusters do not support %s", e.Cluster, e.What)
}

func (e *FlexClusterError) Unwrap() error { return e.Err }

// flexClusters remembers which clusters this client found to be Flex
// ones: project and name → the cluster as Atlas described it (and sent
// it).
type flexClusters struct {
	mu    sync.Mutex
	known map[[2]string]flexKnown
}

type flexKnown struct {
	fc  *FlexCluster
	raw []byte
}

func (f *flexClusters) get(projectID, cluster string) (*FlexCluster, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.known[[2]string{projectID, cluster}]
	return k.fc, k.raw
}

func (f *flexClusters) put(projectID, cluster string, fc *FlexCluster, raw []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.known == nil {
		f.known = map[[2]string]flexKnown{}
	}
	f.known[[2]string{projectID, cluster}] = flexKnown{fc, raw}
}

// IsFlex says whether this client has found the cluster to be a Flex one
// (it asks nothing).
func (c *Client) IsFlex(projectID, cluster string) bool {
	fc, _ := c.flex.get(projectID, cluster)
	return fc != nil
}

// FlexCluster is a Flex cluster (FlexClusterDescription20241113).
type FlexCluster struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	StateName      string `json:"stateName"`
	MongoDBVersion string `json:"mongoDBVersion"`
	BackupSettings *struct {
		Enabled bool `json:"enabled"`
	} `json:"backupSettings,omitempty"`
}

// cluster is the Flex cluster among the others: TYPE FLEX, backup on
// unless its backupSettings say otherwise (the spec's default is true).
func (f *FlexCluster) cluster() Cluster {
	return Cluster{ID: f.ID, Name: f.Name, ClusterType: ClusterTypeFlex, StateName: f.StateName,
		BackupEnabled: f.BackupSettings == nil || f.BackupSettings.Enabled, MongoDBVersion: f.MongoDBVersion, Flex: true}
}

// flexSnapshot is FlexBackupSnapshot20241113.
type flexSnapshot struct {
	ID             string     `json:"id"`
	Status         string     `json:"status"`
	ScheduledTime  *time.Time `json:"scheduledTime,omitempty"`
	StartTime      *time.Time `json:"startTime,omitempty"`
	FinishTime     *time.Time `json:"finishTime,omitempty"`
	Expiration     *time.Time `json:"expiration,omitempty"`
	MongoDBVersion string     `json:"mongoDBVersion"`
}

func (s *flexSnapshot) jobID() string { return s.ID }

// snapshot is the Flex snapshot as any snapshot: TYPE scheduled (Flex
// snapshots are daily), created at its finishTime, else its startTime, no
// size (Flex does not say).
func (s flexSnapshot) snapshot() Snapshot {
	created := s.FinishTime
	if created == nil {
		created = s.StartTime
	}
	return Snapshot{ID: s.ID, Status: s.Status, SnapshotType: "scheduled", CreatedAt: created, MongodVersion: s.MongoDBVersion, Flex: true}
}

// flexRestoreJob is FlexBackupRestoreJob20241113.
type flexRestoreJob struct {
	ID                       string     `json:"id"`
	SnapshotID               string     `json:"snapshotId"`
	TargetProjectID          string     `json:"targetProjectId"`
	TargetDeploymentItemName string     `json:"targetDeploymentItemName"`
	DeliveryType             string     `json:"deliveryType"` // RESTORE or DOWNLOAD
	Status                   string     `json:"status"`
	SnapshotURL              string     `json:"snapshotUrl"`
	ExpirationDate           *time.Time `json:"expirationDate,omitempty"`
	RestoreFinishedDate      *time.Time `json:"restoreFinishedDate,omitempty"`
	RestoreScheduledDate     *time.Time `json:"restoreScheduledDate,omitempty"`
}

func (j *flexRestoreJob) jobID() string { return j.ID }

// restoreJob is the Flex job as any restore job, so that one Status, one
// table, one watch and one downloader serve both: automated or download;
// failed at FAILED (FINISHED its restoreFinishedDate); finished at COMPLETED (a download once its
// snapshotUrl is there, which is then its one archive); FlexStatus keeps
// Atlas's word for the progress line.
func (j flexRestoreJob) restoreJob() RestoreJob {
	r := RestoreJob{ID: j.ID, RestoreRequest: RestoreRequest{DeliveryType: DeliveryAutomated, SnapshotID: j.SnapshotID,
		TargetClusterName: j.TargetDeploymentItemName, TargetGroupID: j.TargetProjectID},
		ExpiresAt: j.ExpirationDate, FlexStatus: j.Status, ScheduledAt: j.RestoreScheduledDate}
	if strings.EqualFold(j.DeliveryType, "DOWNLOAD") {
		r.DeliveryType = DeliveryDownload
	}
	done := strings.EqualFold(j.Status, FlexCompleted) || strings.EqualFold(j.Status, FlexClosed)
	switch {
	case strings.EqualFold(j.Status, FlexFailed):
		r.Failed, r.FinishedAt = true, j.RestoreFinishedDate
	case done && r.DeliveryType == DeliveryDownload:
		if j.SnapshotURL != "" { // else still Pending
			r.DeliveryURL, r.FinishedAt = []string{j.SnapshotURL}, j.RestoreFinishedDate
		}
	case done:
		r.FinishedAt = j.RestoreFinishedDate
		if r.FinishedAt == nil {
			r.FinishedAt = &time.Time{} // finished, though Atlas did not say when
		}
	}
	return r
}

// flexCreateRestore is FlexBackupRestoreJobCreate20241113.
type flexCreateRestore struct {
	SnapshotID               string `json:"snapshotId"`
	TargetDeploymentItemName string `json:"targetDeploymentItemName"`
	TargetProjectID          string `json:"targetProjectId,omitempty"`
}

// flexDownload is FlexBackupSnapshotDownloadCreate20241113.
type flexDownload struct {
	SnapshotID string `json:"snapshotId"`
}

func flexPath(projectID, cluster, rest string) string {
	p := "/groups/" + url.PathEscape(projectID) + "/flexClusters/" + url.PathEscape(cluster)
	if rest != "" {
		p += "/backup/" + rest
	}
	return p
}

// flexCluster asks whether a cluster Atlas's dedicated route refused is a
// Flex one, and remembers it when it is; nil when it is not (or the
// question could not be answered).
func (c *Client) flexCluster(ctx context.Context, projectID, cluster string) *FlexCluster {
	if fc, _ := c.flex.get(projectID, cluster); fc != nil {
		return fc
	}
	fc, _, err := c.getFlexCluster(ctx, projectID, cluster)
	if err != nil {
		return nil
	}
	return fc
}

// getFlexCluster reads a Flex cluster, and remembers it.
func (c *Client) getFlexCluster(ctx context.Context, projectID, cluster string) (*FlexCluster, []byte, error) {
	fc, raw, err := decodeOne[FlexCluster](c.do(ctx, call{method: http.MethodGet, path: flexPath(projectID, cluster, ""), version: VersionFlex, pretty: true}))
	if err == nil && fc.Name == "" {
		err = &BadAnswerError{Method: http.MethodGet, Path: flexPath(projectID, cluster, ""), Status: http.StatusOK, Problem: "a Flex cluster without a name"}
	}
	if err != nil {
		return nil, nil, err
	}
	c.flex.put(projectID, cluster, fc, raw)
	return fc, raw, nil
}

// explainFlex turns Atlas's refusal of a dedicated-cluster route into a
// *FlexClusterError when the cluster is a Flex one; ok is false when it
// is not (or was not asked about).
func (c *Client) explainFlex(ctx context.Context, k call, e *Error) (error, bool) {
	projectID, cluster, ok := clusterOfPath(k.path)
	if !ok {
		return nil, false
	}
	flexCode := e.Status == http.StatusBadRequest && strings.EqualFold(e.ErrorCode, codeFlexInClusterAPI)
	if !flexCode && !(e.Status == http.StatusNotFound && aboutCluster(e, cluster)) {
		return nil, false
	}
	if c.flexCluster(ctx, projectID, cluster) == nil {
		return nil, false
	}
	return &FlexClusterError{ProjectID: projectID, Cluster: cluster, What: flexUnsupported(k), Err: e}, true
}

// flexUnsupported names what a dedicated-cluster call does, as Flex
// clusters do not support it.
func flexUnsupported(k call) string {
	switch {
	case strings.Contains(k.path, "/exports"):
		return "exports"
	case strings.Contains(k.path, "/collectionRestoreJobs"):
		return "collection-level restores"
	case strings.Contains(k.path, "/databases"):
		return "collection-level restores (a snapshot's databases and collections)"
	case k.method == http.MethodDelete:
		return "cancelling a restore job"
	case strings.HasSuffix(k.path, "/backup/schedule"):
		return "backup schedules"
	case k.method == http.MethodPost && strings.HasSuffix(k.path, "/backup/snapshots"):
		return "on-demand snapshots"
	}
	if r, ok := k.body.(RestoreRequest); ok && r.DeliveryType == DeliveryPointInTime {
		return "point-in-time restores"
	}
	return k.method + " " + k.path
}

// clusterOfPath reads /groups/P/clusters/C[/…].
func clusterOfPath(path string) (projectID, cluster string, ok bool) {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(seg) < 4 || seg[0] != "groups" || seg[2] != "clusters" {
		return "", "", false
	}
	p, err1 := url.PathUnescape(seg[1])
	cl, err2 := url.PathUnescape(seg[3])
	return p, cl, err1 == nil && err2 == nil
}

// refuseFlex is a *FlexClusterError for a dedicated-cluster call about a
// cluster this client knows to be a Flex one: it is not sent.
func (c *Client) refuseFlex(k call) error {
	if projectID, cluster, ok := clusterOfPath(k.path); ok && c.IsFlex(projectID, cluster) {
		return &FlexClusterError{ProjectID: projectID, Cluster: cluster, What: flexUnsupported(k)}
	}
	return nil
}

// viaFlex runs the dedicated form of an operation, or its Flex form when
// the cluster is a Flex one: known already, or found out from the
// dedicated route's answer.
func (c *Client) viaFlex(projectID, cluster string, dedicated, flex func() error) error {
	if c.IsFlex(projectID, cluster) {
		return flex()
	}
	err := dedicated()
	var fe *FlexClusterError
	if errors.As(err, &fe) && fe.ProjectID == projectID && fe.Cluster == cluster {
		return flex()
	}
	return err
}

// convertList is a list of Flex objects as their common form; the raw
// items stay Atlas's own.
func convertList[F, T any](l *List[F], conv func(F) T) *List[T] {
	out := &List[T]{Raw: l.Raw, items: l.items, Items: make([]T, len(l.Items))}
	for i, v := range l.Items {
		out.Items[i] = conv(v)
	}
	return out
}

// flexRestoreCall is the Flex form of a restore create: a restore job
// into a cluster, or a download; a point in time is a *FlexClusterError.
func flexRestoreCall(projectID, cluster string, r RestoreRequest) (Call, error) {
	switch r.DeliveryType {
	case DeliveryAutomated:
		return call{method: http.MethodPost, path: flexPath(projectID, cluster, "restoreJobs"), version: VersionFlex, pretty: true,
			body: flexCreateRestore{SnapshotID: r.SnapshotID, TargetDeploymentItemName: r.TargetClusterName, TargetProjectID: r.TargetGroupID}}, nil
	case DeliveryDownload:
		return call{method: http.MethodPost, path: flexPath(projectID, cluster, "download"), version: VersionFlex, pretty: true,
			body: flexDownload{SnapshotID: r.SnapshotID}}, nil
	}
	return call{}, &FlexClusterError{ProjectID: projectID, Cluster: cluster, What: "point-in-time restores"}
}

// ListFlexClusters lists a project's Flex clusters, as clusters.
func (c *Client) ListFlexClusters(ctx context.Context, projectID string, o ListOptions) (*List[Cluster], error) {
	l, err := list[FlexCluster](ctx, c, call{method: http.MethodGet, path: "/groups/" + url.PathEscape(projectID) + "/flexClusters", version: VersionFlex, pretty: true}, o)
	if err != nil {
		return nil, err
	}
	for i, fc := range l.Items {
		c.flex.put(projectID, fc.Name, &fc, l.RawAt(i))
	}
	return convertList(l, func(fc FlexCluster) Cluster { return fc.cluster() }), nil
}

// ListAllClusters lists a project's dedicated and Flex clusters, the
// dedicated list first, then the Flex one, with the same options; in name
// order. Raw is one array of Atlas's objects of both kinds.
func (c *Client) ListAllClusters(ctx context.Context, projectID string, o ListOptions) (*List[Cluster], error) {
	dedicated, err := c.ListClusters(ctx, projectID, o)
	if err != nil {
		return nil, err
	}
	flex, err := c.ListFlexClusters(ctx, projectID, o)
	if err != nil {
		return nil, err
	}
	type entry struct {
		cl  Cluster
		raw json.RawMessage
	}
	var all []entry
	for _, l := range []*List[Cluster]{dedicated, flex} {
		for i, cl := range l.Items {
			all = append(all, entry{cl, l.items[i]})
		}
	}
	slices.SortStableFunc(all, func(a, b entry) int { return strings.Compare(a.cl.Name, b.cl.Name) })
	out := &List[Cluster]{Items: make([]Cluster, len(all)), items: make([]json.RawMessage, len(all))}
	for i, e := range all {
		out.Items[i], out.items[i] = e.cl, e.raw
	}
	out.Raw = rawArray(out.items)
	return out, nil
}
