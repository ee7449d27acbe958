package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The handlers run with s.mu held.

// listBody is the spec's paginated list envelope.
type listBody struct {
	Links      []link `json:"links"`
	Results    any    `json:"results"`
	TotalCount *int   `json:"totalCount,omitempty"`
}

// viewsOf is each of items as the API shows it.
func viewsOf[T, V any](items []T, view func(T) V) []V {
	out := make([]V, len(items))
	for i, it := range items {
		out[i] = view(it)
	}
	return out
}

// paginate cuts one page out of items, with Atlas's self, previous and next links.
func paginate[T any](x *exchange, items []T) listBody {
	per, page := 100, 1
	if n, err := strconv.Atoi(x.query.Get("itemsPerPage")); err == nil {
		per = n
	}
	if n, err := strconv.Atoi(x.query.Get("pageNum")); err == nil {
		page = n
	}
	start := min((page-1)*per, len(items))
	end := min(start+per, len(items))
	out := listBody{Results: append([]T{}, items[start:end]...)}
	if !strings.EqualFold(x.query.Get("includeCount"), "false") {
		total := len(items)
		out.TotalCount = &total
	}
	href := func(p int) string {
		q := x.r.URL.Query()
		q.Set("pageNum", strconv.Itoa(p))
		q.Set("itemsPerPage", strconv.Itoa(per))
		return x.self() + "?" + q.Encode()
	}
	if page > 1 {
		out.Links = append(out.Links, link{Href: href(page - 1), Rel: "previous"})
	}
	out.Links = append(out.Links, link{Href: href(page), Rel: "self"})
	if end < len(items) {
		out.Links = append(out.Links, link{Href: href(page + 1), Rel: "next"})
	}
	return out
}

// Export buckets.

// bucketView is the spec's DiskBackupSnapshotExportBucketResponse, as Atlas
// answers it: no links, and an AWS bucket's region only when it is got on
// its own (a list leaves it out).
type bucketView struct {
	ID                       string `json:"_id"`
	BucketName               string `json:"bucketName"`
	CloudProvider            string `json:"cloudProvider"`
	IAMRoleID                string `json:"iamRoleId,omitempty"`
	Region                   string `json:"region,omitempty"`
	RequirePrivateNetworking *bool  `json:"requirePrivateNetworking,omitempty"`
	RoleID                   string `json:"roleId,omitempty"`
}

func bucketOf(b *bucket, withRegion bool) bucketView {
	v := bucketView{ID: b.id, BucketName: b.name, CloudProvider: b.provider}
	if b.provider == "AWS" {
		private := false
		v.IAMRoleID, v.RequirePrivateNetworking = b.roleID, &private
		if withRegion {
			v.Region = b.region
		}
	} else {
		v.RoleID = b.roleID
	}
	return v
}

// visible reports whether a bucket exists in the served version: 2023-01-01
// knows only AWS buckets.
func (x *exchange) visible(b *bucket) bool { return x.version != "2023-01-01" || b.provider == "AWS" }

func (s *Server) listBuckets(x *exchange) (int, any, *apiError) {
	p, err := s.store.project(x.params["groupId"])
	if err != nil {
		return 0, nil, err
	}
	views := []bucketView{}
	for _, b := range p.buckets {
		if x.visible(b) {
			views = append(views, bucketOf(b, false))
		}
	}
	return http.StatusOK, paginate(x, views), nil
}

func (s *Server) getBucket(x *exchange) (int, any, *apiError) {
	p, err := s.store.project(x.params["groupId"])
	if err != nil {
		return 0, nil, err
	}
	b := p.bucket(x.params["exportBucketId"])
	if b == nil || !x.visible(b) {
		return 0, nil, notFound("export bucket", x.params["exportBucketId"])
	}
	return http.StatusOK, bucketOf(b, true), nil
}

// Export jobs.

func (s *Server) createExport(x *exchange) (int, any, *apiError) {
	b, apiErr := parseBody(x.body, []string{"snapshotId", "exportBucketId", "customData"}, []string{"links"})
	if apiErr != nil {
		return 0, nil, apiErr
	}
	snapID := b.str("snapshotId", true, idPattern())
	bucketID := b.str("exportBucketId", true, idPattern())
	custom := b.labels("customData")
	if err := b.v.err(); err != nil {
		return 0, nil, err
	}
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	if err := backupEnabled(c, "exporting its snapshots"); err != nil {
		return 0, nil, err
	}
	now := s.now()
	snap, err := completedSnapshot(c, snapID, now)
	if err != nil {
		return 0, nil, err
	}
	p, _ := s.store.project(x.params["groupId"])
	if p.bucket(bucketID) == nil {
		return 0, nil, notFound("export bucket", bucketID)
	}
	for _, j := range c.exports {
		if j.snapshotID == snapID && j.bucketID == bucketID && !j.done(now) {
			return 0, nil, newError(http.StatusConflict, "EXPORT_ALREADY_IN_PROGRESS",
				fmt.Sprintf("Snapshot %s is already being exported to bucket %s by export job %s.", snapID, bucketID, j.id),
				snapID, bucketID, j.id)
		}
	}
	j := &exportJob{
		id: s.newID(), snapshotID: snapID, bucketID: bucketID, customData: custom,
		createdAt: now, duration: s.jobDuration, outcome: s.exportOutcome, collections: c.collections,
	}
	// Atlas's prefix: the organization, project and cluster, the snapshot's
	// time to the minute, and the export's creation in epoch seconds.
	j.prefix = fmt.Sprintf("exported_snapshots/%s/%s/%s/%s/%d", DemoOrgID, p.id, c.name,
		snap.createdAt.UTC().Format("2006-01-02T1504"), now.Unix())
	for _, rs := range c.replicaSets {
		j.components = append(j.components, exportMember{ExportID: s.newID(), ReplicaSetName: rs})
	}
	c.exports = append([]*exportJob{j}, c.exports...)
	return http.StatusOK, j.view(now), nil
}

func (s *Server) listExports(x *exchange) (int, any, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	return http.StatusOK, paginate(x, viewsOf(c.exports, func(j *exportJob) exportJobView { return j.view(now) })), nil
}

func (s *Server) getExport(x *exchange) (int, any, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	j := c.export(x.params["exportId"])
	if j == nil {
		return 0, nil, notFound("export job", x.params["exportId"])
	}
	return http.StatusOK, j.view(s.now()), nil
}

// Restore jobs.

// restoreReadOnly are the restore job's read-only attributes, ignored on input.
var restoreReadOnly = []string{
	"cancelled", "components", "deliveryUrl", "desiredTimestamp", "expired", "expiresAt", "failed",
	"finishedAt", "id", "links", "privateDownloadDeliveryUrls", "targetDeploymentItemName", "timestamp",
}

// minEpoch is the spec's minimum for points in time: 2008-01-01T00:00:00Z.
const minEpoch = 1199145600

func (s *Server) createRestore(x *exchange) (int, any, *apiError) {
	b, apiErr := parseBody(x.body, []string{
		"deliveryType", "snapshotId", "targetClusterName", "targetGroupId",
		"pointInTimeUTCSeconds", "oplogTs", "oplogInc",
	}, restoreReadOnly)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	now := s.now()
	j := &restoreJob{
		deliveryType:  b.str("deliveryType", true, nil),
		snapshotID:    b.str("snapshotId", false, idPattern()),
		targetCluster: b.str("targetClusterName", false, clusterPattern()),
		targetGroup:   b.str("targetGroupId", false, idPattern()),
		pointInTime:   b.int32("pointInTimeUTCSeconds", minEpoch),
		oplogTs:       b.int32("oplogTs", minEpoch),
		oplogInc:      b.int32("oplogInc", 1),
	}
	if j.pointInTime > now.Unix() {
		b.v.add("pointInTimeUTCSeconds", "%d is in the future", j.pointInTime)
	}
	if j.oplogTs > now.Unix() {
		b.v.add("oplogTs", "%d is in the future", j.oplogTs)
	}
	pitFields := []string{"pointInTimeUTCSeconds", "oplogTs", "oplogInc"}
	requireTarget := func() {
		for _, f := range []string{"targetClusterName", "targetGroupId"} {
			if !b.has(f) {
				b.v.add(f, "is required for deliveryType %s", j.deliveryType)
			}
		}
	}
	switch j.deliveryType {
	case "automated":
		requireTarget()
		if !b.has("snapshotId") {
			b.v.add("snapshotId", "is required for deliveryType automated")
		}
		for _, f := range pitFields {
			if b.has(f) {
				b.v.add(f, "is only for deliveryType pointInTime")
			}
		}
	case "download":
		if !b.has("snapshotId") {
			b.v.add("snapshotId", "is required for deliveryType download")
		}
		for _, f := range append([]string{"targetClusterName", "targetGroupId"}, pitFields...) {
			if b.has(f) {
				b.v.add(f, "is not allowed for deliveryType download")
			}
		}
	case "pointInTime":
		requireTarget()
		if b.has("snapshotId") {
			b.v.add("snapshotId", "is not allowed for deliveryType pointInTime: Atlas picks the snapshot")
		}
		oplog := b.has("oplogTs") || b.has("oplogInc")
		switch {
		case b.has("pointInTimeUTCSeconds") && oplog:
			b.v.add("pointInTimeUTCSeconds", "give either pointInTimeUTCSeconds or oplogTs with oplogInc, not both")
		case oplog && !(b.has("oplogTs") && b.has("oplogInc")):
			b.v.add("oplogTs", "oplogTs and oplogInc must be given together")
		case !oplog && !b.has("pointInTimeUTCSeconds"):
			b.v.add("pointInTimeUTCSeconds", "pointInTime restores need pointInTimeUTCSeconds, or oplogTs with oplogInc")
		}
	case "":
	default:
		b.v.add("deliveryType", "%q must be one of automated, download, pointInTime", j.deliveryType)
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
	if j.deliveryType == "pointInTime" {
		at := j.pointInTime
		if at == 0 {
			at = j.oplogTs
		}
		if err := c.checkPointInTime(at, now); err != nil {
			return 0, nil, err
		}
		if snap = c.snapshotBefore(time.Unix(at, 0), now); snap == nil {
			t := timeString(time.Unix(at, 0))
			return 0, nil, newError(http.StatusBadRequest, codeValidation,
				fmt.Sprintf("No snapshot of cluster %s was taken before %s: pick a later point in time.", c.name, t), c.name, t)
		}
	} else if snap, err = completedSnapshot(c, j.snapshotID, now); err != nil {
		return 0, nil, err
	}
	if j.overwrites() {
		target, err := s.store.cluster(j.targetGroup, j.targetCluster)
		if err != nil {
			return 0, nil, err
		}
		if busy := s.restoreInto(j.targetGroup, target.name, now); busy != nil {
			return 0, nil, newError(http.StatusConflict, codeRestoreInProgress,
				fmt.Sprintf("Cluster %s is already the target of restore job %s.", target.name, busy.id), target.name, busy.id)
		}
		if busy := s.collectionRestoreInto(j.targetGroup, target.name, now); busy != nil {
			return 0, nil, newError(http.StatusConflict, codeRestoreInProgress,
				fmt.Sprintf("Cluster %s is the target of collection restore job %s.", target.name, busy.id), target.name, busy.id)
		}
		if busy := s.flexRestoreInto(j.targetGroup, target.name, now); busy != nil {
			return 0, nil, newError(http.StatusConflict, codeRestoreInProgress,
				fmt.Sprintf("Cluster %s is already the target of Flex restore job %s.", target.name, busy.id), target.name, busy.id)
		}
		if j.deliveryType == "automated" {
			j.targetDeployment = target.deploymentName()
		}
	}
	j.id, j.snapshotTime, j.createdAt = s.newID(), snap.createdAt, now
	j.groupID, j.cluster = c.groupID, c.name
	j.duration, j.outcome = s.jobDuration, s.restoreOutcome
	j.replicaSets = c.replicaSets
	c.restores = append([]*restoreJob{j}, c.restores...)
	return http.StatusOK, s.restoreView(x, j, now), nil
}

// checkPointInTime refuses to restore the cluster to the moment at (Unix
// seconds): Atlas keeps the oplog for that only while continuous cloud
// backup is on (400 PIT_NOT_ENABLED), and for restoreWindowDays (a moment
// before now less the window: 400 INVALID_POINT_IN_TIME).
func (c *cluster) checkPointInTime(at int64, now time.Time) *apiError {
	if !c.pitEnabled() {
		return newError(http.StatusBadRequest, codePITNotEnabled,
			fmt.Sprintf("Continuous Cloud Backup is not enabled for cluster %s: it cannot be restored to a point in time, only from a snapshot.", c.name), c.name)
	}
	earliest := now.Add(-time.Duration(c.restoreWindowDays) * 24 * time.Hour)
	if t := time.Unix(at, 0); t.Before(earliest) {
		ts, from := timeString(t), timeString(earliest)
		return newError(http.StatusBadRequest, codeInvalidPointInTime,
			fmt.Sprintf("The point in time %s is outside the restore window of cluster %s: its last %d days, from %s.", ts, c.name, c.restoreWindowDays, from),
			ts, c.name, c.restoreWindowDays, from)
	}
	return nil
}

// restoreInto returns a running restore job that writes into the cluster.
func (s *Server) restoreInto(groupID, clusterName string, now time.Time) *restoreJob {
	for _, p := range s.store.projects {
		for _, c := range p.clusters {
			for _, j := range c.restores {
				if j.overwrites() && j.targetGroup == groupID && j.targetCluster == clusterName && !j.ended(now) {
					return j
				}
			}
		}
	}
	return nil
}

func (s *Server) listRestores(x *exchange) (int, any, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	return http.StatusOK, paginate(x, viewsOf(c.restores, func(j *restoreJob) restoreJobView { return s.restoreView(x, j, now) })), nil
}

func (s *Server) findRestore(x *exchange) (*restoreJob, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return nil, err
	}
	j := c.restore(x.params["restoreJobId"])
	if j == nil {
		return nil, notFound("restore job", x.params["restoreJobId"])
	}
	return j, nil
}

func (s *Server) getRestore(x *exchange) (int, any, *apiError) {
	j, err := s.findRestore(x)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.restoreView(x, j, s.now()), nil
}

func (s *Server) cancelRestore(x *exchange) (int, any, *apiError) {
	j, err := s.findRestore(x)
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	if j.ended(now) {
		return 0, nil, newError(http.StatusBadRequest, "RESTORE_JOB_NOT_CANCELLABLE",
			fmt.Sprintf("Restore job %s has already ended and cannot be cancelled.", j.id), j.id)
	}
	j.cancelledAt = now
	return http.StatusNoContent, nil, nil
}
