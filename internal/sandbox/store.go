package sandbox

import (
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
	DemoProjectID       = "65f0a1b2c3d4e5f601234567"
	DemoProjectName     = "demo-project"
	DemoStagingID       = "65f0a1b2c3d4e5f601234568"
	DemoStagingName     = "staging-project"
	DemoCluster         = "demo"
	DemoShardedCluster  = "demo-sharded" // two shards and a config server; see DemoShardedReplicaSets
	DemoNoBackupCluster = "legacy"       // backupEnabled false: no snapshots, exports and restores refused
	DemoBucketID        = "65f0b0c0d0e0f00000000001"
	DemoBucketName      = "demo-export-bucket"
	DemoGCPBucketID     = "65f0b0c0d0e0f00000000002"
	DemoGCPBucketName   = "demo-gcs-bucket"
	demoIAMRoleID       = "65f0c0c0d0e0f00000000001"
	demoGCPRoleID       = "65f0c0c0d0e0f00000000002"
	demoPolicyItemID    = "65f0d0d0d0e0f00000000001"
	demoOrgName         = "demo-org"
	snapshotIDTemplate  = "65f0e0e0d0e0%012x"
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
	fleetNumberBase       = 0x10000
	defaultMongoDBVersion = "8.0.4"
)

// DemoShardedReplicaSets are the replica sets of DemoShardedCluster: its two
// shards, then its config server. Its export and download restore jobs carry
// one components[] entry for each, in this order, and a download restore has
// one archive for each, named ArchiveFileName(jobID, replicaSetName). Its
// replicationSpecs has one entry per shard: two.
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
	createdAt     time.Time
	snapshots     []*snapshot // newest first
	exports       []*exportJob
	restores      []*restoreJob
}

// shards is how many shards the cluster has: one for a replica set; a
// sharded cluster's replica sets less its config server.
func (c *cluster) shards() int { return max(len(c.replicaSets)-1, 1) }

func (c *cluster) id() string { return fmt.Sprintf(clusterIDTemplate, c.number) }

type snapshot struct {
	id        string
	createdAt time.Time
	frequency string
	kind      string // snapshotType
	sizeBytes int64
	rsName    string // "" for a sharded cluster's snapshot
}

type bucket struct {
	id, name, provider, roleID string
}

type store struct {
	projects map[string]*project
}

// seedCluster describes one seeded cluster: its name, its collection count,
// the ages of its completed snapshots and, for a sharded cluster, its replica
// sets.
type seedCluster struct {
	project     string
	name        string
	collections int
	ages        []time.Duration
	replicaSets []string
	noBackup    bool
	version     string // mongoDBVersion; "" for defaultMongoDBVersion
}

// seedClusters numbers the snapshots in this order: new clusters go at the
// end, so that the IDs documentation and scripts name stay the same.
var seedClusters = []seedCluster{
	{DemoProjectID, DemoCluster, 42, []time.Duration{2 * time.Hour, 26 * time.Hour, 50 * time.Hour, 7 * 24 * time.Hour}, nil, false, ""},
	{DemoProjectID, "analytics", 17, []time.Duration{5 * time.Hour, 29 * time.Hour}, nil, false, ""},
	{DemoStagingID, "staging", 9, []time.Duration{3 * time.Hour}, nil, false, ""},
	{DemoProjectID, DemoShardedCluster, 24, []time.Duration{4 * time.Hour, 28 * time.Hour}, DemoShardedReplicaSets, false, ""},
	{DemoProjectID, DemoNoBackupCluster, 12, nil, nil, true, "7.0.15"},
}

// newStore seeds the demo data, and fleet more clusters in the demo project.
func newStore(start time.Time, fleet int) *store {
	s := &store{projects: map[string]*project{
		DemoProjectID: {id: DemoProjectID, name: DemoProjectName, clusters: map[string]*cluster{}, buckets: []*bucket{
			{id: DemoBucketID, name: DemoBucketName, provider: "AWS", roleID: demoIAMRoleID},
			{id: DemoGCPBucketID, name: DemoGCPBucketName, provider: "GCP", roleID: demoGCPRoleID},
		}},
		DemoStagingID: {id: DemoStagingID, name: DemoStagingName, clusters: map[string]*cluster{}},
	}}
	n := 0
	for k, sc := range seedClusters {
		c := &cluster{
			name: sc.name, number: k + 1, groupID: sc.project, collections: sc.collections,
			replicaSets: slices.Clone(sc.replicaSets), backupEnabled: !sc.noBackup, version: sc.version,
			createdAt: start.Add(-time.Duration(90-k) * 24 * time.Hour).Truncate(time.Second),
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
	for i := 1; i <= fleet; i++ {
		c := &cluster{
			name: FleetClusterName(i), number: fleetNumberBase + i, groupID: DemoProjectID,
			collections: 5 + i%20, backupEnabled: true, fleet: true, version: defaultMongoDBVersion,
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
// on demand; the others scheduled), taken age before start.
func (c *cluster) addSnapshot(id string, start time.Time, i int, age time.Duration) {
	kind, freq := "scheduled", "daily"
	if i == 0 {
		kind, freq = "onDemand", "hourly"
	}
	sn := &snapshot{
		id:        id,
		createdAt: start.Add(-age).Truncate(time.Second),
		frequency: freq,
		kind:      kind,
		sizeBytes: int64(c.collections) * (1 << 26) * int64(10+i),
	}
	if c.replicaSets == nil {
		sn.rsName = "atlas-" + c.name + "-shard-0"
	}
	c.snapshots = append(c.snapshots, sn)
}

// SeedSnapshotIDs returns the IDs of the seeded snapshots of a cluster, newest
// first, as New seeds them. For FleetClusterName(i) they are the IDs that
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
			fmt.Sprintf("No cluster named %s exists in group %s.", name, groupID))
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

// snapshotBefore returns the newest snapshot taken at or before t.
func (c *cluster) snapshotBefore(t time.Time) *snapshot {
	for _, s := range c.snapshots { // newest first
		if !s.createdAt.After(t) {
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
