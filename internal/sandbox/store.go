package sandbox

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// The seeded demo data. The IDs are fixed so that documentation and scripts
// can name them; snapshot times are relative to the moment the sandbox starts.
const (
	DemoProjectID      = "65f0a1b2c3d4e5f601234567"
	DemoProjectName    = "demo-project"
	DemoStagingID      = "65f0a1b2c3d4e5f601234568"
	DemoStagingName    = "staging-project"
	DemoCluster        = "demo"
	DemoShardedCluster = "demo-sharded" // two shards and a config server; see DemoShardedReplicaSets
	DemoBucketID       = "65f0b0c0d0e0f00000000001"
	DemoBucketName     = "demo-export-bucket"
	DemoGCPBucketID    = "65f0b0c0d0e0f00000000002"
	DemoGCPBucketName  = "demo-gcs-bucket"
	demoIAMRoleID      = "65f0c0c0d0e0f00000000001"
	demoGCPRoleID      = "65f0c0c0d0e0f00000000002"
	demoPolicyItemID   = "65f0d0d0d0e0f00000000001"
	demoOrgName        = "demo-org"
	snapshotIDTemplate = "65f0e0e0d0e0%012x"
)

// DemoShardedReplicaSets are the replica sets of DemoShardedCluster: its two
// shards, then its config server. Its export and download restore jobs carry
// one components[] entry for each, in this order, and a download restore has
// one archive for each, named ArchiveFileName(jobID, replicaSetName).
var DemoShardedReplicaSets = []string{"demo-sharded-shard-0", "demo-sharded-shard-1", "demo-sharded-config-0"}

type project struct {
	id, name string
	clusters map[string]*cluster
	buckets  []*bucket
}

type cluster struct {
	name        string
	collections int
	replicaSets []string    // a sharded cluster's shards and config server; nil for a replica set
	snapshots   []*snapshot // newest first
	exports     []*exportJob
	restores    []*restoreJob
}

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
}

// seedClusters numbers the snapshots in this order: new clusters go at the
// end, so that the IDs documentation and scripts name stay the same.
var seedClusters = []seedCluster{
	{DemoProjectID, DemoCluster, 42, []time.Duration{2 * time.Hour, 26 * time.Hour, 50 * time.Hour, 7 * 24 * time.Hour}, nil},
	{DemoProjectID, "analytics", 17, []time.Duration{5 * time.Hour, 29 * time.Hour}, nil},
	{DemoStagingID, "staging", 9, []time.Duration{3 * time.Hour}, nil},
	{DemoProjectID, DemoShardedCluster, 24, []time.Duration{4 * time.Hour, 28 * time.Hour}, DemoShardedReplicaSets},
}

func newStore(start time.Time) *store {
	s := &store{projects: map[string]*project{
		DemoProjectID: {id: DemoProjectID, name: DemoProjectName, clusters: map[string]*cluster{}, buckets: []*bucket{
			{id: DemoBucketID, name: DemoBucketName, provider: "AWS", roleID: demoIAMRoleID},
			{id: DemoGCPBucketID, name: DemoGCPBucketName, provider: "GCP", roleID: demoGCPRoleID},
		}},
		DemoStagingID: {id: DemoStagingID, name: DemoStagingName, clusters: map[string]*cluster{}},
	}}
	n := 0
	for _, sc := range seedClusters {
		c := &cluster{name: sc.name, collections: sc.collections, replicaSets: slices.Clone(sc.replicaSets)}
		for i, age := range sc.ages {
			n++
			kind, freq := "scheduled", "daily"
			if i == 0 {
				kind, freq = "onDemand", "hourly"
			}
			sn := &snapshot{
				id:        fmt.Sprintf(snapshotIDTemplate, n),
				createdAt: start.Add(-age).Truncate(time.Second),
				frequency: freq,
				kind:      kind,
				sizeBytes: int64(sc.collections) * (1 << 26) * int64(10+i),
			}
			if c.replicaSets == nil {
				sn.rsName = "atlas-" + sc.name + "-shard-0"
			}
			c.snapshots = append(c.snapshots, sn)
		}
		s.projects[sc.project].clusters[sc.name] = c
	}
	return s
}

// SeedSnapshotIDs returns the IDs of the seeded snapshots of a cluster, newest
// first, as New seeds them.
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
	return ids
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
