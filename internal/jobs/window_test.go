package jobs_test

// The restore window (RestoreWindow) read from the sandbox's seeded
// clusters and from a scripted Atlas, and the point-in-time check against
// it (CheckPointInTime).

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// at is a time as a pointer, for the Window's fields.
func at(t time.Time) *time.Time { return &t }

// ref is a SnapshotRef of a seeded snapshot taken age before t0.
func ref(id string, age time.Duration) *jobs.SnapshotRef {
	return &jobs.SnapshotRef{ID: id, CreatedAt: t0.Add(-age)}
}

// sameTime compares two optional times.
func sameTime(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, got, want)
	case !got.Equal(*want) || got.Location() != time.UTC:
		t.Errorf("%s = %v, want %v (UTC)", what, got, want)
	}
}

func sameRef(t *testing.T, what string, got, want *jobs.SnapshotRef) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %+v, want %+v", what, got, want)
	case got.ID != want.ID || !got.CreatedAt.Equal(want.CreatedAt):
		t.Errorf("%s = %+v, want %+v", what, *got, *want)
	}
}

// checkWindow compares a window field by field.
func checkWindow(t *testing.T, got, want *jobs.Window) {
	t.Helper()
	if got.Cluster != want.Cluster || got.Type != want.Type || got.PitEnabled != want.PitEnabled {
		t.Errorf("window %s %s pit %v, want %s %s pit %v", got.Cluster, got.Type, got.PitEnabled, want.Cluster, want.Type, want.PitEnabled)
	}
	switch {
	case (got.RestoreWindowDays == nil) != (want.RestoreWindowDays == nil):
		t.Errorf("restoreWindowDays = %v, want %v", got.RestoreWindowDays, want.RestoreWindowDays)
	case got.RestoreWindowDays != nil && *got.RestoreWindowDays != *want.RestoreWindowDays:
		t.Errorf("restoreWindowDays = %d, want %d", *got.RestoreWindowDays, *want.RestoreWindowDays)
	}
	sameTime(t, "earliest", got.Earliest, want.Earliest)
	sameTime(t, "latest", got.Latest, want.Latest)
	sameTime(t, "nextSnapshot", got.NextSnapshot, want.NextSnapshot)
	sameRef(t, "oldestSnapshot", got.OldestSnapshot, want.OldestSnapshot)
	sameRef(t, "newestSnapshot", got.NewestSnapshot, want.NewestSnapshot)
}

func days(n int) *int { return &n }

// Each kind of seeded cluster: what its window is made of, and the reads
// that found it out.
func TestRestoreWindowSeeded(t *testing.T) {
	t.Parallel()
	demo := sandbox.SeedSnapshotIDs("demo")
	sharded := sandbox.SeedSnapshotIDs("demo-sharded")
	analytics := sandbox.SeedSnapshotIDs("analytics")
	flex := sandbox.SeedSnapshotIDs("flex-dev")
	if sandbox.RestoreWindowDays("demo") != 7 || sandbox.RestoreWindowDays("demo-sharded") != 2 || sandbox.RestoreWindowDays("analytics") != 0 {
		t.Fatal("the sandbox's restore windows are not the ones this test knows")
	}
	for _, tt := range []struct {
		cluster string
		want    jobs.Window
		reads   []string
	}{{
		// Point in time on, 7 days: now minus 7 days is the oldest
		// snapshot's time exactly. The in-progress hourly snapshot (the
		// newest) is not a restorable one.
		cluster: "demo",
		want: jobs.Window{Cluster: "demo", Type: "REPLICASET", PitEnabled: true, RestoreWindowDays: days(7),
			Earliest: at(t0.Add(-7 * 24 * time.Hour)), Latest: at(t0),
			OldestSnapshot: ref(demo[3], 7*24*time.Hour), NewestSnapshot: ref(demo[0], 2*time.Hour),
			NextSnapshot: at(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))},
		reads: []string{"GET " + v1 + "/clusters/demo", "GET " + demoPath + "/schedule", "GET " + demoPath + "/snapshots"},
	}, {
		// 2 days: now minus 2 days is before its oldest snapshot (28h
		// ago), which is the earliest.
		cluster: "demo-sharded",
		want: jobs.Window{Cluster: "demo-sharded", Type: "SHARDED", PitEnabled: true, RestoreWindowDays: days(2),
			Earliest: at(t0.Add(-28 * time.Hour)), Latest: at(t0),
			OldestSnapshot: ref(sharded[1], 28*time.Hour), NewestSnapshot: ref(sharded[0], 4*time.Hour),
			NextSnapshot: at(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))},
		reads: []string{"GET " + v1 + "/clusters/demo-sharded", "GET " + backupPath("demo-sharded") + "/schedule", "GET " + backupPath("demo-sharded") + "/snapshots"},
	}, {
		// Point in time off: no window days; from the oldest to the newest
		// completed snapshot.
		cluster: "analytics",
		want: jobs.Window{Cluster: "analytics", Type: "REPLICASET",
			Earliest: at(t0.Add(-29 * time.Hour)), Latest: at(t0.Add(-5 * time.Hour)),
			OldestSnapshot: ref(analytics[1], 29*time.Hour), NewestSnapshot: ref(analytics[0], 5*time.Hour),
			NextSnapshot: at(time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))},
		reads: []string{"GET " + v1 + "/clusters/analytics", "GET " + backupPath("analytics") + "/schedule", "GET " + backupPath("analytics") + "/snapshots"},
	}, {
		// Backup off: nothing to restore, and neither schedule nor
		// snapshots asked for.
		cluster: "legacy",
		want:    jobs.Window{Cluster: "legacy", Type: "REPLICASET"},
		reads:   []string{"GET " + v1 + "/clusters/legacy"},
	}, {
		// Flex: no point in time and no schedule; its oldest and newest
		// COMPLETED snapshots (not the RUNNING one).
		cluster: "flex-dev",
		want: jobs.Window{Cluster: "flex-dev", Type: "FLEX",
			Earliest: at(t0.Add(-70 * time.Hour)), Latest: at(t0.Add(-22 * time.Hour)),
			OldestSnapshot: ref(flex[2], 70*time.Hour), NewestSnapshot: ref(flex[0], 22*time.Hour)},
		reads: []string{"GET " + v1 + "/clusters/flex-dev", "GET " + v1 + "/flexClusters/flex-dev", "GET " + v1 + "/flexClusters/flex-dev/backup/snapshots"},
	}} {
		t.Run(tt.cluster, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			w, cl, err := jobs.RestoreWindow(context.Background(), e.deps(), project, tt.cluster, t0)
			if err != nil {
				t.Fatal(err)
			}
			if cl == nil || cl.Name != tt.cluster {
				t.Errorf("cluster %+v, want %s", cl, tt.cluster)
			}
			checkWindow(t, w, &tt.want)
			// Flex is recognised from Atlas's answer on the dedicated
			// route (which may be asked twice): compare the distinct reads.
			var reads []string
			for _, r := range e.apiRequests() {
				if len(reads) == 0 || reads[len(reads)-1] != r {
					reads = append(reads, r)
				}
			}
			equal(t, "reads", reads, tt.reads)
			if len(e.posts()) != 0 {
				t.Errorf("posts %v", e.posts())
			}
		})
	}
}

// An hour later (the sandbox's clock and now), demo's window starts at now
// minus 7 days, which is later than its oldest snapshot: the later of the
// two is the earliest.
func TestRestoreWindowLaterOfNowMinusDaysAndOldest(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.sb.Advance(time.Hour)
	now := t0.Add(time.Hour + 500*time.Millisecond) // to the second, in UTC
	w, _, err := jobs.RestoreWindow(context.Background(), e.deps(), project, "demo", now.In(time.FixedZone("X", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	demo := sandbox.SeedSnapshotIDs("demo")
	checkWindow(t, w, &jobs.Window{Cluster: "demo", Type: "REPLICASET", PitEnabled: true, RestoreWindowDays: days(7),
		Earliest: at(t0.Add(time.Hour - 7*24*time.Hour)), Latest: at(t0.Add(time.Hour)),
		OldestSnapshot: ref(demo[3], 7*24*time.Hour), NewestSnapshot: ref(demo[0], 2*time.Hour),
		NextSnapshot: at(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))})
	if !w.Contains(t0.Add(time.Hour-7*24*time.Hour)) || w.Contains(t0.Add(time.Hour-7*24*time.Hour-time.Second)) {
		t.Errorf("window %s: its earliest second is in it, the one before is not", w.Span())
	}
}

// A cluster the project does not have: Atlas's 404, nothing else read.
func TestRestoreWindowNoSuchCluster(t *testing.T) {
	t.Parallel()
	e := start(t)
	_, _, err := jobs.RestoreWindow(context.Background(), e.deps(), project, "nosuch", t0)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("err %v, want a 404", err)
	}
	if n := len(e.apiRequests()); n < 1 || strings.Contains(strings.Join(e.apiRequests(), " "), "/backup/") {
		t.Errorf("requests %q", e.apiRequests())
	}
}

// What Atlas may answer that the seed does not have: times with an offset
// and fractions of a second (the window is UTC, to the second), a failed
// snapshot and one without createdAt (skipped), and pitEnabled with no
// restoreWindowDays in the schedule (no window days: the snapshots only).
func TestRestoreWindowAtlasAnswers(t *testing.T) {
	t.Parallel()
	clusterPath := "/api/atlas/v2/groups/" + project + "/clusters/c1"
	snaps := list(
		`{"id":"a00000000000000000000001","status":"completed","createdAt":"2026-11-24T09:30:00.750+02:00"}`,
		`{"id":"a00000000000000000000002","status":"failed","createdAt":"2026-11-01T00:00:00Z"}`,
		`{"id":"a00000000000000000000003","status":"inProgress"}`,
		`{"id":"a00000000000000000000004","status":"completed","createdAt":"2026-11-20T23:59:59.999Z"}`,
		`{"id":"a00000000000000000000005","status":"completed"}`,
	)
	for _, tt := range []struct {
		name     string
		schedule string
		pit      bool
		want     jobs.Window
	}{{
		name:     "window",
		schedule: `{"clusterName":"c1","restoreWindowDays":3,"nextSnapshot":"2026-11-24T18:00:00.5-01:00"}`,
		pit:      true,
		want: jobs.Window{Cluster: "c1", Type: "REPLICASET", PitEnabled: true, RestoreWindowDays: days(3),
			Earliest: at(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)), Latest: at(t0),
			OldestSnapshot: &jobs.SnapshotRef{ID: "a00000000000000000000004", CreatedAt: time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC)},
			NewestSnapshot: &jobs.SnapshotRef{ID: "a00000000000000000000001", CreatedAt: time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC)},
			NextSnapshot:   at(time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC))},
	}, {
		name:     "no window days",
		schedule: `{"clusterName":"c1"}`,
		pit:      true,
		want: jobs.Window{Cluster: "c1", Type: "REPLICASET", PitEnabled: true,
			Earliest:       at(time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC)),
			Latest:         at(time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC)),
			OldestSnapshot: &jobs.SnapshotRef{ID: "a00000000000000000000004", CreatedAt: time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC)},
			NewestSnapshot: &jobs.SnapshotRef{ID: "a00000000000000000000001", CreatedAt: time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC)}},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cluster := `{"name":"c1","clusterType":"REPLICASET","stateName":"IDLE","backupEnabled":true,"pitEnabled":true,"mongoDBVersion":"8.0.4"}`
			s := script(t, map[string]route{
				"GET " + clusterPath:                       {200, cluster},
				"GET " + clusterPath + "/backup/schedule":  {200, tt.schedule},
				"GET " + clusterPath + "/backup/snapshots": {200, snaps},
			})
			c := newClient(t, s.srv.URL, "token")
			w, _, err := jobs.RestoreWindow(context.Background(), jobs.Deps{Client: c}, project, "c1", t0.Add(700*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			checkWindow(t, w, &tt.want)
		})
	}

	// Completed snapshots, none with a time: nothing to restore from.
	s := script(t, map[string]route{
		"GET " + clusterPath:                       {200, `{"name":"c1","clusterType":"SHARDED","backupEnabled":true,"pitEnabled":true}`},
		"GET " + clusterPath + "/backup/schedule":  {200, `{"clusterName":"c1","restoreWindowDays":7}`},
		"GET " + clusterPath + "/backup/snapshots": {200, list(`{"id":"a00000000000000000000005","status":"completed"}`)},
	})
	w, _, err := jobs.RestoreWindow(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "token")}, project, "c1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if w.Earliest != nil || w.Latest != nil || w.Contains(t0) || w.Span() != "nothing to restore from (no completed snapshot)" {
		t.Errorf("window %+v, span %q: want nothing to restore", w, w.Span())
	}
}

// CheckPointInTime refuses a time the cluster cannot be restored to, and
// says why, with the window it checked against.
func TestCheckPointInTime(t *testing.T) {
	t.Parallel()
	earliest, latest := time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC), t0
	pit := &jobs.Window{Cluster: "demo", Type: "REPLICASET", PitEnabled: true, RestoreWindowDays: days(7), Earliest: &earliest, Latest: &latest}
	off := &jobs.Window{Cluster: "analytics", Type: "REPLICASET", Earliest: &earliest, Latest: &latest}
	snapsOnly := &jobs.Window{Cluster: "c1", Type: "SHARDED", PitEnabled: true, Earliest: &earliest, Latest: &latest}
	empty := &jobs.Window{Cluster: "c2", Type: "REPLICASET", PitEnabled: true, RestoreWindowDays: days(2)}
	flex := &jobs.Window{Cluster: "flex-dev", Type: api.ClusterTypeFlex, Earliest: &earliest, Latest: &latest}
	const span = "2026-11-17T12:00:00Z to 2026-11-24T12:00:00Z"
	for _, tt := range []struct {
		w    *jobs.Window
		t    time.Time
		want string // "" when accepted
	}{
		{pit, earliest, ""},
		{pit, latest, ""},
		{pit, t0.Add(-time.Hour).In(time.FixedZone("Y", -5*3600)), ""},
		{pit, earliest.Add(-time.Second), "2026-11-17T11:59:59Z is outside cluster demo's restore window, " + span +
			" (derived: the later of now minus restoreWindowDays 7 and the oldest completed snapshot; Atlas is the final judge)"},
		{pit, latest.Add(time.Second), "2026-11-24T12:00:01Z is outside cluster demo's restore window, " + span +
			" (derived: the later of now minus restoreWindowDays 7 and the oldest completed snapshot; Atlas is the final judge)"},
		{snapsOnly, earliest.Add(-time.Hour), "2026-11-17T11:00:00Z is outside cluster c1's restore window, " + span +
			" (derived from its completed snapshots; Atlas is the final judge)"},
		{empty, t0.Add(-time.Hour), "2026-11-24T11:00:00Z is outside cluster c2's restore window, nothing to restore from (no completed snapshot)" +
			" (derived: the later of now minus restoreWindowDays 2 and the oldest completed snapshot; Atlas is the final judge)"},
		{off, t0.Add(-time.Hour), "continuous cloud backup is off for cluster analytics, so it cannot be restored to a point in time (2026-11-24T11:00:00Z);" +
			" restore one of its snapshots instead (see atlas-backup snapshot list --cluster analytics)"},
	} {
		err := jobs.CheckPointInTime(tt.w, tt.t)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s at %s: %v, want accepted", tt.w.Cluster, tt.t, err)
			}
			continue
		}
		var pe *jobs.PreflightError
		if !errors.As(err, &pe) || pe.Msg != tt.want || err.Error() != tt.want {
			t.Errorf("%s at %s:\n got %v\nwant PreflightError %q", tt.w.Cluster, tt.t, err, tt.want)
		}
	}

	// A Flex cluster has no point in time at all.
	err := jobs.CheckPointInTime(flex, t0.Add(-23*time.Hour))
	var fe *api.FlexClusterError
	if !errors.As(err, &fe) || fe.Cluster != "flex-dev" || !strings.Contains(err.Error(), "do not support point-in-time restores") {
		t.Errorf("flex: %v, want a FlexClusterError", err)
	}
}
