package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// Advance moves a job on without waiting, on top of the clock WithClock gave.
func TestAdvanceMovesJobs(t *testing.T) {
	e := start(t) // jobs take 10s; the test's clock stands still unless moved
	id := e.post(demo+"/exports", exportBody()).str("id")
	if st := e.exportState(id).str("state"); st != "Queued" {
		t.Fatalf("new job: %s, want Queued", st)
	}
	e.sb.Advance(2 * time.Second)
	if st := e.exportState(id).str("state"); st != "InProgress" {
		t.Fatalf("after Advance(2s): %s, want InProgress", st)
	}
	e.clock.Advance(4 * time.Second) // the given clock still counts: 6s in all
	if d, _ := exported(e.exportState(id)); d != 21 {
		t.Fatalf("at 6s exported %v of 42, want 21", d)
	}
	e.sb.Advance(-time.Hour) // ignored: the clock never goes back
	e.sb.Advance(4 * time.Second)
	r := e.exportState(id)
	if r.str("state") != "Successful" || r.str("finishedAt") != "2026-11-24T12:00:10Z" {
		t.Fatalf("after 10s: %s", r.raw)
	}
	if got := e.sb.Requests(); got[len(got)-1].Received != e.clock.Now().Add(6*time.Second) {
		t.Errorf("the last request was received at %v by the sandbox's clock, want %v",
			got[len(got)-1].Received, e.clock.Now().Add(6*time.Second))
	}
}

// With the wall clock, a job of an hour ends after Advance(time.Hour); a
// restore ends too.
func TestAdvanceWallClock(t *testing.T) {
	sb := sandbox.New(sandbox.WithJobDuration(time.Hour))
	srv := httptest.NewServer(spectest.Load(t).Middleware(t, sb))
	t.Cleanup(srv.Close)
	creds := sb.Credentials()
	e := &env{t: t, sb: sb, srv: srv, digest: &http.Client{
		Transport: &api.DigestTransport{Username: creds.PublicKey, Password: creds.PrivateKey, Base: http.DefaultTransport},
	}}

	exp := e.post(demo+"/exports", exportBody()).str("id")
	rst := e.post(demo+"/restoreJobs", `{"deliveryType":"download","snapshotId":"`+sandbox.SeedSnapshotIDs("demo")[0]+`"}`)
	wantStatus(t, rst, 200, "")
	if st := e.exportState(exp).str("state"); st != "Queued" {
		t.Fatalf("new export: %s, want Queued", st)
	}
	if r := e.get(demo + "/restoreJobs/" + rst.str("id")); len(r.body["deliveryUrl"].([]any)) != 0 {
		t.Fatalf("new download restore already has its link: %s", r.raw)
	}
	sb.Advance(time.Hour)
	if st := e.exportState(exp).str("state"); st != "Successful" {
		t.Fatalf("after Advance(1h): %s, want Successful", st)
	}
	if r := e.get(demo + "/restoreJobs/" + rst.str("id")); len(r.body["deliveryUrl"].([]any)) != 1 {
		t.Fatalf("after Advance(1h) the download restore has no link: %s", r.raw)
	}
}

// Advance is safe while requests are served (run with -race).
func TestAdvanceConcurrent(t *testing.T) {
	e := start(t)
	id := e.post(demo+"/exports", exportBody()).str("id")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				e.sb.Advance(100 * time.Millisecond)
			}
		})
		wg.Go(func() {
			for range 5 {
				e.exportState(id)
			}
		})
	}
	wg.Wait()
	if d, _ := exported(e.exportState(id)); d != 10 {
		t.Errorf("at 4s exported %v of 42, want 10", d)
	}
	e.sb.Advance(6 * time.Second)
	if st := e.exportState(id).str("state"); st != "Successful" {
		t.Errorf("at 10s: %s, want Successful", st)
	}
}
