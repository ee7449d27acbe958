package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The handlers run with s.mu held.

// clusterView is ClusterDescription20240805 as Atlas answers it: the 32
// fields of a replica set, 34 for a sharded cluster (configServer*), keys in
// alphabetical order. The spec subset keeps 16 of its properties; the others
// are open (additionalProperties), and the sandbox fills them as Atlas does.
type clusterView struct {
	AdaptiveCapacity                              *string               `json:"adaptiveCapacity"` // null, as Atlas sends it
	AdvancedConfiguration                         advancedConfiguration `json:"advancedConfiguration"`
	BackupEnabled                                 bool                  `json:"backupEnabled"`
	BiConnector                                   biConnector           `json:"biConnector"`
	ClusterType                                   string                `json:"clusterType"`
	ConfigServerManagementMode                    string                `json:"configServerManagementMode,omitempty"`
	ConfigServerType                              string                `json:"configServerType,omitempty"`
	ConnectionStrings                             connectionStrings     `json:"connectionStrings"`
	CreateDate                                    string                `json:"createDate"`
	DiskWarmingMode                               string                `json:"diskWarmingMode"`
	EffectiveDatabaseEdition                      string                `json:"effectiveDatabaseEdition"`
	EffectiveReplicationSpecs                     []replicationSpecView `json:"effectiveReplicationSpecs"`
	EncryptionAtRestProvider                      string                `json:"encryptionAtRestProvider"`
	FeatureCompatibilityVersion                   string                `json:"featureCompatibilityVersion"`
	GlobalClusterSelfManagedSharding              bool                  `json:"globalClusterSelfManagedSharding"`
	GroupID                                       string                `json:"groupId"`
	ID                                            string                `json:"id"`
	InternalClusterRole                           string                `json:"internalClusterRole"`
	Labels                                        []label               `json:"labels"`
	Links                                         []link                `json:"links"`
	MongoDBMajorVersion                           string                `json:"mongoDBMajorVersion"`
	MongoDBVersion                                string                `json:"mongoDBVersion"`
	Name                                          string                `json:"name"`
	Paused                                        bool                  `json:"paused"`
	PitEnabled                                    bool                  `json:"pitEnabled"`
	RedactClientLogData                           bool                  `json:"redactClientLogData"`
	ReplicationSpecs                              []replicationSpecView `json:"replicationSpecs"`
	RetainBackups                                 bool                  `json:"retainBackups"`
	RootCertType                                  string                `json:"rootCertType"`
	StateName                                     string                `json:"stateName"`
	Tags                                          []label               `json:"tags"`
	TerminationProtectionEnabled                  bool                  `json:"terminationProtectionEnabled"`
	UseAwsTimeBasedSnapshotCopyForFastInitialSync bool                  `json:"useAwsTimeBasedSnapshotCopyForFastInitialSync"`
	VersionReleaseSystem                          string                `json:"versionReleaseSystem"`
}

// legacyClusterView is AdvancedClusterDescription, version 2023-02-01 of
// the cluster reads, as Atlas answers it: 25 fields for a replica set, 27
// for a sharded cluster, and one replicationSpecs entry for all the shards
// (numShards), whose hardware has no diskSizeGB (the cluster's is
// top-level).
type legacyClusterView struct {
	AdvancedConfiguration            advancedConfiguration   `json:"advancedConfiguration"`
	BackupEnabled                    bool                    `json:"backupEnabled"`
	BiConnector                      biConnector             `json:"biConnector"`
	ClusterType                      string                  `json:"clusterType"`
	ConfigServerManagementMode       string                  `json:"configServerManagementMode,omitempty"`
	ConfigServerType                 string                  `json:"configServerType,omitempty"`
	ConnectionStrings                connectionStrings       `json:"connectionStrings"`
	CreateDate                       string                  `json:"createDate"`
	DiskSizeGB                       gigabytes               `json:"diskSizeGB"`
	DiskWarmingMode                  string                  `json:"diskWarmingMode"`
	EncryptionAtRestProvider         string                  `json:"encryptionAtRestProvider"`
	GlobalClusterSelfManagedSharding bool                    `json:"globalClusterSelfManagedSharding"`
	GroupID                          string                  `json:"groupId"`
	ID                               string                  `json:"id"`
	Labels                           []label                 `json:"labels"`
	Links                            []link                  `json:"links"`
	MongoDBMajorVersion              string                  `json:"mongoDBMajorVersion"`
	MongoDBVersion                   string                  `json:"mongoDBVersion"`
	Name                             string                  `json:"name"`
	Paused                           bool                    `json:"paused"`
	PitEnabled                       bool                    `json:"pitEnabled"`
	ReplicationSpecs                 []legacyReplicationSpec `json:"replicationSpecs"`
	RootCertType                     string                  `json:"rootCertType"`
	StateName                        string                  `json:"stateName"`
	Tags                             []label                 `json:"tags"`
	TerminationProtectionEnabled     bool                    `json:"terminationProtectionEnabled"`
	VersionReleaseSystem             string                  `json:"versionReleaseSystem"`
}

type advancedConfiguration struct {
	CustomOpensslCipherConfigTLS12 []string `json:"customOpensslCipherConfigTls12"`
	CustomOpensslCipherConfigTLS13 []string `json:"customOpensslCipherConfigTls13"`
	MinimumEnabledTLSProtocol      string   `json:"minimumEnabledTlsProtocol"`
	TLSCipherConfigMode            string   `json:"tlsCipherConfigMode"`
}

type biConnector struct {
	Enabled        bool   `json:"enabled"`
	ReadPreference string `json:"readPreference"`
}

// connectionStrings is ClusterConnectionStrings; a cluster being created
// has none yet ({}).
type connectionStrings struct {
	AWSPrivateLinkSrv *struct{} `json:"awsPrivateLinkSrv,omitempty"`
	PrivateEndpoint   []any     `json:"privateEndpoint,omitempty"`
	Standard          string    `json:"standard,omitempty"`
	StandardSrv       string    `json:"standardSrv,omitempty"`
}

// replicationSpecView is ReplicationSpec20240805: one per shard.
type replicationSpecView struct {
	ID            string         `json:"id"`
	RegionConfigs []regionConfig `json:"regionConfigs"`
	ZoneID        string         `json:"zoneId"`
	ZoneName      string         `json:"zoneName"`
}

// legacyReplicationSpec is 2023-02-01's ReplicationSpec: one for all the
// shards of a zone.
type legacyReplicationSpec struct {
	ID            string         `json:"id"`
	NumShards     int            `json:"numShards"`
	RegionConfigs []regionConfig `json:"regionConfigs"`
	ZoneID        string         `json:"zoneId"`
	ZoneName      string         `json:"zoneName"`
}

// regionConfig is CloudRegionConfig20240805 (or, without the effective
// specs and the specs' diskSizeGB, 2023-02-01's CloudRegionConfig).
type regionConfig struct {
	AnalyticsSpecs          hardwareSpec  `json:"analyticsSpecs"`
	AutoScaling             autoScaling   `json:"autoScaling"`
	EffectiveAnalyticsSpecs *hardwareSpec `json:"effectiveAnalyticsSpecs,omitempty"`
	EffectiveElectableSpecs *hardwareSpec `json:"effectiveElectableSpecs,omitempty"`
	EffectiveReadOnlySpecs  *hardwareSpec `json:"effectiveReadOnlySpecs,omitempty"`
	ElectableSpecs          hardwareSpec  `json:"electableSpecs"`
	Priority                int           `json:"priority"`
	ProviderName            string        `json:"providerName"`
	ReadOnlySpecs           hardwareSpec  `json:"readOnlySpecs"`
	RegionName              string        `json:"regionName"`
}

// hardwareSpec is a hardware specification in Atlas's own key order, the
// one object besides desiredTimestamp whose keys are not alphabetical. GCP
// has no IOPS or volume type.
type hardwareSpec struct {
	InstanceSize  string     `json:"instanceSize"`
	DiskIOPS      int        `json:"diskIOPS,omitempty"`
	DiskSizeGB    *gigabytes `json:"diskSizeGB,omitempty"`
	EBSVolumeType string     `json:"ebsVolumeType,omitempty"`
	NodeCount     int        `json:"nodeCount"`
}

// gigabytes is a disk size, written as Atlas writes its doubles: 40.0.
type gigabytes float64

func (g gigabytes) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(g), 'f', 1, 64), nil
}

type autoScaling struct {
	Compute struct {
		Enabled          bool `json:"enabled"`
		ScaleDownEnabled bool `json:"scaleDownEnabled"`
	} `json:"compute"`
	DiskGB struct {
		Enabled bool `json:"enabled"`
	} `json:"diskGB"`
}

// spec is one of the cluster's hardware specifications: nodes of its size
// (0 for analytics and read-only nodes); withDisk says whether it names the
// disk size (2024-08-05 does, 2023-02-01 does not).
func (c *cluster) spec(nodes int, withDisk bool) hardwareSpec {
	h := hardwareSpec{InstanceSize: c.hardware.size, NodeCount: nodes}
	if withDisk {
		disk := gigabytes(c.hardware.diskGB)
		h.DiskSizeGB = &disk
	}
	if c.hardware.provider == "AWS" {
		h.DiskIOPS, h.EBSVolumeType = 3000, "STANDARD"
	}
	return h
}

// regionConfig is the cluster's one region: three electable nodes.
// effective adds the effective*Specs of 2024-08-05's replicationSpecs.
func (c *cluster) regionConfig(withDisk, effective bool) regionConfig {
	rc := regionConfig{
		AnalyticsSpecs: c.spec(0, withDisk),
		ElectableSpecs: c.spec(3, withDisk),
		ReadOnlySpecs:  c.spec(0, withDisk),
		Priority:       7,
		ProviderName:   c.hardware.provider,
		RegionName:     c.hardware.region,
	}
	if effective {
		a, e, r := rc.AnalyticsSpecs, rc.ElectableSpecs, rc.ReadOnlySpecs
		rc.EffectiveAnalyticsSpecs, rc.EffectiveElectableSpecs, rc.EffectiveReadOnlySpecs = &a, &e, &r
	}
	return rc
}

// hostCode is the part of a project's hostnames that Atlas makes up.
func hostCode(groupID string) string { return code36("hosts "+groupID, 5) }

// connectionStrings are the cluster's, on the .invalid domain (they never
// resolve): none while it is being created.
func (c *cluster) connectionStrings() connectionStrings {
	if c.state == "CREATING" {
		return connectionStrings{}
	}
	domain := hostCode(c.groupID) + ".sandbox.invalid"
	host := func(kind string, i int) string {
		return fmt.Sprintf("%s-%s-00-%02d.%s", strings.ToLower(c.name), kind, i, domain)
	}
	cs := connectionStrings{StandardSrv: "mongodb+srv://" + strings.ToLower(c.name) + "." + domain}
	if c.replicaSets == nil {
		cs.Standard = fmt.Sprintf("mongodb://%s:27017,%s:27017,%s:27017/?ssl=true&authSource=admin&replicaSet=%s-shard-0",
			host("shard", 0), host("shard", 1), host("shard", 2), c.deploymentName())
		return cs
	}
	var hosts []string
	for _, kind := range []string{"config", "shard"} {
		for i := range 3 {
			hosts = append(hosts, host(kind, i)+":27016")
		}
	}
	cs.Standard = "mongodb://" + strings.Join(hosts, ",") + "/?ssl=true&authSource=admin"
	cs.AWSPrivateLinkSrv, cs.PrivateEndpoint = &struct{}{}, []any{}
	return cs
}

// clusterLinks are a cluster's links, as Atlas gives them: itself, and its
// backup collections.
func (x *exchange) clusterLinks(c *cluster) []link {
	self := x.clusterURL(c.groupID, c.name)
	return []link{
		{Href: self, Rel: "self"},
		{Href: self + "/backup/restoreJobs", Rel: "https://cloud.mongodb.com/restoreJobs"},
		{Href: self + "/backup/snapshots", Rel: "https://cloud.mongodb.com/snapshots"},
	}
}

func (c *cluster) clusterType() string {
	if c.replicaSets != nil {
		return "SHARDED"
	}
	return "REPLICASET"
}

func (c *cluster) majorVersion() string { return c.version[:strings.LastIndex(c.version, ".")] }

func (x *exchange) clusterView(c *cluster) clusterView {
	v := clusterView{
		AdvancedConfiguration:       tlsDefaults(),
		BackupEnabled:               c.backupEnabled,
		BiConnector:                 biConnector{ReadPreference: "secondary"},
		ClusterType:                 c.clusterType(),
		ConnectionStrings:           c.connectionStrings(),
		CreateDate:                  timeString(c.createdAt),
		DiskWarmingMode:             "FULLY_WARMED",
		EffectiveDatabaseEdition:    "CORE",
		EncryptionAtRestProvider:    "NONE",
		FeatureCompatibilityVersion: c.majorVersion(),
		GroupID:                     c.groupID,
		ID:                          c.id(),
		InternalClusterRole:         "NONE",
		Labels:                      []label{},
		Links:                       x.clusterLinks(c),
		MongoDBMajorVersion:         c.majorVersion(),
		MongoDBVersion:              c.version,
		Name:                        c.name,
		Paused:                      c.paused,
		PitEnabled:                  c.pitEnabled(),
		RootCertType:                "ISRGROOTX1",
		StateName:                   c.state,
		Tags:                        []label{},
		VersionReleaseSystem:        "LTS",
	}
	if c.replicaSets != nil {
		v.ConfigServerManagementMode, v.ConfigServerType = "ATLAS_MANAGED", "DEDICATED"
	}
	for i := range c.shards() {
		spec := func(effective bool) replicationSpecView {
			return replicationSpecView{
				ID:            fmt.Sprintf(shardIDTemplate, c.number, i+1),
				RegionConfigs: []regionConfig{c.regionConfig(true, effective)},
				ZoneID:        fmt.Sprintf(zoneIDTemplate, c.number),
				ZoneName:      "Zone 1",
			}
		}
		v.ReplicationSpecs = append(v.ReplicationSpecs, spec(true))
		v.EffectiveReplicationSpecs = append(v.EffectiveReplicationSpecs, spec(false))
	}
	return v
}

func (x *exchange) legacyClusterView(c *cluster) legacyClusterView {
	v := legacyClusterView{
		AdvancedConfiguration:    tlsDefaults(),
		BackupEnabled:            c.backupEnabled,
		BiConnector:              biConnector{ReadPreference: "secondary"},
		ClusterType:              c.clusterType(),
		ConnectionStrings:        c.connectionStrings(),
		CreateDate:               timeString(c.createdAt),
		DiskSizeGB:               gigabytes(c.hardware.diskGB),
		DiskWarmingMode:          "FULLY_WARMED",
		EncryptionAtRestProvider: "NONE",
		GroupID:                  c.groupID,
		ID:                       c.id(),
		Labels:                   []label{},
		Links:                    x.clusterLinks(c),
		MongoDBMajorVersion:      c.majorVersion(),
		MongoDBVersion:           c.version,
		Name:                     c.name,
		Paused:                   c.paused,
		PitEnabled:               c.pitEnabled(),
		ReplicationSpecs: []legacyReplicationSpec{{
			ID:            fmt.Sprintf(legacySpecIDTemplate, c.number),
			NumShards:     c.shards(),
			RegionConfigs: []regionConfig{c.regionConfig(false, false)},
			ZoneID:        fmt.Sprintf(zoneIDTemplate, c.number),
			ZoneName:      "Zone 1",
		}},
		RootCertType:         "ISRGROOTX1",
		StateName:            c.state,
		Tags:                 []label{},
		VersionReleaseSystem: "LTS",
	}
	if c.replicaSets != nil {
		v.ConfigServerManagementMode, v.ConfigServerType = "ATLAS_MANAGED", "DEDICATED"
	}
	return v
}

func tlsDefaults() advancedConfiguration {
	return advancedConfiguration{
		CustomOpensslCipherConfigTLS12: []string{}, CustomOpensslCipherConfigTLS13: []string{},
		MinimumEnabledTLSProtocol: "TLS1_2", TLSCipherConfigMode: "DEFAULT",
	}
}

// clusterAnswer is the cluster in the served version.
func (x *exchange) clusterAnswer(c *cluster) any {
	if x.version == "2023-02-01" {
		return x.legacyClusterView(c)
	}
	return x.clusterView(c)
}

// listClusters lists a project's clusters in name order. The sandbox has no
// deleted clusters, so includeDeletedWithRetainedBackups changes nothing.
func (s *Server) listClusters(x *exchange) (int, any, *apiError) {
	p, err := s.store.project(x.params["groupId"])
	if err != nil {
		return 0, nil, err
	}
	names := p.clusterNames()
	return http.StatusOK, paginate(x, viewsOf(names, func(name string) any { return x.clusterAnswer(p.clusters[name]) })), nil
}

func (s *Server) getCluster(x *exchange) (int, any, *apiError) {
	c, err := s.store.clusterDescription(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, x.clusterAnswer(c), nil
}

// backupEnabled refuses to export or restore from a cluster whose backup is
// off: it has no snapshots to take them from.
func backupEnabled(c *cluster, what string) *apiError {
	if c.backupEnabled {
		return nil
	}
	return newError(http.StatusBadRequest, codeBackupNotEnabled,
		fmt.Sprintf("Cloud Backup is not enabled for cluster %s: turn it on before %s.", c.name, what), c.name)
}
