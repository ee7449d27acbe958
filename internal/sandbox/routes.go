package sandbox

import (
	"slices"
	"sort"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

const apiPrefix = "/api/atlas/v2"

// Path patterns from the spec.
var (
	idPattern      = lazyre.New(`^([a-f0-9]{24})$`)
	clusterPattern = lazyre.New(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
)

// Query parameters an operation takes, beyond envelope (which all take).
var (
	listQuery     = []string{"pretty", "includeCount", "itemsPerPage", "pageNum"}
	snapshotQuery = append(slices.Clone(listQuery), "pointInTimeUtcSeconds", "oplogTs", "oplogInc")
	prettyQuery   = []string{"pretty"}
	clusterQuery  = append(slices.Clone(listQuery), "includeDeletedWithRetainedBackups")
	// The collection restore lists declare no includeCount.
	pageQuery            = []string{"pretty", "itemsPerPage", "pageNum"}
	collectionStateQuery = append(slices.Clone(pageQuery), "state", "sourceNamespace", "targetNamespace")
)

// route is one operation of the spec subset.
type route struct {
	method   string
	path     string // below apiPrefix, with {param} segments
	op       string // the spec's short name (x-xgen-operation-id-override)
	opID     string // the spec's operationId
	versions []string
	query    []string
	handle   func(s *Server, x *exchange) (status int, body any, err *apiError)
}

var (
	v20230101 = []string{"2023-01-01"}
	// The cluster reads: Atlas still answers the deprecated 2023-02-01
	// (AdvancedClusterDescription), which the spec subset leaves out.
	vClusters = []string{"2023-02-01", "2024-08-05"}
	v20241113 = []string{"2024-11-13"}
	// Collection restore jobs and snapshot namespaces have no other version.
	v20250312 = []string{"2025-03-12"}
)

var routes = []route{
	{"GET", "/groups/{groupId}/backup/exportBuckets", "listExportBuckets", "listGroupBackupExportBuckets",
		[]string{"2023-01-01", "2024-05-30"}, listQuery, (*Server).listBuckets},
	{"GET", "/groups/{groupId}/backup/exportBuckets/{exportBucketId}", "getExportBucket", "getGroupBackupExportBucket",
		[]string{"2023-01-01", "2024-05-30"}, nil, (*Server).getBucket},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/exports", "listBackupExports", "listGroupClusterBackupExports",
		v20230101, listQuery, (*Server).listExports},
	{"POST", "/groups/{groupId}/clusters/{clusterName}/backup/exports", "createBackupExport", "createGroupClusterBackupExport",
		v20230101, nil, (*Server).createExport},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/exports/{exportId}", "getBackupExport", "getGroupClusterBackupExport",
		v20230101, nil, (*Server).getExport},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", "listBackupRestoreJobs", "listGroupClusterBackupRestoreJobs",
		v20230101, listQuery, (*Server).listRestores},
	{"POST", "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", "createBackupRestoreJob", "createGroupClusterBackupRestoreJob",
		v20230101, prettyQuery, (*Server).createRestore},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs/{restoreJobId}", "getBackupRestoreJob", "getGroupClusterBackupRestoreJob",
		v20230101, prettyQuery, (*Server).getRestore},
	{"DELETE", "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs/{restoreJobId}", "cancelBackupRestoreJob", "cancelGroupClusterBackupRestoreJob",
		v20230101, prettyQuery, (*Server).cancelRestore},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", "listBackupSnapshots", "listGroupClusterBackupSnapshots",
		v20230101, snapshotQuery, (*Server).listSnapshots},
	{"POST", "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", "takeSnapshots", "takeGroupClusterBackupSnapshots",
		v20230101, prettyQuery, (*Server).takeSnapshot},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}", "getClusterBackupSnapshot", "getGroupClusterBackupSnapshot",
		v20230101, prettyQuery, (*Server).getSnapshot},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}/databases", "listBackupSnapshotDatabases", "listGroupClusterBackupSnapshotDatabases",
		v20250312, listQuery, (*Server).listSnapshotDatabases},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}/databases/{databaseName}", "getBackupSnapshotDatabase", "getGroupClusterBackupSnapshotDatabase",
		v20250312, prettyQuery, (*Server).getSnapshotDatabase},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}/databases/{databaseName}/collections", "listSnapshotDatabaseCollections", "listGroupClusterBackupSnapshotDatabaseCollections",
		v20250312, listQuery, (*Server).listSnapshotCollections},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}/databases/{databaseName}/collections/{collectionName}", "getSnapshotDatabaseCollection", "getGroupClusterBackupSnapshotDatabaseCollection",
		v20250312, prettyQuery, (*Server).getSnapshotCollection},
	// Collection-level restore jobs: not under /backup, and no DELETE
	// (Atlas offers no cancel for them; a DELETE is 405).
	{"GET", "/groups/{groupId}/clusters/{clusterName}/collectionRestoreJobs", "listCollectionRestoreJobs", "listGroupClusterCollectionRestoreJobs",
		v20250312, pageQuery, (*Server).listCollectionRestores},
	{"POST", "/groups/{groupId}/clusters/{clusterName}/collectionRestoreJobs", "createCollectionRestoreJob", "createGroupClusterCollectionRestoreJob",
		v20250312, prettyQuery, (*Server).createCollectionRestore},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/collectionRestoreJobs/{jobId}", "getCollectionRestoreJob", "getGroupClusterCollectionRestoreJob",
		v20250312, prettyQuery, (*Server).getCollectionRestore},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/collectionRestoreJobs/{jobId}/collections", "listRestoreJobCollections", "listGroupClusterCollectionRestoreJobCollections",
		v20250312, collectionStateQuery, (*Server).listCollectionRestoreStates},
	{"GET", "/groups/{groupId}/clusters/{clusterName}/collectionRestoreJobs/{jobId}/collections/{sourceNamespace}", "getRestoreJobCollection", "getGroupClusterCollectionRestoreJobCollection",
		v20250312, prettyQuery, (*Server).getCollectionRestoreState},
	{"GET", "/groups/{groupId}/clusters", "listClusters", "listGroupClusters",
		vClusters, clusterQuery, (*Server).listClusters},
	{"GET", "/groups/{groupId}/clusters/{clusterName}", "getCluster", "getGroupCluster",
		vClusters, prettyQuery, (*Server).getCluster},

	{"GET", "/groups/{groupId}/clusters/{clusterName}/backup/schedule", "getBackupSchedule", "getGroupClusterBackupSchedule",
		[]string{"2023-01-01", "2024-08-05"}, prettyQuery, (*Server).getSchedule},
	{"GET", "/groups/{groupId}/backupCompliancePolicy", "getCompliancePolicy", "getGroupBackupCompliancePolicy",
		[]string{"2023-01-01", "2023-10-01"}, prettyQuery, (*Server).getCompliancePolicy},
	// listGroups has no short name (x-xgen-operation-id-override).
	{"GET", "/groups", "listGroups", "listGroups",
		v20230101, listQuery, (*Server).listGroups},

	// Flex clusters (flex.go). The official atlas CLI also probes the Flex
	// backup routes before its dedicated-cluster calls; a dedicated
	// cluster's name answers 400 CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API
	// there. No DELETE: a Flex restore job cannot be cancelled (405).
	{"GET", "/groups/{groupId}/flexClusters", "listFlexClusters", "listGroupFlexClusters",
		v20241113, listQuery, (*Server).listFlexClusters},
	{"GET", "/groups/{groupId}/flexClusters/{name}", "getFlexCluster", "getGroupFlexCluster",
		v20241113, prettyQuery, (*Server).getFlexCluster},
	{"GET", "/groups/{groupId}/flexClusters/{name}/backup/snapshots", "listFlexBackupSnapshots", "listGroupFlexClusterBackupSnapshots",
		v20241113, listQuery, (*Server).listFlexSnapshots},
	{"GET", "/groups/{groupId}/flexClusters/{name}/backup/snapshots/{snapshotId}", "getFlexBackupSnapshot", "getGroupFlexClusterBackupSnapshot",
		v20241113, nil, (*Server).getFlexSnapshot},
	{"GET", "/groups/{groupId}/flexClusters/{name}/backup/restoreJobs", "listFlexRestoreJobs", "listGroupFlexClusterBackupRestoreJobs",
		v20241113, listQuery, (*Server).listFlexRestores},
	{"POST", "/groups/{groupId}/flexClusters/{name}/backup/restoreJobs", "createFlexRestoreJob", "createGroupFlexClusterBackupRestoreJob",
		v20241113, prettyQuery, (*Server).createFlexRestore},
	{"GET", "/groups/{groupId}/flexClusters/{name}/backup/restoreJobs/{restoreJobId}", "getFlexRestoreJob", "getGroupFlexClusterBackupRestoreJob",
		v20241113, prettyQuery, (*Server).getFlexRestore},
	{"POST", "/groups/{groupId}/flexClusters/{name}/backup/download", "downloadFlexBackup", "downloadGroupFlexClusterBackup",
		v20241113, prettyQuery, (*Server).downloadFlexBackup},
}

// The OAuth endpoints' names, for faults and the request log.
const (
	opCreateToken = "createToken"
	opRevokeToken = "revokeToken"
)

// matchRoute finds the operation for a request path below apiPrefix. When the
// path exists but not for this method, allowed lists the methods it takes.
func matchRoute(method, path string) (r *route, params map[string]string, allowed []string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range routes {
		p, ok := matchPath(routes[i].path, segs)
		if !ok {
			continue
		}
		if routes[i].method == method {
			return &routes[i], p, nil
		}
		allowed = append(allowed, routes[i].method)
	}
	return nil, nil, allowed
}

func matchPath(pattern string, segs []string) (map[string]string, bool) {
	want := strings.Split(strings.Trim(pattern, "/"), "/")
	if len(want) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, w := range want {
		if strings.HasPrefix(w, "{") {
			params[strings.Trim(w, "{}")] = segs[i]
		} else if w != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// operationByName returns the short name of an operation given its short or
// long name, or "" when there is none.
func operationByName(name string) string {
	if name == opCreateToken || name == opRevokeToken || name == opDownloadArchive {
		return name
	}
	for _, r := range routes {
		if name == r.op || name == r.opID {
			return r.op
		}
	}
	return ""
}

func operationNames() []string {
	names := []string{opCreateToken, opRevokeToken, opDownloadArchive}
	for _, r := range routes {
		names = append(names, r.op)
	}
	sort.Strings(names)
	return names
}
