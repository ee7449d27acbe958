package sandbox_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

const buckets = groups + sandbox.DemoProjectID + "/backup/exportBuckets"

func TestVersionNegotiation(t *testing.T) {
	e := start(t)
	tests := []struct {
		name, path, accept string
		status             int
		served             string // Content-Type version
	}{
		{"exact version", demo + "/snapshots", v1, 200, "2023-01-01"},
		{"newer date serves the newest older version", demo + "/snapshots", "application/vnd.atlas.2025-03-12+json", 200, "2023-01-01"},
		{"among other media ranges", demo + "/snapshots", "text/html, application/vnd.atlas.2024-01-01+json;q=0.9", 200, "2023-01-01"},
		{"too early", demo + "/snapshots", "application/vnd.atlas.2022-12-31+json", 406, ""},
		{"no Accept", demo + "/snapshots", "none", 406, ""},
		{"plain JSON", demo + "/snapshots", "application/json", 406, ""},
		{"not a date", demo + "/snapshots", "application/vnd.atlas.2023-02-30+json", 406, ""},
		{"in the future", demo + "/snapshots", "application/vnd.atlas.2099-01-01+json", 406, ""},
		{"buckets 2024-05-30", buckets, "application/vnd.atlas.2024-05-30+json", 200, "2024-05-30"},
		{"buckets between versions", buckets, "application/vnd.atlas.2024-01-01+json", 200, "2023-01-01"},
		{"buckets after both", buckets, "application/vnd.atlas.2025-03-12+json", 200, "2024-05-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send(req{path: tt.path, accept: tt.accept})
			if tt.status == 406 {
				wantStatus(t, r, 406, "INVALID_VERSION_DATE")
				if r.str("detail") != "Invalid accept header or version date." || r.str("reason") != "Not Acceptable" {
					t.Errorf("406 body %s", r.raw)
				}
				return
			}
			wantStatus(t, r, tt.status, "")
			want := "application/vnd.atlas." + tt.served + "+json;charset=utf-8"
			if ct := r.header.Get("Content-Type"); ct != want {
				t.Errorf("Content-Type %q, want %q", ct, want)
			}
		})
	}
}

func TestBucketVersionsDiffer(t *testing.T) {
	e := start(t)
	old := e.send(req{path: buckets, accept: "application/vnd.atlas.2023-01-01+json"})
	cur := e.send(req{path: buckets, accept: "application/vnd.atlas.2024-05-30+json"})
	if n := len(old.results()); n != 3 {
		t.Errorf("2023-01-01 lists %d buckets, want the three AWS ones only", n)
	}
	if n := len(cur.results()); n != 4 {
		t.Errorf("2024-05-30 lists %d buckets, want AWS and GCP", n)
	}
	// Atlas's headers for a deprecated version, as it writes them.
	if old.header.Get("Sunset") != "Thu, 1 Jul 2027 00:00:00 GMT" || old.header.Get("Deprecation") != "Thu, 30 May 2024 00:00:00 GMT" ||
		cur.header.Get("Sunset") != "" || cur.header.Get("Deprecation") != "" {
		t.Errorf("2023-01-01 Sunset %q Deprecation %q, 2024-05-30 Sunset %q Deprecation %q; want only the old version to carry them",
			old.header.Get("Sunset"), old.header.Get("Deprecation"), cur.header.Get("Sunset"), cur.header.Get("Deprecation"))
	}
	gcp := buckets + "/" + sandbox.DemoGCPBucketID
	wantStatus(t, e.send(req{path: gcp, accept: "application/vnd.atlas.2023-01-01+json"}), 404, "RESOURCE_NOT_FOUND")
	r := e.send(req{path: gcp, accept: "application/vnd.atlas.2024-05-30+json"})
	wantStatus(t, r, 200, "")
	if r.str("cloudProvider") != "GCP" || r.str("roleId") == "" || r.str("bucketName") != sandbox.DemoGCPBucketName {
		t.Errorf("GCP bucket %s", r.raw)
	}
	r = e.get(buckets + "/" + sandbox.DemoBucketID)
	if r.str("_id") != sandbox.DemoBucketID || r.str("iamRoleId") == "" || r.str("bucketName") != sandbox.DemoBucketName {
		t.Errorf("AWS bucket %s", r.raw)
	}
}

func TestRequestValidation(t *testing.T) {
	e := start(t)
	snap := sandbox.SeedSnapshotIDs("demo")[0]
	tests := []struct {
		name   string
		r      req
		status int
		code   string
		detail string // a part of the detail
	}{
		{"bad group ID", req{path: groups + "xyz/clusters/demo/backup/snapshots"}, 400, "VALIDATION_ERROR", `groupId: "xyz" must be a 24-character hexadecimal ID`},
		{"bad cluster name", req{path: groups + sandbox.DemoProjectID + "/clusters/my_db/backup/snapshots"}, 400, "VALIDATION_ERROR", `clusterName: "my_db" must match`},
		{"bad snapshot ID", req{path: demo + "/snapshots/123"}, 400, "VALIDATION_ERROR", "snapshotId"},
		{"bad export ID", req{path: demo + "/exports/ZZZ"}, 400, "VALIDATION_ERROR", "exportId"},
		{"itemsPerPage 0", req{path: demo + "/snapshots?itemsPerPage=0"}, 400, "VALIDATION_ERROR", "itemsPerPage: \"0\" must be a whole number from 1 to 500"},
		{"itemsPerPage 501", req{path: demo + "/snapshots?itemsPerPage=501"}, 400, "VALIDATION_ERROR", "from 1 to 500"},
		{"itemsPerPage text", req{path: demo + "/exports?itemsPerPage=ten"}, 400, "VALIDATION_ERROR", "itemsPerPage"},
		{"pageNum 0", req{path: demo + "/restoreJobs?pageNum=0"}, 400, "VALIDATION_ERROR", "pageNum"},
		{"envelope not boolean", req{path: demo + "/snapshots?envelope=maybe"}, 400, "VALIDATION_ERROR", "envelope: \"maybe\" must be true or false"},
		{"includeCount not boolean", req{path: buckets + "?includeCount=1"}, 400, "VALIDATION_ERROR", "includeCount"},
		{"point in time with oplog", req{path: demo + "/snapshots?pointInTimeUtcSeconds=1700000000&oplogTs=1700000000&oplogInc=1"}, 400, "VALIDATION_ERROR", "cannot be combined"},
		{"oplogTs alone", req{path: demo + "/snapshots?oplogTs=1700000000"}, 400, "VALIDATION_ERROR", "together"},
		{"unknown project", req{path: groups + "0123456789abcdef01234567/clusters/demo/backup/snapshots"}, 404, "RESOURCE_NOT_FOUND", "group 0123456789abcdef01234567"},
		{"unknown cluster", req{path: groups + sandbox.DemoProjectID + "/clusters/nope/backup/snapshots"}, 404, "RESOURCE_NOT_FOUND", "cluster nope"},
		{"unknown snapshot", req{path: demo + "/snapshots/0123456789abcdef01234567"}, 404, "RESOURCE_NOT_FOUND", "snapshot"},
		{"unknown export job", req{path: demo + "/exports/0123456789abcdef01234567"}, 404, "RESOURCE_NOT_FOUND", "export job"},
		{"unknown restore job", req{path: demo + "/restoreJobs/0123456789abcdef01234567"}, 404, "RESOURCE_NOT_FOUND", "restore job"},
		{"unknown bucket", req{path: buckets + "/0123456789abcdef01234567"}, 404, "RESOURCE_NOT_FOUND", "export bucket"},
		{"unknown path", req{path: "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/clusters/demo/backup/policies"}, 404, "RESOURCE_NOT_FOUND", "Cannot find resource"},
		{"wrong method", req{method: "PUT", path: demo + "/exports"}, 405, "METHOD_NOT_ALLOWED", "PUT is not allowed"},

		// Export create.
		{"export: no body", req{method: "POST", path: demo + "/exports", header: map[string]string{"Content-Type": v1}}, 400, "VALIDATION_ERROR", "body is required"},
		{"export: not JSON", req{method: "POST", path: demo + "/exports", body: "{"}, 400, "VALIDATION_ERROR", "JSON object"},
		{"export: text body", req{method: "POST", path: demo + "/exports", body: "{}", header: map[string]string{"Content-Type": "text/plain"}}, 415, "UNSUPPORTED_MEDIA_TYPE", "text/plain"},
		{"export: missing snapshotId", req{method: "POST", path: demo + "/exports", body: `{"exportBucketId":"` + sandbox.DemoBucketID + `"}`}, 400, "VALIDATION_ERROR", "snapshotId: is required"},
		{"export: bad bucket ID", req{method: "POST", path: demo + "/exports", body: `{"snapshotId":"` + snap + `","exportBucketId":"bucket"}`}, 400, "VALIDATION_ERROR", `exportBucketId: "bucket" must match`},
		{"export: snapshotId a number", req{method: "POST", path: demo + "/exports", body: `{"snapshotId":5,"exportBucketId":"` + sandbox.DemoBucketID + `"}`}, 400, "VALIDATION_ERROR", "snapshotId: must be a string"},
		{"export: customData an object", req{method: "POST", path: demo + "/exports", body: `{"snapshotId":"` + snap + `","exportBucketId":"` + sandbox.DemoBucketID + `","customData":{"a":"b"}}`}, 400, "VALIDATION_ERROR", "customData: must be an array"},
		{"export: customData empty key", req{method: "POST", path: demo + "/exports", body: `{"snapshotId":"` + snap + `","exportBucketId":"` + sandbox.DemoBucketID + `","customData":[{"key":"","value":"x"}]}`}, 400, "VALIDATION_ERROR", "customData[0].key: must be a non-empty string"},
		{"export: unknown attribute", req{method: "POST", path: demo + "/exports", body: `{"snapshotId":"` + snap + `","exportBucketId":"` + sandbox.DemoBucketID + `","colour":"red"}`}, 400, "VALIDATION_ERROR", "colour: is not an attribute"},
		{"export: unknown snapshot", req{method: "POST", path: demo + "/exports", body: `{"snapshotId":"0123456789abcdef01234567","exportBucketId":"` + sandbox.DemoBucketID + `"}`}, 404, "RESOURCE_NOT_FOUND", "snapshot"},
		{"export: unknown bucket", req{method: "POST", path: demo + "/exports", body: `{"snapshotId":"` + snap + `","exportBucketId":"0123456789abcdef01234567"}`}, 404, "RESOURCE_NOT_FOUND", "export bucket"},

		// Restore create.
		{"restore: no deliveryType", req{method: "POST", path: demo + "/restoreJobs", body: `{"snapshotId":"` + snap + `"}`}, 400, "VALIDATION_ERROR", "deliveryType: is required"},
		{"restore: bad deliveryType", req{method: "POST", path: demo + "/restoreJobs", body: `{"deliveryType":"copy"}`}, 400, "VALIDATION_ERROR", `deliveryType: "copy" must be one of automated, download, pointInTime`},
		{"automated: no target", req{method: "POST", path: demo + "/restoreJobs", body: `{"deliveryType":"automated","snapshotId":"` + snap + `"}`}, 400, "VALIDATION_ERROR", "targetClusterName: is required for deliveryType automated; targetGroupId: is required"},
		{"automated: no snapshot", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("automated", "", `"targetClusterName":"demo","targetGroupId":"`+sandbox.DemoProjectID+`"`)}, 400, "VALIDATION_ERROR", "snapshotId: is required for deliveryType automated"},
		{"automated: with point in time", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("automated", snap, `"targetClusterName":"demo","targetGroupId":"`+sandbox.DemoProjectID+`","pointInTimeUTCSeconds":1700000000`)}, 400, "VALIDATION_ERROR", "pointInTimeUTCSeconds: is only for deliveryType pointInTime"},
		{"download: with target", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("download", snap, `"targetClusterName":"demo"`)}, 400, "VALIDATION_ERROR", "targetClusterName: is not allowed for deliveryType download"},
		{"download: no snapshot", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("download", "", "")}, 400, "VALIDATION_ERROR", "snapshotId: is required for deliveryType download"},
		{"pointInTime: with snapshot", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", snap, pitTarget+`,"pointInTimeUTCSeconds":1700000000`)}, 400, "VALIDATION_ERROR", "snapshotId: is not allowed for deliveryType pointInTime"},
		{"pointInTime: both forms", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":1700000000,"oplogTs":1700000000,"oplogInc":1`)}, 400, "VALIDATION_ERROR", "not both"},
		{"pointInTime: neither form", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget)}, 400, "VALIDATION_ERROR", "need pointInTimeUTCSeconds, or oplogTs with oplogInc"},
		{"pointInTime: oplogTs alone", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"oplogTs":1700000000`)}, 400, "VALIDATION_ERROR", "oplogTs and oplogInc must be given together"},
		{"pointInTime: before 2008", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":1199145599`)}, 400, "VALIDATION_ERROR", "1199145599 must be at least 1199145600"},
		{"pointInTime: in the future", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":2000000000`)}, 400, "VALIDATION_ERROR", "2000000000 is in the future"},
		{"pointInTime: not int32", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":3000000000`)}, 400, "VALIDATION_ERROR", "must be a 32-bit whole number"},
		{"pointInTime: fraction", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":1700000000.5`)}, 400, "VALIDATION_ERROR", "must be a 32-bit whole number"},
		{"pointInTime: oplogInc 0", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"oplogTs":1700000000,"oplogInc":0`)}, 400, "VALIDATION_ERROR", "0 must be at least 1"},
		{"pointInTime: before the restore window", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("pointInTime", "", pitTarget+`,"pointInTimeUTCSeconds":1500000000`)}, 400, "INVALID_POINT_IN_TIME", "is outside the restore window of cluster demo: its last 7 days"},
		{"automated: unknown target project", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("automated", snap, `"targetClusterName":"demo","targetGroupId":"0123456789abcdef01234567"`)}, 404, "RESOURCE_NOT_FOUND", "group"},
		{"automated: unknown target cluster", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("automated", snap, `"targetClusterName":"gone","targetGroupId":"`+sandbox.DemoProjectID+`"`)}, 404, "RESOURCE_NOT_FOUND", "cluster gone"},
		{"restore: bad target cluster name", req{method: "POST", path: demo + "/restoreJobs", body: restoreBody("automated", snap, `"targetClusterName":"-x","targetGroupId":"`+sandbox.DemoProjectID+`"`)}, 400, "VALIDATION_ERROR", `targetClusterName: "-x" must match`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send(tt.r)
			wantStatus(t, r, tt.status, tt.code)
			if !strings.Contains(r.str("detail"), tt.detail) {
				t.Errorf("detail %q lacks %q", r.str("detail"), tt.detail)
			}
			if r.body["error"] != float64(tt.status) || r.str("reason") != http.StatusText(tt.status) {
				t.Errorf("error/reason do not match the status: %s", r.raw)
			}
			if tt.code == "VALIDATION_ERROR" && strings.HasPrefix(r.str("detail"), "Invalid request:") {
				fields, _ := r.body["badRequestDetail"].(map[string]any)["fields"].([]any)
				if len(fields) == 0 {
					t.Errorf("no badRequestDetail.fields in %s", r.raw)
				}
			}
		})
	}
	for _, q := range e.sb.Requests() {
		if q.Method == "POST" && q.Status == 200 {
			t.Errorf("a bad request created something: %s %s %s", q.Method, q.Path, q.Body)
		}
	}
}

const pitTarget = `"targetClusterName":"demo","targetGroupId":"` + sandbox.DemoProjectID + `"`

func restoreBody(deliveryType, snapshotID, rest string) string {
	var parts []string
	parts = append(parts, fmt.Sprintf(`"deliveryType":%q`, deliveryType))
	if snapshotID != "" {
		parts = append(parts, fmt.Sprintf(`"snapshotId":%q`, snapshotID))
	}
	if rest != "" {
		parts = append(parts, rest)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestReadOnlyAttributesIgnored(t *testing.T) {
	e := start(t)
	r := e.post(demo+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs("demo")[0], `"id":"0123456789abcdef01234567","failed":true`))
	wantStatus(t, r, 200, "")
	if r.str("id") == "0123456789abcdef01234567" || r.body["failed"] != false {
		t.Errorf("read-only input was taken: %s", r.raw)
	}
}

func TestEnvelope(t *testing.T) {
	e := start(t)
	job := e.post(demo+"/exports", exportBody())
	wantStatus(t, job, 200, "")

	r := e.get(demo + "/exports/" + job.str("id") + "?envelope=true")
	wantStatus(t, r, 200, "")
	content, _ := r.body["content"].(map[string]any)
	if r.body["status"] != float64(200) || content["id"] != job.str("id") {
		t.Errorf("enveloped job %s", r.raw)
	}

	r = e.get(demo + "/exports?envelope=true")
	if r.status != 200 || r.body["status"] != float64(200) || len(r.results()) != 1 {
		t.Errorf("enveloped list %s", r.raw)
	}

	r = e.get(demo + "/exports/0123456789abcdef01234567?envelope=true")
	content, _ = r.body["content"].(map[string]any)
	if r.status != 200 || r.body["status"] != float64(404) || content["errorCode"] != "RESOURCE_NOT_FOUND" {
		t.Errorf("enveloped 404 %s", r.raw)
	}

	restore := e.post(demo+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs("demo")[0], ""))
	r = e.send(req{method: "DELETE", path: demo + "/restoreJobs/" + restore.str("id") + "?envelope=true"})
	if r.status != 200 || r.body["status"] != float64(204) {
		t.Errorf("enveloped 204 %d %s", r.status, r.raw)
	}
}

func TestPretty(t *testing.T) {
	e := start(t)
	compact := e.get(demo + "/snapshots")
	pretty := e.get(demo + "/snapshots?pretty=true")
	if strings.Contains(string(compact.raw), "\n  ") {
		t.Errorf("compact body is indented")
	}
	if !strings.HasPrefix(string(pretty.raw), "{\n  \"links\"") {
		t.Errorf("pretty body is not indented: %.40s", pretty.raw)
	}
	if len(pretty.results()) != len(compact.results()) {
		t.Errorf("pretty changed the content")
	}
}

func TestPagination(t *testing.T) {
	e := start(t)
	// The demo cluster's snapshots: the one in progress, then the four completed.
	snaps := append([]string{sandbox.DemoInProgressSnapshotID}, sandbox.SeedSnapshotIDs("demo")...)
	if len(snaps) != 5 {
		t.Fatalf("seed has %d demo snapshots, want 5", len(snaps))
	}
	var seen []string
	for page := 1; page <= 3; page++ {
		r := e.get(fmt.Sprintf("%s/snapshots?itemsPerPage=3&pageNum=%d", demo, page))
		wantStatus(t, r, 200, "")
		if r.body["totalCount"] != float64(5) {
			t.Errorf("page %d totalCount %v, want 5", page, r.body["totalCount"])
		}
		rels := map[string]string{}
		for _, l := range r.body["links"].([]any) {
			m := l.(map[string]any)
			rels[m["rel"].(string)] = m["href"].(string)
		}
		if !strings.HasPrefix(rels["self"], e.srv.URL+demo+"/snapshots?") || !strings.Contains(rels["self"], fmt.Sprintf("pageNum=%d", page)) {
			t.Errorf("page %d self link %q", page, rels["self"])
		}
		if _, ok := rels["next"]; ok != (page == 1) {
			t.Errorf("page %d next link present = %v", page, ok)
		}
		if _, ok := rels["previous"]; ok != (page > 1) {
			t.Errorf("page %d previous link present = %v", page, ok)
		}
		for _, s := range r.results() {
			seen = append(seen, s.(map[string]any)["id"].(string))
		}
	}
	if strings.Join(seen, ",") != strings.Join(snaps, ",") {
		t.Errorf("pages gave %v, want %v (newest first)", seen, snaps)
	}
	r := e.get(demo + "/snapshots?includeCount=false")
	if _, ok := r.body["totalCount"]; ok {
		t.Errorf("includeCount=false still has totalCount")
	}
	r = e.get(demo + "/exports")
	if string(r.raw) == "" || r.results() == nil || len(r.results()) != 0 {
		t.Errorf("an empty list must have results []: %s", r.raw)
	}
}

func TestSnapshotsAtPointInTime(t *testing.T) {
	e := start(t)
	// The demo snapshots are 2h, 26h, 50h and 7 days old at 2026-11-24T12:00Z.
	at := fmt.Sprint(e.clock.Now().Add(-30 * 60 * 60 * 1e9).Unix()) // 30h ago
	r := e.get(demo + "/snapshots?pointInTimeUtcSeconds=" + at)
	if ids := r.results(); len(ids) != 1 || ids[0].(map[string]any)["id"] != sandbox.SeedSnapshotIDs("demo")[2] {
		t.Errorf("closest snapshot before 30h ago: %s", r.raw)
	}
	r = e.get(demo + "/snapshots?pointInTimeUtcSeconds=1500000000")
	if len(r.results()) != 0 {
		t.Errorf("no snapshot is that old, got %s", r.raw)
	}
}

func TestGetOne(t *testing.T) {
	e := start(t)
	id := sandbox.SeedSnapshotIDs("analytics")[1]
	r := e.get(groups + sandbox.DemoProjectID + "/clusters/analytics/backup/snapshots/" + id)
	wantStatus(t, r, 200, "")
	if r.str("id") != id || r.str("status") != "completed" || r.str("replicaSetName") != "analytics" {
		t.Errorf("snapshot %s", r.raw)
	}
	// A snapshot of another cluster is not found under this one.
	wantStatus(t, e.get(demo+"/snapshots/"+id), 404, "RESOURCE_NOT_FOUND")
}
