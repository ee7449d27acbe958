package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// The handlers run with s.mu held.

// Flex clusters (…/groups/{groupId}/flexClusters/{name}, version 2024-11-13
// only): their own cluster reads, daily snapshots, restores into a Flex or
// dedicated cluster, and snapshot downloads; no export, no point in time,
// no cancel (DELETE is 405). The rules the sandbox follows, where the spec
// leaves them open:
//
// Names. A project's Flex and dedicated clusters share one namespace. A
// Flex route named with a dedicated cluster answers 400
// CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API, a dedicated route named with a
// Flex cluster 400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API, and a name that
// is neither 404 CLUSTER_NOT_FOUND on the Flex routes.
//
// Snapshots are daily, listed newest first, and kept flexSnapshotRetention
// (expiration). Seeded ones are COMPLETED, except DemoFlexRunningSnapshotID,
// which stays RUNNING (no finishTime).
//
// Restore jobs. POST …/backup/restoreJobs {snapshotId, targetDeploymentItemName,
// targetProjectId} restores into a Flex or dedicated cluster of the target
// project (default: the source's); POST …/backup/download {snapshotId}
// makes a DOWNLOAD job. Both answer 200. The snapshot must exist (404) and
// be COMPLETED (400 SNAPSHOT_NOT_COMPLETED); the target must exist (404
// CLUSTER_NOT_FOUND) and no other restore may be writing to it (409
// CLUSTER_RESTORE_IN_PROGRESS). Over the job duration D (WithJobDuration) a
// job is PENDING for the first fifth, QUEUED for the second, RUNNING until
// D, then COMPLETED, or FAILED when WithRestoreOutcome is anything but
// success (Flex jobs are never cancelled or expired). restoreFinishedDate
// comes at the end. A DOWNLOAD job's expirationDate is four hours after its
// request (flexDownloadTTL); once COMPLETED it has a snapshotUrl on the
// archive server (ArchiveHandler), one .tar.gz named
// ArchiveFileName(snapshotID, ""), which stops working at expirationDate.

// Flex facts the sandbox gives every Flex cluster.
const (
	defaultFlexMongoDBVersion = "8.0.12"
	flexSnapshotRetention     = 8 * 24 * time.Hour // daily snapshots are kept eight days
	flexDownloadTTL           = 4 * time.Hour      // a download's link works this long after the request
)

// flexNamePattern is the spec's pattern of targetDeploymentItemName.
var flexNamePattern = lazyre.New(`^[\p{L}\p{N}\-_.(),:&@+']{1,64}$`)

// flexCluster is a Flex cluster: always IDLE, backup always on.
type flexCluster struct {
	name      string
	number    int // see clusterIDTemplate: the seeded clusters' numbering
	groupID   string
	version   string
	createdAt time.Time
	snapshots []*flexSnapshot   // newest first
	restores  []*flexRestoreJob // newest first, downloads included
}

func (f *flexCluster) id() string { return fmt.Sprintf(clusterIDTemplate, f.number) }

// flexSnapshot is a Flex cluster's daily snapshot; it has no on-demand kind.
type flexSnapshot struct {
	id                           string
	scheduled, started, finished time.Time // finished zero: RUNNING, for ever
	version                      string
}

func (sn *flexSnapshot) completed() bool { return !sn.finished.IsZero() }

// addSnapshot adds a completed daily snapshot that finished age before start.
func (f *flexCluster) addSnapshot(id string, start time.Time, age time.Duration) {
	finished := start.Add(-age).Truncate(time.Second)
	started := finished.Add(-3 * time.Minute)
	f.snapshots = append(f.snapshots, &flexSnapshot{
		id: id, scheduled: started.Add(-time.Minute), started: started, finished: finished, version: f.version,
	})
}

func (f *flexCluster) snapshot(id string) *flexSnapshot {
	for _, sn := range f.snapshots {
		if sn.id == id {
			return sn
		}
	}
	return nil
}

// flexRestoreJob is a Flex restore (into a cluster) or download job. Like
// the other jobs, its state is a function of the clock.
type flexRestoreJob struct {
	id, snapshotID      string
	groupID, cluster    string // the source Flex cluster's
	targetGroup, target string // target is "" for a download
	download            bool
	snapshotFinished    time.Time
	createdAt           time.Time
	duration            time.Duration
	outcome             Outcome
}

func (j *flexRestoreJob) ended(now time.Time) bool { return !now.Before(j.createdAt.Add(j.duration)) }

func (j *flexRestoreJob) succeeds() bool { return j.outcome == OutcomeSuccess }

// expiration is when a download's link stops working.
func (j *flexRestoreJob) expiration() time.Time { return j.createdAt.Add(flexDownloadTTL) }

// status is the job's status at now.
func (j *flexRestoreJob) status(now time.Time) string {
	elapsed := now.Sub(j.createdAt)
	switch {
	case j.ended(now) && j.succeeds():
		return "COMPLETED"
	case j.ended(now):
		return "FAILED"
	case elapsed < j.duration/5:
		return "PENDING"
	case elapsed < j.duration*2/5:
		return "QUEUED"
	}
	return "RUNNING"
}

// linkLive reports whether the job is a download whose link works at now.
func (j *flexRestoreJob) linkLive(now time.Time) bool {
	return j.download && j.succeeds() && j.ended(now) && now.Before(j.expiration())
}

// flexClusterView is the spec's FlexClusterDescription20241113, keys in
// alphabetical order.
type flexClusterView struct {
	BackupSettings               flexBackupSettings   `json:"backupSettings"`
	ClusterType                  string               `json:"clusterType"`
	ConnectionStrings            connectionStrings    `json:"connectionStrings"`
	CreateDate                   string               `json:"createDate"`
	GroupID                      string               `json:"groupId"`
	ID                           string               `json:"id"`
	Links                        []link               `json:"links"`
	MongoDBVersion               string               `json:"mongoDBVersion"`
	Name                         string               `json:"name"`
	ProviderSettings             flexProviderSettings `json:"providerSettings"`
	StateName                    string               `json:"stateName"`
	Tags                         []label              `json:"tags"`
	TerminationProtectionEnabled bool                 `json:"terminationProtectionEnabled"`
	VersionReleaseSystem         string               `json:"versionReleaseSystem"`
}

type flexBackupSettings struct {
	Enabled bool `json:"enabled"`
}

// flexProviderSettings is the spec's FlexProviderSettings20241113.
type flexProviderSettings struct {
	BackingProviderName string    `json:"backingProviderName"`
	DiskSizeGB          gigabytes `json:"diskSizeGB"`
	ProviderName        string    `json:"providerName"`
	RegionName          string    `json:"regionName"`
}

// flexURL is the absolute URL of a Flex cluster.
func (x *exchange) flexURL(groupID, name string) string {
	return fmt.Sprintf("%s%s/groups/%s/flexClusters/%s", x.baseURL(), apiPrefix, groupID, name)
}

func (x *exchange) flexClusterView(f *flexCluster) flexClusterView {
	self := x.flexURL(f.groupID, f.name)
	domain := hostCode(f.groupID) + ".sandbox.invalid"
	deployment := "atlas-" + code36(fmt.Sprintf("deployment %d", f.number), 6)
	hosts := make([]string, 3)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("ac-%s-shard-00-%02d.%s:27017", code36("flex "+f.name, 7), i, domain)
	}
	return flexClusterView{
		BackupSettings: flexBackupSettings{Enabled: true},
		ClusterType:    "REPLICASET",
		ConnectionStrings: connectionStrings{
			Standard:    "mongodb://" + strings.Join(hosts, ",") + "/?ssl=true&authSource=admin&replicaSet=" + deployment + "-shard-0",
			StandardSrv: "mongodb+srv://" + strings.ToLower(f.name) + "." + domain,
		},
		CreateDate: timeString(f.createdAt),
		GroupID:    f.groupID,
		ID:         f.id(),
		Links: []link{
			{Href: self, Rel: "self"},
			{Href: self + "/backup/restoreJobs", Rel: "https://cloud.mongodb.com/restoreJobs"},
			{Href: self + "/backup/snapshots", Rel: "https://cloud.mongodb.com/snapshots"},
		},
		MongoDBVersion:       f.version,
		Name:                 f.name,
		ProviderSettings:     flexProviderSettings{BackingProviderName: "AWS", DiskSizeGB: 5, ProviderName: "FLEX", RegionName: "US_EAST_1"},
		StateName:            "IDLE",
		Tags:                 []label{},
		VersionReleaseSystem: "LTS",
	}
}

// flexSnapshotView is the spec's FlexBackupSnapshot20241113, keys in
// alphabetical order: finishTime only once finished.
type flexSnapshotView struct {
	Expiration     string `json:"expiration"`
	FinishTime     string `json:"finishTime,omitempty"`
	ID             string `json:"id"`
	Links          []link `json:"links"`
	MongoDBVersion string `json:"mongoDBVersion"`
	ScheduledTime  string `json:"scheduledTime"`
	StartTime      string `json:"startTime"`
	Status         string `json:"status"`
}

func (x *exchange) flexSnapshotView(f *flexCluster, sn *flexSnapshot) flexSnapshotView {
	self := x.flexURL(f.groupID, f.name)
	v := flexSnapshotView{
		Expiration:     timeString(sn.scheduled.Add(flexSnapshotRetention)),
		ID:             sn.id,
		Links:          []link{{Href: self + "/backup/snapshots/" + sn.id, Rel: "self"}, {Href: self, Rel: relCluster}},
		MongoDBVersion: sn.version,
		ScheduledTime:  timeString(sn.scheduled),
		StartTime:      timeString(sn.started),
		Status:         "RUNNING",
	}
	if sn.completed() {
		v.FinishTime, v.Status = timeString(sn.finished), "COMPLETED"
	}
	return v
}

// flexRestoreJobView is the spec's FlexBackupRestoreJob20241113, keys in
// alphabetical order: targetDeploymentItemName for restores only;
// expirationDate for downloads, and their snapshotUrl once COMPLETED;
// restoreFinishedDate once the job has ended.
type flexRestoreJobView struct {
	DeliveryType             string `json:"deliveryType"`
	ExpirationDate           string `json:"expirationDate,omitempty"`
	ID                       string `json:"id"`
	InstanceName             string `json:"instanceName"`
	Links                    []link `json:"links"`
	ProjectID                string `json:"projectId"`
	RestoreFinishedDate      string `json:"restoreFinishedDate,omitempty"`
	RestoreScheduledDate     string `json:"restoreScheduledDate"`
	SnapshotFinishedDate     string `json:"snapshotFinishedDate"`
	SnapshotID               string `json:"snapshotId"`
	SnapshotURL              string `json:"snapshotUrl,omitempty"`
	Status                   string `json:"status"`
	TargetDeploymentItemName string `json:"targetDeploymentItemName,omitempty"`
	TargetProjectID          string `json:"targetProjectId"`
}

// flexRestoreView is the job as the API shows it at now. Called with s.mu
// held: a download's link is remembered by the archive server.
func (s *Server) flexRestoreView(x *exchange, j *flexRestoreJob, now time.Time) flexRestoreJobView {
	self := x.flexURL(j.groupID, j.cluster)
	v := flexRestoreJobView{
		DeliveryType:         "RESTORE",
		ID:                   j.id,
		InstanceName:         j.cluster,
		Links:                []link{{Href: self + "/backup/restoreJobs/" + j.id, Rel: "self"}, {Href: self + "/backup/snapshots/" + j.snapshotID, Rel: relSnapshot}},
		ProjectID:            j.groupID,
		RestoreScheduledDate: timeString(j.createdAt),
		SnapshotFinishedDate: timeString(j.snapshotFinished),
		SnapshotID:           j.snapshotID,
		Status:               j.status(now),
		TargetProjectID:      j.targetGroup,
	}
	if j.download {
		v.DeliveryType, v.ExpirationDate = "DOWNLOAD", timeString(j.expiration())
		if v.Status == "COMPLETED" {
			v.SnapshotURL = s.archiveURL(j.id, ArchiveFileName(j.snapshotID, ""), "")
		}
	} else {
		v.TargetDeploymentItemName = j.target
	}
	if j.ended(now) {
		v.RestoreFinishedDate = timeString(j.createdAt.Add(j.duration))
	}
	return v
}

// flexCluster finds a Flex cluster as the Flex routes do.
func (s *store) flexCluster(groupID, name string) (*flexCluster, *apiError) {
	p, err := s.project(groupID)
	if err != nil {
		return nil, err
	}
	if f, ok := p.flex[name]; ok {
		return f, nil
	}
	if _, ok := p.clusters[name]; ok {
		return nil, newError(http.StatusBadRequest, codeNonFlexCluster,
			fmt.Sprintf("Cannot use non-flex cluster %s in the flex API.", name), name)
	}
	return nil, clusterNotFound(name, groupID)
}

// flexRestoreJob finds a Flex restore or download job by its ID, in any
// Flex cluster.
func (s *store) flexRestoreJob(id string) *flexRestoreJob {
	for _, p := range s.projects {
		for _, f := range p.flex {
			for _, j := range f.restores {
				if j.id == id {
					return j
				}
			}
		}
	}
	return nil
}

// flexRestoreInto returns a running Flex restore job that writes into the
// cluster (Flex or dedicated).
func (s *Server) flexRestoreInto(groupID, name string, now time.Time) *flexRestoreJob {
	for _, p := range s.store.projects {
		for _, f := range p.flex {
			for _, j := range f.restores {
				if !j.download && j.targetGroup == groupID && j.target == name && !j.ended(now) {
					return j
				}
			}
		}
	}
	return nil
}

// Handlers.

func (s *Server) listFlexClusters(x *exchange) (int, any, *apiError) {
	p, err := s.store.project(x.params["groupId"])
	if err != nil {
		return 0, nil, err
	}
	names := sortedKeys(p.flex)
	return http.StatusOK, paginate(x, viewsOf(names, func(name string) flexClusterView { return x.flexClusterView(p.flex[name]) })), nil
}

func (s *Server) getFlexCluster(x *exchange) (int, any, *apiError) {
	f, err := s.store.flexCluster(x.params["groupId"], x.params["name"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, x.flexClusterView(f), nil
}

func (s *Server) listFlexSnapshots(x *exchange) (int, any, *apiError) {
	f, err := s.store.flexCluster(x.params["groupId"], x.params["name"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(x, viewsOf(f.snapshots, func(sn *flexSnapshot) flexSnapshotView { return x.flexSnapshotView(f, sn) })), nil
}

func (s *Server) getFlexSnapshot(x *exchange) (int, any, *apiError) {
	f, err := s.store.flexCluster(x.params["groupId"], x.params["name"])
	if err != nil {
		return 0, nil, err
	}
	sn := f.snapshot(x.params["snapshotId"])
	if sn == nil {
		return 0, nil, notFound("snapshot", x.params["snapshotId"])
	}
	return http.StatusOK, x.flexSnapshotView(f, sn), nil
}

func (s *Server) listFlexRestores(x *exchange) (int, any, *apiError) {
	f, err := s.store.flexCluster(x.params["groupId"], x.params["name"])
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	return http.StatusOK, paginate(x, viewsOf(f.restores, func(j *flexRestoreJob) flexRestoreJobView { return s.flexRestoreView(x, j, now) })), nil
}

func (s *Server) getFlexRestore(x *exchange) (int, any, *apiError) {
	f, err := s.store.flexCluster(x.params["groupId"], x.params["name"])
	if err != nil {
		return 0, nil, err
	}
	for _, j := range f.restores {
		if j.id == x.params["restoreJobId"] {
			return http.StatusOK, s.flexRestoreView(x, j, s.now()), nil
		}
	}
	return 0, nil, notFound("restore job", x.params["restoreJobId"])
}

// Read-only attributes of the Flex restore and download requests, ignored
// on input.
var (
	flexRestoreReadOnly = []string{
		"deliveryType", "expirationDate", "id", "instanceName", "links", "projectId", "restoreFinishedDate",
		"restoreScheduledDate", "snapshotFinishedDate", "snapshotUrl", "status",
	}
	flexDownloadReadOnly = []string{"links"}
)

func (s *Server) createFlexRestore(x *exchange) (int, any, *apiError) {
	b, apiErr := parseBody(x.body, []string{"snapshotId", "targetDeploymentItemName", "targetProjectId"}, flexRestoreReadOnly)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	snapID := b.str("snapshotId", true, idPattern())
	target := b.str("targetDeploymentItemName", true, flexNamePattern())
	targetGroup := b.str("targetProjectId", false, idPattern())
	if err := b.v.err(); err != nil {
		return 0, nil, err
	}
	return s.startFlexJob(x, snapID, targetGroup, target)
}

func (s *Server) downloadFlexBackup(x *exchange) (int, any, *apiError) {
	b, apiErr := parseBody(x.body, []string{"snapshotId"}, flexDownloadReadOnly)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	snapID := b.str("snapshotId", true, idPattern())
	if err := b.v.err(); err != nil {
		return 0, nil, err
	}
	return s.startFlexJob(x, snapID, "", "")
}

// startFlexJob creates a restore job into target of targetGroup (the
// source's project when ""), or a download job when target is "".
func (s *Server) startFlexJob(x *exchange, snapID, targetGroup, target string) (int, any, *apiError) {
	f, err := s.store.flexCluster(x.params["groupId"], x.params["name"])
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	sn := f.snapshot(snapID)
	switch {
	case sn == nil:
		return 0, nil, notFound("snapshot", snapID)
	case !sn.completed():
		return 0, nil, newError(http.StatusBadRequest, codeSnapshotNotCompleted,
			fmt.Sprintf("Snapshot %s of flex cluster %s has not completed yet.", snapID, f.name), snapID, f.name)
	}
	j := &flexRestoreJob{
		snapshotID: snapID, groupID: f.groupID, cluster: f.name,
		targetGroup: f.groupID, target: target, download: target == "",
		snapshotFinished: sn.finished, createdAt: now, duration: s.jobDuration, outcome: s.restoreOutcome,
	}
	if targetGroup != "" {
		j.targetGroup = targetGroup
	}
	if !j.download {
		if err := s.flexTarget(j.targetGroup, target, now); err != nil {
			return 0, nil, err
		}
	}
	j.id = s.newID()
	f.restores = append([]*flexRestoreJob{j}, f.restores...)
	return http.StatusOK, s.flexRestoreView(x, j, now), nil
}

// flexTarget checks the target of a Flex restore: a Flex or dedicated
// cluster of the project that no running restore writes to.
func (s *Server) flexTarget(groupID, name string, now time.Time) *apiError {
	p, err := s.store.project(groupID)
	if err != nil {
		return err
	}
	if p.flex[name] == nil && p.clusters[name] == nil {
		return clusterNotFound(name, groupID)
	}
	busy := ""
	if j := s.flexRestoreInto(groupID, name, now); j != nil {
		busy = "Flex restore job " + j.id
	} else if j := s.restoreInto(groupID, name, now); j != nil {
		busy = "restore job " + j.id
	} else if j := s.collectionRestoreInto(groupID, name, now); j != nil {
		busy = "collection restore job " + j.id
	}
	if busy != "" {
		id := busy[strings.LastIndex(busy, " ")+1:]
		return newError(http.StatusConflict, codeRestoreInProgress,
			fmt.Sprintf("Cluster %s is already the target of %s.", name, busy), name, id)
	}
	return nil
}
