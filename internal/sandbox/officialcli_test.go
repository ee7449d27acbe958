package sandbox_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// The official atlas CLI (mongodb/mongodb-atlas-cli at 8ddea41a, with
// atlas-sdk-go v20250312) reaches a dedicated cluster's backups by way of
// probes, as its internal/cli/backup/snapshots and .../restores commands and
// its recorded e2e answers (test/e2e/atlas/backup/**/.snapshots) show:
//
//   - backups snapshots list / describe, backups restores list / describe /
//     watch: the Flex route first (2024-11-13); on 400
//     CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API (or FEATURE_UNSUPPORTED, or
//     404 CLUSTER_NOT_FOUND) the dedicated route (2023-01-01). watch then
//     polls the dedicated route.
//   - backups restores start: getCluster (2024-08-05) first; an error
//     CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API (which Atlas answers with 400)
//     means a Flex cluster, and POST .../flexClusters/{name}/backup/restoreJobs;
//     a 200 means a dedicated one, and POST .../clusters/{name}/backup/restoreJobs;
//     any other error ends the command.

// call is one request of a replayed command and the answer Atlas gives it.
type call struct {
	method, path, accept, body string
	status                     int
	code                       string // errorCode of an error answer
}

// startOfficialCLI is a sandbox on real HTTP whose answers are checked
// against the contract, as start's are, and whose requests are too.
func startOfficialCLI(t *testing.T) *env {
	spec := spectest.Load(t)
	return startWrapped(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if err := spec.ValidateRequest(r.Clone(r.Context()), body); err != nil {
				t.Errorf("replayed request outside the contract: %s %s: %v", r.Method, r.URL.RequestURI(), err)
			}
			next.ServeHTTP(w, r)
		})
	})
}

// replay sends the calls in order, as the official CLI does (Digest, the
// SDK's Accept and, on POST, Content-Type), checks each answer's status and
// errorCode, and returns the answers.
func (e *env) replay(t *testing.T, calls ...call) []response {
	t.Helper()
	var out []response
	for _, c := range calls {
		header := map[string]string{"User-Agent": "atlascli/1.50.0 (linux;amd64)"}
		if c.body != "" {
			header["Content-Type"] = c.accept
		}
		r := e.send(req{method: c.method, path: c.path, body: c.body, accept: c.accept, header: header})
		if r.status != c.status || r.str("errorCode") != c.code {
			t.Fatalf("%s %s: %d %q, want %d %q; body %s", c.method, c.path, r.status, r.str("errorCode"), c.status, c.code, r.raw)
		}
		out = append(out, r)
	}
	return out
}

const (
	nonFlex    = "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API"
	cliPaging  = "?includeCount=true&itemsPerPage=100&pageNum=1"
	flexGroups = groups + sandbox.DemoProjectID + "/flexClusters/"
)

func TestOfficialCLISnapshots(t *testing.T) {
	e := startOfficialCLI(t)
	for _, name := range []string{sandbox.DemoCluster, sandbox.DemoShardedCluster} {
		snaps := sandbox.SeedSnapshotIDs(name)
		dedicated := clusters + "/" + name + "/backup/snapshots"

		// atlas backups snapshots list NAME
		rs := e.replay(t,
			call{"GET", flexGroups + name + "/backup/snapshots" + cliPaging, vFlex, "", 400, nonFlex},
			call{"GET", dedicated + cliPaging, v1, "", 200, ""},
		)
		want := len(snaps)
		if name == sandbox.DemoCluster {
			want++ // and the one in progress
		}
		if n := len(rs[1].results()); n != want {
			t.Errorf("%s: snapshots list printed %d snapshots, want %d", name, n, want)
		}

		// atlas backups snapshots describe ID --clusterName NAME
		rs = e.replay(t,
			call{"GET", flexGroups + name + "/backup/snapshots/" + snaps[0], vFlex, "", 400, nonFlex},
			call{"GET", dedicated + "/" + snaps[0], v1, "", 200, ""},
		)
		if rs[1].str("id") != snaps[0] {
			t.Errorf("%s: snapshots describe printed %s", name, rs[1].raw)
		}
	}

	// A cluster that does not exist: the Flex route's 404 CLUSTER_NOT_FOUND
	// sends the CLI on to the dedicated route, whose 404 it prints.
	e.replay(t,
		call{"GET", flexGroups + "gone/backup/snapshots" + cliPaging, vFlex, "", 404, "CLUSTER_NOT_FOUND"},
		call{"GET", clusters + "/gone/backup/snapshots" + cliPaging, v1, "", 404, "RESOURCE_NOT_FOUND"},
	)
	wantOperations(t, e, "listFlexBackupSnapshots", "listBackupSnapshots", "getFlexBackupSnapshot", "getClusterBackupSnapshot",
		"listFlexBackupSnapshots", "listBackupSnapshots", "getFlexBackupSnapshot", "getClusterBackupSnapshot",
		"listFlexBackupSnapshots", "listBackupSnapshots")
}

func TestOfficialCLIRestores(t *testing.T) {
	e := startOfficialCLI(t)
	snap := sandbox.SeedSnapshotIDs("demo")[0]
	cluster := clusters + "/demo"
	restoreJobs := cluster + "/backup/restoreJobs"
	flexJobs := flexGroups + "demo/backup/restoreJobs"

	// atlas backups restores start download --clusterName demo --snapshotId ID
	rs := e.replay(t,
		call{"GET", cluster, vClusters, "", 200, ""},
		call{"POST", restoreJobs, v1, `{"deliveryType":"download","snapshotId":"` + snap + `"}`, 200, ""},
	)
	if rs[0].str("clusterType") != "REPLICASET" {
		t.Errorf("getCluster: %s", rs[0].raw)
	}
	download := rs[1].str("id")

	// atlas backups restores start automated --clusterName demo --snapshotId ID
	//   --targetClusterName analytics --targetProjectId PROJECT
	rs = e.replay(t,
		call{"GET", cluster, vClusters, "", 200, ""},
		call{"POST", restoreJobs, v1, `{"deliveryType":"automated","snapshotId":"` + snap +
			`","targetClusterName":"analytics","targetGroupId":"` + sandbox.DemoProjectID + `"}`, 200, ""},
	)
	automated := rs[1].str("id")

	// atlas backups restores list demo
	rs = e.replay(t,
		call{"GET", flexJobs + cliPaging, vFlex, "", 400, nonFlex},
		call{"GET", restoreJobs + cliPaging, v1, "", 200, ""},
	)
	var listed []string
	for _, j := range rs[1].results() {
		listed = append(listed, j.(map[string]any)["id"].(string))
	}
	if !slices.Equal(listed, []string{automated, download}) {
		t.Errorf("restores list printed %v, want %v", listed, []string{automated, download})
	}

	// atlas backups restores describe ID --clusterName demo
	rs = e.replay(t,
		call{"GET", flexJobs + "/" + download, vFlex, "", 400, nonFlex},
		call{"GET", restoreJobs + "/" + download, v1, "", 200, ""},
	)
	if rs[1].str("deliveryType") != "download" {
		t.Errorf("restores describe printed %s", rs[1].raw)
	}

	// atlas backups restores watch ID --clusterName demo: one probe, then
	// polls until the job has ended.
	rs = e.replay(t,
		call{"GET", flexJobs + "/" + automated, vFlex, "", 400, nonFlex},
		call{"GET", restoreJobs + "/" + automated, v1, "", 200, ""},
	)
	if rs[1].str("finishedAt") != "" {
		t.Fatalf("the job ended at once: %s", rs[1].raw)
	}
	e.clock.Advance(11 * time.Second)
	rs = e.replay(t, call{"GET", restoreJobs + "/" + automated, v1, "", 200, ""})
	if rs[0].str("finishedAt") == "" || rs[0].body["failed"] != false {
		t.Errorf("the watched job did not end well: %s", rs[0].raw)
	}

	// restores start of a cluster that does not exist: getCluster's 404
	// ends it, and nothing is created.
	e.replay(t, call{"GET", clusters + "/gone", vClusters, "", 404, "CLUSTER_NOT_FOUND"})
	// The Flex create route, named with a dedicated cluster, answers as
	// the others do.
	e.replay(t, call{"POST", flexJobs, vFlex, `{"snapshotId":"` + snap + `","targetDeploymentItemName":"demo","targetProjectId":"` +
		sandbox.DemoProjectID + `"}`, 400, nonFlex})

	wantOperations(t, e, "getCluster", "createBackupRestoreJob", "getCluster", "createBackupRestoreJob",
		"listFlexRestoreJobs", "listBackupRestoreJobs", "getFlexRestoreJob", "getBackupRestoreJob",
		"getFlexRestoreJob", "getBackupRestoreJob", "getBackupRestoreJob", "getCluster", "createFlexRestoreJob")
}

// The official CLI on a Flex cluster: its Flex probes succeed, and
// restores start learns from getCluster's 400
// CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API that the cluster is a Flex one.
func TestOfficialCLIFlex(t *testing.T) {
	e := startOfficialCLI(t)
	name := sandbox.DemoFlexCluster
	snaps := sandbox.SeedSnapshotIDs(name)

	// atlas backups snapshots list flex-dev; describe ID --clusterName flex-dev
	rs := e.replay(t,
		call{"GET", flexGroups + name + "/backup/snapshots" + cliPaging, vFlex, "", 200, ""},
		call{"GET", flexGroups + name + "/backup/snapshots/" + snaps[0], vFlex, "", 200, ""},
	)
	if n := len(rs[0].results()); n != len(snaps)+1 || rs[1].str("status") != "COMPLETED" {
		t.Errorf("snapshots list printed %d, describe %s", n, rs[1].raw)
	}

	// atlas backups restores start automated --clusterName flex-dev --snapshotId ID
	//   --targetClusterName flex-qa --targetProjectId PROJECT
	rs = e.replay(t,
		call{"GET", clusters + "/" + name, vClusters, "", 400, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API"},
		call{"POST", flexGroups + name + "/backup/restoreJobs", vFlex, `{"snapshotId":"` + snaps[0] +
			`","targetDeploymentItemName":"flex-qa","targetProjectId":"` + sandbox.DemoProjectID + `"}`, 200, ""},
	)
	id := rs[1].str("id")

	// atlas backups restores watch ID --clusterName flex-dev: until COMPLETED.
	job := flexGroups + name + "/backup/restoreJobs/" + id
	if rs = e.replay(t, call{"GET", job, vFlex, "", 200, ""}); rs[0].str("status") != "PENDING" {
		t.Errorf("at once: %s", rs[0].raw)
	}
	e.clock.Advance(11 * time.Second)
	if rs = e.replay(t, call{"GET", job, vFlex, "", 200, ""}); rs[0].str("status") != "COMPLETED" {
		t.Errorf("after the job duration: %s", rs[0].raw)
	}
	wantOperations(t, e, "listFlexBackupSnapshots", "getFlexBackupSnapshot", "getCluster", "createFlexRestoreJob",
		"getFlexRestoreJob", "getFlexRestoreJob")
}

// wantOperations checks the operations the sandbox answered, leaving out
// Digest challenges.
func wantOperations(t *testing.T, e *env, want ...string) {
	t.Helper()
	var got []string
	for _, r := range e.sb.Requests() {
		if r.Status != http.StatusUnauthorized {
			got = append(got, r.Operation)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("operations answered:\n%v\nwant\n%v", got, want)
	}
}
