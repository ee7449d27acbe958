package jobs_test

// The pre-flight before an overwriting restore (RunPreflight): what it
// reads, in which order, what it refuses, and the warnings it gives,
// against the sandbox's seeded clusters and a scripted Atlas.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// preflightOf is a pre-flight from the demo project's cluster, by snapshot
// (an ID, latest or new) or, with snapshot "", at pit, into target in the
// demo project.
func preflightOf(cluster, snapshot string, pit time.Time, target string) jobs.PreflightInput {
	return jobs.PreflightInput{Scope: jobs.Scope{ProjectID: project, Cluster: cluster}, SnapshotID: snapshot, PointInTime: pit,
		TargetProjectID: project, TargetCluster: target, Now: t0}
}

// A snapshot by ID, latest, a new one and a point in time: each reads what
// it needs, in order, and only reads; the result holds what was found.
func TestPreflightReads(t *testing.T) {
	t.Parallel()
	demo := sandbox.SeedSnapshotIDs("demo")
	window := []string{"GET " + v1 + "/clusters/demo", "GET " + demoPath + "/schedule", "GET " + demoPath + "/snapshots"}
	for _, tt := range []struct {
		name     string
		in       jobs.PreflightInput
		reads    []string
		snapshot string // the snapshot found; "" for none
		window   bool   // the source's window was read
	}{
		{"by ID", preflightOf("demo", demo[1], time.Time{}, "demo"),
			[]string{"GET " + demoPath + "/snapshots/" + demo[1], "GET " + v1 + "/clusters/demo"}, demo[1], false},
		{"latest", preflightOf("demo", api.Latest, time.Time{}, "demo"),
			[]string{"GET " + demoPath + "/snapshots", "GET " + v1 + "/clusters/demo"}, demo[0], false},
		// A new snapshot: the source cluster alone (can it take one?).
		{"new", preflightOf("demo", api.NewSnapshot, time.Time{}, "demo"),
			[]string{"GET " + v1 + "/clusters/demo", "GET " + v1 + "/clusters/demo"}, "", false},
		{"point in time", preflightOf("demo", "", t0.Add(-90*time.Minute), "demo"),
			append(window, "GET "+v1+"/clusters/demo"), "", true},
		{"into another project", jobs.PreflightInput{Scope: jobs.Scope{ProjectID: project, Cluster: "demo"}, SnapshotID: demo[0],
			TargetProjectID: sandbox.DemoStagingID, TargetCluster: "staging", Now: t0},
			[]string{"GET " + demoPath + "/snapshots/" + demo[0], "GET /api/atlas/v2/groups/" + sandbox.DemoStagingID + "/clusters/staging"}, demo[0], false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			p, err := jobs.RunPreflight(context.Background(), e.deps(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "reads", e.apiRequests(), tt.reads)
			switch {
			case tt.snapshot == "" && p.Snapshot != nil:
				t.Errorf("snapshot %+v, want none", p.Snapshot)
			case tt.snapshot != "" && (p.Snapshot == nil || p.Snapshot.ID != tt.snapshot || p.Snapshot.CreatedAt == nil):
				t.Errorf("snapshot %+v, want %s with its createdAt", p.Snapshot, tt.snapshot)
			}
			if tt.in.SnapshotID == api.NewSnapshot && (p.Source == nil || p.Source.Name != "demo" || p.Window != nil) {
				t.Errorf("source %+v, window %+v: want the source alone", p.Source, p.Window)
			}
			if tt.in.SnapshotID != api.NewSnapshot && tt.window != (p.Window != nil && p.Source != nil) {
				t.Errorf("window %+v, source %+v: want them read: %v", p.Window, p.Source, tt.window)
			}
			if tt.window && (p.Source.Name != "demo" || !p.Window.PitEnabled || p.Window.RestoreWindowDays == nil || *p.Window.RestoreWindowDays != 7) {
				t.Errorf("source %+v, window %+v", p.Source, p.Window)
			}
			if p.Target == nil || p.Target.Name != tt.in.TargetCluster || p.Target.MongoDBVersion != "8.0.4" || p.Target.ClusterType != "REPLICASET" {
				t.Errorf("target %+v", p.Target)
			}
			if len(p.Warnings) != 0 {
				t.Errorf("warnings %q, want none", p.Warnings)
			}
		})
	}
}

// What the pre-flight refuses, with nothing but reads sent: a snapshot or
// a target that is not there, a snapshot not completed, a point in time
// the window does not hold, a new snapshot of a cluster that cannot take
// one, and a target that is paused or busy.
func TestPreflightRefusals(t *testing.T) {
	t.Parallel()
	demo := sandbox.SeedSnapshotIDs("demo")
	type check func(t *testing.T, err error)
	refused := func(parts ...string) check {
		return func(t *testing.T, err error) {
			t.Helper()
			var pe *jobs.PreflightError
			if !errors.As(err, &pe) {
				t.Fatalf("err %v (%T), want a PreflightError", err, err)
			}
			for _, p := range parts {
				if !strings.Contains(pe.Msg, p) {
					t.Errorf("%q does not say %q", pe.Msg, p)
				}
			}
		}
	}
	notFound := func(kind, name string) check {
		return func(t *testing.T, err error) {
			t.Helper()
			var nf *api.NotFoundError
			var apiErr *api.Error
			switch {
			case errors.As(err, &nf):
				if nf.Kind != kind || nf.Name != name {
					t.Errorf("not found %+v, want %s %s", nf, kind, name)
				}
			case errors.As(err, &apiErr) && apiErr.Status == 404 && kind == api.KindSnapshot:
			default:
				t.Errorf("err %v (%T), want %s %s not found", err, err, kind, name)
			}
		}
	}
	staging := func(in jobs.PreflightInput) jobs.PreflightInput {
		in.TargetProjectID = sandbox.DemoStagingID
		return in
	}
	for _, tt := range []struct {
		name  string
		in    jobs.PreflightInput
		check check
		reads int // requests sent, all reads
	}{
		{"no such target", preflightOf("demo", demo[0], time.Time{}, "nosuch"), notFound(api.KindCluster, "nosuch"), 0},
		{"no such snapshot", preflightOf("demo", "65f0e0e0d0e0000000000fff", time.Time{}, "demo"), notFound(api.KindSnapshot, "65f0e0e0d0e0000000000fff"), 1},
		{"snapshot in progress", preflightOf("demo", sandbox.DemoInProgressSnapshotID, time.Time{}, "demo"),
			refused("snapshot " + sandbox.DemoInProgressSnapshotID + " of cluster demo is inProgress, not completed"), 1},
		{"paused target", staging(preflightOf("demo", demo[0], time.Time{}, sandbox.DemoPausedCluster)),
			refused("target cluster warehouse (project " + sandbox.DemoStagingID + ") is paused: resume it"), 2},
		{"updating target", preflightOf("demo", demo[0], time.Time{}, "analytics"),
			refused("target cluster analytics (project " + project + ") is UPDATING, not IDLE"), 2},
		{"creating target", staging(preflightOf("demo", demo[0], time.Time{}, sandbox.DemoCreatingCluster)),
			refused("target cluster onboarding (project " + sandbox.DemoStagingID + ") is CREATING, not IDLE"), 2},
		{"point in time off", preflightOf("analytics", "", t0.Add(-6*time.Hour), "demo"),
			refused("continuous cloud backup is off for cluster analytics", "2026-11-24T06:00:00Z", "snapshot list --cluster analytics"), 3},
		{"before the window", preflightOf("demo-sharded", "", t0.Add(-29*time.Hour), "demo-sharded"),
			refused("2026-11-23T07:00:00Z is outside cluster demo-sharded's restore window, 2026-11-23T08:00:00Z to 2026-11-24T12:00:00Z",
				"restoreWindowDays 2"), 3},
		{"in the future", preflightOf("demo", "", t0.Add(time.Second), "demo"),
			refused("2026-11-24T12:00:01Z is outside cluster demo's restore window, 2026-11-17T12:00:00Z to 2026-11-24T12:00:00Z"), 3},
		{"new, backup off", preflightOf("legacy", api.NewSnapshot, time.Time{}, "demo"),
			refused("cloud backup is off for cluster legacy: it cannot take a snapshot"), 1},
		{"new, flex", preflightOf("flex-dev", api.NewSnapshot, time.Time{}, "flex-qa"), func(t *testing.T, err error) {
			var fe *api.FlexClusterError
			if !errors.As(err, &fe) || fe.Cluster != "flex-dev" {
				t.Errorf("err %v (%T), want a FlexClusterError", err, err)
			}
		}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			p, err := jobs.RunPreflight(context.Background(), e.deps(), tt.in)
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			tt.check(t, err)
			for _, r := range e.sb.Requests() {
				if r.Method != "GET" {
					t.Errorf("%s %s sent: a pre-flight only reads", r.Method, r.Path)
				}
			}
			// A refusal stops at once: no read after the one that found it.
			if tt.reads > 0 && len(e.sb.Requests()) != tt.reads {
				t.Errorf("requests %q, want %d", e.apiRequests(), tt.reads)
			}
		})
	}
}

// The mismatches Atlas may refuse are warnings, not refusals: a sharded
// cluster's snapshot into a replica set and the reverse (from the snapshot,
// or from the source cluster for a point in time or a new snapshot), and a
// snapshot of a newer MongoDB than the target runs.
func TestPreflightWarnings(t *testing.T) {
	t.Parallel()
	demo := sandbox.SeedSnapshotIDs("demo")
	sharded := sandbox.SeedSnapshotIDs("demo-sharded")
	const toReplicaSet = "the source is a sharded cluster and target cluster demo is a replica set (REPLICASET): Atlas may refuse the restore"
	const toSharded = "the source is a replica set and target cluster demo-sharded is a sharded cluster (SHARDED): Atlas may refuse the restore"
	const newer = "the source was taken with MongoDB 8.0.4, newer than target cluster legacy's 7.0.15: Atlas may refuse the restore"
	for _, tt := range []struct {
		name string
		in   jobs.PreflightInput
		want []string
	}{
		{"sharded snapshot into a replica set", preflightOf("demo-sharded", sharded[0], time.Time{}, "demo"), []string{toReplicaSet}},
		{"sharded latest into a replica set", preflightOf("demo-sharded", api.Latest, time.Time{}, "demo"), []string{toReplicaSet}},
		{"sharded point in time into a replica set", preflightOf("demo-sharded", "", t0.Add(-time.Hour), "demo"), []string{toReplicaSet}},
		{"new sharded snapshot into a replica set", preflightOf("demo-sharded", api.NewSnapshot, time.Time{}, "demo"), []string{toReplicaSet}},
		{"replica set into a sharded cluster", preflightOf("demo", demo[0], time.Time{}, "demo-sharded"), []string{toSharded}},
		{"newer MongoDB", preflightOf("demo", demo[0], time.Time{}, "legacy"), []string{newer}},
		{"newer MongoDB, point in time", preflightOf("demo", "", t0.Add(-time.Hour), "legacy"), []string{newer}},
		{"newer MongoDB, new snapshot", preflightOf("demo", api.NewSnapshot, time.Time{}, "legacy"), []string{newer}},
		{"both", preflightOf("demo-sharded", sharded[1], time.Time{}, "legacy"), []string{
			"the source is a sharded cluster and target cluster legacy is a replica set (REPLICASET): Atlas may refuse the restore", newer}},
		{"none", preflightOf("demo", demo[2], time.Time{}, "demo"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			p, err := jobs.RunPreflight(context.Background(), e.deps(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "warnings", p.Warnings, tt.want)
		})
	}
}

// Versions are compared by major.minor, as numbers: a patch release is not
// newer, 7.10 is newer than 7.9, and a version that cannot be read gives
// no warning.
func TestPreflightVersionWarning(t *testing.T) {
	t.Parallel()
	const snap = "a00000000000000000000001"
	base := "/api/atlas/v2/groups/" + project + "/clusters/"
	for _, tt := range []struct {
		source, target string
		warn           bool
	}{
		{"8.0.10", "8.0.4", false},
		{"8.1.0", "8.0.9", true},
		{"7.10.1", "7.9.3", true},
		{"7.9.3", "7.10.1", false},
		{"10.0.0", "9.9.9", true},
		{"6.0.0", "8.0.0", false},
		{"6.2.0", "7.0.15", false},
		{"8.2", "8.1", true},
		{"", "7.0.15", false},
		{"8.0.4", "", false},
		{"8", "7.0", false},
		{"8.x.0", "7.0.0", false},
	} {
		s := script(t, map[string]route{
			"GET " + base + "src/backup/snapshots/" + snap: {200, `{"id":"` + snap + `","status":"completed","type":"replicaSet","createdAt":"2026-11-24T10:00:00Z","mongodVersion":"` + tt.source + `"}`},
			"GET " + base + "dst":                          {200, `{"name":"dst","clusterType":"REPLICASET","stateName":"IDLE","mongoDBVersion":"` + tt.target + `"}`},
		})
		p, err := jobs.RunPreflight(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "token")},
			jobs.PreflightInput{Scope: jobs.Scope{ProjectID: project, Cluster: "src"}, SnapshotID: snap, TargetProjectID: project, TargetCluster: "dst", Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		want := []string(nil)
		if tt.warn {
			want = []string{"the source was taken with MongoDB " + tt.source + ", newer than target cluster dst's " + tt.target + ": Atlas may refuse the restore"}
		}
		equal(t, tt.source+" into "+tt.target, p.Warnings, want)
	}
}

// A target whose stateName Atlas leaves out is not refused (nothing says
// it is busy); IDLE in any case is not busy; GEOSHARDED is sharded.
func TestPreflightTargetStates(t *testing.T) {
	t.Parallel()
	const snap = "a00000000000000000000001"
	base := "/api/atlas/v2/groups/" + project + "/clusters/"
	for _, tt := range []struct {
		target  string
		refused string
		warns   int
	}{
		{`{"name":"dst","clusterType":"REPLICASET","mongoDBVersion":"8.0.4"}`, "", 0},
		{`{"name":"dst","clusterType":"REPLICASET","stateName":"idle","mongoDBVersion":"8.0.4"}`, "", 0},
		{`{"name":"dst","clusterType":"GEOSHARDED","stateName":"IDLE","mongoDBVersion":"8.0.4"}`, "", 1},
		{`{"name":"dst","clusterType":"REPLICASET","stateName":"REPAIRING","mongoDBVersion":"8.0.4"}`, "is REPAIRING, not IDLE", 0},
		{`{"name":"dst","clusterType":"REPLICASET","stateName":"IDLE","paused":true,"mongoDBVersion":"8.0.4"}`, "is paused", 0},
	} {
		s := script(t, map[string]route{
			"GET " + base + "src/backup/snapshots/" + snap: {200, `{"id":"` + snap + `","status":"completed","type":"replicaSet","createdAt":"2026-11-24T10:00:00Z","mongodVersion":"8.0.4"}`},
			"GET " + base + "dst":                          {200, tt.target},
		})
		p, err := jobs.RunPreflight(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "token")},
			jobs.PreflightInput{Scope: jobs.Scope{ProjectID: project, Cluster: "src"}, SnapshotID: snap, TargetProjectID: project, TargetCluster: "dst", Now: t0})
		var pe *jobs.PreflightError
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tt.target, err)
		case tt.refused == "" && len(p.Warnings) != tt.warns:
			t.Errorf("%s: warnings %q, want %d", tt.target, p.Warnings, tt.warns)
		case tt.refused != "" && (!errors.As(err, &pe) || !strings.Contains(pe.Msg, tt.refused)):
			t.Errorf("%s: %v, want refused: %s", tt.target, err, tt.refused)
		}
	}
}
