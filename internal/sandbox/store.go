package sandbox

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The seeded demo data. The IDs are fixed so that documentation and scripts
// can name them; snapshot times are relative to the moment the sandbox starts.
const (
	DemoProjectID   = "65f0a1b2c3d4e5f601234567"
	DemoProjectName = "demo-project"
	// DemoStagingID is the second demo project: the one with a private
	// endpoint (DemoPrivateEndpointID), and the clusters whose stateName is
	// CREATING (DemoCreatingCluster) or DELETING (DemoDeletingCluster), or
	// that are paused (DemoPausedCluster).
	DemoStagingID       = "65f0a1b2c3d4e5f601234568"
	DemoStagingName     = "staging-project"
	DemoOrgID           = "65f0a0a0a0a0a0a0a0a0a0a0" // every project's; export prefixes name it
	DemoCluster         = "demo"
	DemoShardedCluster  = "demo-sharded" // two shards and a config server; see DemoShardedReplicaSets
	DemoNoBackupCluster = "legacy"       // backupEnabled false: no snapshots, exports and restores refused
	DemoUpdatingCluster = "analytics"    // stateName UPDATING; it backs up as any other
	DemoCreatingCluster = "onboarding"   // staging project: stateName CREATING, no snapshots yet
	DemoPausedCluster   = "warehouse"    // staging project: paused, with the snapshots it had
	DemoDeletingCluster = "retired"      // staging project: stateName DELETING, backupEnabled false
	DemoBucketID        = "65f0b0c0d0e0f00000000001"
	DemoBucketName      = "demo-export-bucket"
	DemoGCPBucketID     = "65f0b0c0d0e0f00000000002"
	DemoGCPBucketName   = "demo-gcs-bucket"
	// Two AWS buckets of the demo project share a name, as Atlas allows:
	// a name that several buckets have names none of them.
	DemoSharedBucketName = "demo-shared-bucket"
	DemoSharedBucketID   = "65f0b0c0d0e0f00000000003" // us-east-1
	DemoSharedBucketID2  = "65f0b0c0d0e0f00000000004" // eu-west-1
	// DemoInProgressSnapshotID is the demo cluster's newest snapshot, a
	// scheduled one that is still inProgress (and stays so): no createdAt,
	// so latest skips it, and exports and restores of it are refused.
	DemoInProgressSnapshotID = "65f0e0e0d0e0000000000100"
	demoIAMRoleID            = "65f0c0c0d0e0f00000000001"
	demoGCPRoleID            = "65f0c0c0d0e0f00000000002"
	demoPolicyItemID         = "65f0d0d0d0e0f00000000001" // the daily item of every backup schedule
	demoOrgName              = "demo-org"
	snapshotIDTemplate       = "65f0e0e0d0e0%012x"
	// A fleet cluster's snapshots: the cluster's number, then the
	// snapshot's (1 the newest).
	fleetSnapshotIDTemplate = "65f0e0e1%08x%08x"
	// Clusters are numbered: the seeded ones from 1 in seedClusters order,
	// fleet-NNN as fleetNumberBase+NNN. Their IDs, their shards' IDs (the
	// cluster's number, then the shard's from 1) and their zone's ID follow
	// from the number.
	clusterIDTemplate     = "65f0f1f1%016x"
	shardIDTemplate       = "65f0f2f2%08x%08x"
	zoneIDTemplate        = "65f0f3f3%016x"
	legacySpecIDTemplate  = "65f0f4f4%016x" // the one replicationSpecs entry of version 2023-02-01
	fleetNumberBase       = 0x10000
	defaultMongoDBVersion = "8.0.4"
)

// The third project, whose clusters are in the conditions a backup audit
// looks for (`status`), and which has a backup compliance policy.
const (
	DemoOpsID   = "65f0a1b2c3d4e5f601234569"
	DemoOpsName = "ops-project"
	// DemoOpsCluster has backup and point in time on (a 7-day window), a
	// completed snapshot about 3 hours old (its newest), a scheduled
	// snapshot that FAILED about 2 days ago (DemoOpsFailedSnapshotID), an
	// export job that Failed about 3 days ago (DemoOpsFailedExportID), and
	// an automated restore into itself that started 30 minutes ago and
	// never ends (DemoOpsRunningRestoreID): restores into it are 409.
	DemoOpsCluster = "orders"
	// DemoOpsStaleCluster has backup on and point in time off; its newest
	// completed snapshot is about 4 days old, and none is newer.
	DemoOpsStaleCluster = "billing"
	// DemoOpsFailedSnapshotID is DemoOpsCluster's scheduled daily snapshot
	// of about 2 days ago, which ended failed: no createdAt, no size.
	DemoOpsFailedSnapshotID = "65f0e0e0d0e0000000000102"
	// DemoOpsFailedExportID is DemoOpsCluster's export job to
	// DemoOpsBucketID, created about 3 days ago, which ended Failed.
	DemoOpsFailedExportID = "65f0e2e2d0e0f00000000001"
	// DemoOpsRunningRestoreID is DemoOpsCluster's automated restore job
	// into itself, from its newest snapshot, started 30 minutes before the
	// sandbox; it stays running.
	DemoOpsRunningRestoreID = "65f0e3e3d0e0f00000000001"
	DemoOpsBucketID         = "65f0b0c0d0e0f00000000005" // the ops project's one export bucket (AWS)
	DemoOpsBucketName       = "ops-export-bucket"
)

// The Flex clusters of the demo project, served by the Flex API
// (…/flexClusters/{name}, version 2024-11-13 only): not listed by
// GET …/clusters, and every dedicated-cluster route answers their names
// 400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API.
const (
	// DemoFlexCluster has daily snapshots: DemoFlexRunningSnapshotID, the
	// newest, RUNNING (and it stays so), then COMPLETED ones about 22, 46
	// and 70 hours old (SeedSnapshotIDs names them, newest first).
	DemoFlexCluster = "flex-dev"
	// DemoFlexTargetCluster has one COMPLETED snapshot, about 10 hours old.
	DemoFlexTargetCluster = "flex-qa"
	// DemoFlexRunningSnapshotID is DemoFlexCluster's newest snapshot, still
	// RUNNING and never finishing: no finishTime, and restores and
	// downloads of it are refused.
	DemoFlexRunningSnapshotID = "65f0e0e0d0e0000000000101"
)

// DefaultRestoreWindowDays is the restore window of the clusters whose
// continuous cloud backup (point in time) is on, but for
// DemoShardedCluster's (DemoShardedRestoreWindowDays). RestoreWindowDays
// says which clusters have one.
const DefaultRestoreWindowDays = 7

// DemoShardedRestoreWindowDays is DemoShardedCluster's restore window.
const DemoShardedRestoreWindowDays = 2

// DemoShardedReplicaSets are the replica sets of DemoShardedCluster: its two
// shards, then its config server. Its export and download restore jobs carry
// one components[] entry for each, in this order, and a download restore has
// one archive for each, named ArchiveFileName(snapshotID, replicaSetName).
// Its replicationSpecs has one entry per shard: two.
var DemoShardedReplicaSets = []string{"demo-sharded-shard-0", "demo-sharded-shard-1", "demo-sharded-config-0"}

// FleetClusterName is the name of the i-th cluster (from 1) that
// WithClusters adds: fleet-001, fleet-002, … (three digits up to 999, so
// that name order is number order).
func FleetClusterName(i int) string { return fmt.Sprintf("fleet-%03d", i) }

// fleetSnapshotAges are the ages of a fleet cluster's completed snapshots,
// newest first; the i-th cluster's newest is i seconds older than an hour,
// so that no two fleet clusters share a snapshot time.
func fleetSnapshotAges(i int) []time.Duration {
	return []time.Duration{time.Hour + time.Duration(i)*time.Second, 25 * time.Hour}
}

type project struct {
	id, name string
	created  time.Time
	clusters map[string]*cluster     // the dedicated ones
	flex     map[string]*flexCluster // the Flex ones (flex.go)
	buckets  []*bucket
	// compliance says whether the project has a backup compliance policy
	// (schedule.go): only the ops project has one.
	compliance bool
	// privateEndpoints are the endpoints through which download restores
	// of the project's clusters are also offered (privateDownloadDeliveryUrls).
	privateEndpoints []string
}

type cluster struct {
	name          string
	number        int // see clusterIDTemplate
	groupID       string
	collections   int
	replicaSets   []string // a sharded cluster's shards and config server; nil for a replica set
	backupEnabled bool
	// restoreWindowDays is the restore window of its continuous cloud
	// backup; 0 when that (pitEnabled) is off.
	restoreWindowDays int
	// referenceHour and referenceMinute are the time of day (UTC) of its
	// scheduled daily snapshots (schedule.go).
	referenceHour, referenceMinute int
	fleet                          bool // added by WithClusters
	version                        string
	state                          string // stateName
	paused                         bool
	hardware                       hardware
	createdAt                      time.Time
	snapshots                      []*snapshot // newest first
	exports                        []*exportJob
	restores                       []*restoreJob
	// collectionRestores are its collection restore jobs, newest first
	// (collection_restores.go).
	collectionRestores []*collectionRestoreJob
}

// hardware is where a cluster runs and on what.
type hardware struct {
	provider, region, size string // AWS US_EAST_1 M30
	diskGB                 float64
}

// shards is how many shards the cluster has: one for a replica set; a
// sharded cluster's replica sets less its config server.
func (c *cluster) shards() int { return max(len(c.replicaSets)-1, 1) }

func (c *cluster) id() string { return fmt.Sprintf(clusterIDTemplate, c.number) }

// deploymentName is the cluster's internal deployment name, as Atlas names
// it to restore jobs (targetDeploymentItemName) and in its connection
// string's replicaSet: atlas- and six base-36 characters.
func (c *cluster) deploymentName() string {
	return "atlas-" + code36(fmt.Sprintf("deployment %d", c.number), 6)
}

// code36 is a short base-36 code derived from s.
func code36(s string, n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte(s))
	out := make([]byte, n)
	for i := range out {
		out[i] = digits[int(sum[i])%len(digits)]
	}
	return string(out)
}

type bucket struct {
	id, name, provider, roleID, region string
}

type store struct {
	projects map[string]*project
}

// seedCluster describes one seeded cluster.
type seedCluster struct {
	project     string
	name        string
	collections int
	ages        []time.Duration // of its completed snapshots, newest first
	replicaSets []string        // a sharded cluster's
	noBackup    bool
	version     string // mongoDBVersion; "" for defaultMongoDBVersion
	state       string // stateName; "" for IDLE
	paused      bool
	hw          hardware // zero: AWS US_EAST_1 M30
	pitDays     int      // restore window; 0: point in time off
	flex        bool     // a Flex cluster (flex.go): ages are its completed snapshots'
}

// seedClusters numbers the clusters and their snapshots in this order: new
// clusters go at the end, so that the IDs documentation and scripts name
// stay the same.
var seedClusters = []seedCluster{
	{project: DemoProjectID, name: DemoCluster, collections: 42, ages: []time.Duration{2 * time.Hour, 26 * time.Hour, 50 * time.Hour, 7 * 24 * time.Hour},
		pitDays: DefaultRestoreWindowDays},
	{project: DemoProjectID, name: DemoUpdatingCluster, collections: 17, ages: []time.Duration{5 * time.Hour, 29 * time.Hour}, state: "UPDATING",
		hw: hardware{"AWS", "EU_WEST_1", "M20", 20}},
	{project: DemoStagingID, name: "staging", collections: 9, ages: []time.Duration{3 * time.Hour}, hw: hardware{"AWS", "US_EAST_1", "M10", 10}},
	{project: DemoProjectID, name: DemoShardedCluster, collections: 24, ages: []time.Duration{4 * time.Hour, 28 * time.Hour}, replicaSets: DemoShardedReplicaSets,
		pitDays: DemoShardedRestoreWindowDays},
	{project: DemoProjectID, name: DemoNoBackupCluster, collections: 12, noBackup: true, version: "7.0.15", hw: hardware{"GCP", "CENTRAL_US", "M10", 10}},
	{project: DemoStagingID, name: DemoCreatingCluster, state: "CREATING", pitDays: DefaultRestoreWindowDays},
	{project: DemoStagingID, name: DemoPausedCluster, collections: 30, ages: []time.Duration{30 * time.Hour, 54 * time.Hour}, paused: true,
		hw: hardware{"AWS", "US_WEST_2", "M40", 80}, pitDays: DefaultRestoreWindowDays},
	{project: DemoStagingID, name: DemoDeletingCluster, collections: 5, noBackup: true, state: "DELETING", hw: hardware{"AWS", "US_EAST_1", "M10", 10}},
	{project: DemoProjectID, name: DemoFlexCluster, flex: true, ages: []time.Duration{22 * time.Hour, 46 * time.Hour, 70 * time.Hour}},
	{project: DemoProjectID, name: DemoFlexTargetCluster, flex: true, ages: []time.Duration{10 * time.Hour}},
	{project: DemoOpsID, name: DemoOpsCluster, collections: 21, ages: []time.Duration{3 * time.Hour, 27 * time.Hour, 75 * time.Hour},
		hw: hardware{"AWS", "EU_CENTRAL_1", "M30", 40}, pitDays: DefaultRestoreWindowDays},
	{project: DemoOpsID, name: DemoOpsStaleCluster, collections: 8, ages: []time.Duration{4 * 24 * time.Hour, 5 * 24 * time.Hour},
		hw: hardware{"AWS", "EU_CENTRAL_1", "M10", 10}},
}

// RestoreWindowDays is the restore window, in days, of a cluster as New
// seeds it (and of FleetClusterName(i) as WithClusters adds it): 0 when its
// continuous cloud backup (its pitEnabled) is off, as for a cluster with
// backup off, a Flex cluster, or a name the sandbox does not seed. It is
// the schedule's restoreWindowDays, and point-in-time restores of the
// cluster must be within it (400 INVALID_POINT_IN_TIME; with no window,
// 400 PIT_NOT_ENABLED):
//
//	demo, onboarding, warehouse, orders, fleet-NNN   7 (DefaultRestoreWindowDays)
//	demo-sharded                                     2 (DemoShardedRestoreWindowDays)
//	analytics, staging, billing                      0: backup on, point in time off
//	legacy, retired                                  0: backup off
func RestoreWindowDays(clusterName string) int {
	for _, sc := range seedClusters {
		if sc.name == clusterName && !sc.noBackup && !sc.flex {
			return sc.pitDays
		}
	}
	if _, ok := fleetNumber(clusterName); ok {
		return DefaultRestoreWindowDays
	}
	return 0
}

// newStore seeds the demo data, and fleet more clusters in the demo project.
func newStore(start time.Time, fleet int) *store {
	s := &store{projects: map[string]*project{
		DemoProjectID: {id: DemoProjectID, name: DemoProjectName, buckets: []*bucket{
			{id: DemoBucketID, name: DemoBucketName, provider: "AWS", roleID: demoIAMRoleID, region: "us-east-1"},
			{id: DemoGCPBucketID, name: DemoGCPBucketName, provider: "GCP", roleID: demoGCPRoleID},
			{id: DemoSharedBucketID, name: DemoSharedBucketName, provider: "AWS", roleID: demoIAMRoleID, region: "us-east-1"},
			{id: DemoSharedBucketID2, name: DemoSharedBucketName, provider: "AWS", roleID: demoIAMRoleID, region: "eu-west-1"},
		}},
		DemoStagingID: {id: DemoStagingID, name: DemoStagingName, privateEndpoints: []string{DemoPrivateEndpointID}},
		DemoOpsID: {id: DemoOpsID, name: DemoOpsName, compliance: true, buckets: []*bucket{
			{id: DemoOpsBucketID, name: DemoOpsBucketName, provider: "AWS", roleID: demoIAMRoleID, region: "eu-central-1"},
		}},
	}}
	// The projects were created before their clusters, in ID order.
	for i, id := range []string{DemoProjectID, DemoStagingID, DemoOpsID} {
		p := s.projects[id]
		p.created = start.Add(-time.Duration(120-10*i) * 24 * time.Hour).Truncate(time.Second)
		p.clusters, p.flex = map[string]*cluster{}, map[string]*flexCluster{}
	}
	n := 0
	for k, sc := range seedClusters {
		createdAt := start.Add(-time.Duration(90-k) * 24 * time.Hour).Truncate(time.Second)
		if sc.flex {
			f := &flexCluster{name: sc.name, number: k + 1, groupID: sc.project, version: defaultFlexMongoDBVersion, createdAt: createdAt}
			for _, age := range sc.ages {
				n++
				f.addSnapshot(fmt.Sprintf(snapshotIDTemplate, n), start, age)
			}
			s.projects[sc.project].flex[sc.name] = f
			continue
		}
		c := &cluster{
			name: sc.name, number: k + 1, groupID: sc.project, collections: sc.collections,
			replicaSets: slices.Clone(sc.replicaSets), backupEnabled: !sc.noBackup, version: sc.version,
			state: cmp.Or(sc.state, "IDLE"), paused: sc.paused, hardware: sc.hw,
			createdAt: createdAt,
		}
		if !sc.noBackup {
			c.restoreWindowDays = sc.pitDays
		}
		if c.hardware.provider == "" {
			c.hardware = hardware{"AWS", "US_EAST_1", "M30", 40}
		}
		if c.state == "CREATING" {
			c.createdAt = start.Add(-10 * time.Minute).Truncate(time.Second)
		}
		if c.version == "" {
			c.version = defaultMongoDBVersion
		}
		for i, age := range sc.ages {
			n++
			c.addSnapshot(fmt.Sprintf(snapshotIDTemplate, n), start, i, age)
		}
		s.projects[sc.project].clusters[sc.name] = c
	}
	// The demo cluster's hourly snapshot, started 20 minutes ago, is still
	// being taken.
	demo := s.projects[DemoProjectID].clusters[DemoCluster]
	demo.snapshots = append([]*snapshot{{
		id: DemoInProgressSnapshotID, requestedAt: start.Add(-20 * time.Minute).Truncate(time.Second),
		kind: "scheduled", frequency: "hourly", retention: 2 * 24 * time.Hour, rsName: demo.name,
		provider: demo.hardware.provider, version: demo.version,
	}}, demo.snapshots...)
	// So is flex-dev's daily snapshot, begun 20 minutes ago.
	fd := s.projects[DemoProjectID].flex[DemoFlexCluster]
	begun := start.Add(-20 * time.Minute).Truncate(time.Second)
	fd.snapshots = append([]*flexSnapshot{{
		id: DemoFlexRunningSnapshotID, scheduled: begun.Add(-time.Minute), started: begun, version: fd.version,
	}}, fd.snapshots...)
	seedOps(s.projects[DemoOpsID].clusters[DemoOpsCluster], start)
	for i := 1; i <= fleet; i++ {
		c := &cluster{
			name: FleetClusterName(i), number: fleetNumberBase + i, groupID: DemoProjectID,
			collections: 5 + i%20, backupEnabled: true, fleet: true, version: defaultMongoDBVersion,
			state: "IDLE", hardware: hardware{"AWS", "US_EAST_1", "M10", 10},
			createdAt:         start.Add(-30 * 24 * time.Hour).Truncate(time.Second),
			restoreWindowDays: DefaultRestoreWindowDays,
		}
		for j, age := range fleetSnapshotAges(i) {
			c.addSnapshot(fmt.Sprintf(fleetSnapshotIDTemplate, i, j+1), start, j, age)
		}
		c.setReferenceTime()
		s.projects[DemoProjectID].clusters[c.name] = c
	}
	for _, p := range s.projects {
		for _, c := range p.clusters {
			if !c.fleet {
				c.setReferenceTime()
			}
		}
	}
	return s
}

// seedOps gives the ops project's orders cluster what an audit should
// find: a failed scheduled snapshot, a failed export job and a restore
// job that never ends.
func seedOps(c *cluster, start time.Time) {
	failedAt := start.Add(-48 * time.Hour).Truncate(time.Second)
	c.snapshots = append(c.snapshots, &snapshot{
		id: DemoOpsFailedSnapshotID, requestedAt: failedAt, completedAt: failedAt.Add(25 * time.Minute), failed: true,
		kind: "scheduled", frequency: "daily", retention: 30 * 24 * time.Hour, rsName: c.name,
		provider: c.hardware.provider, version: c.version,
	})
	slices.SortStableFunc(c.snapshots, func(a, b *snapshot) int { return b.requestedAt.Compare(a.requestedAt) })

	exported := c.snapshots[len(c.snapshots)-1] // its oldest, of about 3 days and 3 hours ago
	created := start.Add(-72 * time.Hour).Truncate(time.Second)
	c.exports = []*exportJob{{
		id: DemoOpsFailedExportID, snapshotID: exported.id, bucketID: DemoOpsBucketID,
		createdAt: created, duration: 40 * time.Minute, outcome: OutcomeFailed, collections: c.collections,
		prefix: fmt.Sprintf("exported_snapshots/%s/%s/%s/%s/%d", DemoOrgID, c.groupID, c.name,
			exported.createdAt.UTC().Format("2006-01-02T1504"), created.Unix()),
		failure: "The export bucket ops-export-bucket refused a write: AccessDenied (the sandbox seeds this failure).",
	}}

	newest := c.latestCompleted(start)
	c.restores = []*restoreJob{{
		id: DemoOpsRunningRestoreID, deliveryType: "automated", snapshotID: newest.id,
		groupID: c.groupID, cluster: c.name, targetCluster: c.name, targetGroup: c.groupID,
		targetDeployment: c.deploymentName(), snapshotTime: newest.createdAt,
		createdAt: start.Add(-30 * time.Minute).Truncate(time.Second), duration: neverEnds, outcome: OutcomeSuccess,
	}}
}

// neverEnds is the duration of a seeded job that stays running: a century.
const neverEnds = 100 * 365 * 24 * time.Hour

// addSnapshot adds the cluster's i-th completed snapshot (0 the newest, taken
// on demand; the others scheduled, daily), taken age before start.
func (c *cluster) addSnapshot(id string, start time.Time, i int, age time.Duration) {
	taken := start.Add(-age).Truncate(time.Second)
	sn := &snapshot{
		id: id, requestedAt: taken, createdAt: taken, completedAt: taken,
		kind: "scheduled", frequency: "daily", retention: 30 * 24 * time.Hour,
		sizeBytes: int64(c.collections) * (1 << 26) * int64(10+i),
		provider:  c.hardware.provider, version: c.version,
		databases: demoCatalog(i),
	}
	if i == 0 {
		sn.kind, sn.frequency, sn.retention = "onDemand", "ondemand", 7*24*time.Hour
		sn.description = "On-demand snapshot taken by the sandbox seed"
	}
	if c.replicaSets == nil {
		sn.rsName = c.name
	}
	c.snapshots = append(c.snapshots, sn)
}

// SeedSnapshotIDs returns the IDs of the seeded completed snapshots of a
// cluster, dedicated or Flex, newest first, as New seeds them
// (DemoInProgressSnapshotID, DemoFlexRunningSnapshotID and
// DemoOpsFailedSnapshotID, which are not completed, are not among them).
// For FleetClusterName(i) they are the IDs that cluster has when
// WithClusters adds it (n >= i).
func SeedSnapshotIDs(clusterName string) []string {
	var ids []string
	n := 0
	for _, sc := range seedClusters {
		for range sc.ages {
			n++
			if sc.name == clusterName {
				ids = append(ids, fmt.Sprintf(snapshotIDTemplate, n))
			}
		}
	}
	if i, ok := fleetNumber(clusterName); ok {
		for j := range fleetSnapshotAges(i) {
			ids = append(ids, fmt.Sprintf(fleetSnapshotIDTemplate, i, j+1))
		}
	}
	return ids
}

// fleetNumber is i when name is FleetClusterName(i).
func fleetNumber(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "fleet-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 1 || FleetClusterName(i) != name {
		return 0, false
	}
	return i, true
}

func (s *store) project(id string) (*project, *apiError) {
	p, ok := s.projects[id]
	if !ok {
		return nil, notFound("group", id)
	}
	return p, nil
}

func (s *store) cluster(groupID, name string) (*cluster, *apiError) {
	p, err := s.project(groupID)
	if err != nil {
		return nil, err
	}
	c, ok := p.clusters[name]
	switch {
	case ok:
		return c, nil
	case p.flex[name] != nil:
		return nil, flexInClusterAPI(name)
	}
	return nil, notFound("cluster", name)
}

// clusterDescription finds a cluster as the cluster operations (and the Flex
// API) do: an unknown one is Atlas's 404 CLUSTER_NOT_FOUND. The backup
// operations keep RESOURCE_NOT_FOUND (see cluster). A Flex cluster's name
// is 400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API for both.
func (s *store) clusterDescription(groupID, name string) (*cluster, *apiError) {
	p, err := s.project(groupID)
	if err != nil {
		return nil, err
	}
	c, ok := p.clusters[name]
	switch {
	case ok:
		return c, nil
	case p.flex[name] != nil:
		return nil, flexInClusterAPI(name)
	}
	return nil, clusterNotFound(name, groupID)
}

// clusterNotFound is Atlas's 404 for a cluster name a project does not have.
func clusterNotFound(name, groupID string) *apiError {
	return newError(http.StatusNotFound, codeClusterNotFound,
		fmt.Sprintf("No cluster named %s exists in group %s.", name, groupID), name, groupID)
}

// flexInClusterAPI is Atlas's answer to a dedicated-cluster route named
// with a Flex cluster.
func flexInClusterAPI(name string) *apiError {
	return newError(http.StatusBadRequest, codeFlexCluster,
		fmt.Sprintf("Cannot use flex cluster %s in the cluster API.", name), name)
}

func (p *project) bucket(id string) *bucket {
	for _, b := range p.buckets {
		if b.id == id {
			return b
		}
	}
	return nil
}

func (c *cluster) snapshot(id string) *snapshot {
	for _, s := range c.snapshots {
		if s.id == id {
			return s
		}
	}
	return nil
}

// snapshotBefore returns the newest snapshot completed by now that was
// taken at or before t.
func (c *cluster) snapshotBefore(t, now time.Time) *snapshot {
	for _, s := range c.snapshots { // newest first
		if s.completed(now) && !s.createdAt.After(t) {
			return s
		}
	}
	return nil
}

func (c *cluster) export(id string) *exportJob {
	for _, j := range c.exports {
		if j.id == id {
			return j
		}
	}
	return nil
}

// restoreJob finds a restore job by its ID, in any cluster.
func (s *store) restoreJob(id string) *restoreJob {
	for _, p := range s.projects {
		for _, c := range p.clusters {
			if j := c.restore(id); j != nil {
				return j
			}
		}
	}
	return nil
}

func (c *cluster) restore(id string) *restoreJob {
	for _, j := range c.restores {
		if j.id == id {
			return j
		}
	}
	return nil
}

// clusterNames lists a project's clusters in name order.
func (p *project) clusterNames() []string {
	names := make([]string, 0, len(p.clusters))
	for n := range p.clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
