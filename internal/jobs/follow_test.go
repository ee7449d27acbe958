package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

var demoScope = jobs.Scope{ProjectID: project, Cluster: "demo"}

// export starts an export of the demo cluster's newest snapshot.
func (e *env) export(t *testing.T) *api.ExportJob {
	t.Helper()
	j, _, err := e.client.CreateExport(context.Background(), project, "demo",
		api.ExportRequest{SnapshotID: demoSnap, ExportBucketID: sandbox.DemoBucketID})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// restore starts a restore of the demo cluster's newest snapshot: a download,
// or an automated restore into analytics.
func (e *env) restore(t *testing.T, cluster, deliveryType string) *api.RestoreJob {
	t.Helper()
	r := api.RestoreRequest{DeliveryType: deliveryType, SnapshotID: sandbox.SeedSnapshotIDs(cluster)[0]}
	if deliveryType != api.DeliveryDownload {
		r.TargetClusterName, r.TargetGroupID = "analytics", project
	}
	j, _, err := e.client.CreateRestore(context.Background(), project, cluster, r)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestFollowTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("while Queued", func(t *testing.T) {
		t.Parallel()
		e := start(t) // the clock stands still: the job stays Queued
		j := e.export(t)
		p := &progress{}
		began := time.Now()
		seen, err := jobs.Follow(ctx, e.deps(), jobs.Export, demoScope, j.ID,
			jobs.Watch{Interval: 5 * time.Millisecond, Timeout: 100 * time.Millisecond, Progress: p})
		if took := time.Since(began); took > 500*time.Millisecond {
			t.Errorf("took %s", took)
		}
		var timeout *jobs.TimeoutError
		if !errors.As(err, &timeout) {
			t.Fatalf("Follow: %v, want a *jobs.TimeoutError", err)
		}
		want := jobs.TimeoutError{Kind: "export job", ID: j.ID, After: 100 * time.Millisecond, State: api.ExportQueued}
		if *timeout != want {
			t.Errorf("timeout %+v, want %+v", *timeout, want)
		}
		if msg := "stopped watching export job " + j.ID + " after 100ms, while Queued"; err.Error() != msg {
			t.Errorf("message %q, want %q", err, msg)
		}
		if seen.Job == nil || seen.Job.State != api.ExportQueued || seen.State.Label != api.ExportQueued || seen.State.Done {
			t.Errorf("last look %+v", seen)
		}
		// One line per state, not per check.
		equal(t, "progress", p.updates.get(), []string{"export job " + j.ID + ": Queued"})
		if n := e.count(http.MethodGet, demoPath+"/exports/"+j.ID); n < 2 {
			t.Errorf("%d checks, want several", n)
		}
	})

	t.Run("before its first check", func(t *testing.T) {
		t.Parallel()
		// Every check is held back past the timeout (and let go when the
		// client gives up on it).
		e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "getBackupExport", Delay: 10 * time.Second}))
		j := e.export(t)
		began := time.Now()
		seen, err := jobs.Follow(ctx, e.deps(), jobs.Export, demoScope, j.ID,
			jobs.Watch{Interval: time.Millisecond, Timeout: 30 * time.Millisecond})
		if took := time.Since(began); took > 500*time.Millisecond {
			t.Errorf("took %s", took)
		}
		var timeout *jobs.TimeoutError
		if !errors.As(err, &timeout) || timeout.State != "" || seen.Job != nil {
			t.Fatalf("Follow: %+v, %v; want a *jobs.TimeoutError with no state", seen, err)
		}
		if msg := "stopped watching export job " + j.ID + " after 30ms, before its first check"; err.Error() != msg {
			t.Errorf("message %q, want %q", err, msg)
		}
	})
}

func TestFollowUnreachable(t *testing.T) {
	t.Parallel()
	// closed is a base URL on which nothing listens any more.
	closed := func(t *testing.T) string {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		return srv.URL
	}
	const id = "6b057c400000000000000001"

	for _, tc := range []struct {
		name                 string
		retries              int
		maxWait              time.Duration
		minChecks, maxChecks int // the failed checks
	}{
		{"retries spent", 2, time.Second, 3, 3},
		{"no retries", 0, time.Second, 1, 1},
		{"wait spent", 50, 3 * time.Millisecond, 3, 51},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := jobs.Deps{Client: newClient(t, closed(t), "t0ken")}
			p := &progress{}
			began := time.Now()
			seen, err := jobs.Follow(context.Background(), d, jobs.Export, demoScope, id,
				jobs.Watch{Interval: time.Millisecond, Retries: tc.retries, MaxWait: tc.maxWait, Progress: p})
			if took := time.Since(began); took > 500*time.Millisecond {
				t.Errorf("took %s", took)
			}
			var gone *jobs.UnreachableError
			if !errors.As(err, &gone) {
				t.Fatalf("Follow: %v, want a *jobs.UnreachableError", err)
			}
			if gone.Kind != "export job" || gone.ID != id || gone.Checks < tc.minChecks || gone.Checks > tc.maxChecks {
				t.Errorf("unreachable %+v, want %d to %d checks", gone, tc.minChecks, tc.maxChecks)
			}
			var host *api.UnreachableError
			if !errors.As(err, &host) {
				t.Errorf("error %v does not unwrap to the client's *api.UnreachableError", err)
			}
			want := "could not reach Atlas to check export job " + id + ": "
			if gone.Checks > 1 {
				want += fmt.Sprintf("%d checks in a row failed, the last with: ", gone.Checks)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, want+"cannot reach 127.0.0.1:") || !strings.Contains(msg, "connection refused") {
				t.Errorf("message %q, want %q…", msg, want)
			}
			if seen.Job != nil || len(p.updates.get()) != 0 {
				t.Errorf("last look %+v, progress %q: want nothing seen", seen, p.updates.get())
			}
			if notes := p.notes.get(); len(notes) != gone.Checks-1 ||
				(len(notes) > 0 && !strings.HasPrefix(notes[0], "export job "+id+": will check again: cannot reach ")) {
				t.Errorf("progress notes %q: want one per check made again", notes)
			}
		})
	}
}

func TestFollowStopped(t *testing.T) {
	t.Parallel()
	errInterrupt := errors.New("interrupted")

	t.Run("cancelled before", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j := e.export(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errInterrupt)
		seen, err := jobs.Follow(ctx, e.deps(), jobs.Export, demoScope, j.ID, jobs.Watch{Interval: time.Millisecond})
		var stopped *jobs.StoppedError
		if !errors.As(err, &stopped) || !errors.Is(err, errInterrupt) || seen.Job != nil {
			t.Fatalf("Follow: %+v, %v; want a *jobs.StoppedError for the cause", seen, err)
		}
		if msg := "watching export job " + j.ID + ": interrupted"; err.Error() != msg {
			t.Errorf("message %q, want %q", err, msg)
		}
		if n := e.count(http.MethodGet, demoPath+"/exports/"+j.ID); n != 0 {
			t.Errorf("%d checks, want none", n)
		}
	})

	t.Run("cancelled while watching", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j := e.restore(t, "demo", api.DeliveryDownload)
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		p := &progress{onUpdate: func(string) { cancel(errInterrupt) }}
		seen, err := jobs.Follow(ctx, e.deps(), jobs.Restore, demoScope, j.ID, jobs.Watch{Interval: time.Second, Progress: p})
		var stopped *jobs.StoppedError
		if !errors.As(err, &stopped) || !errors.Is(err, errInterrupt) || stopped.Kind != "restore job" || stopped.ID != j.ID {
			t.Fatalf("Follow: %v; want a *jobs.StoppedError for the cause", err)
		}
		// The last look is kept: the job's ID and state can be shown.
		if seen.Job == nil || seen.Job.ID != j.ID || seen.State.Label != api.RestorePending {
			t.Errorf("last look %+v", seen)
		}
		if n := e.count(http.MethodGet, demoPath+"/restoreJobs/"+j.ID); n != 1 {
			t.Errorf("%d checks, want 1", n)
		}
	})

	t.Run("a check Atlas refuses", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		const id = "6b057c40000000000000ffff"
		_, err := jobs.Follow(context.Background(), e.deps(), jobs.Export, demoScope, id, jobs.Watch{Interval: time.Millisecond, Retries: 5})
		var stopped *jobs.StoppedError
		var apiErr *api.Error
		if !errors.As(err, &stopped) || !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
			t.Fatalf("Follow: %v; want a *jobs.StoppedError for a 404", err)
		}
		if n := e.count(http.MethodGet, demoPath+"/exports/"+id); n != 1 {
			t.Errorf("%d checks, want 1: a 404 is not checked again", n)
		}
	})
}

// A check is a GET with the client's retries: a 503 the client has retried
// to the end of its budget ends the watch (could not reach Atlas), and is
// never checked again on top; one the client gets past is no failed check.
func TestFollowChecksAreGETsWithTheClientsRetries(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		retries int
		gets    int
		ok      bool
	}{
		{"a client that never retries", 0, 1, false},
		{"a client that retries once", 1, 4, true}, // 503, Queued (again), then the states to Successful
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "getBackupExport", Status: http.StatusServiceUnavailable, Times: 1}), sandbox.WithRetryAfter(0))
			j := e.export(t)
			c, err := api.New(api.Options{BaseURL: e.api.URL, Credentials: api.Credentials{AccessToken: e.sb.Credentials().AccessToken},
				MaxRetries: tt.retries, RetryWait: func(int, *http.Response) time.Duration { return 0 }})
			if err != nil {
				t.Fatal(err)
			}
			w, p := e.watch(jobDuration)
			w.Retries, w.MaxWait = 4, time.Minute // the watch's own budget: not spent on what the client retried
			seen, err := jobs.Follow(context.Background(), jobs.Deps{Client: c}, jobs.Export, demoScope, j.ID, w)
			var unreachable *jobs.UnreachableError
			switch {
			case tt.ok && (err != nil || seen.Job.State != api.ExportSuccessful):
				t.Fatalf("Follow: %+v, %v", seen, err)
			case !tt.ok && (!errors.As(err, &unreachable) || unreachable.Checks != 1 || !strings.Contains(err.Error(), "503")):
				t.Fatalf("Follow: %v, want could not reach Atlas after one check", err)
			}
			if notes := p.notes.get(); len(notes) != 0 {
				t.Errorf("progress notes %q: no check is made again", notes)
			}
			if n := e.count(http.MethodGet, demoPath+"/exports/"+j.ID); tt.ok && n < 3 || !tt.ok && n != tt.gets {
				t.Errorf("%d GETs, want %d", n, tt.gets)
			}
		})
	}
}

func TestFollowEnded(t *testing.T) {
	t.Parallel()
	e := start(t, sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	j := e.restore(t, "demo", api.DeliveryAutomated)
	w, p := e.watch(jobDuration)
	seen, err := jobs.Follow(context.Background(), e.deps(), jobs.Restore, demoScope, j.ID, w)
	var ended *jobs.EndedError
	if !errors.As(err, &ended) {
		t.Fatalf("Follow: %v, want a *jobs.EndedError", err)
	}
	if want := (jobs.EndedError{Kind: "restore job", ID: j.ID, Why: api.RestoreFailed}); *ended != want {
		t.Errorf("ended %+v, want %+v", *ended, want)
	}
	if !seen.State.Done || seen.State.OK || seen.Job == nil || !seen.Job.Failed {
		t.Errorf("last look %+v", seen)
	}
	equal(t, "progress", p.updates.get(), []string{"restore job " + j.ID + ": Pending", "restore job " + j.ID + ": Failed"})
}

// What Atlas says is shown escaped; what Atlas adds next year ends a watch
// at once, with the judge's error as it is.
func TestFollowHostileAnswers(t *testing.T) {
	t.Parallel()
	base := "/api/atlas/v2/groups/" + project + "/clusters/demo/backup/exports/"

	t.Run("an unknown state", func(t *testing.T) {
		t.Parallel()
		s := script(t, map[string]route{
			"GET " + base + "6b057c400000000000000001": {200, `{"id":"6b057c400000000000000001","state":"Paused"}`},
		})
		seen, err := jobs.Follow(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken")},
			jobs.Export, demoScope, "6b057c400000000000000001", jobs.Watch{Interval: time.Millisecond, Timeout: 5 * time.Second})
		var unknown *api.UnknownStateError
		if !errors.As(err, &unknown) || unknown.State != "Paused" {
			t.Fatalf("Follow: %v, want an *api.UnknownStateError", err)
		}
		if errors.As(err, new(*jobs.StoppedError)) {
			t.Errorf("error %v: the judge's error is returned as it is", err)
		}
		if seen.Job == nil || seen.Job.State != "Paused" {
			t.Errorf("last look %+v: want the answer judged", seen)
		}
		if n := s.hit("GET " + base + "6b057c400000000000000001"); n != 1 {
			t.Errorf("%d checks, want 1", n)
		}
	})

	t.Run("control characters", func(t *testing.T) {
		t.Parallel()
		id := "bad\x1b[2Jid"
		s := script(t, map[string]route{
			"GET " + base + id: {200, `{"id":"x","state":"Failed","stateReason":{"errorCode":"E","message":"no\u001b]0;title\u0007pe"}}`},
		})
		p := &progress{}
		_, err := jobs.Follow(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken")},
			jobs.Export, demoScope, id, jobs.Watch{Interval: time.Millisecond, Progress: p})
		var ended *jobs.EndedError
		if !errors.As(err, &ended) {
			t.Fatalf("Follow: %v, want a *jobs.EndedError", err)
		}
		for _, l := range append(p.updates.get(), err.Error()) {
			if strings.ContainsAny(l, "\x1b\x07") {
				t.Errorf("%q reaches the terminal unescaped", l)
			}
		}
		if ended.ID != `bad\x1b[2Jid` {
			t.Errorf("ID %q, want it escaped", ended.ID)
		}
	})
}
