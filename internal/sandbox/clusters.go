package sandbox

import (
	"fmt"
	"net/http"
	"strings"
)

// The handlers run with s.mu held.

// clusterView is the spec's ClusterDescription20240805, with the properties
// the spec subset keeps.
type clusterView struct {
	ID                  string                `json:"id"`
	GroupID             string                `json:"groupId"`
	Name                string                `json:"name"`
	ClusterType         string                `json:"clusterType"`
	StateName           string                `json:"stateName"`
	Paused              bool                  `json:"paused"`
	BackupEnabled       bool                  `json:"backupEnabled"`
	MongoDBVersion      string                `json:"mongoDBVersion"`
	MongoDBMajorVersion string                `json:"mongoDBMajorVersion"`
	CreateDate          string                `json:"createDate"`
	ReplicationSpecs    []replicationSpecView `json:"replicationSpecs"`
	Links               []link                `json:"links"`
}

// replicationSpecView is the spec's ReplicationSpec20240805: one per shard.
type replicationSpecView struct {
	ID       string `json:"id"`
	ZoneID   string `json:"zoneId"`
	ZoneName string `json:"zoneName"`
}

func (x *exchange) clusterView(c *cluster) clusterView {
	self := fmt.Sprintf("%s%s/groups/%s/clusters/%s", x.baseURL(), apiPrefix, c.groupID, c.name)
	v := clusterView{
		ID:                  c.id(),
		GroupID:             c.groupID,
		Name:                c.name,
		ClusterType:         "REPLICASET",
		StateName:           "IDLE",
		BackupEnabled:       c.backupEnabled,
		MongoDBVersion:      c.version,
		MongoDBMajorVersion: c.version[:strings.LastIndex(c.version, ".")],
		CreateDate:          timeString(c.createdAt),
		// As Atlas links them: itself, and its backup collections.
		Links: []link{
			{Href: self, Rel: "self"},
			{Href: self + "/backup/restoreJobs", Rel: "https://cloud.mongodb.com/restoreJobs"},
			{Href: self + "/backup/snapshots", Rel: "https://cloud.mongodb.com/snapshots"},
		},
	}
	if c.replicaSets != nil {
		v.ClusterType = "SHARDED"
	}
	for i := range c.shards() {
		v.ReplicationSpecs = append(v.ReplicationSpecs, replicationSpecView{
			ID:       fmt.Sprintf(shardIDTemplate, c.number, i+1),
			ZoneID:   fmt.Sprintf(zoneIDTemplate, c.number),
			ZoneName: "Zone 1",
		})
	}
	return v
}

// listClusters lists a project's clusters in name order. The sandbox has no
// deleted clusters, so includeDeletedWithRetainedBackups changes nothing.
func (s *Server) listClusters(x *exchange) (int, any, *apiError) {
	p, err := s.store.project(x.params["groupId"])
	if err != nil {
		return 0, nil, err
	}
	names := p.clusterNames()
	views := make([]clusterView, len(names))
	for i, name := range names {
		views[i] = x.clusterView(p.clusters[name])
	}
	return http.StatusOK, paginate(x, views), nil
}

func (s *Server) getCluster(x *exchange) (int, any, *apiError) {
	c, err := s.store.clusterDescription(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, x.clusterView(c), nil
}

// flexProbe answers the Flex backup routes. Every cluster of the sandbox is
// a dedicated one, so they answer as Atlas does for those: 400
// CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API, or 404 CLUSTER_NOT_FOUND for a
// cluster that does not exist, which the official atlas CLI takes as its cue
// to call the dedicated cluster's route instead.
func (s *Server) flexProbe(x *exchange) (int, any, *apiError) {
	c, err := s.store.clusterDescription(x.params["groupId"], x.params["name"])
	if err != nil {
		return 0, nil, err
	}
	return 0, nil, newError(http.StatusBadRequest, codeNonFlexCluster,
		fmt.Sprintf("Cannot use non-flex cluster %s in the flex API.", c.name))
}

// backupEnabled refuses to export or restore from a cluster whose backup is
// off: it has no snapshots to take them from.
func backupEnabled(c *cluster, what string) *apiError {
	if c.backupEnabled {
		return nil
	}
	return newError(http.StatusBadRequest, codeBackupNotEnabled,
		fmt.Sprintf("Cloud Backup is not enabled for cluster %s: turn it on before %s.", c.name, what))
}
