package cmd

// export create, get, list and watch, run in-process against the sandbox.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

var exportDemo = []string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketName}

// One cluster, its latest snapshot, a bucket by name: the lookups, then one
// POST with the IDs they found, and the job on stdout.
func TestRunExportCreate(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(append(exportDemo, "--custom-data", "team=payments", "--custom-data", "ticket=OPS-12")...)
	r.check(t, 0,
		[]string{`^ID +STATE +PROGRESS +CREATED \(UTC\) +FINISHED \(UTC\)$`, `^[0-9a-f]{24} +Queued +\S+ +2026-11-24 12:00:00 +-$`},
		[]string{
			`^Using export bucket demo-export-bucket: ` + sandbox.DemoBucketID + ` \(AWS\)$`,
			`^Using the latest completed snapshot of demo: ` + demoLatest + ` \(taken 2026-11-24 10:00:00 UTC\)$`,
		})
	if strings.Contains(r.stderr, "Error") {
		t.Errorf("stderr: %q", r.stderr)
	}
	reqs := a.requests()
	if len(reqs) != 3 || reqs[2] != "POST createBackupExport" ||
		!slices.Contains(reqs, "GET listExportBuckets") || !slices.Contains(reqs, "GET listBackupSnapshots") {
		t.Errorf("requests %q", reqs)
	}
	body := a.body("createBackupExport")
	custom, _ := body["customData"].([]any)
	if body["snapshotId"] != demoLatest || body["exportBucketId"] != sandbox.DemoBucketID || len(custom) != 2 ||
		custom[0].(map[string]any)["key"] != "team" || custom[1].(map[string]any)["value"] != "OPS-12" {
		t.Errorf("body %v", body)
	}
	if got := a.last("createBackupExport").Header.Get("Authorization"); got != "Bearer "+a.sb.Credentials().AccessToken {
		t.Errorf("Authorization %q", got)
	}

	// -o json prints the job as Atlas sent it.
	r = a.run("export", "create", "--cluster", "analytics", "--snapshot-id", analyticsLatest, "--bucket-id", sandbox.DemoBucketID, "-o", "json")
	var job map[string]any
	r.jsonOut(t, &job)
	if r.code != 0 || job["state"] != "Queued" || job["snapshotId"] != analyticsLatest || r.stderr != "" {
		t.Errorf("-o json: exit %d, stdout %s, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// --reuse follows the job of the same snapshot and bucket that runs
// already, and starts none; with nothing to reuse it creates one.
func TestRunExportCreateReuse(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(append(exportDemo, "--reuse")...)
	r.check(t, 0, []string{`Queued`}, nil)
	if a.count("createBackupExport") != 1 {
		t.Fatalf("nothing to reuse: %d POSTs", a.count("createBackupExport"))
	}
	first := strings.Fields(strings.Split(r.stdout, "\n")[1])[0]

	r = a.run(append(exportDemo, "--reuse", "-o", "go-template={{.id}}")...)
	r.check(t, 0, []string{`^` + first + `$`}, []string{`^reusing export job ` + first + ` \(Queued\)$`})
	if n := a.count("createBackupExport"); n != 1 {
		t.Errorf("--reuse sent %d POSTs in all, want 1", n)
	}

	// With --dry-run it only says which job it would follow.
	r = a.run(append(exportDemo, "--reuse", "--dry-run")...)
	r.check(t, 0, nil, []string{`^would reuse export job ` + first + ` \(Queued\)$`})
	if r.stdout != "" || a.count("createBackupExport") != 1 {
		t.Errorf("--reuse --dry-run: stdout %q, %d POSTs", r.stdout, a.count("createBackupExport"))
	}
}

// --dry-run prints the request, credentials redacted, and sends nothing
// that changes anything.
func TestRunExportCreateDryRun(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(append(exportDemo, "--dry-run")...)
	r.check(t, 0, []string{
		`^POST ` + quoteRE(a.URL) + `/api/atlas/v2/groups/` + harnessProjectID + `/clusters/demo/backup/exports$`,
		`^Authorization: Bearer REDACTED$`,
		`^Content-Type: application/vnd\.atlas\.2023-01-01\+json$`,
		`^  "snapshotId": "` + demoLatest + `",$`,
		`^  "exportBucketId": "` + sandbox.DemoBucketID + `"$`,
	}, nil)
	if strings.Contains(r.stdout, a.sb.Credentials().AccessToken) {
		t.Errorf("the token is on stdout:\n%s", r.stdout)
	}
	for _, op := range a.requests() {
		if !strings.HasPrefix(op, "GET ") {
			t.Errorf("--dry-run sent %s", op)
		}
	}
}

// --watch follows the job to its end and prints it; the states it passed
// through are on stderr.
func TestRunExportCreateWatch(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.after("getBackupExport", func() { a.sb.Advance(2 * time.Hour) }) // the second check finds it done
	r := a.run(append(exportDemo, "--watch", "--interval", "1ms")...)
	r.check(t, 0,
		[]string{`^[0-9a-f]{24} +Successful +42/42 +2026-11-24 12:00:00 +2026-11-24 13:00:00$`},
		[]string{`^export job [0-9a-f]{24}: Queued$`, `^export job [0-9a-f]{24}: Successful \(42/42 collections\)$`})
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("stdout has %d lines, want the header and the final job:\n%s", n, r.stdout)
	}
	if a.count("getBackupExport") != 2 || a.count("createBackupExport") != 1 {
		t.Errorf("requests %q", a.requests())
	}
}

// A job that ends Failed: the final job on stdout, exit 6.
func TestRunExportCreateWatchFailed(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithExportOutcome(sandbox.OutcomeFailed))
	r := a.run(append(exportDemo, "-w", "--interval", "1ms")...)
	r.check(t, 6, []string{` Failed `}, []string{`^Error: export job [0-9a-f]{24} ended Failed: EXPORT_FAILED: Simulated failure`})
}

// --watch-timeout: the last state seen on stdout, how to resume on stderr,
// exit 7; the job keeps running.
func TestRunExportCreateWatchTimeout(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(append(exportDemo, "--watch", "--watch-timeout", watchTimeout, "--interval", "1h")...)
	r.checkTimeout(t, "Queued")
	r.check(t, 7, nil, []string{`^Error: stopped watching export job [0-9a-f]{24} after ` + watchTimeout + `, (while Queued|before its first check); it keeps running\. ` +
		`Resume with: atlas-backup export watch [0-9a-f]{24} --cluster demo --project-id ` + harnessProjectID + `$`})
	if a.count("createBackupExport") != 1 {
		t.Errorf("requests %q", a.requests())
	}
}

// Several clusters: one row (or array entry) per cluster; each its own
// latest snapshot.
func TestRunExportCreateClusters(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("export", "create", "--cluster", "demo,analytics", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketName)
	r.check(t, 0, []string{
		`^CLUSTER +ID +STATE +PROGRESS +CREATED \(UTC\) +FINISHED \(UTC\) +ERROR$`,
		`^demo +[0-9a-f]{24} +Queued `,
		`^analytics +[0-9a-f]{24} +Queued `,
	}, []string{`^Using the latest completed snapshot of analytics: ` + analyticsLatest})
	if a.count("createBackupExport") != 2 {
		t.Errorf("requests %q", a.requests())
	}

	// The same clusters again: both refused (409), each says why, and the
	// exit code is the first's.
	r = a.run("export", "create", "--cluster", "demo", "--cluster", "analytics", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketName, "-o", "json")
	var entries []struct {
		Cluster string         `json:"cluster"`
		Job     map[string]any `json:"job"`
		Error   map[string]any `json:"error"`
	}
	r.jsonOut(t, &entries)
	if r.code != 5 || len(entries) != 2 || entries[0].Cluster != "demo" || entries[1].Cluster != "analytics" ||
		entries[0].Error["errorCode"] != "EXPORT_ALREADY_IN_PROGRESS" || entries[1].Job != nil {
		t.Errorf("exit %d, entries %+v", r.code, entries)
	}
	r.check(t, 5, nil, []string{`^Error: demo: 409 EXPORT_ALREADY_IN_PROGRESS: `, `^Error: analytics: 409 EXPORT_ALREADY_IN_PROGRESS: `})
}

// --all-clusters: every cluster with backup on, the others skipped with a
// note; -o json is one array.
func TestRunExportCreateAllClusters(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("export", "create", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketID, "-o", "json")
	var entries []struct {
		Cluster string         `json:"cluster"`
		Job     map[string]any `json:"job"`
	}
	r.jsonOut(t, &entries)
	var names []string
	for _, e := range entries {
		names = append(names, e.Cluster)
		if e.Job["state"] != "Queued" {
			t.Errorf("%s: job %v", e.Cluster, e.Job)
		}
	}
	if r.code != 0 || !slices.Equal(names, []string{"analytics", "demo", "demo-sharded"}) {
		t.Errorf("exit %d, clusters %q", r.code, names)
	}
	r.check(t, 0, nil, []string{`^Skipping cluster legacy: backup is off$`})
	if a.count("listClusters") != 1 || a.count("createBackupExport") != 3 {
		t.Errorf("requests %q", a.requests())
	}
}

// --all-clusters --watch: the clusters are found first, then followed
// together to their ends.
func TestRunExportCreateAllClustersWatch(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0))
	r := a.run("export", "create", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketName, "--watch", "--interval", "1ms")
	r.check(t, 0, []string{
		`^analytics +[0-9a-f]{24} +Successful `,
		`^demo +[0-9a-f]{24} +Successful `,
		`^demo-sharded +[0-9a-f]{24} +Successful `,
	}, nil)
	if a.count("getBackupExport") != 3 {
		t.Errorf("requests %q", a.requests())
	}

	// Failed ends are each cluster's error; exit 6.
	b := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithExportOutcome(sandbox.OutcomeFailed))
	r = b.run("export", "create", "--cluster", "demo,analytics", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketName, "-w", "--interval", "1ms")
	r.check(t, 6, []string{`^demo +[0-9a-f]{24} +Failed +21/42 .* export job [0-9a-f]{24} ended Failed: EXPORT_FAILED: `},
		[]string{`^Error: demo: export job [0-9a-f]{24} ended Failed: EXPORT_FAILED: `, `^Error: analytics: export job`})
}

// A fleet's --dry-run prints each cluster's request.
func TestRunExportCreateClustersDryRun(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("export", "create", "--cluster", "demo,analytics", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketName, "--dry-run")
	r.check(t, 0, []string{`/clusters/demo/backup/exports$`, `/clusters/analytics/backup/exports$`, `"snapshotId": "` + analyticsLatest + `"`}, nil)
	if n := strings.Count(r.stdout, "POST "); n != 2 {
		t.Errorf("%d requests printed, want 2:\n%s", n, r.stdout)
	}
	if a.count("createBackupExport") != 0 {
		t.Errorf("requests %q", a.requests())
	}
}

// --file takes the body as JSON or YAML; flags override its fields, and a
// mistake in it names the file and the field.
func TestRunExportCreateFile(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	jsonFile := a.writeFile("export.json", `{"snapshotId": "`+demoOlder+`", "exportBucketId": "`+sandbox.DemoBucketID+`", "customData": [{"key": "k=1", "value": "v"}]}`)
	r := a.run("export", "create", "--cluster", "demo", "--file", jsonFile)
	r.check(t, 0, []string{` Queued `}, nil)
	body := a.body("createBackupExport")
	if body["snapshotId"] != demoOlder || body["exportBucketId"] != sandbox.DemoBucketID ||
		body["customData"].([]any)[0].(map[string]any)["key"] != "k=1" {
		t.Errorf("body %v", body)
	}

	// YAML from stdin, and a flag that overrides the file's bucket.
	yaml := "snapshotId: " + demoLatest + "\nexportBucketId: " + sandbox.DemoGCPBucketID + "\n"
	r = a.runSpec(runSpec{stdin: yaml}, "export", "create", "--cluster", "analytics", "--file", "-", "--snapshot-id", analyticsLatest)
	r.check(t, 0, []string{` Queued `}, nil)
	body = a.body("createBackupExport")
	if body["snapshotId"] != analyticsLatest || body["exportBucketId"] != sandbox.DemoGCPBucketID {
		t.Errorf("body %v", body)
	}

	n := len(a.requests())
	for _, tt := range []struct{ body, want string }{
		{`{"snapshotId": "abc", "exportBucketId": "` + sandbox.DemoBucketID + `"}`, `^Error: --file \S+: snapshotId "abc": must be a 24-character hexadecimal ID`},
		{"snapshotId: latest\nbucket: x\n", `^Error: --file \S+: line 2: unknown field bucket \(known: customData, exportBucketId, snapshotId\)$`},
		{"snapshotId: 12\n", `^Error: --file \S+: line 1: snapshotId: want a string \(quote it\), not "12"$`},
		{"- a\n", `^Error: --file \S+: line 1: want a map of the API's fields`},
		{"snapshotId: latest\n---\nsnapshotId: latest\n", `more than one YAML document`},
		{"customData: [{key: \"\", value: v}]\nsnapshotId: latest\nexportBucketId: " + sandbox.DemoBucketID + "\n", `^Error: --file \S+: customData entry 1: must have a non-empty key$`},
	} {
		r := a.run("export", "create", "--cluster", "demo", "--file", a.writeFile("bad.yaml", tt.body))
		r.check(t, 2, nil, []string{tt.want})
	}
	r = a.run("export", "create", "--cluster", "demo", "--file", a.dir+"/missing.yaml")
	r.check(t, 2, nil, []string{`^Error: --file \S+/missing\.yaml: no such file or directory$`})
	if len(a.requests()) != n {
		t.Errorf("a bad --file sent %q", a.requests()[n:])
	}
}

// Atlas's refusal (409) is exit 5 and is not sent again; with -o json its
// error object is on stdout too.
func TestRunExportCreateConflict(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "createBackupExport", Status: 409}))
	r := a.run(append(exportDemo, "-o", "json")...)
	r.check(t, 5, []string{`"error": 409`, `"errorCode": "CONFLICT"`}, []string{`^Error: 409 CONFLICT: `})
	if n := a.count("createBackupExport"); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}

// A 503 to the create leaves its outcome unknown: it is not sent again, and
// stderr says how to find out (exit 1).
func TestRunExportCreateUnavailable(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "createBackupExport", Status: 503}))
	r := a.run(exportDemo...)
	r.check(t, 1, nil, []string{
		`^Error: 503 SERVICE_UNAVAILABLE: `,
		`^The create may or may not have started a job; it was not sent again\. Check with: atlas-backup export list --cluster demo --project-id ` + harnessProjectID + `$`,
	})
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
	if n := a.count("createBackupExport"); n != 1 {
		t.Errorf("%d POSTs, want exactly 1", n)
	}
}

// Lookups that find nothing are exit 4 and worded with their flags;
// nothing is created.
func TestRunExportCreateNotFound(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "no-such-bucket")
	r.check(t, 4, nil, []string{`^Error: --bucket-id "no-such-bucket": no export bucket of that name in project ` + harnessProjectID + ` \(known: demo-export-bucket, demo-gcs-bucket[,)]`})
	r = a.run("export", "create", "--cluster", "legacy", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketID)
	r.check(t, 4, nil, []string{`^Error: --snapshot-id latest: `})
	r = a.run("export", "create", "--cluster", "nosuch", "--snapshot-id", demoLatest, "--bucket-id", sandbox.DemoBucketID)
	r.check(t, 4, nil, []string{`^Error: 404 `})
	if a.count("createBackupExport") != 1 { // only the last, whose cluster Atlas does not know
		t.Errorf("requests %q", a.requests())
	}
}

// export get, list and watch: each format, paging, the ends of a watch.
func TestRunExportRead(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	id := a.newExport()
	a.sb.Advance(30 * time.Minute) // InProgress
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{nil, []string{`^ID +STATE +PROGRESS +CREATED \(UTC\) +FINISHED \(UTC\)$`, `^` + id + ` +InProgress +\d+/42 +2026-11-24 12:00:00 +-$`}},
		{[]string{"-o", "json"}, []string{`^  "id": "` + id + `",?$`, `^  "state": "InProgress",?$`}},
		{[]string{"-o", "yaml"}, []string{`^id: "?` + id + `"?$`, `^state: InProgress$`}},
		{[]string{"-o", "go-template={{.state}} {{.snapshotId}}"}, []string{`^InProgress ` + demoLatest + `$`}},
	} {
		r := a.run(append([]string{"export", "get", id, "--cluster", "demo"}, tt.args...)...)
		r.check(t, 0, tt.want, nil)
	}
	r := a.run("export", "describe", "6b0000000000000000000000", "--cluster", "demo")
	r.check(t, 4, nil, []string{`^Error: 404 `})

	// Three jobs, a page of one at a time: --all reads the three pages.
	a.run("export", "create", "--cluster", "demo", "--snapshot-id", demoOlder, "--bucket-id", sandbox.DemoBucketID)
	a.run("export", "create", "--cluster", "demo", "--snapshot-id", demoSnapshots[2], "--bucket-id", sandbox.DemoBucketID)
	before := a.count("listBackupExports")
	r = a.run("export", "list", "--cluster", "demo", "--all", "--limit", "1", "-o", "json")
	var all []map[string]any
	r.jsonOut(t, &all)
	if r.code != 0 || len(all) != 3 || all[2]["id"] != id || a.count("listBackupExports")-before != 3 {
		t.Errorf("--all: exit %d, %d jobs, %d requests", r.code, len(all), a.count("listBackupExports")-before)
	}
	r = a.run("export", "ls", "--cluster", "demo", "--page", "3", "--limit", "1")
	r.check(t, 0, []string{`^` + id + ` `}, nil)
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("--page 3 --limit 1: %d lines:\n%s", n, r.stdout)
	}
	if q := a.last("listBackupExports").RawQuery; !strings.Contains(q, "pageNum=3") || !strings.Contains(q, "itemsPerPage=1") {
		t.Errorf("query %q", q)
	}
	r = a.run("export", "list", "--cluster", "analytics", "-o", "json")
	r.check(t, 0, []string{`^\[\]$`}, nil)

	// watch: once the job has ended, the first check is the last.
	a.sb.Advance(2 * time.Hour)
	r = a.run("export", "watch", id, "--cluster", "demo", "-o", "go-template={{.state}}")
	r.check(t, 0, []string{`^Successful$`}, []string{`^export job ` + id + `: Successful \(42/42 collections\)$`})
	r = a.run("export", "watch", id, "--cluster", "demo", "-q")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("--quiet: exit %d, stderr %q", r.code, r.stderr)
	}
}

// export watch of a job that has not ended: a timeout is exit 7, with the
// last state and how to resume.
func TestRunExportWatchTimeout(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	id := a.newExport()
	r := a.run("export", "watch", id, "--cluster", "demo", "--watch-timeout", watchTimeout, "--interval", "1h")
	r.check(t, 7, nil, []string{
		`^Error: stopped watching export job ` + id + ` after ` + watchTimeout + `, (while Queued|before its first check); it keeps running\. Resume with: atlas-backup export watch ` + id + ` --cluster demo --project-id ` + harnessProjectID + `$`,
	})
	r.checkTimeout(t, "Queued")
	// A check that keeps failing ends the watch: exit 1, state unknown.
	b := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "getBackupExport", Status: 503}))
	id = b.newExport()
	r = b.run("export", "watch", id, "--cluster", "demo", "--interval", "1ms", "--max-retries", "1")
	r.check(t, 1, nil, []string{`^Error: could not reach Atlas to check export job ` + id + `: .*Its state is unknown; to watch it again: atlas-backup export watch ` + id + ` --cluster demo`})
}
