package sandbox_test

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// Backup schedules, point-in-time windows, failing on-demand snapshots, the
// project list, compliance policies and the ops project. The clock starts
// at 2026-11-24T12:00:00Z; every answer is checked against the contract.

const (
	vCompliance = "application/vnd.atlas.2023-10-01+json"
	ops         = groups + sandbox.DemoOpsID
	orders      = ops + "/clusters/" + sandbox.DemoOpsCluster
)

// The policy item IDs every schedule has (the snapshots' policyItems).
const (
	dailyItemID  = "65f0d0d0d0e0f00000000001"
	hourlyItemID = "65f0d0d0d0e0f00000000002"
)

func TestBackupSchedule(t *testing.T) {
	e := start(t, sandbox.WithClusters(2))
	policies := `[{"id":"65f0d0d0d0e0f00000000000","policyItems":[` +
		`{"frequencyInterval":6,"frequencyType":"hourly","id":"` + hourlyItemID + `","retentionUnit":"days","retentionValue":7},` +
		`{"frequencyInterval":1,"frequencyType":"daily","id":"` + dailyItemID + `","retentionUnit":"days","retentionValue":30},` +
		`{"frequencyInterval":6,"frequencyType":"weekly","id":"65f0d0d0d0e0f00000000003","retentionUnit":"weeks","retentionValue":8},` +
		`{"frequencyInterval":40,"frequencyType":"monthly","id":"65f0d0d0d0e0f00000000004","retentionUnit":"months","retentionValue":12}]}]`
	tests := []struct {
		name, path string
		accept     string
		want       shape
	}{
		// demo's daily snapshots are taken at 10:00 (its newest, 26 hours ago).
		{"2024-08-05", clusters + "/demo", vClusters, shape{
			raw: map[string]string{"clusterName": `"demo"`, "nextSnapshot": `"2026-11-25T10:00:00Z"`, "referenceHourOfDay": "10", "referenceMinuteOfHour": "0",
				"restoreWindowDays": "7", "policies": policies, "autoExportEnabled": "false", "autoCopySettingsEnabled": "false",
				"useOrgAndGroupNamesInExportPrefix": "false", "copySettings": "[]", "extraRetentionSettings": "[]"},
			match: map[string]string{"clusterId": `^[a-f0-9]{24}$`},
			check: func(t *testing.T, r response) {
				if got := rels(r); !slices.Equal(got, []string{"self", relCluster}) || !strings.HasSuffix(hrefOf(r, "self"), clusters+"/demo/backup/schedule") {
					t.Errorf("links %v", r.body["links"])
				}
			},
		}},
		{"2023-01-01", clusters + "/demo", v1, shape{
			raw:   map[string]string{"nextSnapshot": `"2026-11-25T10:00:00Z"`, "restoreWindowDays": "7", "policies": policies},
			lacks: []string{"autoCopySettingsEnabled"},
		}},
		{"point in time off", clusters + "/analytics", vClusters, shape{
			raw:   map[string]string{"clusterName": `"analytics"`, "nextSnapshot": `"2026-11-25T07:00:00Z"`, "referenceHourOfDay": "7"},
			lacks: []string{"restoreWindowDays"},
		}},
		{"sharded, a 2-day window", clusters + "/" + sandbox.DemoShardedCluster, vClusters, shape{
			raw: map[string]string{"restoreWindowDays": "2", "nextSnapshot": `"2026-11-25T08:00:00Z"`},
		}},
		// No daily snapshot yet: the time of day of its creation.
		{"no daily snapshot", groups + sandbox.DemoStagingID + "/clusters/staging", vClusters, shape{
			raw: map[string]string{"nextSnapshot": `"2026-11-25T12:00:00Z"`, "referenceHourOfDay": "12"}, lacks: []string{"restoreWindowDays"},
		}},
		{"paused", groups + sandbox.DemoStagingID + "/clusters/" + sandbox.DemoPausedCluster, vClusters, shape{
			raw: map[string]string{"restoreWindowDays": "7"},
		}},
		{"fleet", clusters + "/" + sandbox.FleetClusterName(2), vClusters, shape{
			raw: map[string]string{"restoreWindowDays": "7", "nextSnapshot": `"2026-11-25T11:00:00Z"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send(req{path: tt.path + "/backup/schedule", accept: tt.accept})
			wantStatus(t, r, 200, "")
			wantShape(t, r.raw, tt.want)
		})
	}
	old := e.get(clusters + "/demo/backup/schedule")
	if old.header.Get("Deprecation") != "Mon, 5 Aug 2024 00:00:00 GMT" || old.header.Get("Sunset") != "Thu, 1 Jul 2027 00:00:00 GMT" {
		t.Errorf("2023-01-01 headers %v", old.header)
	}
	if r := e.send(req{path: clusters + "/demo/backup/schedule", accept: vClusters}); r.header.Get("Sunset") != "" {
		t.Errorf("2024-08-05 has a Sunset: %v", r.header)
	}

	// The snapshots name the schedule's items.
	daily := e.get(demo + "/snapshots/" + sandbox.SeedSnapshotIDs("demo")[1])
	hourly := e.get(demo + "/snapshots/" + sandbox.DemoInProgressSnapshotID)
	if p := daily.body["policyItems"].([]any); len(p) != 1 || p[0] != dailyItemID {
		t.Errorf("a daily snapshot's policyItems %v", p)
	}
	if p := hourly.body["policyItems"].([]any); len(p) != 1 || p[0] != hourlyItemID {
		t.Errorf("an hourly snapshot's policyItems %v", p)
	}

	// nextSnapshot follows the clock.
	e.clock.Advance(23 * time.Hour) // 2026-11-25T11:00
	if r := e.send(req{path: clusters + "/demo/backup/schedule", accept: vClusters}); r.str("nextSnapshot") != "2026-11-26T10:00:00Z" {
		t.Errorf("a day on: nextSnapshot %q", r.str("nextSnapshot"))
	}

	// No schedule without backup; Flex clusters have none here.
	wantStatus(t, e.get(clusters+"/legacy/backup/schedule"), 400, "BACKUP_NOT_ENABLED")
	wantStatus(t, e.get(clusters+"/gone/backup/schedule"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.get(clusters+"/"+sandbox.DemoFlexCluster+"/backup/schedule"), 400, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API")
	wantStatus(t, e.send(req{method: "POST", path: clusters + "/demo/backup/schedule", body: `{}`}), 405, "METHOD_NOT_ALLOWED")
}

// Each cluster's pitEnabled and restore window, and the point-in-time
// restores they allow.
func TestPointInTimeWindows(t *testing.T) {
	e := start(t, sandbox.WithClusters(1))
	for _, tt := range []struct {
		project, name string
		days          int
	}{
		{sandbox.DemoProjectID, "demo", 7},
		{sandbox.DemoProjectID, "demo-sharded", 2},
		{sandbox.DemoProjectID, "analytics", 0},
		{sandbox.DemoProjectID, "legacy", 0},
		{sandbox.DemoProjectID, "fleet-001", 7},
		{sandbox.DemoStagingID, "staging", 0},
		{sandbox.DemoStagingID, "warehouse", 7},
		{sandbox.DemoStagingID, "onboarding", 7},
		{sandbox.DemoStagingID, "retired", 0},
		{sandbox.DemoOpsID, "orders", 7},
		{sandbox.DemoOpsID, "billing", 0},
	} {
		c := e.getCluster(groups + tt.project + "/clusters/" + tt.name)
		if c.body["pitEnabled"] != (tt.days > 0) || sandbox.RestoreWindowDays(tt.name) != tt.days {
			t.Errorf("%s: pitEnabled %v, RestoreWindowDays %d; want a window of %d days", tt.name, c.body["pitEnabled"], sandbox.RestoreWindowDays(tt.name), tt.days)
		}
	}
	if n := sandbox.RestoreWindowDays(sandbox.DemoFlexCluster) + sandbox.RestoreWindowDays("nope"); n != 0 {
		t.Errorf("RestoreWindowDays of a Flex cluster and of an unknown one: %d", n)
	}

	now := e.clock.Now()
	at := func(ago time.Duration) string { return itoa(now.Add(-ago).Unix()) }
	target := func(project, name string) string {
		return `"targetClusterName":"` + name + `","targetGroupId":"` + project + `"`
	}
	pit := func(project, cluster, ago string) response {
		return e.post(groups+project+"/clusters/"+cluster+"/backup/restoreJobs",
			restoreBody("pointInTime", "", target(project, cluster)+`,"pointInTimeUTCSeconds":`+ago))
	}
	day := 24 * time.Hour
	for _, tt := range []struct {
		name, project, cluster, at string
		status                     int
		code, detail               string
	}{
		{"point in time off", sandbox.DemoProjectID, "analytics", at(time.Hour), 400, "PIT_NOT_ENABLED", "Continuous Cloud Backup is not enabled for cluster analytics"},
		{"point in time off, another project", sandbox.DemoStagingID, "staging", at(time.Hour), 400, "PIT_NOT_ENABLED", ""},
		{"point in time off, ops", sandbox.DemoOpsID, "billing", at(time.Hour), 400, "PIT_NOT_ENABLED", ""},
		{"before the window", sandbox.DemoProjectID, "demo", at(7*day + time.Second), 400, "INVALID_POINT_IN_TIME",
			"The point in time 2026-11-17T11:59:59Z is outside the restore window of cluster demo: its last 7 days, from 2026-11-17T12:00:00Z."},
		{"before a 2-day window", sandbox.DemoProjectID, "demo-sharded", at(3 * day), 400, "INVALID_POINT_IN_TIME", "its last 2 days"},
		{"within the window, before every snapshot", sandbox.DemoProjectID, "demo-sharded", at(30 * time.Hour), 400, "VALIDATION_ERROR", "No snapshot of cluster demo-sharded was taken before"},
		{"no snapshot yet", sandbox.DemoStagingID, "onboarding", at(time.Hour), 400, "VALIDATION_ERROR", "No snapshot of cluster onboarding"},
		{"at the window's start", sandbox.DemoProjectID, "demo", at(7 * day), 200, "", ""},
		{"within a 2-day window", sandbox.DemoProjectID, "demo-sharded", at(2 * time.Hour), 200, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := pit(tt.project, tt.cluster, tt.at)
			wantStatus(t, r, tt.status, tt.code)
			if !strings.Contains(r.str("detail"), tt.detail) {
				t.Errorf("detail %q, want it to say %q", r.str("detail"), tt.detail)
			}
		})
	}
	// The oplog form is held to the same window.
	r := e.post(groups+sandbox.DemoStagingID+"/clusters/warehouse/backup/restoreJobs",
		restoreBody("pointInTime", "", target(sandbox.DemoStagingID, "warehouse")+`,"oplogTs":`+at(8*day)+`,"oplogInc":1`))
	wantStatus(t, r, 400, "INVALID_POINT_IN_TIME")

	// So are collection restores from a point in time.
	coll := func(cluster string, ago time.Duration) response {
		return e.post3(clusters+"/"+cluster+"/collectionRestoreJobs", crBody(t, map[string]any{
			"snapshotId": nil, "pointInTimeUtcSeconds": now.Add(-ago).Unix(), "collections": ns("sales.orders=restored.orders"),
			"targetClusterName": sandbox.FleetClusterName(1),
		}))
	}
	wantStatus(t, coll("analytics", time.Hour), 400, "PIT_NOT_ENABLED")
	wantStatus(t, coll("demo", 8*day), 400, "INVALID_POINT_IN_TIME")
	wantStatus(t, coll("demo", day), 201, "")
	// …but not those from a snapshot, which need no point in time.
	body := crBody(t, map[string]any{"snapshotId": sandbox.SeedSnapshotIDs("analytics")[0], "collections": ns("sales.orders"), "targetClusterName": "analytics"})
	wantStatus(t, e.post3(clusters+"/analytics/collectionRestoreJobs", body), 201, "")
}

// WithSnapshotOutcome failed: on-demand snapshots go queued, inProgress,
// then failed, with no createdAt and no size; they are then out of the way.
func TestSnapshotOutcomeFailed(t *testing.T) {
	e := start(t, sandbox.WithSnapshotOutcome(sandbox.OutcomeFailed))
	taken := e.post(demo+"/snapshots", `{"description":"doomed"}`)
	wantStatus(t, taken, 200, "")
	id := taken.str("id")
	stages := []struct {
		at   time.Duration
		want shape
	}{
		{0, shape{raw: map[string]string{"status": `"queued"`}, lacks: []string{"createdAt"}}},
		{4 * time.Second, shape{raw: map[string]string{"status": `"inProgress"`, "mongodVersion": `"8.0.4"`}, lacks: []string{"createdAt"}}},
		{10 * time.Second, shape{
			raw: map[string]string{"status": `"failed"`, "storageSizeBytes": "0", "snapshotType": `"onDemand"`, "description": `"doomed"`,
				"cloudProvider": `"AWS"`, "expiresAt": `"2026-11-25T12:00:00Z"`},
			lacks: []string{"createdAt"},
		}},
	}
	t0 := e.clock.Now()
	for _, st := range stages {
		e.clock.Advance(t0.Add(st.at).Sub(e.clock.Now()))
		r := e.get(demo + "/snapshots/" + id)
		wantStatus(t, r, 200, "")
		wantShape(t, r.raw, st.want)
		if st.at == 4*time.Second {
			wantStatus(t, e.post(demo+"/snapshots", `{}`), 400, "ON_DEMAND_SNAPSHOT_IN_PROGRESS")
		}
	}
	// Neither exported, restored nor read.
	r := e.post(demo+"/exports", `{"snapshotId":"`+id+`","exportBucketId":"`+sandbox.DemoBucketID+`"}`)
	if wantStatus(t, r, 400, "SNAPSHOT_NOT_COMPLETED"); !strings.Contains(r.str("detail"), "failed") {
		t.Errorf("detail %q", r.str("detail"))
	}
	wantStatus(t, e.post(demo+"/restoreJobs", restoreBody("download", id, "")), 400, "SNAPSHOT_NOT_COMPLETED")
	wantStatus(t, e.send(req{path: demo + "/snapshots/" + id + "/databases", accept: v3}), 400, "SNAPSHOT_NOT_COMPLETED")
	// The closest completed snapshot before now is still the seeded one.
	at := e.get(demo + "/snapshots?pointInTimeUtcSeconds=" + itoa(e.clock.Now().Unix()))
	if got := at.results(); len(got) != 1 || got[0].(map[string]any)["id"] != sandbox.SeedSnapshotIDs("demo")[0] {
		t.Errorf("closest snapshot before now: %s", at.raw)
	}
	// A failed snapshot is not in the way of the next one, which leads the list.
	next := e.post(demo+"/snapshots", `{}`)
	wantStatus(t, next, 200, "")
	if first := e.get(demo + "/snapshots?itemsPerPage=1").results()[0].(map[string]any); first["id"] != next.str("id") {
		t.Errorf("first snapshot %v, want the newest, %s", first["id"], next.str("id"))
	}

	for s, ok := range map[string]bool{"success": true, "failed": true, "cancelled": false, "expired": false, "": false} {
		o, err := sandbox.ParseSnapshotOutcome(s)
		if (err == nil) != ok || ok && string(o) != s {
			t.Errorf("ParseSnapshotOutcome(%q) = %q, %v", s, o, err)
		}
	}
}

func TestListGroups(t *testing.T) {
	e := start(t)
	r := e.get(groups[:len(groups)-1])
	wantStatus(t, r, 200, "")
	t0 := e.clock.Now()
	day := 24 * time.Hour
	want := []struct {
		id, name string
		clusters int
		created  time.Time
	}{
		{sandbox.DemoProjectID, sandbox.DemoProjectName, 6, t0.Add(-120 * day)}, // 4 dedicated, 2 Flex
		{sandbox.DemoStagingID, sandbox.DemoStagingName, 4, t0.Add(-110 * day)},
		{sandbox.DemoOpsID, sandbox.DemoOpsName, 2, t0.Add(-100 * day)},
	}
	items := rawResults(t, r)
	if len(items) != len(want) || r.body["totalCount"] != float64(len(want)) {
		t.Fatalf("groups: %s", r.raw)
	}
	for i, w := range want {
		wantShape(t, items[i], shape{
			raw: map[string]string{"id": `"` + w.id + `"`, "name": `"` + w.name + `"`, "orgId": `"` + sandbox.DemoOrgID + `"`,
				"clusterCount": itoa(int64(w.clusters)), "created": `"` + w.created.UTC().Format(time.RFC3339) + `"`,
				"tags": "[]", "withDefaultAlertsSettings": "true"},
			lacks: []string{"regionUsageRestrictions"},
			check: func(t *testing.T, g response) {
				if got := rels(g); !slices.Equal(got, []string{"self"}) || !strings.HasSuffix(hrefOf(g, "self"), groups+w.id) {
					t.Errorf("links %v", g.body["links"])
				}
			},
		})
	}

	// Every page, one project each.
	var ids []string
	next := groups[:len(groups)-1] + "?itemsPerPage=1"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("the next links never end")
		}
		p := e.get(next)
		wantStatus(t, p, 200, "")
		for _, g := range p.results() {
			ids = append(ids, g.(map[string]any)["id"].(string))
		}
		next = ""
		if href := link(p, "next"); href != "" {
			u, _ := url.Parse(href)
			next = u.RequestURI()
		}
	}
	if !slices.Equal(ids, []string{sandbox.DemoProjectID, sandbox.DemoStagingID, sandbox.DemoOpsID}) {
		t.Errorf("pages list %v", ids)
	}
	if p := e.get(groups[:len(groups)-1] + "?itemsPerPage=2&pageNum=2&includeCount=false"); len(p.results()) != 1 || p.body["totalCount"] != nil {
		t.Errorf("last page without count: %s", p.raw)
	}
	// A later Accept gets 2023-01-01, its one version; fleet clusters count.
	f := start(t, sandbox.WithClusters(5))
	g := f.send(req{path: groups[:len(groups)-1] + "?envelope=true", accept: vFlex})
	if ct := g.header.Get("Content-Type"); ct != v1+";charset=utf-8" || g.body["status"] != float64(200) {
		t.Errorf("envelope, later Accept: %s %s", ct, g.raw)
	}
	if c := g.results()[0].(map[string]any)["clusterCount"]; c != float64(11) {
		t.Errorf("demo project with 5 fleet clusters: clusterCount %v", c)
	}
	wantStatus(t, e.send(req{path: groups[:len(groups)-1] + "?itemsPerPage=0"}), 400, "VALIDATION_ERROR")
}

func TestCompliancePolicy(t *testing.T) {
	e := start(t)
	want := shape{
		raw: map[string]string{
			"projectId": `"` + sandbox.DemoOpsID + `"`, "state": `"ACTIVE"`, "pitEnabled": "true", "restoreWindowDays": "7",
			"authorizedEmail": `"dana.reyes@ops.example.com"`, "authorizedUserFirstName": `"Dana"`, "authorizedUserLastName": `"Reyes"`,
			"copyProtectionEnabled": "false", "encryptionAtRestEnabled": "false", "deletable": "false",
			"onDemandPolicyItem": `{"frequencyInterval":0,"frequencyType":"ondemand","id":"65f0d0d0d0e0f00000000015","retentionUnit":"days","retentionValue":3}`,
			"updatedUser":        `"dana.reyes@ops.example.com"`, "updatedDate": `"2026-09-25T12:00:00Z"`,
		},
		check: func(t *testing.T, r response) {
			items, _ := r.body["scheduledPolicyItems"].([]any)
			var kinds []string
			for _, it := range items {
				kinds = append(kinds, it.(map[string]any)["frequencyType"].(string))
			}
			if !slices.Equal(kinds, []string{"hourly", "daily", "weekly", "monthly"}) {
				t.Errorf("scheduledPolicyItems %v", items)
			}
		},
	}
	for _, accept := range []string{vCompliance, v1} {
		r := e.send(req{path: ops + "/backupCompliancePolicy", accept: accept})
		wantStatus(t, r, 200, "")
		wantShape(t, r.raw, want)
		deprecated := r.header.Get("Deprecation") == "Sun, 1 Oct 2023 00:00:00 GMT" && r.header.Get("Sunset") == "Thu, 1 Jul 2027 00:00:00 GMT"
		if deprecated != (accept == v1) || r.header.Get("Content-Type") != accept+";charset=utf-8" {
			t.Errorf("%s: headers %v", accept, r.header)
		}
	}
	for _, id := range []string{sandbox.DemoProjectID, sandbox.DemoStagingID} {
		r := e.send(req{path: groups + id + "/backupCompliancePolicy", accept: vCompliance})
		if wantStatus(t, r, 404, "RESOURCE_NOT_FOUND"); r.str("detail") != "No backup compliance policy is set for project "+id+"." {
			t.Errorf("%s: %s", id, r.raw)
		}
	}
	r := e.send(req{path: groups + "0123456789abcdef01234567/backupCompliancePolicy", accept: vCompliance})
	if wantStatus(t, r, 404, "RESOURCE_NOT_FOUND"); !strings.Contains(r.str("detail"), "group") {
		t.Errorf("unknown project: %s", r.raw)
	}
	wantStatus(t, e.send(req{path: ops + "/backupCompliancePolicy?envelope=true", accept: vCompliance}), 200, "")
}

// The ops project's clusters are in the conditions a backup audit looks for.
func TestOpsProject(t *testing.T) {
	e := start(t)
	if got := names(e.getCluster(ops + "/clusters")); !slices.Equal(got, []string{sandbox.DemoOpsStaleCluster, sandbox.DemoOpsCluster}) {
		t.Errorf("ops clusters %v", got)
	}
	snaps := sandbox.SeedSnapshotIDs(sandbox.DemoOpsCluster)
	list := e.get(orders + "/backup/snapshots")
	var got, statuses []string
	for _, sn := range list.results() {
		got = append(got, sn.(map[string]any)["id"].(string))
		statuses = append(statuses, sn.(map[string]any)["status"].(string))
	}
	if want := []string{snaps[0], snaps[1], sandbox.DemoOpsFailedSnapshotID, snaps[2]}; !slices.Equal(got, want) ||
		!slices.Equal(statuses, []string{"completed", "completed", "failed", "completed"}) {
		t.Errorf("orders snapshots %v %v, want newest first %v", got, statuses, want)
	}
	newest := e.get(orders + "/backup/snapshots?itemsPerPage=1")
	if r := newest.results(); len(r) != 1 || r[0].(map[string]any)["createdAt"] != "2026-11-24T09:00:00Z" {
		t.Errorf("newest snapshot: %s", newest.raw)
	}
	failed := e.get(orders + "/backup/snapshots/" + sandbox.DemoOpsFailedSnapshotID)
	wantShape(t, failed.raw, shape{
		raw: map[string]string{"status": `"failed"`, "snapshotType": `"scheduled"`, "frequencyType": `"daily"`, "storageSizeBytes": "0",
			"policyItems": `["` + dailyItemID + `"]`, "replicaSetName": `"orders"`},
		lacks: []string{"createdAt"},
	})
	wantStatus(t, e.post(orders+"/backup/restoreJobs", restoreBody("download", sandbox.DemoOpsFailedSnapshotID, "")), 400, "SNAPSHOT_NOT_COMPLETED")

	// A failed export job of 3 days ago.
	exports := e.get(orders + "/backup/exports")
	if n := len(exports.results()); n != 1 {
		t.Fatalf("%d export jobs", n)
	}
	wantShape(t, rawResults(t, exports)[0], shape{
		raw: map[string]string{"id": `"` + sandbox.DemoOpsFailedExportID + `"`, "state": `"Failed"`, "createdAt": `"2026-11-21T12:00:00Z"`,
			"finishedAt": `"2026-11-21T12:40:00Z"`, "snapshotId": `"` + snaps[2] + `"`, "exportBucketId": `"` + sandbox.DemoOpsBucketID + `"`,
			"prefix": `"exported_snapshots/` + sandbox.DemoOrgID + `/` + sandbox.DemoOpsID + `/orders/2026-11-21T0900/1795262400"`},
		check: func(t *testing.T, r response) {
			if sr, _ := r.body["stateReason"].(map[string]any); sr["errorCode"] != "EXPORT_FAILED" || !strings.Contains(sr["message"].(string), "ops-export-bucket") {
				t.Errorf("stateReason %v", r.body["stateReason"])
			}
		},
	})
	wantStatus(t, e.get(ops+"/backup/exportBuckets/"+sandbox.DemoOpsBucketID), 200, "")

	// A restore job into itself that never ends.
	e.clock.Advance(30 * 24 * time.Hour)
	restores := e.get(orders + "/backup/restoreJobs")
	if n := len(restores.results()); n != 1 {
		t.Fatalf("%d restore jobs", n)
	}
	wantShape(t, rawResults(t, restores)[0], shape{
		raw: map[string]string{"id": `"` + sandbox.DemoOpsRunningRestoreID + `"`, "deliveryType": `"automated"`, "targetClusterName": `"orders"`,
			"targetGroupId": `"` + sandbox.DemoOpsID + `"`, "snapshotId": `"` + snaps[0] + `"`, "failed": "false", "cancelled": "false", "expired": "false"},
		lacks: []string{"finishedAt"},
		match: map[string]string{"targetDeploymentItemName": `^atlas-[a-z0-9]{6}$`},
	})
	into := `"targetClusterName":"orders","targetGroupId":"` + sandbox.DemoOpsID + `"`
	wantStatus(t, e.post(ops+"/clusters/billing/backup/restoreJobs", restoreBody("automated", sandbox.SeedSnapshotIDs("billing")[0], into)), 409, "CLUSTER_RESTORE_IN_PROGRESS")

	// billing: point in time off, its newest snapshot 4 days old.
	billing := e.getCluster(ops + "/clusters/billing")
	bs := e.get(ops + "/clusters/billing/backup/snapshots?itemsPerPage=1")
	if billing.body["pitEnabled"] != false || billing.body["backupEnabled"] != true ||
		bs.results()[0].(map[string]any)["createdAt"] != "2026-11-20T12:00:00Z" {
		t.Errorf("billing: %s\n%s", billing.raw, bs.raw)
	}
}

// The banner names what the sandbox holds: the Flex clusters, the third
// project, the failures it seeds and the point-in-time windows.
func TestBanner(t *testing.T) {
	var b bytes.Buffer
	sandbox.New().WriteBanner(&b, "http://127.0.0.1:8484")
	out := b.String()
	for _, want := range []string{
		"\n  cluster demo         snapshots: 65f0e0e0d0e0000000000100 (inProgress) 65f0e0e0d0e0000000000001 (2h old)",
		"\n  flex cluster flex-dev snapshots: " + sandbox.DemoFlexRunningSnapshotID + " (RUNNING) " + sandbox.SeedSnapshotIDs("flex-dev")[0] + " (22h old)",
		"\n  flex cluster flex-qa  snapshots: " + sandbox.SeedSnapshotIDs("flex-qa")[0] + " (10h old)\n",
		"\n  point in time on (restore window): demo (7d), demo-sharded (2d); off for the others\n",
		"\nProject " + sandbox.DemoOpsID + " (ops-project)\n",
		" " + sandbox.DemoOpsFailedSnapshotID + " (failed 2d ago) ",
		"\n          export job " + sandbox.DemoOpsFailedExportID + ": Failed\n",
		"\n          automated restore job " + sandbox.DemoOpsRunningRestoreID + " into orders: running\n",
		"\n  backup compliance policy ACTIVE: point in time, 7 days\n",
		"\n  export bucket " + sandbox.DemoOpsBucketID + "  ops-export-bucket (AWS, eu-central-1)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner lacks %q:\n%s", want, out)
		}
	}
}
