package cmd

// restore create, download, get, list, watch and cancel, run in-process
// against the sandbox.

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

var restoreAutomated = []string{"restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--snapshot-id", "latest", "--target-cluster", "demo-sharded"}

// An automated restore overwrites the target: --yes, or a terminal on which
// the target's name is typed; without either, nothing is sent.
func TestRunRestoreCreateAutomated(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	// No terminal: refused after the pre-flight's lookups, which it shows.
	r := a.run(restoreAutomated...)
	r.check(t, 2, nil, []string{
		`^Warning: the source is a replica set and target cluster demo-sharded is a sharded cluster \(SHARDED\): Atlas may refuse the restore$`,
		`^  from  snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)$`,
		`^  into  cluster demo-sharded of project ` + harnessProjectID + `: SHARDED, MongoDB 8.0.4, idle$`,
		`^Error: this restore overwrites every database on cluster demo-sharded \(project ` + harnessProjectID + `\), and there is no terminal to confirm on: add --yes to go ahead$`})
	a.onlyRead()
	equalOps(t, a.requests(), "GET listBackupSnapshots", "GET getCluster") // the pre-flight's reads

	// The question comes after the facts: the snapshot, its age, and the
	// target as Atlas describes it.
	r = a.runSpec(runSpec{stdin: "demo\n", stdinTTY: true}, restoreAutomated...)
	r.check(t, 2, nil, []string{
		`^This restore OVERWRITES EVERY DATABASE on the target:$`,
		`^  from  snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)$`,
		`^  into  cluster demo-sharded of project ` + harnessProjectID + `: SHARDED, MongoDB 8.0.4, idle$`,
		// (A terminal echoes the answer; a buffer does not.)
		`^Type the cluster name to continue: Error: confirmation "demo" does not match cluster "demo-sharded": nothing was sent$`,
	})
	a.onlyRead()

	r = a.runSpec(runSpec{stdin: "demo-sharded\n", stdinTTY: true}, restoreAutomated...)
	r.check(t, 0, []string{`^ID +TYPE +STATUS +SNAPSHOT +TARGET +FINISHED \(UTC\)$`, `^[0-9a-f]{24} +automated +\w+ +` + demoLatest + ` +demo-sharded +-$`}, nil)

	r = a.run("restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--snapshot-id", demoOlder, "--target-cluster", "demo", "--target-project-id", harnessProjectID, "--yes", "-o", "json")
	var job map[string]any
	r.jsonOut(t, &job)
	if r.code != 0 || job["deliveryType"] != "automated" || job["targetClusterName"] != "demo" {
		t.Errorf("--yes: exit %d, stdout %s", r.code, r.stdout)
	}
	body := a.body("createBackupRestoreJob")
	want := map[string]any{"deliveryType": "automated", "snapshotId": demoOlder, "targetClusterName": "demo", "targetGroupId": harnessProjectID}
	if len(body) != len(want) {
		t.Errorf("body %v, want %v", body, want)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body %v, want %v", body, want)
		}
	}
	if a.count("createBackupRestoreJob") != 2 {
		t.Errorf("requests %q", a.requests())
	}

	// The target is being restored into already: Atlas refuses (409, exit 5).
	r = a.run(append(restoreAutomated, "--yes")...)
	r.check(t, 5, nil, []string{`^Error: 409 CLUSTER_RESTORE_IN_PROGRESS: `})
}

// A download restore asks nothing: it overwrites nothing.
func TestRunRestoreCreateDownload(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("restore", "create", "--cluster", "demo", "--deliveryType", "download", "--snapshotId", "latest")
	r.check(t, 0, []string{`^[0-9a-f]{24} +download +Pending +` + demoLatest + ` +- +-$`},
		[]string{`^Using the latest completed snapshot of demo: ` + demoLatest + ` \(taken 2026-11-24 10:00:00 UTC\)$`})
	body := a.body("createBackupRestoreJob")
	if len(body) != 2 || body["deliveryType"] != "download" || body["snapshotId"] != demoLatest {
		t.Errorf("body %v", body)
	}

	// --reuse follows it instead of starting a second.
	r = a.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", demoLatest, "--reuse", "-o", "go-template={{.id}}")
	r.check(t, 0, []string{`^[0-9a-f]{24}$`}, []string{`^reusing restore job [0-9a-f]{24} \(Pending\)$`})
	if a.count("createBackupRestoreJob") != 1 {
		t.Errorf("requests %q", a.requests())
	}
}

// pointInTime: RFC 3339 or Unix seconds, or an oplog timestamp; Atlas
// picks the snapshot.
func TestRunRestoreCreatePointInTime(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	at := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC).Unix()
	pit := []string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--yes"}
	for i, tt := range []struct {
		args []string
		want map[string]any
	}{
		{[]string{"--target-cluster", "demo", "--point-in-time", "2026-11-24T11:00:00Z"},
			map[string]any{"pointInTimeUTCSeconds": float64(at), "targetClusterName": "demo"}},
		{[]string{"--target-cluster", "demo", "--pointInTimeUTCSeconds", strconv.FormatInt(at-60, 10)},
			map[string]any{"pointInTimeUTCSeconds": float64(at - 60), "targetClusterName": "demo"}},
		{[]string{"--target-cluster", "demo-sharded", "--oplog-ts", strconv.FormatInt(at, 10), "--oplog-inc", "3"},
			map[string]any{"oplogTs": float64(at), "oplogInc": float64(3), "targetClusterName": "demo-sharded"}},
	} {
		a.sb.Advance(3 * time.Hour) // the restore before has ended: its target is free
		r := a.run(append(pit, tt.args...)...)
		r.check(t, 0, []string{`^[0-9a-f]{24} +pointInTime +\w+ +- +` + tt.want["targetClusterName"].(string) + ` `}, nil)
		body := a.body("createBackupRestoreJob")
		tt.want["deliveryType"], tt.want["targetGroupId"] = "pointInTime", harnessProjectID
		if len(body) != len(tt.want) {
			t.Errorf("%d: body %v, want %v", i, body, tt.want)
		}
		for k, v := range tt.want {
			if body[k] != v {
				t.Errorf("%d: body %v, want %v", i, body, tt.want)
			}
		}
	}

	// The question says which moment overwrites the target.
	r := a.runSpec(runSpec{stdin: "nope\n", stdinTTY: true}, "restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "demo", "--point-in-time", "2026-11-24T11:00:00Z")
	r.check(t, 2, nil, []string{`^Point in time: 2026-11-24T11:00:00Z \(1h ago\)$`, `^This restore OVERWRITES EVERY DATABASE on the target:$`,
		`^  from  cluster demo as it was at 2026-11-24T11:00:00Z \(1h ago\)$`, `^  into  cluster demo of project ` + harnessProjectID + `: REPLICASET, MongoDB 8.0.4, idle$`})
	r = a.runSpec(runSpec{stdin: "nope\n", stdinTTY: true}, "restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "demo", "--oplog-ts", "1795518000", "--oplog-inc", "4")
	r.check(t, 2, nil, []string{`^  from  cluster demo as it was at oplog timestamp 1795518000:4$`})
	r = a.runSpec(runSpec{stdin: "nope\n", stdinTTY: true}, "restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--target-cluster", "demo", "--snapshot-id", demoOlder)
	r.check(t, 2, nil, []string{`^  from  snapshot ` + demoOlder + ` of demo, taken 2026-11-23 10:00:00 UTC \(1d2h ago\)$`})
	// --no-preflight: the question shows what the flags say.
	r = a.runSpec(runSpec{stdin: "nope\n", stdinTTY: true}, "restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--target-cluster", "demo", "--snapshot-id", demoOlder, "--no-preflight")
	r.check(t, 2, nil, []string{`^This restore OVERWRITES EVERY DATABASE on cluster demo \(project ` + harnessProjectID + `\)$`, `^with snapshot ` + demoOlder + `\.$`})
	if a.count("createBackupRestoreJob") != 3 {
		t.Errorf("requests %q", a.requests())
	}

	// Outside the restore window: refused by the pre-flight (exit 2,
	// nothing sent); with --no-preflight, by Atlas (400, exit 5).
	r = a.run(append(pit, "--target-cluster", "demo", "--point-in-time", "2026-01-01T00:00:00Z")...)
	r.check(t, 2, nil, []string{`^Error: 2026-01-01T00:00:00Z is outside cluster demo's restore window, 2026-11-17T12:00:00Z to 2026-11-24T12:00:00Z \(derived: `})
	r = a.run(append(pit, "--target-cluster", "demo", "--point-in-time", "2026-01-01T00:00:00Z", "--no-preflight")...)
	r.check(t, 5, nil, []string{`^Error: 400 INVALID_POINT_IN_TIME: `})
	if a.count("createBackupRestoreJob") != 4 {
		t.Errorf("requests %q", a.requests())
	}

	// In the future, by the command's clock: refused before anything is sent.
	n := len(a.requests())
	r = a.run(append(pit, "--target-cluster", "analytics", "--point-in-time", "2026-11-24T12:00:01Z")...)
	r.check(t, 2, nil, []string{`^Error: --point-in-time "2026-11-24T12:00:01Z": is in the future \(now is 2026-11-24T12:00:00Z\)$`})
	if len(a.requests()) != n {
		t.Errorf("sent %q", a.requests()[n:])
	}
}

// --dry-run prints the request and asks for no confirmation: it changes
// nothing.
func TestRunRestoreCreateDryRun(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "demo", "--point-in-time", "1795518000", "--dry-run")
	r.check(t, 0, []string{
		`^POST ` + quoteRE(a.URL) + `/api/atlas/v2/groups/` + harnessProjectID + `/clusters/demo/backup/restoreJobs$`,
		`^Authorization: Bearer REDACTED$`,
		`^  "pointInTimeUTCSeconds": 1795518000$`,
	}, []string{`^Pre-flight:$`, `^  from  cluster demo as it was at 2026-11-24T11:00:00Z \(1h ago\)$`, `^  into  cluster demo of project ` + harnessProjectID + `: REPLICASET, MongoDB 8.0.4, idle$`})
	// The pre-flight's reads: the source cluster, its schedule and
	// snapshots (the window), the target.
	equalOps(t, a.requests(), "GET getCluster", "GET getBackupSchedule", "GET listBackupSnapshots", "GET getCluster")
	n := len(a.requests())
	r = a.run("restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "demo", "--point-in-time", "1795518000", "--dry-run", "--no-preflight")
	r.check(t, 0, []string{`^  "pointInTimeUTCSeconds": 1795518000$`}, nil)
	equalOps(t, a.ops(n)) // --no-preflight: nothing at all

	dir := filepath.Join(a.dir, "never")
	r = a.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "--download-dir", dir, "--dry-run")
	r.check(t, 0, []string{`^POST .*/restoreJobs$`, `"deliveryType": "download"`}, nil)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("--dry-run made --download-dir: %v", err)
	}
	if a.count("createBackupRestoreJob") != 0 || a.count("listBackupSnapshots") != 2 {
		t.Errorf("requests %q", a.requests())
	}
}

// --watch follows the restore to its end; a failed one is exit 6, and a
// timeout exit 7.
func TestRunRestoreCreateWatch(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.after("getBackupRestoreJob", func() { a.sb.Advance(2 * time.Hour) })
	r := a.run(append(restoreAutomated, "--yes", "--watch", "--interval", "1ms")...)
	r.check(t, 0, []string{`^[0-9a-f]{24} +automated +Succeeded +` + demoLatest + ` +demo-sharded +2026-11-24 13:00:00$`},
		[]string{`^restore job [0-9a-f]{24}: Pending$`, `^restore job [0-9a-f]{24}: Succeeded$`})
	if a.count("getBackupRestoreJob") != 2 {
		t.Errorf("requests %q", a.requests())
	}

	b := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	r = b.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "-w", "--interval", "1ms")
	r.check(t, 6, []string{` Failed `}, []string{`^Error: restore job [0-9a-f]{24} ended Failed$`})

	c := newAtlas(t)
	r = c.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "-w", "--interval", "1h", "--watch-timeout", watchTimeout)
	r.checkTimeout(t, "Pending")
	r.check(t, 7, nil, []string{`; it keeps running\. Resume with: atlas-backup restore watch [0-9a-f]{24} --cluster demo --project-id ` + harnessProjectID + `$`})
}

// --download-dir: create the download restore, wait for its link, download
// the archive into the directory; the report on stdout.
func TestRunRestoreCreateDownloadDir(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0))
	dir := filepath.Join(a.dir, "restore", "demo")
	r := a.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "--download-dir", dir)
	r.check(t, 0, []string{`^FILE +SIZE +SHARD +RESULT$`, `^` + quoteRE(dir) + `/\S+\.tar\.gz +16\.0 KiB +\S+ +downloaded$`},
		[]string{`^restore job [0-9a-f]{24}: Succeeded$`, `\.tar\.gz: downloaded, 16\.0 KiB in `})
	entries, err := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if err != nil || len(slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, ".") })) != 1 || !strings.HasSuffix(names[0], ".tar.gz") {
		t.Errorf("%s holds %q (%v)", dir, names, err)
	} else if fi, err := os.Stat(filepath.Join(dir, names[0])); err != nil || fi.Size() != 16<<10 {
		t.Errorf("%s: %v, %v", names[0], fi, err)
	}
	if a.count("downloadArchive") != 1 || a.count("createBackupRestoreJob") != 1 {
		t.Errorf("requests %q", a.requests())
	}

	// Only a download has archives.
	r = a.run("restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--snapshot-id", "latest", "--target-cluster", "demo", "--yes", "--download-dir", dir)
	r.check(t, 2, nil, []string{`^Error: --download-dir: only with --delivery-type download, not automated$`})
	r = a.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "--force")
	r.check(t, 2, nil, []string{`^Error: --force: only with --download-dir$`})
}

// restore download of a sharded cluster's job: one archive per replica
// set; -o json is the report as an array.
func TestRunRestoreDownloadSharded(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0))
	id := a.newRestore("demo-sharded", "download")
	dir := filepath.Join(a.dir, "dl")
	r := a.run("restore", "download", id, "--cluster", "demo-sharded", "--dir", dir, "-o", "json")
	var report []struct {
		Path, ReplicaSetName, Result string
		Bytes                        int64
	}
	r.jsonOut(t, &report)
	var shards []string
	for _, e := range report {
		shards = append(shards, e.ReplicaSetName)
		if e.Result != "downloaded" || e.Bytes != 16<<10 || filepath.Dir(e.Path) != dir {
			t.Errorf("entry %+v", e)
		}
		if fi, err := os.Stat(e.Path); err != nil || fi.Size() != e.Bytes {
			t.Errorf("%s: %v", e.Path, err)
		}
	}
	if r.code != 0 || !slices.Equal(shards, sandbox.DemoShardedReplicaSets) {
		t.Errorf("exit %d, shards %q; stderr:\n%s", r.code, shards, r.stderr)
	}
	if a.count("downloadArchive") != 3 {
		t.Errorf("requests %q", a.requests())
	}

	// Again: complete archives are skipped, nothing is downloaded.
	r = a.run("restore", "download", id, "--cluster", "demo-sharded", "--dir", dir)
	r.check(t, 0, []string{`demo-sharded-shard-0 +skipped$`, `demo-sharded-config-0 +skipped$`}, []string{`: already complete, skipped$`})
	if a.count("downloadArchive") != 3 {
		t.Errorf("requests %q", a.requests())
	}
}

// --private-endpoint downloads through the endpoint's links.
func TestRunRestoreDownloadPrivateEndpoint(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0))
	// The staging project's jobs are offered through its endpoint.
	r := a.run("restore", "create", "--project-id", sandbox.DemoStagingID, "--cluster", "staging", "--delivery-type", "download", "--snapshot-id", "latest", "-o", "go-template={{.id}}", "-q")
	id := r.stdout
	r = a.run("restore", "download", id, "--project-id", sandbox.DemoStagingID, "--cluster", "staging", "--dir", filepath.Join(a.dir, "dl"), "--private-endpoint", sandbox.DemoPrivateEndpointID, "-q")
	r.check(t, 0, []string{` downloaded$`}, nil)
	if r.stderr != "" {
		t.Errorf("--quiet: stderr %q", r.stderr)
	}
	r = a.run("restore", "get", id, "--project-id", sandbox.DemoStagingID, "--cluster", "staging", "-o", "json")
	var job struct {
		DeliveryURL []string `json:"deliveryUrl"`
		Private     []struct {
			DeliveryURL string `json:"deliveryUrl"`
			EndpointID  string `json:"endpointId"`
		} `json:"privateDownloadDeliveryUrls"`
	}
	r.jsonOut(t, &job)
	if len(job.Private) != 1 || len(job.DeliveryURL) != 1 || job.Private[0].EndpointID != sandbox.DemoPrivateEndpointID {
		t.Fatalf("the job's links: %s", r.stdout)
	}
	private, _ := url.Parse(job.Private[0].DeliveryURL)
	public, _ := url.Parse(job.DeliveryURL[0])
	if p := a.last("downloadArchive").Path; private == nil || public == nil || p != private.Path || p == public.Path {
		t.Errorf("archive path %q, want the private endpoint's link %v (not %v)", p, private, public)
	}

	r = a.run("restore", "download", id, "--cluster", "demo", "--dir", filepath.Join(a.dir, "dl2"), "--private-endpoint", "vpce-1")
	r.check(t, 2, nil, []string{`^Error: --private-endpoint "vpce-1": must match \^vpce-\[0-9a-f\]\{17\}\$$`})
	r = a.run("restore", "download", id, "--cluster", "demo", "--dir", a.writeFile("file", ""))
	r.check(t, 2, nil, []string{`^Error: --dir "\S+/file": \S+/file is not a directory$`})
	r = a.run("restore", "download", id, "--cluster", "demo", "--parallel", "17")
	r.check(t, 2, nil, []string{`^Error: --parallel 17: must be from 1 to 16$`})
	if a.count("downloadArchive") != 1 {
		t.Errorf("requests %q", a.requests())
	}
}

// A restore that is no download has nothing to download: exit 5, and the
// directory is not made.
func TestRunRestoreDownloadNotDownload(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0))
	id := a.newRestore("demo", "automated")
	dir := filepath.Join(a.dir, "dl")
	r := a.run("restore", "download", id, "--cluster", "demo", "--dir", dir)
	r.check(t, 5, nil, []string{`^Error: restore job ` + id + ` is an automated restore, not a download: it has no archives to download$`})
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("--dir made: %v", err)
	}
	if a.count("downloadArchive") != 0 {
		t.Errorf("requests %q", a.requests())
	}

	// A download that failed has no links either: exit 6.
	b := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	id = b.newRestore("demo", "download")
	r = b.run("restore", "download", id, "--cluster", "demo", "--dir", dir)
	r.check(t, 6, nil, []string{`^Error: restore job ` + id + ` ended Failed$`})
}

// restore get, list and watch: each format, paging, the ends of a watch.
func TestRunRestoreRead(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	id := a.newRestore("demo", "download")
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{nil, []string{`^ID +TYPE +STATUS +SNAPSHOT +TARGET +FINISHED \(UTC\)$`, `^` + id + ` +download +Pending +` + demoLatest + ` +- +-$`}},
		{[]string{"-o", "json"}, []string{`^  "id": "` + id + `",?$`, `^  "deliveryType": "download",?$`}},
		{[]string{"-o", "yaml"}, []string{`^id: "?` + id + `"?$`, `^deliveryType: download$`}},
		{[]string{"-o", "go-template={{.deliveryType}}/{{.snapshotId}}"}, []string{`^download/` + demoLatest + `$`}},
	} {
		r := a.run(append([]string{"restore", "get", id, "--cluster", "demo"}, tt.args...)...)
		r.check(t, 0, tt.want, nil)
	}
	r := a.run("restore", "get", id, "--cluster", "analytics")
	r.check(t, 4, nil, []string{`^Error: 404 `})

	second := a.newRestore("demo", "automated")
	r = a.run("restore", "list", "--cluster", "demo", "--all", "--limit", "1", "-o", "go-template={{range .}}{{.id}} {{end}}")
	r.check(t, 0, []string{`^` + second + ` ` + id + ` $`}, nil)
	r = a.run("restore", "list", "--cluster", "demo", "--page", "2", "--limit", "1")
	r.check(t, 0, []string{`^` + id + ` +download `}, nil)
	if strings.Contains(r.stdout, second) {
		t.Errorf("page 2 holds the first job:\n%s", r.stdout)
	}
	r = a.run("restore", "list", "--cluster", "analytics", "-o", "yaml")
	r.check(t, 0, []string{`^\[\]$`}, nil)

	a.sb.Advance(time.Hour) // its end: the links last a while from there
	r = a.run("restore", "watch", id, "--cluster", "demo", "-o", "json")
	r.check(t, 0, nil, []string{`^restore job ` + id + `: Succeeded$`})
	var done struct {
		ID          string   `json:"id"`
		DeliveryURL []string `json:"deliveryUrl"`
		Expired     bool     `json:"expired"`
	}
	r.jsonOut(t, &done)
	if done.ID != id || len(done.DeliveryURL) != 1 || done.Expired {
		t.Errorf("the watched job: %s", r.stdout)
	}
}

// restore watch: a cancelled job is exit 6; a timeout exit 7.
func TestRunRestoreWatchEnds(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	id := a.newRestore("demo", "download")
	r := a.run("restore", "watch", id, "--cluster", "demo", "--interval", "1h", "--watch-timeout", watchTimeout)
	r.checkTimeout(t, "Pending")
	r.check(t, 7, nil, []string{`Resume with: atlas-backup restore watch ` + id + ` --cluster demo --project-id ` + harnessProjectID + `$`})

	a.run("restore", "cancel", id, "--cluster", "demo", "--yes")
	r = a.run("restore", "watch", id, "--cluster", "demo")
	r.check(t, 6, []string{`^` + id + ` +download +Cancelled `}, []string{`^Error: restore job ` + id + ` ended Cancelled$`})
}

// restore cancel: --yes, or the cluster's name typed on a terminal; a job
// cancelled already is what was asked for.
func TestRunRestoreCancel(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	id := a.newRestore("demo", "automated")
	n := len(a.requests())
	r := a.run("restore", "cancel", id, "--cluster", "demo")
	r.check(t, 2, nil, []string{`^Error: cancelling restore job ` + id + ` of cluster demo \(project ` + harnessProjectID + `\) needs a confirmation, and there is no terminal to ask on: add --yes to go ahead$`})
	r = a.runSpec(runSpec{stdin: "analytics\n", stdinTTY: true}, "restore", "cancel", id, "--cluster", "demo")
	r.check(t, 2, nil, []string{`^This cancels restore job ` + id + ` of cluster demo`, `^Type the cluster name to continue: Error: confirmation "analytics" does not match cluster "demo"`})
	if len(a.requests()) != n {
		t.Errorf("sent %q", a.requests()[n:])
	}

	r = a.run("restore", "cancel", id, "--cluster", "demo", "--yes")
	r.check(t, 0, nil, []string{`^Cancelled restore job ` + id + `\.$`})
	if r.stdout != "" || a.count("cancelBackupRestoreJob") != 1 || a.last("cancelBackupRestoreJob").Method != "DELETE" {
		t.Errorf("stdout %q, requests %q", r.stdout, a.requests())
	}
	r = a.run("restore", "get", id, "--cluster", "demo", "-o", "go-template={{.cancelled}}")
	r.check(t, 0, []string{`^true$`}, nil)

	// Again: Atlas refuses, the job says it is cancelled: exit 0.
	r = a.runSpec(runSpec{stdin: "demo\n", stdinTTY: true}, "restore", "cancel", id, "--cluster", "demo")
	r.check(t, 0, nil, []string{`^Type the cluster name to continue: Restore job ` + id + ` was cancelled already\.$`})

	// A job that ended otherwise cannot be cancelled: Atlas's 400, exit 5.
	a.sb.Advance(2 * time.Hour)
	other := a.newRestore("demo", "download")
	a.sb.Advance(2 * time.Hour)
	r = a.run("restore", "cancel", other, "--cluster", "demo", "--yes")
	r.check(t, 5, nil, []string{`^Error: 400 RESTORE_JOB_NOT_CANCELLABLE: `})
	r = a.run("restore", "cancel", "6b0000000000000000000000", "--cluster", "demo", "--yes")
	r.check(t, 4, nil, []string{`^Error: 404 `})
}

// --file takes restore create's body as YAML or JSON, every field of it;
// flags override it, and its mistakes name the file and the field.
func TestRunRestoreCreateFile(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	oplog := a.writeFile("oplog.json", `{"deliveryType": "pointInTime", "targetClusterName": "demo-sharded", "targetGroupId": "`+harnessProjectID+`", "oplogTs": 1795518000, "oplogInc": 7}`)
	r := a.run("restore", "create", "--cluster", "demo", "--file", oplog, "--yes", "-o", "json")
	r.check(t, 0, []string{`^  "deliveryType": "pointInTime",?$`, `^  "oplogInc": 7,?$`}, nil)
	body := a.body("createBackupRestoreJob")
	if body["oplogTs"] != float64(1795518000) || body["oplogInc"] != float64(7) || body["targetClusterName"] != "demo-sharded" || body["targetGroupId"] != harnessProjectID {
		t.Errorf("body %v", body)
	}

	// The file's point in time is overridden by the flag.
	pit := a.writeFile("pit.yaml", "deliveryType: pointInTime\ntargetClusterName: demo\npointInTimeUTCSeconds: 1199145600\n")
	r = a.run("restore", "create", "--cluster", "demo", "--file", pit, "--point-in-time", "2026-11-24T11:30:00Z", "--yes")
	r.check(t, 0, []string{` pointInTime `}, nil)
	if got := a.body("createBackupRestoreJob")["pointInTimeUTCSeconds"]; got != float64(1795519800) {
		t.Errorf("pointInTimeUTCSeconds %v", got)
	}
	r = a.runSpec(runSpec{stdin: "deliveryType: download\nsnapshotId: " + demoOlder + "\n"}, "restore", "create", "--cluster", "demo", "--file", "-")
	r.check(t, 0, []string{` download +Pending +` + demoOlder + ` `}, nil)

	n := len(a.requests())
	for _, tt := range []struct{ body, want string }{
		{"deliveryType: pointInTime\nsnapshotId: latest\ntargetClusterName: demo\npointInTimeUTCSeconds: 1795518000\n", `snapshotId: not allowed with --delivery-type pointInTime`},
		{"deliveryType: pointInTime\ntargetClusterName: demo\npointInTimeUTCSeconds: 4102444800\n", `pointInTimeUTCSeconds "4102444800": is in the future`},
		{"deliveryType: automated\ntargetClusterName: 123\nsnapshotId: latest\n", `line 2: targetClusterName: want a string \(quote it\), not "123"$`},
		{"deliveryType: pointInTime\ntargetClusterName: demo\noplogTs: 1795518000\noplogInc: 1.5\n", `line 4: oplogInc: want a whole number, not "1\.5"$`},
		{"deliveryType: download\nsnapshotId: [\n", `line \d+: `},
		{"deliveryType: copy\n", `deliveryType "copy": must be automated, download or pointInTime$`},
		{"deliveryType: automated\nsnapshotId: latest\ntargetClusterName: x\ntargetGroupId: p\n", `targetGroupId "p": must be a 24-character hexadecimal ID`},
	} {
		r := a.run("restore", "create", "--cluster", "demo", "--file", a.writeFile("bad.yaml", tt.body), "--yes")
		r.check(t, 2, nil, []string{`^Error: --file \S+/bad\.yaml: ` + tt.want})
	}
	if len(a.requests()) != n {
		t.Errorf("a bad --file sent %q", a.requests()[n:])
	}
}

// A download that fails: a corrupt archive is removed (exit 1), to be
// fetched anew by the same command. (A cut one would be retried after a
// backoff of the wall clock's: the root package's tests rehearse it.)
func TestRunRestoreDownloadFailures(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithFaults(
		sandbox.Fault{Operation: "downloadArchive", Kind: sandbox.FaultCorrupt, Times: 1}))
	id := a.newRestore("demo", "download")
	dir := filepath.Join(a.dir, "dl")
	r := a.run("restore", "download", id, "--cluster", "demo", "--dir", dir, "-o", "json")
	r.check(t, 1, []string{`"result": "failed"`, `"error": "the archive is corrupt`}, []string{`^Error: \S+\.tar\.gz: the archive is corrupt \(gzip: invalid checksum\); the \.part was removed, so the next download fetches it anew$`})
	if strings.Contains(r.stderr, "resumes") {
		t.Errorf("a corrupt archive is not resumed:\n%s", r.stderr)
	}
	r = a.run("restore", "download", id, "--cluster", "demo", "--dir", dir)
	r.check(t, 0, []string{` downloaded$`}, nil)
	if a.count("downloadArchive") != 2 || a.last("downloadArchive").Header.Get("Range") != "" {
		t.Errorf("requests %q", a.requests())
	}

	// Its links expired: the job says so (exit 6).
	a.sb.Advance(5 * time.Hour)
	r = a.run("restore", "download", id, "--cluster", "demo", "--dir", filepath.Join(a.dir, "late"))
	r.check(t, 6, nil, []string{`^Error: restore job ` + id + ` ended Expired$`})
}
