package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// The shape of the sandbox's answers, resource by resource: the facts of
// real Atlas answers (recorded exchanges of MongoDB's own end-to-end tests)
// that a script rehearsed on the sandbox may rely on. Every answer is also
// checked against the OpenAPI contract, and for its key order, by the test
// server (start, send).

// shape is what an answer must look like.
type shape struct {
	has   []string          // keys it must have
	lacks []string          // keys it must not have
	raw   map[string]string // keys whose value must be exactly this JSON
	match map[string]string // keys whose string value must match this pattern
	check func(t *testing.T, r response)
}

// wantShape checks an answer (or one object of it, given as raw JSON)
// against a shape.
func wantShape(t *testing.T, raw []byte, want shape) {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, raw)
	}
	for _, k := range want.has {
		if _, ok := fields[k]; !ok {
			t.Errorf("no %s in %s", k, raw)
		}
	}
	for _, k := range want.lacks {
		if _, ok := fields[k]; ok {
			t.Errorf("%s in %s", k, raw)
		}
	}
	for k, v := range want.raw {
		var got bytes.Buffer
		json.Compact(&got, fields[k])
		if got.String() != v {
			t.Errorf("%s is %s, want %s", k, got.String(), v)
		}
	}
	for k, pattern := range want.match {
		var s string
		if err := json.Unmarshal(fields[k], &s); err != nil || !regexp.MustCompile(pattern).MatchString(s) {
			t.Errorf("%s is %s, want a string matching %s", k, fields[k], pattern)
		}
	}
	if want.check != nil {
		var r response
		r.raw = raw
		json.Unmarshal(raw, &r.body)
		want.check(t, r)
	}
}

// rawResults are a list's results as sent, key order kept.
func rawResults(t *testing.T, r response) []json.RawMessage {
	t.Helper()
	var l struct{ Results []json.RawMessage }
	if err := json.Unmarshal(r.raw, &l); err != nil {
		t.Fatalf("not a list: %v\n%s", err, r.raw)
	}
	return l.Results
}

// rels lists the rel of each of an object's links, in order.
func rels(r response) []string {
	var out []string
	links, _ := r.body["links"].([]any)
	for _, l := range links {
		out = append(out, l.(map[string]any)["rel"].(string))
	}
	return out
}

// hrefOf is the href of an object's link with that rel, or "".
func hrefOf(r response, rel string) string { return link(r, rel) }

const (
	relSnapshot = "https://cloud.mongodb.com/snapshot"
	relCluster  = "https://cloud.mongodb.com/cluster"
	relGroup    = "https://cloud.mongodb.com/group"
	nullTime    = `{"increment":null,"time":null,"date":null}`
)

func TestRestoreJobShapes(t *testing.T) {
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoCluster)[0] // taken 2h before the start, 10:00
	staging := groups + sandbox.DemoStagingID + "/clusters/staging/backup"
	toStaging := `"targetClusterName":"staging","targetGroupId":"` + sandbox.DemoStagingID + `"`
	downloadLink := `^http://127\.0\.0\.1:\d+/[A-Za-z0-9]{24}/restore-[a-f0-9]{24}(-[a-z0-9-]+)?\.tar\.gz$`
	tests := []struct {
		name    string
		backup  string // the source cluster's backup path
		body    string
		advance time.Duration // after the create, before the get
		want    shape
	}{
		{"download, running", demo, restoreBody("download", snap, ""), 0, shape{
			has:   []string{"cancelled", "deliveryType", "expired", "failed", "id", "links", "snapshotId", "timestamp"},
			lacks: []string{"finishedAt", "expiresAt", "privateDownloadDeliveryUrls", "targetDeploymentItemName", "components"},
			raw:   map[string]string{"deliveryUrl": `[]`, "desiredTimestamp": nullTime, "timestamp": `"2026-11-24T10:00:00Z"`},
			check: func(t *testing.T, r response) {
				if got := rels(r); !slices.Equal(got, []string{"self", relSnapshot, relCluster, relGroup}) {
					t.Errorf("links %v, want self, snapshot, cluster and group", got)
				}
				if !strings.HasSuffix(hrefOf(r, "self"), demo+"/restoreJobs/"+r.str("id")) ||
					!strings.HasSuffix(hrefOf(r, relSnapshot), demo+"/snapshots/"+snap) ||
					!strings.HasSuffix(hrefOf(r, relCluster), clusters+"/demo") || !strings.HasSuffix(hrefOf(r, relGroup), groups+sandbox.DemoProjectID) {
					t.Errorf("links %v", r.body["links"])
				}
			},
		}},
		// A finished download has its link, and expiresAt an hour later;
		// never finishedAt. The demo project has no private endpoint.
		{"download, finished", demo, restoreBody("download", snap, ""), 10 * time.Second, shape{
			lacks: []string{"finishedAt", "privateDownloadDeliveryUrls"},
			raw:   map[string]string{"expiresAt": `"2026-11-24T13:00:10Z"`, "expired": "false", "desiredTimestamp": nullTime},
			check: func(t *testing.T, r response) {
				urls, _ := r.body["deliveryUrl"].([]any)
				if len(urls) != 1 || !regexp.MustCompile(downloadLink).MatchString(urls[0].(string)) ||
					!strings.HasSuffix(urls[0].(string), "/restore-"+snap+".tar.gz") {
					t.Errorf("deliveryUrl %v, want one Atlas-shaped link to restore-%s.tar.gz", urls, snap)
				}
			},
		}},
		{"download, finished, project with a private endpoint", staging, restoreBody("download", sandbox.SeedSnapshotIDs("staging")[0], ""), 10 * time.Second, shape{
			lacks: []string{"finishedAt"},
			check: func(t *testing.T, r response) {
				urls, _ := r.body["deliveryUrl"].([]any)
				priv, _ := r.body["privateDownloadDeliveryUrls"].([]any)
				if len(urls) != 1 || len(priv) != 1 {
					t.Fatalf("deliveryUrl %v, privateDownloadDeliveryUrls %v", urls, priv)
				}
				p := priv[0].(map[string]any)
				if p["endpointId"] != sandbox.DemoPrivateEndpointID || p["deliveryUrl"] == urls[0] ||
					!regexp.MustCompile(downloadLink).MatchString(p["deliveryUrl"].(string)) {
					t.Errorf("private link %v", p)
				}
			},
		}},
		{"download of a sharded cluster, finished", sharded, restoreBody("download", sandbox.SeedSnapshotIDs(sandbox.DemoShardedCluster)[0], ""), 10 * time.Second, shape{
			lacks: []string{"finishedAt", "privateDownloadDeliveryUrls"},
			check: func(t *testing.T, r response) {
				urls, _ := r.body["deliveryUrl"].([]any)
				comps, _ := r.body["components"].([]any)
				if len(urls) != 3 || len(comps) != 3 {
					t.Fatalf("deliveryUrl %v, components %v", urls, comps)
				}
				for i, c := range comps {
					c := c.(map[string]any)
					if c["replicaSetName"] != sandbox.DemoShardedReplicaSets[i] || c["downloadUrl"] != urls[i] {
						t.Errorf("component %d %v", i, c)
					}
				}
			},
		}},
		// An automated job names the target's deployment; it has no link.
		{"automated, running", demo, restoreBody("automated", snap, toStaging), 0, shape{
			lacks: []string{"finishedAt", "expiresAt", "privateDownloadDeliveryUrls"},
			raw:   map[string]string{"deliveryUrl": `[]`, "desiredTimestamp": nullTime, "targetClusterName": `"staging"`},
			match: map[string]string{"targetDeploymentItemName": `^atlas-[a-z0-9]{6}$`},
		}},
		{"automated, finished", demo, restoreBody("automated", snap, toStaging), 10 * time.Second, shape{
			raw:   map[string]string{"deliveryUrl": `[]`, "finishedAt": `"2026-11-24T12:00:10Z"`, "cancelled": "false", "failed": "false", "expired": "false"},
			match: map[string]string{"targetDeploymentItemName": `^atlas-[a-z0-9]{6}$`},
			lacks: []string{"expiresAt"},
		}},
		// A point-in-time job: finishedAt at its end, no link, and the
		// moment asked for in desiredTimestamp.
		{"pointInTime, finished", demo, restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":1795510800`), 10 * time.Second, shape{
			raw:   map[string]string{"deliveryUrl": `[]`, "finishedAt": `"2026-11-24T12:00:10Z"`, "desiredTimestamp": `{"increment":null,"time":1795510800,"date":"2026-11-24T09:00:00Z"}`},
			lacks: []string{"snapshotId", "targetDeploymentItemName"},
			check: func(t *testing.T, r response) {
				if got := rels(r); !slices.Equal(got, []string{"self", relCluster, relGroup}) {
					t.Errorf("links %v, want self, cluster and group (no snapshot ID, no snapshot link)", got)
				}
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := withArchives(t)
			created := e.post(tt.backup+"/restoreJobs", tt.body)
			wantStatus(t, created, 200, "")
			e.clock.Advance(tt.advance)
			r := e.get(tt.backup + "/restoreJobs/" + created.str("id"))
			wantStatus(t, r, 200, "")
			wantShape(t, r.raw, tt.want)
			// The list shows the same job.
			wantShape(t, rawResults(t, e.get(tt.backup+"/restoreJobs"))[0], tt.want)
		})
	}

	// The deployment an automated job names is the target's: its
	// connection string's replica set.
	e := start(t)
	r := e.post(demo+"/restoreJobs", restoreBody("automated", snap, toStaging))
	target := e.getCluster(groups + sandbox.DemoStagingID + "/clusters/staging")
	cs, _ := target.body["connectionStrings"].(map[string]any)
	if std, _ := cs["standard"].(string); !strings.Contains(std, "replicaSet="+r.str("targetDeploymentItemName")+"-shard-0") {
		t.Errorf("targetDeploymentItemName %q is not staging's deployment (%s)", r.str("targetDeploymentItemName"), std)
	}
}

func TestExportJobShapes(t *testing.T) {
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoCluster)[0] // taken at 10:00
	// exported_snapshots/{orgId}/{groupId}/{cluster}/{snapshot time to the minute}/{creation, epoch seconds}
	prefix := `"exported_snapshots/` + sandbox.DemoOrgID + `/` + sandbox.DemoProjectID + `/demo/2026-11-24T1000/1795521600"`
	tests := []struct {
		name    string
		advance time.Duration
		want    shape
	}{
		{"Queued", 0, shape{
			raw:   map[string]string{"state": `"Queued"`, "exportStatus": `{"exportedCollections":0,"totalCollections":0}`, "prefix": prefix, "customData": `[]`},
			lacks: []string{"links", "finishedAt", "stateReason", "components"},
		}},
		{"InProgress", 6 * time.Second, shape{
			raw:   map[string]string{"state": `"InProgress"`, "exportStatus": `{"exportedCollections":21,"totalCollections":42}`, "prefix": prefix},
			lacks: []string{"links", "finishedAt"},
		}},
		{"Successful", 10 * time.Second, shape{
			raw:   map[string]string{"state": `"Successful"`, "exportStatus": `{"exportedCollections":42,"totalCollections":42}`, "finishedAt": `"2026-11-24T12:00:10Z"`, "prefix": prefix},
			lacks: []string{"links", "stateReason"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t)
			created := e.post(demo+"/exports", `{"snapshotId":"`+snap+`","exportBucketId":"`+sandbox.DemoBucketID+`"}`)
			wantStatus(t, created, 200, "")
			if tt.advance == 0 {
				wantShape(t, created.raw, tt.want) // the create's answer too
			}
			e.clock.Advance(tt.advance)
			wantShape(t, e.get(demo+"/exports/"+created.str("id")).raw, tt.want)
			wantShape(t, rawResults(t, e.get(demo+"/exports"))[0], tt.want)
		})
	}
}

func TestSnapshotShapes(t *testing.T) {
	demoSnaps := sandbox.SeedSnapshotIDs(sandbox.DemoCluster)
	selfAndCluster := func(cluster string) func(t *testing.T, r response) {
		return func(t *testing.T, r response) {
			if got := rels(r); !slices.Equal(got, []string{"self", relCluster}) ||
				!strings.HasSuffix(hrefOf(r, "self"), "/clusters/"+cluster+"/backup/snapshots/"+r.str("id")) ||
				!strings.HasSuffix(hrefOf(r, relCluster), clusters+"/"+cluster) {
				t.Errorf("links %v, want self and cluster", r.body["links"])
			}
		}
	}
	tests := []struct {
		name, cluster, id string
		want              shape
	}{
		{"seeded, on demand", "demo", demoSnaps[0], shape{
			raw: map[string]string{"status": `"completed"`, "snapshotType": `"onDemand"`, "frequencyType": `"ondemand"`, "policyItems": `[]`,
				"replicaSetName": `"demo"`, "type": `"replicaSet"`, "createdAt": `"2026-11-24T10:00:00Z"`, "cloudProvider": `"AWS"`, "mongodVersion": `"8.0.4"`},
			check: selfAndCluster("demo"),
		}},
		{"seeded, scheduled", "demo", demoSnaps[1], shape{
			raw:   map[string]string{"status": `"completed"`, "snapshotType": `"scheduled"`, "frequencyType": `"daily"`, "policyItems": `["65f0d0d0d0e0f00000000001"]`, "replicaSetName": `"demo"`},
			lacks: []string{"description"},
		}},
		// Still being taken: no createdAt (so latest skips it) and no size yet.
		{"seeded, in progress", "demo", sandbox.DemoInProgressSnapshotID, shape{
			raw:   map[string]string{"status": `"inProgress"`, "storageSizeBytes": "0", "frequencyType": `"hourly"`, "replicaSetName": `"demo"`},
			has:   []string{"expiresAt", "cloudProvider", "mongodVersion"},
			lacks: []string{"createdAt"},
			check: selfAndCluster("demo"),
		}},
		{"sharded cluster", sandbox.DemoShardedCluster, sandbox.SeedSnapshotIDs(sandbox.DemoShardedCluster)[1], shape{
			raw:   map[string]string{"type": `"shardedCluster"`, "status": `"completed"`},
			lacks: []string{"replicaSetName"},
			check: selfAndCluster(sandbox.DemoShardedCluster),
		}},
		{"another cluster's", "analytics", sandbox.SeedSnapshotIDs("analytics")[0], shape{
			raw: map[string]string{"replicaSetName": `"analytics"`, "frequencyType": `"ondemand"`},
		}},
	}
	e := start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(clusters + "/" + tt.cluster + "/backup/snapshots/" + tt.id)
			wantStatus(t, r, 200, "")
			wantShape(t, r.raw, tt.want)
		})
	}

	// The list is newest first: the snapshot in progress leads, and the
	// closest snapshot before a time is a completed one.
	list := e.get(demo + "/snapshots")
	if first := list.results()[0].(map[string]any); first["id"] != sandbox.DemoInProgressSnapshotID {
		t.Errorf("first snapshot %v, want the one in progress", first["id"])
	}
	at := e.get(demo + "/snapshots?pointInTimeUtcSeconds=" + itoa(e.clock.Now().Unix()))
	if got := at.results(); len(got) != 1 || got[0].(map[string]any)["id"] != demoSnaps[0] {
		t.Errorf("closest snapshot before now: %s", at.raw)
	}
	// Neither exported nor restored while it is being taken.
	inProgress := `{"snapshotId":"` + sandbox.DemoInProgressSnapshotID + `","exportBucketId":"` + sandbox.DemoBucketID + `"}`
	wantStatus(t, e.post(demo+"/exports", inProgress), 400, "SNAPSHOT_NOT_COMPLETED")
	wantStatus(t, e.post(demo+"/restoreJobs", restoreBody("download", sandbox.DemoInProgressSnapshotID, "")), 400, "SNAPSHOT_NOT_COMPLETED")
}

// An on-demand snapshot is not born complete: queued, then inProgress
// (gaining mongodVersion, then cloudProvider), then completed, with its
// createdAt and size, and an expiresAt counted from its completion.
func TestOnDemandSnapshotLifecycle(t *testing.T) {
	e := start(t) // jobs take 10s
	taken := e.post(demo+"/snapshots", `{"description":"before the migration","retentionInDays":2}`)
	wantStatus(t, taken, 200, "")
	id := taken.str("id")
	stages := []struct {
		at   time.Duration
		want shape
	}{
		{0, shape{
			raw: map[string]string{"status": `"queued"`, "snapshotType": `"onDemand"`, "frequencyType": `"ondemand"`, "policyItems": `[]`,
				"replicaSetName": `"demo"`, "description": `"before the migration"`, "storageSizeBytes": "0", "expiresAt": `"2026-11-26T12:00:00Z"`},
			lacks: []string{"createdAt", "cloudProvider", "mongodVersion"},
		}},
		{2 * time.Second, shape{raw: map[string]string{"status": `"inProgress"`}, lacks: []string{"createdAt", "cloudProvider", "mongodVersion"}}},
		{4 * time.Second, shape{raw: map[string]string{"status": `"inProgress"`, "mongodVersion": `"8.0.4"`}, lacks: []string{"createdAt", "cloudProvider"}}},
		{6 * time.Second, shape{raw: map[string]string{"status": `"inProgress"`, "cloudProvider": `"AWS"`}, lacks: []string{"createdAt"}}},
		{10 * time.Second, shape{
			raw: map[string]string{"status": `"completed"`, "createdAt": `"2026-11-24T12:00:05Z"`, "expiresAt": `"2026-11-26T12:00:10Z"`,
				"cloudProvider": `"AWS"`, "mongodVersion": `"8.0.4"`},
			check: func(t *testing.T, r response) {
				if r.body["storageSizeBytes"] == float64(0) {
					t.Errorf("a completed snapshot of no size: %s", r.raw)
				}
			},
		}},
	}
	wantShape(t, taken.raw, stages[0].want)
	t0 := e.clock.Now()
	for _, st := range stages {
		e.clock.Advance(t0.Add(st.at).Sub(e.clock.Now()))
		r := e.get(demo + "/snapshots/" + id)
		wantStatus(t, r, 200, "")
		wantShape(t, r.raw, st.want)
		if st.at == 4*time.Second {
			// One on-demand snapshot at a time.
			wantStatus(t, e.post(demo+"/snapshots", `{}`), 400, "ON_DEMAND_SNAPSHOT_IN_PROGRESS")
		}
	}
	wantStatus(t, e.post(demo+"/snapshots", `{}`), 200, "") // the first has completed
	wantStatus(t, e.post(demo+"/snapshots", `{"retentionInDays":0}`), 400, "VALIDATION_ERROR")
	wantStatus(t, e.post(clusters+"/legacy/backup/snapshots", `{}`), 400, "BACKUP_NOT_ENABLED")
}

func TestBucketShapes(t *testing.T) {
	const v2024 = "application/vnd.atlas.2024-05-30+json"
	tests := []struct {
		name, id string
		list     shape // the bucket as a list shows it
		get      shape // as a get shows it
	}{
		{"AWS", sandbox.DemoBucketID,
			shape{raw: map[string]string{"bucketName": `"demo-export-bucket"`, "cloudProvider": `"AWS"`, "iamRoleId": `"65f0c0c0d0e0f00000000001"`, "requirePrivateNetworking": "false"},
				lacks: []string{"region", "links"}},
			shape{raw: map[string]string{"region": `"us-east-1"`}, lacks: []string{"links"}}},
		{"GCP", sandbox.DemoGCPBucketID,
			shape{raw: map[string]string{"cloudProvider": `"GCP"`, "roleId": `"65f0c0c0d0e0f00000000002"`}, lacks: []string{"region", "links", "iamRoleId"}},
			shape{lacks: []string{"region", "links"}}},
		// Names are not unique: two buckets share one, in two regions.
		{"shared name, us-east-1", sandbox.DemoSharedBucketID,
			shape{raw: map[string]string{"bucketName": `"demo-shared-bucket"`}, lacks: []string{"region", "links"}},
			shape{raw: map[string]string{"region": `"us-east-1"`}, lacks: []string{"links"}}},
		{"shared name, eu-west-1", sandbox.DemoSharedBucketID2,
			shape{raw: map[string]string{"bucketName": `"demo-shared-bucket"`}, lacks: []string{"region", "links"}},
			shape{raw: map[string]string{"region": `"eu-west-1"`}, lacks: []string{"links"}}},
	}
	e := start(t)
	list := e.send(req{path: buckets, accept: v2024})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var item []byte
			for _, b := range rawResults(t, list) {
				if strings.Contains(string(b), `"_id":"`+tt.id+`"`) {
					item = b
				}
			}
			if item == nil {
				t.Fatalf("%s not listed: %s", tt.id, list.raw)
			}
			wantShape(t, item, tt.list)
			r := e.send(req{path: buckets + "/" + tt.id, accept: v2024})
			wantStatus(t, r, 200, "")
			wantShape(t, r.raw, tt.get)
		})
	}
}

// startUnchecked is start without the contract check, for the answers the
// spec subset leaves out: version 2023-02-01 of the cluster reads.
func startUnchecked(t *testing.T) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	sb := sandbox.New(sandbox.WithClock(clock.Now), sandbox.WithJobDuration(10*time.Second))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	creds := sb.Credentials()
	return &env{t: t, sb: sb, srv: srv, clock: clock, digest: &http.Client{
		Transport: &api.DigestTransport{Username: creds.PublicKey, Password: creds.PrivateKey, Base: http.DefaultTransport},
	}}
}

const vClustersLegacy = "application/vnd.atlas.2023-02-01+json"

func TestClusterShapes(t *testing.T) {
	staging := groups + sandbox.DemoStagingID + "/clusters/"
	tests := []struct {
		name, path                       string
		fields, legacyFields             int // top-level fields in 2024-08-05, and in 2023-02-01
		state                            string
		paused, backup                   bool
		provider, region, size           string
		shards                           int
		connected                        bool // has connection strings
		standardHas                      string
		clusterType, configServer, major string
	}{
		{"replica set", clusters + "/demo", 32, 25, "IDLE", false, true, "AWS", "US_EAST_1", "M30", 1, true, "replicaSet=atlas-", "REPLICASET", "", "8.0"},
		{"sharded", clusters + "/" + sandbox.DemoShardedCluster, 34, 27, "IDLE", false, true, "AWS", "US_EAST_1", "M30", 2, true, "-config-00-00.", "SHARDED", "DEDICATED", "8.0"},
		{"updating", clusters + "/" + sandbox.DemoUpdatingCluster, 32, 25, "UPDATING", false, true, "AWS", "EU_WEST_1", "M20", 1, true, "replicaSet=atlas-", "REPLICASET", "", "8.0"},
		{"backup off", clusters + "/" + sandbox.DemoNoBackupCluster, 32, 25, "IDLE", false, false, "GCP", "CENTRAL_US", "M10", 1, true, "replicaSet=atlas-", "REPLICASET", "", "7.0"},
		{"creating", staging + sandbox.DemoCreatingCluster, 32, 25, "CREATING", false, true, "AWS", "US_EAST_1", "M30", 1, false, "", "REPLICASET", "", "8.0"},
		{"paused", staging + sandbox.DemoPausedCluster, 32, 25, "IDLE", true, true, "AWS", "US_WEST_2", "M40", 1, true, "replicaSet=atlas-", "REPLICASET", "", "8.0"},
		// A cluster being deleted no longer backs up.
		{"deleting", staging + sandbox.DemoDeletingCluster, 32, 25, "DELETING", false, false, "AWS", "US_EAST_1", "M10", 1, true, "replicaSet=atlas-", "REPLICASET", "", "8.0"},
	}
	// Point in time is off for analytics (UPDATING) and for the clusters
	// with backup off.
	pitOff := map[string]bool{"updating": true, "backup off": true, "deleting": true}
	checked, unchecked := start(t), startUnchecked(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := checked.getCluster(tt.path)
			wantStatus(t, r, 200, "")
			if len(r.body) != tt.fields {
				t.Errorf("%d fields, want %d: %s", len(r.body), tt.fields, r.raw)
			}
			if r.header.Get("RateLimit-Limit") != "10000" {
				t.Errorf("RateLimit-Limit %q, want the cluster reads' 10000", r.header.Get("RateLimit-Limit"))
			}
			wantShape(t, r.raw, shape{
				has: []string{"pitEnabled", "connectionStrings", "terminationProtectionEnabled", "labels", "tags", "retainBackups",
					"featureCompatibilityVersion", "effectiveReplicationSpecs", "advancedConfiguration", "biConnector"},
				raw: map[string]string{"stateName": `"` + tt.state + `"`, "paused": boolJSON(tt.paused), "backupEnabled": boolJSON(tt.backup),
					"pitEnabled": boolJSON(!pitOff[tt.name]), "clusterType": `"` + tt.clusterType + `"`, "featureCompatibilityVersion": `"` + tt.major + `"`,
					"labels": `[]`, "tags": `[]`, "adaptiveCapacity": "null"},
				check: func(t *testing.T, r response) {
					if got, _ := r.body["configServerType"].(string); got != tt.configServer {
						t.Errorf("configServerType %q, want %q", got, tt.configServer)
					}
					specs, _ := r.body["replicationSpecs"].([]any)
					eff, _ := r.body["effectiveReplicationSpecs"].([]any)
					if len(specs) != tt.shards || len(eff) != tt.shards {
						t.Fatalf("%d replicationSpecs, %d effective, want %d", len(specs), len(eff), tt.shards)
					}
					rc := specs[0].(map[string]any)["regionConfigs"].([]any)[0].(map[string]any)
					el := rc["electableSpecs"].(map[string]any)
					if rc["providerName"] != tt.provider || rc["regionName"] != tt.region || el["instanceSize"] != tt.size ||
						el["nodeCount"] != float64(3) || el["diskSizeGB"] == nil || rc["effectiveElectableSpecs"] == nil {
						t.Errorf("regionConfigs[0] %v", rc)
					}
					cs, _ := r.body["connectionStrings"].(map[string]any)
					std, _ := cs["standard"].(string)
					if (len(cs) > 0) != tt.connected || tt.connected && (!strings.Contains(std, tt.standardHas) || !strings.HasPrefix(cs["standardSrv"].(string), "mongodb+srv://")) {
						t.Errorf("connectionStrings %v", cs)
					}
				},
			})

			// Version 2023-02-01, as Atlas still answers it: the spec subset
			// leaves it out, so it is checked here without the contract.
			old := unchecked.send(req{path: tt.path, accept: vClustersLegacy})
			wantStatus(t, old, 200, "")
			if ct := old.header.Get("Content-Type"); ct != vClustersLegacy+";charset=utf-8" || len(old.body) != tt.legacyFields ||
				old.header.Get("Deprecation") != "Mon, 5 Aug 2024 00:00:00 GMT" || old.header.Get("Sunset") != "Thu, 1 Jul 2027 00:00:00 GMT" {
				t.Errorf("2023-02-01: %s, %d fields (want %d), headers %v", ct, len(old.body), tt.legacyFields, old.header)
			}
			wantShape(t, old.raw, shape{
				has:   []string{"diskSizeGB", "pitEnabled", "connectionStrings"},
				lacks: []string{"effectiveReplicationSpecs", "featureCompatibilityVersion", "retainBackups", "adaptiveCapacity"},
				raw:   map[string]string{"stateName": `"` + tt.state + `"`, "id": `"` + r.str("id") + `"`},
				check: func(t *testing.T, o response) {
					specs, _ := o.body["replicationSpecs"].([]any)
					if len(specs) != 1 {
						t.Fatalf("2023-02-01 replicationSpecs %v: want one, for all the shards", specs)
					}
					s := specs[0].(map[string]any)
					rc := s["regionConfigs"].([]any)[0].(map[string]any)
					if s["numShards"] != float64(tt.shards) || rc["electableSpecs"].(map[string]any)["diskSizeGB"] != nil || rc["effectiveElectableSpecs"] != nil {
						t.Errorf("2023-02-01 replicationSpecs[0] %v", s)
					}
				},
			})
		})
	}

	// The list answers in either version, with the same clusters.
	for _, accept := range []string{vClusters, vClustersLegacy} {
		r := unchecked.send(req{path: staging[:len(staging)-1], accept: accept})
		if got := names(r); !slices.Equal(got, []string{sandbox.DemoCreatingCluster, sandbox.DemoDeletingCluster, "staging", sandbox.DemoPausedCluster}) {
			t.Errorf("%s: staging project lists %v", accept, got)
		}
	}
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestErrorShapes(t *testing.T) {
	e := start(t)
	created := e.post(demo+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs("demo")[0], ""))
	tests := []struct {
		name   string
		r      req
		status int
		raw    string // the whole body, in Atlas's key order
	}{
		{"cluster not found", req{path: clusters + "/gone", accept: vClusters}, 404,
			`{"detail":"No cluster named gone exists in group ` + sandbox.DemoProjectID + `.","error":404,"errorCode":"CLUSTER_NOT_FOUND","parameters":["gone","` + sandbox.DemoProjectID + `"],"reason":"Not Found"}`},
		{"not a Flex cluster", req{path: groups + sandbox.DemoProjectID + "/flexClusters/demo/backup/snapshots", accept: vFlex}, 400,
			`{"detail":"Cannot use non-flex cluster demo in the flex API.","error":400,"errorCode":"CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API","parameters":["demo"],"reason":"Bad Request"}`},
		{"unknown snapshot", req{path: demo + "/snapshots/0123456789abcdef01234567"}, 404,
			`{"detail":"Cannot find resource snapshot 0123456789abcdef01234567.","error":404,"errorCode":"RESOURCE_NOT_FOUND","parameters":["0123456789abcdef01234567"],"reason":"Not Found"}`},
		{"unsupported version", req{path: demo + "/snapshots", accept: "application/vnd.atlas.2022-01-01+json"}, 406,
			`{"detail":"Invalid accept header or version date.","error":406,"errorCode":"INVALID_VERSION_DATE","parameters":[],"reason":"Not Acceptable"}`},
		{"invalid body", req{method: "POST", path: demo + "/exports", body: `{"exportBucketId":"x"}`}, 400,
			`{"badRequestDetail":{"fields":[{"description":"is required","field":"snapshotId"},{"description":"\"x\" must match ^([a-f0-9]{24})$","field":"exportBucketId"}]},` +
				`"detail":"Invalid request: snapshotId: is required; exportBucketId: \"x\" must match ^([a-f0-9]{24})$.","error":400,"errorCode":"VALIDATION_ERROR","parameters":["snapshotId","exportBucketId"],"reason":"Bad Request"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send(tt.r)
			wantStatus(t, r, tt.status, "")
			if got := strings.TrimSpace(string(r.raw)); got != tt.raw {
				t.Errorf("body\n got %s\nwant %s", got, tt.raw)
			}
			// Atlas sends its rate-limit headers with errors too, and the code
			// in X-Error-Code.
			if r.header.Get("RateLimit-Limit") == "" || r.header.Get("Content-Type") != "application/json" ||
				r.header.Get("X-Error-Code") != r.str("errorCode") {
				t.Errorf("headers %v", r.header)
			}
		})
	}

	// Headers: RateLimit-Limit 1200 (the cluster reads: 10000, see
	// TestClusterShapes); a cancel answers 204 with no body.
	for _, r := range []response{e.get(demo + "/snapshots"), e.get(demo + "/snapshots/0123456789abcdef01234567")} {
		if r.header.Get("RateLimit-Limit") != "1200" || r.header.Get("RateLimit-Remaining") != "1199" {
			t.Errorf("%d: RateLimit-Limit %q, Remaining %q; want 1200, 1199", r.status, r.header.Get("RateLimit-Limit"), r.header.Get("RateLimit-Remaining"))
		}
	}
	r := e.send(req{method: "DELETE", path: demo + "/restoreJobs/" + created.str("id")})
	if r.status != http.StatusNoContent || len(r.raw) != 0 || r.header.Get("RateLimit-Limit") != "1200" {
		t.Errorf("cancel: %d, %d bytes, headers %v", r.status, len(r.raw), r.header)
	}

	// The key-order check itself finds a key out of order, and lets the
	// two objects Atlas orders otherwise be.
	for body, ok := range map[string]bool{
		`{"a":1,"b":{"c":[{"d":1,"e":2}]}}`: true,
		`{"b":1,"a":2}`:                     false,
		`{"a":[{"y":1,"x":2}]}`:             false,
		`{"desiredTimestamp":{"increment":null,"time":null,"date":null}}`:         true,
		`{"electableSpecs":{"instanceSize":"M10","diskIOPS":3000,"nodeCount":3}}`: true,
	} {
		if err := keysInOrder([]byte(body)); (err == nil) != ok {
			t.Errorf("keysInOrder(%s) = %v", body, err)
		}
	}
}
