package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// byCluster groups the sandbox's requests by what their path is about:
// "PROJECT/CLUSTER" for a cluster's (dedicated or Flex), "PROJECT" for a
// project's own, "" for the project list; each group's operations sorted.
func (a *atlas) byCluster() map[string][]string {
	out := map[string][]string{}
	for _, r := range a.sb.Requests() {
		seg := strings.Split(strings.TrimPrefix(r.Path, "/api/atlas/v2/"), "/")
		key := ""
		switch {
		case len(seg) >= 4 && seg[0] == "groups" && (seg[2] == "clusters" || seg[2] == "flexClusters"):
			key = seg[1] + "/" + seg[3]
		case len(seg) >= 2 && seg[0] == "groups":
			key = seg[1]
		}
		out[key] = append(out[key], r.Method+" "+r.Operation)
	}
	for _, ops := range out {
		slices.Sort(ops)
	}
	return out
}

// The requests of one cluster's status.
var (
	dedicatedReads = []string{"GET getBackupSchedule", "GET listBackupExports", "GET listBackupRestoreJobs", "GET listBackupSnapshots"}
	flexReads      = []string{"GET listFlexBackupSnapshots", "GET listFlexRestoreJobs"}
	projectReads   = []string{"GET getCompliancePolicy", "GET listClusters", "GET listFlexClusters"}
)

// checkRequests asserts the requests sent for each cluster (and project),
// and that nothing else was sent.
func (a *atlas) checkRequests(want map[string][]string) {
	a.t.Helper()
	got := a.byCluster()
	for key, ops := range want {
		if !slices.Equal(got[key], ops) {
			a.t.Errorf("requests for %q:\n got %q\nwant %q", key, got[key], ops)
		}
	}
	for key, ops := range got {
		if _, ok := want[key]; !ok {
			a.t.Errorf("unexpected requests for %q: %q", key, ops)
		}
	}
}

func cl(project, cluster string) string { return project + "/" + cluster }

const opsID = sandbox.DemoOpsID

// row matches a table row: its cells separated by runs of blanks.
func row(cells ...string) string {
	for i, c := range cells {
		cells[i] = quoteRE(c)
	}
	return "^" + strings.Join(cells, `\s{2,}`) + "$"
}

// ago is the harness clock's time d ago, as the table shows it.
func ago(d time.Duration) string { return harnessNow.Add(-d).Format(time.DateTime) }

func TestStatusDemoProject(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("status")
	r.check(t, exitProblems, []string{
		`^CLUSTER\s+TYPE\s+BACKUP\s+PIT\s+WINDOW\s+LAST SNAPSHOT \(UTC\)\s+NEXT \(UTC\)\s+RUNNING\s+PROBLEMS$`,
		`^analytics\s+REPLICASET\s+on\s+off\s+-\s+` + quoteRE(ago(5*time.Hour)+" (5h ago)") + `\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+0\s+-$`,
		`^demo\s+REPLICASET\s+on\s+on\s+7d\s+` + quoteRE(ago(2*time.Hour)+" (2h ago)") + `\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+0\s+-$`,
		`^demo-sharded\s+SHARDED\s+on\s+on\s+2d\s+` + quoteRE(ago(4*time.Hour)+" (4h ago)") + `\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+0\s+-$`,
		row("flex-dev", "FLEX", "on", "off", "-", ago(22*time.Hour)+" (22h ago)", "-", "0", "-"),
		row("flex-qa", "FLEX", "on", "off", "-", ago(10*time.Hour)+" (10h ago)", "-", "0", "-"),
		row("legacy", "REPLICASET", "off", "off", "-", "-", "-", "-", "backup is off"),
	}, []string{
		`^Project ` + harnessProjectID + ` has no backup compliance policy\.$`,
		`^legacy: backup is off$`,
		`^Error: 1 of 6 clusters failed the checks: legacy$`,
	})
	if n := strings.Count(r.stdout, "\n"); n != 7 {
		t.Errorf("%d lines on stdout, want a header and 6 rows:\n%s", n, r.stdout)
	}
	p := harnessProjectID
	a.checkRequests(map[string][]string{
		p:                     projectReads,
		cl(p, "analytics"):    dedicatedReads,
		cl(p, "demo"):         dedicatedReads,
		cl(p, "demo-sharded"): dedicatedReads,
		cl(p, "flex-dev"):     flexReads,
		cl(p, "flex-qa"):      flexReads,
		// legacy: backup off, nothing to read
	})
	// One page of snapshots, the first page of each job list.
	if q := a.last("listBackupSnapshots").RawQuery; !strings.Contains(q, "itemsPerPage=20") || strings.Contains(q, "pageNum=2") {
		t.Errorf("listBackupSnapshots query %q, want one page of 20", q)
	}
}

func TestStatusRequireBackupOff(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("status", "--require-backup=false")
	r.check(t, exitOK, []string{row("legacy", "REPLICASET", "off", "off", "-", "-", "-", "-", "-")}, nil)
	if strings.Contains(r.stderr, "Error") || strings.Contains(r.stderr, "legacy:") {
		t.Errorf("stderr names a problem:\n%s", r.stderr)
	}
}

func TestStatusAllProjects(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	delete(a.env, "MONGODB_ATLAS_PROJECT_ID") // --all-projects needs none
	r := a.run("status", "--all-projects")
	r.check(t, exitProblems, []string{
		`^PROJECT\s+CLUSTER\s+TYPE\s+BACKUP\s+PIT\s+WINDOW\s+LAST SNAPSHOT \(UTC\)\s+NEXT \(UTC\)\s+RUNNING\s+PROBLEMS$`,
		row("demo-project", "legacy", "REPLICASET", "off", "off", "-", "-", "-", "-", "backup is off"),
		`^ops-project\s+billing\s+REPLICASET\s+on\s+off\s+-\s+` + quoteRE(ago(4*24*time.Hour)+" (4d ago)") + `\s+\S+ \S+\s+0\s+-$`,
		`^ops-project\s+orders\s+REPLICASET\s+on\s+on\s+7d\s+` + quoteRE(ago(3*time.Hour)+" (3h ago)") + `\s+\S+ \S+\s+1 restore\s+-$`,
		`^staging-project\s+onboarding\s+REPLICASET\s+on\s+on\s+7d\s+none\s+`,
		row("staging-project", "retired", "REPLICASET", "off", "off", "-", "-", "-", "-", "backup is off"),
	}, []string{
		`^Project demo-project \(` + sandbox.DemoProjectID + `\) has no backup compliance policy\.$`,
		`^Project ops-project \(` + opsID + `\): backup compliance policy ACTIVE \(point in time required, restore window 7d\)\.$`,
		`^ops-project/orders: snapshot ` + sandbox.DemoOpsFailedSnapshotID + ` failed between .* \(in the last 7 days; no problem by itself\)$`,
		`^demo-project/legacy: backup is off$`,
		`^staging-project/retired: backup is off$`,
		`^Error: 2 of 12 clusters failed the checks: demo-project/legacy, staging-project/retired$`,
	})
	// Projects in name order, each project's clusters in name order.
	var order []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		f := strings.Fields(line)
		order = append(order, f[0]+"/"+f[1])
	}
	want := []string{"demo-project/analytics", "demo-project/demo", "demo-project/demo-sharded", "demo-project/flex-dev", "demo-project/flex-qa", "demo-project/legacy",
		"ops-project/billing", "ops-project/orders",
		"staging-project/onboarding", "staging-project/retired", "staging-project/staging", "staging-project/warehouse"}
	if !slices.Equal(order, want) {
		t.Errorf("rows %q, want %q", order, want)
	}
	if got := a.byCluster()[""]; !slices.Equal(got, []string{"GET listGroups"}) {
		t.Errorf("project list requests %q, want one listGroups", got)
	}
	for _, p := range []string{sandbox.DemoProjectID, sandbox.DemoStagingID, opsID} {
		if got := a.byCluster()[p]; !slices.Equal(got, projectReads) {
			t.Errorf("project %s: requests %q, want %q", p, got, projectReads)
		}
	}
	if n := a.count("getCluster") + a.count("getFlexCluster"); n != 0 {
		t.Errorf("%d cluster reads: the lists say all that is needed", n)
	}
}

func TestStatusClusterFlag(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	// Commas and line breaks, in the order given, once each.
	r := a.run("status", "--cluster", "flex-dev,demo\ndemo\n")
	r.check(t, exitOK, []string{`(?s)^CLUSTER.*\nflex-dev\s.*\ndemo\s[^\n]*\n$`}, nil)
	p := harnessProjectID
	a.checkRequests(map[string][]string{
		p:                 projectReads,
		cl(p, "demo"):     dedicatedReads,
		cl(p, "flex-dev"): flexReads,
	})
}

func TestStatusClusterNotFound(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("status", "--cluster", "demo,dmeo")
	r.check(t, exitNotFound, []string{
		`^demo\s+REPLICASET\s+on\s+on\s+7d\s`,
		`^dmeo\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+error: project ` + harnessProjectID + ` has no cluster named dmeo; did you mean demo\?$`,
	}, []string{`^Error: --cluster project ` + harnessProjectID + ` has no cluster named dmeo; did you mean demo\?$`})
	if got := a.byCluster()[cl(harnessProjectID, "dmeo")]; got != nil {
		t.Errorf("requests for a cluster not in the project: %q", got)
	}
}

func TestStatusMaxSnapshotAge(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.env["MONGODB_ATLAS_PROJECT_ID"] = opsID
	for _, age := range []string{"26h", "1d2h", "2d"} {
		r := a.run("status", "--max-snapshot-age", age)
		r.check(t, exitProblems, []string{
			`^billing\s.*\snewest completed snapshot is 4d old \(more than 1d2h\)$|^billing\s.*\snewest completed snapshot is 4d old \(more than 2d\)$`,
			`^orders\s.*\s1 restore\s+-$`,
		}, []string{
			`^billing: newest completed snapshot is 4d old \(more than (1d2h|2d)\)$`,
			`^Error: 1 of 2 clusters failed the checks: billing$`,
		})
	}
	// Younger than the limit: no problem.
	a.run("status", "--max-snapshot-age", "5d").check(t, exitOK, nil, nil)
	// The demo project: its Flex clusters' snapshots count; legacy has none.
	a.env["MONGODB_ATLAS_PROJECT_ID"] = harnessProjectID
	r := a.run("status", "--max-snapshot-age", "20h", "--require-backup=false")
	r.check(t, exitProblems, []string{
		`^flex-dev\s.*\snewest completed snapshot is 22h old \(more than 20h\)$`,
		`^legacy\s.*\sno completed snapshot \(backup is off\)$`,
		`^flex-qa\s.*\s0\s+-$`,
	}, []string{`^Error: 2 of 6 clusters failed the checks: flex-dev, legacy$`})
}

func TestStatusRequirePIT(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("status", "--require-pit", "--require-backup=false")
	r.check(t, exitProblems, []string{
		`^analytics\s.*\spoint in time is off$`,
		`^demo\s.*\s0\s+-$`,
		`^flex-dev\s.*\spoint in time is off \(Flex clusters have none\)$`,
		`^legacy\s.*\spoint in time is off$`,
	}, []string{
		`^analytics: point in time is off$`,
		`^Error: 4 of 6 clusters failed the checks: analytics, flex-dev, flex-qa, legacy$`,
	})
	// Both checks on one cluster: both named.
	r = a.run("status", "--require-pit", "--cluster", "legacy")
	r.check(t, exitProblems, []string{`^legacy\s.*\sbackup is off; point in time is off$`},
		[]string{`^legacy: backup is off\nlegacy: point in time is off\n`})
}

// A read that fails: its cluster's row says so, the others are shown, and
// the exit code is 1 even though another cluster has a problem (8).
func TestStatusReadFailure(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "listBackupSnapshots", Status: http.StatusInternalServerError}))
	r := a.run("status", "--cluster", "demo,flex-dev,legacy")
	r.check(t, exitOther, []string{
		// What could be read of demo is shown: its window and next snapshot.
		`^demo\s+REPLICASET\s+on\s+on\s+7d\s+none\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+0\s+error: 500 UNEXPECTED_ERROR$`,
		row("flex-dev", "FLEX", "on", "off", "-", ago(22*time.Hour)+" (22h ago)", "-", "0", "-"),
		row("legacy", "REPLICASET", "off", "off", "-", "-", "-", "-", "backup is off"),
	}, []string{
		`^legacy: backup is off$`,
		`^Error: demo: 500 UNEXPECTED_ERROR: .*Simulated fault`,
	})
	if strings.Contains(r.stderr, "failed the checks") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	// The client retried the failing read, as any GET, then gave up.
	if n := a.count("listBackupSnapshots"); n < 2 {
		t.Errorf("%d snapshot list requests: the 500 was not retried", n)
	}

	// -o json: the error object Atlas sent, in the cluster's entry.
	r = a.run("status", "--cluster", "demo,flex-dev", "-o", "json")
	if r.code != exitOther {
		t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	var got []map[string]any
	r.jsonOut(t, &got)
	if len(got) != 2 || got[0]["error"] == nil || got[1]["error"] != nil {
		t.Fatalf("entries: %v", got)
	}
	if e := got[0]["error"].(map[string]any); e["error"] != float64(500) || e["errorCode"] != "UNEXPECTED_ERROR" {
		t.Errorf("demo's error: %v", e)
	}
}

// A read that fails once is retried like any GET: no error.
func TestStatusReadRetried(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "listBackupSnapshots", Status: http.StatusServiceUnavailable, Times: 1}))
	a.run("status", "--require-backup=false").check(t, exitOK, []string{`^demo\s+REPLICASET\s+on\s+on\s+7d\s+` + quoteRE(ago(2*time.Hour))}, nil)
}

// A project that lists no clusters, or a project ID Atlas does not know.
func TestStatusProjectErrors(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("status", "--project-id", "65f0a1b2c3d4e5f60123456f")
	if r.code != exitNotFound || r.stdout != "" {
		t.Errorf("unknown project: exit %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	b := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "listClusters", Status: http.StatusForbidden}))
	r = b.run("status")
	if r.code != exitAuth {
		t.Errorf("403 on the cluster list: exit %d, want %d; stderr:\n%s", r.code, exitAuth, r.stderr)
	}
	// --all-projects: a project whose clusters cannot be listed has a row
	// saying so; the others are shown; exit 1.
	c := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "listFlexClusters", Status: http.StatusForbidden, Times: 1}))
	delete(c.env, "MONGODB_ATLAS_PROJECT_ID")
	r = c.run("status", "--all-projects", "--parallel", "1", "--require-backup=false")
	r.check(t, exitOther, []string{`^\S+-project\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+error: 403 `}, []string{`^Error: project \S+-project \(`})
	if n := strings.Count(r.stdout, "\n"); n < 5 {
		t.Errorf("the other projects' clusters are not shown:\n%s", r.stdout)
	}
}

func TestStatusCompliancePolicyUnreadable(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "getCompliancePolicy", Status: http.StatusForbidden}))
	a.env["MONGODB_ATLAS_PROJECT_ID"] = opsID
	r := a.run("status")
	r.check(t, exitOK, []string{`^orders\s`}, []string{
		`^Project ` + opsID + `: the backup compliance policy could not be read with these credentials \(it needs the Project Owner role\): 403 `,
	})
	r = a.run("status", "-o", "json")
	var got []map[string]any
	r.jsonOut(t, &got)
	if cp, _ := got[0]["compliancePolicy"].(map[string]any); cp == nil || cp["state"] != nil || !strings.HasPrefix(fmt.Sprint(cp["error"]), "403 ") {
		t.Errorf("compliancePolicy %v", got[0]["compliancePolicy"])
	}
}

func TestStatusJSON(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.env["MONGODB_ATLAS_PROJECT_ID"] = opsID
	r := a.run("status", "-o", "json", "--max-snapshot-age", "2d")
	if r.code != exitProblems {
		t.Errorf("exit %d, want 8; stderr:\n%s", r.code, r.stderr)
	}
	var got []map[string]any
	r.jsonOut(t, &got)
	if len(got) != 2 {
		t.Fatalf("%d entries, want 2:\n%s", len(got), r.stdout)
	}
	keys := []string{"projectId", "cluster", "type", "backupEnabled", "pitEnabled", "restoreWindowDays", "lastSnapshot", "nextSnapshot",
		"runningJobs", "runningExports", "runningRestores", "lastFailure", "problems", "compliancePolicy"}
	for _, e := range got {
		for _, k := range keys {
			if _, ok := e[k]; !ok {
				t.Errorf("%v: no %q", e["cluster"], k)
			}
		}
		if _, ok := e["error"]; ok {
			t.Errorf("%v: an error: %v", e["cluster"], e["error"])
		}
	}
	billing, orders := got[0], got[1]
	schedule := a.schedule(opsID, "orders")
	ordersSnap := sandbox.SeedSnapshotIDs("orders")[0]
	want := map[string]any{
		"projectId": opsID, "cluster": "orders", "type": "REPLICASET", "backupEnabled": true, "pitEnabled": true,
		"restoreWindowDays": float64(7),
		"lastSnapshot":      map[string]any{"id": ordersSnap, "createdAt": harnessNow.Add(-3 * time.Hour).Format(time.RFC3339), "ageSeconds": float64(3 * 3600)},
		"nextSnapshot":      schedule["nextSnapshot"],
		"runningJobs":       float64(1), "runningExports": float64(0), "runningRestores": float64(1),
		"problems":         []any{},
		"compliancePolicy": map[string]any{"state": "ACTIVE", "pitEnabled": true, "restoreWindowDays": float64(7)},
	}
	for k, v := range want {
		if fmt.Sprint(orders[k]) != fmt.Sprint(v) {
			t.Errorf("orders %s = %v, want %v", k, orders[k], v)
		}
	}
	// The failed snapshot has no createdAt: it is placed between its
	// neighbours, and is newer than the failed export.
	f, _ := orders["lastFailure"].(map[string]any)
	if f == nil || f["kind"] != "snapshot" || f["id"] != sandbox.DemoOpsFailedSnapshotID || f["at"] != nil || f["after"] == nil || f["before"] == nil {
		t.Errorf("orders lastFailure %v", orders["lastFailure"])
	}
	if billing["cluster"] != "billing" || billing["restoreWindowDays"] != nil || billing["pitEnabled"] != false || billing["lastFailure"] != nil {
		t.Errorf("billing %v", billing)
	}
	if p, _ := billing["problems"].([]any); len(p) != 1 || p[0] != "newest completed snapshot is 4d old (more than 2d)" {
		t.Errorf("billing problems %v", billing["problems"])
	}
	if !strings.Contains(r.stdout, `"problems": []`) {
		t.Errorf("an empty problems list is not []:\n%s", r.stdout)
	}

	// The Flex clusters and the cluster with backup off.
	a.env["MONGODB_ATLAS_PROJECT_ID"] = harnessProjectID
	r = a.run("status", "-o", "json", "--cluster", "flex-qa,legacy")
	r.jsonOut(t, &got)
	flex, legacy := got[0], got[1]
	if flex["type"] != "FLEX" || flex["backupEnabled"] != true || flex["pitEnabled"] != false || flex["nextSnapshot"] != nil || flex["lastSnapshot"] == nil || flex["compliancePolicy"] != nil {
		t.Errorf("flex-qa %v", flex)
	}
	// Backup off: not read, so its running jobs are not known (null), as the table's "-".
	if legacy["backupEnabled"] != false || legacy["lastSnapshot"] != nil || legacy["runningJobs"] != nil {
		t.Errorf("legacy %v", legacy)
	}

	// yaml and go-template render the same objects.
	a.run("status", "-o", "yaml", "--cluster", "demo").check(t, exitOK, []string{`^- projectId: "?` + harnessProjectID, `^  cluster: demo$`, `^  problems: \[\]$`}, nil)
	a.run("status", "-o", "go-template={{range .}}{{.cluster}}={{.runningJobs}} {{end}}", "--cluster", "demo,flex-dev").
		check(t, exitOK, []string{`^demo=0 flex-dev=0 $`}, nil)
}

// schedule is a cluster's backup schedule as the sandbox answers it.
func (a *atlas) schedule(projectID, cluster string) map[string]any {
	a.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, a.URL+"/api/atlas/v2/groups/"+projectID+"/clusters/"+cluster+"/backup/schedule", nil)
	req.Header.Set("Authorization", "Bearer "+a.sb.Credentials().AccessToken)
	req.Header.Set("Accept", sandbox.MediaType("2024-08-05"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		a.t.Fatalf("schedule: %d %v", resp.StatusCode, err)
	}
	return m
}

func TestStatusUsageErrors(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-snapshot-age", "abc"}, `--max-snapshot-age "abc": must be a duration such as 26h, 90m, 2d or 1d12h`},
		{[]string{"--max-snapshot-age", "2x"}, `--max-snapshot-age "2x": must be a duration`},
		{[]string{"--max-snapshot-age", "1.5d"}, `--max-snapshot-age "1.5d": must be a duration`},
		{[]string{"--max-snapshot-age", "d"}, `--max-snapshot-age "d": must be a duration`},
		{[]string{"--max-snapshot-age", ""}, `--max-snapshot-age "": must be a duration`},
		{[]string{"--max-snapshot-age", "0"}, `--max-snapshot-age "0": must be more than zero`},
		{[]string{"--max-snapshot-age", "0d"}, `--max-snapshot-age "0d": must be more than zero`},
		{[]string{"--max-snapshot-age", "-2h"}, `--max-snapshot-age "-2h": must be more than zero`},
		{[]string{"--max-snapshot-age", "1d-2h"}, `--max-snapshot-age "1d-2h": must be a duration`},
		{[]string{"--parallel", "0"}, `--parallel 0: must be from 1 to 32`},
		{[]string{"--parallel", "33"}, `--parallel 33: must be from 1 to 32`},
		{[]string{"--cluster", "my_db"}, `--cluster "my_db": must match`},
		{[]string{"--cluster", ","}, `--cluster: names no cluster`},
		{[]string{"--all-projects", "--cluster", "demo"}, `--cluster and --all-projects: give one or the other`},
		{[]string{"--all-projects", "--project-id", harnessProjectID}, `--project-id and --all-projects: give one or the other`},
		{[]string{"demo"}, `atlas-backup status takes 0 argument\(s\), got 1; did you mean --cluster demo\?`},
	} {
		r := a.run(append([]string{"status"}, c.args...)...)
		r.check(t, exitUsage, nil, []string{"^Error: " + c.want})
		if r.stdout != "" {
			t.Errorf("%q: stdout %q", c.args, r.stdout)
		}
	}
	a.nothingSent()
}

func TestParseAge(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"26h": 26 * time.Hour, "90m": 90 * time.Minute, "2d": 48 * time.Hour, "1d12h": 36 * time.Hour,
		"1d30m": 24*time.Hour + 30*time.Minute, " 3d ": 72 * time.Hour, "1h30m": 90 * time.Minute, "45s": 45 * time.Second,
	} {
		if got, err := parseAge("max-snapshot-age", in); err != nil || got != want {
			t.Errorf("parseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// The flags reach the options: runF captures them, nothing is read.
func TestStatusFlags(t *testing.T) {
	t.Parallel()
	var got *StatusOptions
	s, _, _, _ := output.Test()
	f := &Factory{IO: s, Getenv: func(k string) string {
		return map[string]string{"MONGODB_ATLAS_PROJECT_ID": harnessProjectID}[k]
	}, Now: func() time.Time { return harnessNow }}
	root := newRootCmd(f)
	for _, c := range root.Commands() {
		if c.Name() == "status" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newStatusCmd(f, func(_ context.Context, o *StatusOptions) error { got = o; return nil }))
	root.SetArgs([]string{"status", "--cluster", "a,b", "--cluster", "c", "--max-snapshot-age", "1d12h", "--require-pit", "--require-backup=false", "--parallel", "8"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Clusters, []string{"a", "b", "c"}) || got.maxAge != 36*time.Hour || !got.RequirePIT || got.RequireBackup ||
		got.Parallel != 8 || got.AllProjects || got.ProjectID != harnessProjectID {
		t.Errorf("options %+v", got)
	}
	root = newRootCmd(f)
	for _, c := range root.Commands() {
		if c.Name() == "status" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newStatusCmd(f, func(_ context.Context, o *StatusOptions) error { got = o; return nil }))
	root.SetArgs([]string{"status"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !got.RequireBackup || got.RequirePIT || got.maxAge != 0 || got.Parallel != 4 || got.Clusters != nil {
		t.Errorf("defaults %+v", got)
	}
}

// A project of 100 clusters more: a few requests per cluster, whatever
// the number of clusters.
func TestStatusRequestsPerCluster(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithClusters(100))
	r := a.run("status", "--parallel", "8")
	if r.code != exitProblems { // legacy
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n"); n != 107 {
		t.Errorf("%d lines on stdout, want a header and 106 rows", n)
	}
	p := harnessProjectID
	got := a.byCluster()
	clusters := 0
	for key, ops := range got {
		if !strings.HasPrefix(key, p+"/") {
			continue
		}
		clusters++
		if len(ops) > 6 {
			t.Errorf("%s: %d requests (%q), want at most 6", key, len(ops), ops)
		}
		name := strings.TrimPrefix(key, p+"/")
		switch {
		case strings.HasPrefix(name, "flex-"):
			if !slices.Equal(ops, flexReads) {
				t.Errorf("%s: %q", name, ops)
			}
		case !slices.Equal(ops, dedicatedReads):
			t.Errorf("%s: %q, want %q", name, ops, dedicatedReads)
		}
	}
	if clusters != 105 { // every cluster but legacy, which has backup off
		t.Errorf("requests for %d clusters, want 105", clusters)
	}
	if !slices.Equal(got[p], projectReads) {
		t.Errorf("project requests %q, want %q", got[p], projectReads)
	}
	total := len(a.sb.Requests())
	if want := len(projectReads) + 103*len(dedicatedReads) + 2*len(flexReads); total != want {
		t.Errorf("%d requests in all, want %d", total, want)
	}
	t.Logf("%d clusters, %d requests: %.2f a cluster", 106, total, float64(total)/106)
}

// BenchmarkStatus: a status of the demo project with 10 and with 100
// clusters more, through Main against the sandbox on loopback.
func BenchmarkStatus(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("clusters=%d", n+6), func(b *testing.B) {
			sb := sandbox.New(sandbox.WithClusters(n), sandbox.WithClock(func() time.Time { return harnessNow }))
			api := httptest.NewServer(sb)
			b.Cleanup(api.Close)
			srv := api.URL
			env := map[string]string{
				"MONGODB_ATLAS_BASE_URL": srv, "MONGODB_ATLAS_PROJECT_ID": harnessProjectID,
				"MONGODB_ATLAS_ACCESS_TOKEN": sb.Credentials().AccessToken,
				"ATLAS_BACKUP_CONFIG":        b.TempDir() + "/config.yaml",
			}
			b.ReportAllocs()
			for b.Loop() {
				s, _, _, _ := output.Test()
				code := Main([]string{"status", "--require-backup=false"}, s, harnessBuild, func(f *Factory) {
					f.Getenv = func(k string) string { return env[k] }
					f.Now = func() time.Time { return harnessNow }
				})
				if code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(float64(len(sb.Requests()))/float64(b.N)/float64(n+6), "requests/cluster")
		})
	}
}
