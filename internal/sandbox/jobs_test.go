package sandbox_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// exportState polls an export job as a client would.
func (e *env) exportState(id string) response {
	e.t.Helper()
	r := e.get(demo + "/exports/" + id)
	wantStatus(e.t, r, 200, "")
	return r
}

func exported(r response) (done, total float64) {
	st, _ := r.body["exportStatus"].(map[string]any)
	d, _ := st["exportedCollections"].(float64)
	t, _ := st["totalCollections"].(float64)
	return d, t
}

func TestExportLifecycle(t *testing.T) {
	e := start(t) // jobs take 10s
	created := e.post(demo+"/exports", `{"snapshotId":"`+sandbox.SeedSnapshotIDs("demo")[0]+`","exportBucketId":"`+sandbox.DemoBucketID+`","customData":[{"key":"b","value":"1"},{"key":"a","value":"2"}]}`)
	wantStatus(t, created, 200, "")
	id := created.str("id")
	if created.str("state") != "Queued" || created.str("createdAt") != "2026-11-24T12:00:00Z" {
		t.Fatalf("new export %s", created.raw)
	}
	if !strings.Contains(string(created.raw), `"customData":[{"key":"b","value":"1"},{"key":"a","value":"2"}]`) {
		t.Errorf("customData order lost: %s", created.raw)
	}

	e.clock.Advance(2 * time.Second) // a fifth of the way: exporting starts
	r := e.exportState(id)
	if d, total := exported(r); r.str("state") != "InProgress" || d != 0 || total != 42 {
		t.Fatalf("at 2s: %s", r.raw)
	}
	e.clock.Advance(4 * time.Second) // half of the export phase
	if d, _ := exported(e.exportState(id)); d != 21 {
		t.Fatalf("at 6s exported %v of 42, want 21", d)
	}
	// A second export of the same snapshot to the same bucket conflicts while this one runs.
	wantStatus(t, e.post(demo+"/exports", exportBody()), http.StatusConflict, "EXPORT_ALREADY_IN_PROGRESS")

	e.clock.Advance(4 * time.Second)
	r = e.exportState(id)
	if d, _ := exported(r); r.str("state") != "Successful" || d != 42 || r.str("finishedAt") != "2026-11-24T12:00:10Z" {
		t.Fatalf("at 10s: %s", r.raw)
	}
	if _, ok := r.body["stateReason"]; ok {
		t.Errorf("a successful export has a stateReason: %s", r.raw)
	}
	wantStatus(t, e.post(demo+"/exports", exportBody()), 200, "") // no longer in progress

	list := e.get(demo + "/exports")
	if got := list.results(); len(got) != 2 || got[1].(map[string]any)["id"] != id {
		t.Errorf("list, newest first: %s", list.raw)
	}
}

func TestExportOutcomes(t *testing.T) {
	for _, tt := range []struct {
		outcome sandbox.Outcome
		state   string
		reason  bool
	}{
		{sandbox.OutcomeFailed, "Failed", true},
		{sandbox.OutcomeCancelled, "Cancelled", false},
	} {
		t.Run(string(tt.outcome), func(t *testing.T) {
			e := start(t, sandbox.WithExportOutcome(tt.outcome))
			id := e.post(demo+"/exports", exportBody()).str("id")
			e.clock.Advance(9 * time.Second)
			if s := e.exportState(id).str("state"); s != "InProgress" {
				t.Fatalf("before the end: %s", s)
			}
			e.clock.Advance(time.Second)
			r := e.exportState(id)
			reason, _ := r.body["stateReason"].(map[string]any)
			if r.str("state") != tt.state || (reason != nil) != tt.reason || r.str("finishedAt") == "" {
				t.Fatalf("end: %s", r.raw)
			}
			if tt.reason && (reason["errorCode"] == "" || reason["message"] == "") {
				t.Errorf("stateReason %v", reason)
			}
		})
	}
}

func (e *env) restoreState(id string) response {
	e.t.Helper()
	r := e.get(demo + "/restoreJobs/" + id)
	wantStatus(e.t, r, 200, "")
	return r
}

func TestDownloadRestoreLifecycle(t *testing.T) {
	e := start(t)
	snap := sandbox.SeedSnapshotIDs("demo")[1]
	created := e.post(demo+"/restoreJobs", restoreBody("download", snap, ""))
	wantStatus(t, created, 200, "")
	id := created.str("id")
	if created.str("deliveryType") != "download" || created.str("snapshotId") != snap || created.str("timestamp") != "2026-11-23T10:00:00Z" {
		t.Errorf("new restore %s", created.raw)
	}
	if _, ok := created.body["finishedAt"]; ok || len(created.body["deliveryUrl"].([]any)) != 0 {
		t.Errorf("a new restore has finishedAt, or links: %s", created.raw)
	}
	e.clock.Advance(10 * time.Second)
	r := e.restoreState(id)
	urls, _ := r.body["deliveryUrl"].([]any)
	// Without SetArchiveURL, the links have Atlas's host shape, on a domain
	// that never resolves. A finished download has no finishedAt: its end is
	// its link, which expires an hour later.
	if _, ok := r.body["finishedAt"]; ok || r.str("expiresAt") != "2026-11-24T13:00:10Z" || len(urls) != 1 || r.body["expired"] != false ||
		!regexp.MustCompile(`^https://restore-`+id+`\.sandbox\.invalid:27017/[A-Za-z0-9]{24}/`+sandbox.ArchiveFileName(snap, "")+`$`).MatchString(urls[0].(string)) {
		t.Fatalf("finished download: %s", r.raw)
	}
	e.clock.Advance(time.Hour)
	r = e.restoreState(id)
	if len(r.body["deliveryUrl"].([]any)) != 0 || r.body["expired"] != true || r.body["privateDownloadDeliveryUrls"] != nil {
		t.Fatalf("after the link expired: %s", r.raw)
	}
}

func TestAutomatedRestoreLifecycle(t *testing.T) {
	e := start(t)
	body := restoreBody("automated", sandbox.SeedSnapshotIDs("demo")[0], `"targetClusterName":"staging","targetGroupId":"`+sandbox.DemoStagingID+`"`)
	id := e.post(demo+"/restoreJobs", body).str("id")
	// Another restore into the same cluster conflicts while this one runs.
	wantStatus(t, e.post(demo+"/restoreJobs", body), http.StatusConflict, "CLUSTER_RESTORE_IN_PROGRESS")
	e.clock.Advance(10 * time.Second)
	r := e.restoreState(id)
	if r.str("finishedAt") == "" || r.str("targetClusterName") != "staging" || r.str("targetGroupId") != sandbox.DemoStagingID {
		t.Fatalf("finished automated restore: %s", r.raw)
	}
	if len(r.body["deliveryUrl"].([]any)) != 0 {
		t.Errorf("an automated restore has a link: %s", r.raw)
	}
	wantStatus(t, e.post(demo+"/restoreJobs", body), 200, "")
}

func TestPointInTimeRestore(t *testing.T) {
	e := start(t)
	at := e.clock.Now().Add(-27 * time.Hour).Unix() // the 50h-old snapshot is the closest before
	r := e.post(demo+"/restoreJobs", restoreBody("pointInTime", "", pitTarget+`,"oplogTs":`+itoa(at)+`,"oplogInc":3`))
	wantStatus(t, r, 200, "")
	if r.body["oplogTs"] != float64(at) || r.body["oplogInc"] != float64(3) || r.str("timestamp") != "2026-11-22T10:00:00Z" {
		t.Errorf("point-in-time restore %s", r.raw)
	}
	if _, ok := r.body["pointInTimeUTCSeconds"]; ok {
		t.Errorf("oplog restore echoes pointInTimeUTCSeconds: %s", r.raw)
	}
}

func TestRestoreOutcomes(t *testing.T) {
	for _, tt := range []struct {
		outcome sandbox.Outcome
		flag    string
	}{
		{sandbox.OutcomeFailed, "failed"},
		{sandbox.OutcomeCancelled, "cancelled"},
		{sandbox.OutcomeExpired, "expired"},
	} {
		t.Run(string(tt.outcome), func(t *testing.T) {
			e := start(t, sandbox.WithRestoreOutcome(tt.outcome))
			id := e.post(demo+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs("demo")[0], "")).str("id")
			e.clock.Advance(10 * time.Second)
			r := e.restoreState(id)
			for _, f := range []string{"failed", "cancelled", "expired"} {
				if want := f == tt.flag; r.body[f] != want {
					t.Errorf("%s = %v, want %v", f, r.body[f], want)
				}
			}
			if len(r.body["deliveryUrl"].([]any)) != 0 {
				t.Errorf("an unsuccessful download has a link: %s", r.raw)
			}
			if _, ok := r.body["finishedAt"]; ok {
				t.Errorf("an unsuccessful restore has finishedAt: %s", r.raw)
			}
		})
	}
}

func TestCancelRestore(t *testing.T) {
	e := start(t)
	id := e.post(demo+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs("demo")[0], "")).str("id")
	r := e.send(req{method: "DELETE", path: demo + "/restoreJobs/" + id})
	wantStatus(t, r, http.StatusNoContent, "")
	if len(r.raw) != 0 {
		t.Errorf("204 with a body: %s", r.raw)
	}
	if r.header.Get("Content-Type") != v1+";charset=utf-8" {
		t.Errorf("204 Content-Type %q", r.header.Get("Content-Type"))
	}
	if got := e.restoreState(id); got.body["cancelled"] != true {
		t.Fatalf("after cancel: %s", got.raw)
	}
	e.clock.Advance(time.Minute) // it stays cancelled; it does not finish
	if got := e.restoreState(id); got.body["cancelled"] != true || got.str("finishedAt") != "" {
		t.Fatalf("a minute after cancel: %s", got.raw)
	}
	wantStatus(t, e.send(req{method: "DELETE", path: demo + "/restoreJobs/" + id}), http.StatusBadRequest, "RESTORE_JOB_NOT_CANCELLABLE")
	wantStatus(t, e.send(req{method: "DELETE", path: demo + "/restoreJobs/0123456789abcdef01234567"}), http.StatusNotFound, "RESOURCE_NOT_FOUND")
}

func TestNewIDs(t *testing.T) {
	e := start(t)
	seen := map[string]bool{}
	for range 5 {
		id := e.post(demo+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs("demo")[0], "")).str("id")
		if seen[id] || len(id) != 24 {
			t.Fatalf("ID %q repeated or malformed", id)
		}
		seen[id] = true
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
