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
	DemoOrgID           = "65f0a0a0a0a0a0a0a0a0a0a0" // both projects'; export prefixes name it
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
	demoPolicyItemID         = "65f0d0d0d0e0f00000000001"
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
	clusters map[string]*cluster
	buckets  []*bucket
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
	fleet         bool // added by WithClusters
	version       string
	state         string // stateName
	paused        bool
	hardware      hardware
	createdAt     time.Time
	snapshots     []*snapshot // newest first
	exports       []*exportJob
	restores      []*restoreJob
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
}

// seedClusters numbers the clusters and their snapshots in this order: new
// clusters go at the end, so that the IDs documentation and scripts name
// stay the same.
var seedClusters = []seedCluster{
	{project: DemoProjectID, name: DemoCluster, collections: 42, ages: []time.Duration{2 * time.Hour, 26 * time.Hour, 50 * time.Hour, 7 * 24 * time.Hour}},
	{project: DemoProjectID, name: DemoUpdatingCluster, collections: 17, ages: []time.Duration{5 * time.Hour, 29 * time.Hour}, state: "UPDATING",
		hw: hardware{"AWS", "EU_WEST_1", "M20", 20}},
	{project: DemoStagingID, name: "staging", collections: 9, ages: []time.Duration{3 * time.Hour}, hw: hardware{"AWS", "US_EAST_1", "M10", 10}},
	{project: DemoProjectID, name: DemoShardedCluster, collections: 24, ages: []time.Duration{4 * time.Hour, 28 * time.Hour}, replicaSets: DemoShardedReplicaSets},
	{project: DemoProjectID, name: DemoNoBackupCluster, collections: 12, noBackup: true, version: "7.0.15", hw: hardware{"GCP", "CENTRAL_US", "M10", 10}},
	{project: DemoStagingID, name: DemoCreatingCluster, state: "CREATING"},
	{project: DemoStagingID, name: DemoPausedCluster, collections: 30, ages: []time.Duration{30 * time.Hour, 54 * time.Hour}, paused: true,
		hw: hardware{"AWS", "US_WEST_2", "M40", 80}},
	{project: DemoStagingID, name: DemoDeletingCluster, collections: 5, noBackup: true, state: "DELETING", hw: hardware{"AWS", "US_EAST_1", "M10", 10}},
}

// newStore seeds the demo data, and fleet more clusters in the demo project.
func newStore(start time.Time, fleet int) *store {
	s := &store{projects: map[string]*project{
		DemoProjectID: {id: DemoProjectID, name: DemoProjectName, clusters: map[string]*cluster{}, buckets: []*bucket{
			{id: DemoBucketID, name: DemoBucketName, provider: "AWS", roleID: demoIAMRoleID, region: "us-east-1"},
			{id: DemoGCPBucketID, name: DemoGCPBucketName, provider: "GCP", roleID: demoGCPRoleID},
			{id: DemoSharedBucketID, name: DemoSharedBucketName, provider: "AWS", roleID: demoIAMRoleID, region: "us-east-1"},
			{id: DemoSharedBucketID2, name: DemoSharedBucketName, provider: "AWS", roleID: demoIAMRoleID, region: "eu-west-1"},
		}},
		DemoStagingID: {id: DemoStagingID, name: DemoStagingName, clusters: map[string]*cluster{},
			privateEndpoints: []string{DemoPrivateEndpointID}},
	}}
	n := 0
	for k, sc := range seedClusters {
		c := &cluster{
			name: sc.name, number: k + 1, groupID: sc.project, collections: sc.collections,
			replicaSets: slices.Clone(sc.replicaSets), backupEnabled: !sc.noBackup, version: sc.version,
			state: cmp.Or(sc.state, "IDLE"), paused: sc.paused, hardware: sc.hw,
			createdAt: start.Add(-time.Duration(90-k) * 24 * time.Hour).Truncate(time.Second),
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
	for i := 1; i <= fleet; i++ {
		c := &cluster{
			name: FleetClusterName(i), number: fleetNumberBase + i, groupID: DemoProjectID,
			collections: 5 + i%20, backupEnabled: true, fleet: true, version: defaultMongoDBVersion,
			state: "IDLE", hardware: hardware{"AWS", "US_EAST_1", "M10", 10},
			createdAt: start.Add(-30 * 24 * time.Hour).Truncate(time.Second),
		}
		for j, age := range fleetSnapshotAges(i) {
			c.addSnapshot(fmt.Sprintf(fleetSnapshotIDTemplate, i, j+1), start, j, age)
		}
		s.projects[DemoProjectID].clusters[c.name] = c
	}
	return s
}

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
// cluster, newest first, as New seeds them (DemoInProgressSnapshotID, which
// is not completed, is not among them). For FleetClusterName(i) they are the IDs that
// cluster has when WithClusters adds it (n >= i).
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
	if !ok {
		return nil, notFound("cluster", name)
	}
	return c, nil
}

// clusterDescription finds a cluster as the cluster operations (and the Flex
// API) do: an unknown one is Atlas's 404 CLUSTER_NOT_FOUND. The backup
// operations keep RESOURCE_NOT_FOUND (see cluster).
func (s *store) clusterDescription(groupID, name string) (*cluster, *apiError) {
	p, err := s.project(groupID)
	if err != nil {
		return nil, err
	}
	c, ok := p.clusters[name]
	if !ok {
		return nil, newError(http.StatusNotFound, codeClusterNotFound,
			fmt.Sprintf("No cluster named %s exists in group %s.", name, groupID), name, groupID)
	}
	return c, nil
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
