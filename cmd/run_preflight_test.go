package cmd

// restore window, --point-in-time as the commands take it, the window
// check, and the pre-flight before a restore that overwrites (automated,
// pointInTime, overwrite-existing collections), run in-process against
// the sandbox.

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// The sandbox's operations that the pre-flight reads, and the creates.
const (
	opGetCluster  = "getCluster"
	opSchedule    = "getBackupSchedule"
	opGetSnap     = "getClusterBackupSnapshot"
	opTakeSnap    = "takeSnapshots"
	opCreateRest  = "createBackupRestoreJob"
	opCreateExp   = "createBackupExport"
	opFlexCluster = "getFlexCluster"
	opFlexSnaps   = "listFlexBackupSnapshots"
)

// compactJSON is s without its indentation, keys in the order given.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("not JSON (%v):\n%s", err, s)
	}
	return b.String()
}

// writes are the requests sent that are not reads.
func (a *atlas) writes() []string {
	var out []string
	for _, r := range a.requests() {
		if !strings.HasPrefix(r, "GET ") {
			out = append(out, r)
		}
	}
	return out
}

// lineIndex is where the first line of s that starts with prefix starts;
// -1 when none does.
func lineIndex(s, prefix string) int {
	for off := 0; ; {
		line, _, more := strings.Cut(s[off:], "\n")
		if strings.HasPrefix(line, prefix) {
			return off
		}
		if !more {
			return -1
		}
		off += len(line) + 1
	}
}

// saysBefore fails the test unless stderr has a line starting with first, and
// one starting with second after it.
func saysBefore(t *testing.T, stderr, first, second string) {
	t.Helper()
	i, j := lineIndex(stderr, first), lineIndex(stderr, second)
	if i < 0 || j < 0 || i > j {
		t.Errorf("stderr does not say %q before %q:\n%s", first, second, stderr)
	}
}

// restore window: a row on stdout, the note that EARLIEST is derived on
// stderr, and the three reads it is made of.
func TestRunRestoreWindowTable(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("restore", "window", "--cluster", "demo")
	want := "" +
		"CLUSTER   PIT   WINDOW   EARLIEST (UTC)        LATEST (UTC)          NEWEST SNAPSHOT                     NEXT SNAPSHOT (UTC)\n" +
		"demo      on    7d       2026-11-17 12:00:00   2026-11-24 12:00:00   " + demoLatest + " (2h ago)   2026-11-25 10:00:00\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d, stdout\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	if r.stderr != "EARLIEST is derived: the later of now minus restoreWindowDays 7 and the oldest completed snapshot; Atlas is the final judge.\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	equalOps(t, a.requests(), "GET "+opGetCluster, "GET "+opSchedule, "GET "+opListSnaps)
	for _, op := range []string{opGetCluster, opSchedule, opListSnaps} {
		if p := a.last(op).Path; !strings.HasPrefix(p, "/api/atlas/v2/groups/"+harnessProjectID+"/clusters/demo") {
			t.Errorf("%s: %s", op, p)
		}
	}

	// Point in time off: no window, and the note says it is the snapshots'.
	r = a.run("restore", "window", "--cluster", "analytics")
	r.check(t, 0, []string{`^analytics +off +- +2026-11-23 07:00:00 +2026-11-24 07:00:00 +` + analyticsLatest + ` \(5h ago\) +2026-11-25 07:00:00$`},
		[]string{`^EARLIEST is derived from its completed snapshots; Atlas is the final judge\.$`})
	// Backup off: nothing to show but that.
	r = a.run("restore", "window", "--cluster", "legacy")
	r.check(t, 0, []string{`^legacy +off +- +- +- +- +-$`}, nil)
	// A Flex cluster: its oldest and newest snapshots, no next one.
	r = a.run("restore", "window", "--cluster", "flex-dev")
	r.check(t, 0, []string{`^flex-dev +off +- +2026-11-21 14:00:00 +2026-11-23 14:00:00 +` + sandbox.SeedSnapshotIDs("flex-dev")[0] + ` \(22h ago\) +-$`}, nil)
	// A template sees the JSON field names.
	r = a.run("restore", "window", "--cluster", "demo-sharded", "-o", "go-template={{.earliest}} {{.restoreWindowDays}} {{.newestSnapshot.id}}")
	r.check(t, 0, []string{`^2026-11-23T08:00:00Z 2 ` + sandbox.SeedSnapshotIDs("demo-sharded")[0] + `$`}, nil)
}

// restore window -o json: the object, times in RFC 3339 UTC, for each kind
// of cluster, and the reads each needs (none of the schedule or the
// snapshots of a cluster with backup off, no schedule for a Flex one).
func TestRunRestoreWindowJSON(t *testing.T) {
	t.Parallel()
	demo := sandbox.SeedSnapshotIDs("demo")
	sharded := sandbox.SeedSnapshotIDs("demo-sharded")
	analytics := sandbox.SeedSnapshotIDs("analytics")
	flex := sandbox.SeedSnapshotIDs("flex-dev")
	for _, tt := range []struct {
		cluster string
		want    string
		reads   []string
	}{{
		"demo",
		`{"cluster":"demo","type":"REPLICASET","pitEnabled":true,"restoreWindowDays":7,` +
			`"earliest":"2026-11-17T12:00:00Z","latest":"2026-11-24T12:00:00Z",` +
			`"oldestSnapshot":{"id":"` + demo[3] + `","createdAt":"2026-11-17T12:00:00Z"},` +
			`"newestSnapshot":{"id":"` + demo[0] + `","createdAt":"2026-11-24T10:00:00Z"},` +
			`"nextSnapshot":"2026-11-25T10:00:00Z"}`,
		[]string{"GET " + opGetCluster, "GET " + opSchedule, "GET " + opListSnaps},
	}, {
		"demo-sharded",
		`{"cluster":"demo-sharded","type":"SHARDED","pitEnabled":true,"restoreWindowDays":2,` +
			`"earliest":"2026-11-23T08:00:00Z","latest":"2026-11-24T12:00:00Z",` +
			`"oldestSnapshot":{"id":"` + sharded[1] + `","createdAt":"2026-11-23T08:00:00Z"},` +
			`"newestSnapshot":{"id":"` + sharded[0] + `","createdAt":"2026-11-24T08:00:00Z"},` +
			`"nextSnapshot":"2026-11-25T08:00:00Z"}`,
		[]string{"GET " + opGetCluster, "GET " + opSchedule, "GET " + opListSnaps},
	}, {
		"analytics",
		`{"cluster":"analytics","type":"REPLICASET","pitEnabled":false,"restoreWindowDays":null,` +
			`"earliest":"2026-11-23T07:00:00Z","latest":"2026-11-24T07:00:00Z",` +
			`"oldestSnapshot":{"id":"` + analytics[1] + `","createdAt":"2026-11-23T07:00:00Z"},` +
			`"newestSnapshot":{"id":"` + analytics[0] + `","createdAt":"2026-11-24T07:00:00Z"},` +
			`"nextSnapshot":"2026-11-25T07:00:00Z"}`,
		[]string{"GET " + opGetCluster, "GET " + opSchedule, "GET " + opListSnaps},
	}, {
		"legacy",
		`{"cluster":"legacy","type":"REPLICASET","pitEnabled":false,"restoreWindowDays":null,"earliest":null,"latest":null,` +
			`"oldestSnapshot":null,"newestSnapshot":null,"nextSnapshot":null}`,
		[]string{"GET " + opGetCluster},
	}, {
		"flex-dev",
		`{"cluster":"flex-dev","type":"FLEX","pitEnabled":false,"restoreWindowDays":null,` +
			`"earliest":"2026-11-21T14:00:00Z","latest":"2026-11-23T14:00:00Z",` +
			`"oldestSnapshot":{"id":"` + flex[2] + `","createdAt":"2026-11-21T14:00:00Z"},` +
			`"newestSnapshot":{"id":"` + flex[0] + `","createdAt":"2026-11-23T14:00:00Z"},` +
			`"nextSnapshot":null}`,
		[]string{"GET " + opGetCluster, "GET " + opFlexCluster, "GET " + opFlexSnaps},
	}} {
		t.Run(tt.cluster, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			r := a.run("restore", "window", "--cluster", tt.cluster, "-o", "json")
			if r.code != 0 || compactJSON(t, r.stdout) != tt.want {
				t.Errorf("exit %d, stdout\n%s\nwant\n%s", r.code, compactJSON(t, r.stdout), tt.want)
			}
			if r.stderr != "" {
				t.Errorf("stderr %q: -o json has its result on stdout only", r.stderr)
			}
			// Flex is found out from Atlas's answer on the dedicated route;
			// the same read twice in a row counts once.
			got := slices.Compact(a.requests())
			equalOps(t, got, tt.reads...)
		})
	}

	// A cluster the project does not have: exit 4, with what it has.
	a := newAtlas(t)
	r := a.run("restore", "window", "--cluster", "demoo")
	r.check(t, 4, nil, []string{`did you mean demo\?`})
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
}

// runSeeing runs a command line as run does, and returns what stderr held
// when the sandbox answered the first request of op (nothing is read while
// it is in flight: the command is waiting for that answer).
func (a *atlas) runSeeing(op string, args ...string) (r runResult, seen string, answered bool) {
	a.t.Helper()
	streams, _, out, errOut := output.Test()
	var mu sync.Mutex
	a.after(op, func() {
		mu.Lock()
		defer mu.Unlock()
		seen, answered = errOut.String(), true
	})
	env := a.env
	code := Main(args, streams, harnessBuild, func(f *Factory) {
		f.Getenv = func(k string) string { return env[k] }
		f.Now = func() time.Time { return harnessNow }
	})
	mu.Lock()
	defer mu.Unlock()
	return runResult{stdout: out.String(), stderr: errOut.String(), code: code}, seen, answered
}

// --point-in-time through the commands: the time it resolved to, in UTC and
// as an age, is on stderr before anything is sent: it is there when the
// first request (the pre-flight's read of the cluster) is answered, and
// with --dry-run --no-preflight, which sends nothing, too.
func TestRunPointInTimeNote(t *testing.T) {
	t.Parallel()
	pit := []string{"restore", "create", "--delivery-type", "pointInTime", "--cluster", "demo", "--target-cluster", "demo", "--yes"}
	coll := []string{"restore", "create", "--cluster", "demo", "--database", "sales"}
	for _, tt := range []struct {
		args []string
		note string
	}{
		{append(slices.Clone(pit), "--point-in-time", "1795516200"), "Point in time: 2026-11-24T10:30:00Z (1h30m ago)"},
		{append(slices.Clone(pit), "--point-in-time", "2026-11-24T11:15:00Z"), "Point in time: 2026-11-24T11:15:00Z (45m ago)"},
		{append(slices.Clone(pit), "--point-in-time", "2026-11-24T11:00:00+01:00"), "Point in time: 2026-11-24T10:00:00Z (2h ago)"},
		{append(slices.Clone(pit), "--point-in-time=-90m"), "Point in time: 2026-11-24T10:30:00Z (1h30m ago)"},
		{append(slices.Clone(pit), "--point-in-time", "-2h"), "Point in time: 2026-11-24T10:00:00Z (2h ago)"},
		{append(slices.Clone(pit), "--point-in-time", "-1d12h"), "Point in time: 2026-11-23T00:00:00Z (1d12h ago)"},
		{append(slices.Clone(pit), "--pointInTimeUTCSeconds", "1795518000"), "Point in time: 2026-11-24T11:00:00Z (1h ago)"},
		{append(slices.Clone(coll), "--point-in-time", "-45s"), "Point in time: 2026-11-24T11:59:15Z (45s ago)"},
		{append(slices.Clone(coll), "--point-in-time", "2026-11-24T09:00:00-03:00"), "Point in time: 2026-11-24T12:00:00Z (0s ago)"},
	} {
		a := newAtlas(t)
		r, seen, answered := a.runSeeing(opGetCluster, tt.args...)
		if r.code != 0 || !answered || seen != tt.note+"\n" {
			t.Errorf("%q: exit %d; stderr when the first request was answered (%v): %q, want %q\n%s", tt.args, r.code, answered, seen, tt.note+"\n", r.stderr)
		}
		if first := a.sb.Requests()[0]; first.Operation != opGetCluster {
			t.Errorf("%q: the first request was %s", tt.args, first.Operation)
		}

		a = newAtlas(t)
		r = a.run(append(slices.Clone(tt.args), "--dry-run", "--no-preflight")...)
		if r.code != 0 || !strings.HasPrefix(r.stderr, tt.note+"\n") || !strings.HasPrefix(r.stdout, "POST ") {
			t.Errorf("%q --dry-run --no-preflight: exit %d, stderr\n%s", tt.args, r.code, r.stderr)
		}
		// Nothing changes anything (a collection restore still checks its
		// namespaces in the snapshot before that time), and no window is read.
		a.onlyRead()
		if a.count(opSchedule)+a.count(opGetCluster) != 0 {
			t.Errorf("%q --dry-run --no-preflight: requests %q", tt.args, a.requests())
		}
	}

	// An oplog timestamp is not a --point-in-time: no such line.
	a := newAtlas(t)
	r := a.run(append(slices.Clone(pit), "--oplog-ts", "1795518000", "--oplog-inc", "2", "--dry-run")...)
	if r.code != 0 || strings.Contains(r.stderr, "Point in time:") {
		t.Errorf("exit %d, stderr\n%s", r.code, r.stderr)
	}
}

// A --point-in-time the tool cannot read is exit 2 before anything is
// sent, saying what to write instead; the same for a collection restore.
func TestRunPointInTimeRefused(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	for _, tt := range []struct {
		value, want string
	}{
		{"2026-11-24T09:30:00", `^Error: --point-in-time "2026-11-24T09:30:00": has no time zone; add Z for UTC \(2026-11-24T09:30:00Z\) or an offset such as \+01:00$`},
		{"1795516200000", `^Error: --point-in-time 1795516200000: looks like milliseconds since the epoch; give seconds \(1795516200\) or an RFC 3339 time such as 2026-11-24T10:00:00Z$`},
		{"-0m", `^Error: --point-in-time "-0m": a time relative to now is a minus sign and a duration of s, m, h and d units, such as -90m, -2h or -1d12h$`},
		{"-1x", `^Error: --point-in-time "-1x": a time relative to now `},
		{"-", `^Error: --point-in-time "-": a time relative to now `},
		{"--", `^Error: --point-in-time "--": a time relative to now `},
		{"2026-11-24T12:00:01Z", `^Error: --point-in-time "2026-11-24T12:00:01Z": is in the future \(now is 2026-11-24T12:00:00Z\)$`},
		{"2007-12-31T23:59:59Z", `^Error: --point-in-time "2007-12-31T23:59:59Z": must be 1199145600 \(2008-01-01T00:00:00Z\) or later$`},
		{"1199145599", `^Error: --point-in-time "1199145599": must be 1199145600 \(2008-01-01T00:00:00Z\) or later$`},
	} {
		for _, args := range [][]string{
			{"restore", "create", "--delivery-type", "pointInTime", "--cluster", "demo", "--target-cluster", "demo", "--yes", "--point-in-time=" + tt.value},
			{"restore", "create", "--cluster", "demo", "--database", "sales", "--point-in-time=" + tt.value},
		} {
			r := a.run(args...)
			r.check(t, exitUsage, nil, []string{tt.want})
			if r.stdout != "" || strings.Contains(r.stderr, "Point in time:") {
				t.Errorf("%q: stdout %q, stderr %q", args, r.stdout, r.stderr)
			}
		}
	}
	a.nothingSent()
}

// The window check: continuous cloud backup off, or a time outside the
// window, is exit 2 naming the cluster and the window (or what to do
// instead), and nothing is created; --no-preflight leaves it to Atlas
// (400, exit 5).
func TestRunPointInTimeWindowCheck(t *testing.T) {
	t.Parallel()
	pit := func(cluster, at string, more ...string) []string {
		return append([]string{"restore", "create", "--delivery-type", "pointInTime", "--cluster", cluster, "--target-cluster", "demo", "--yes", "--point-in-time", at}, more...)
	}
	coll := func(cluster, at string, more ...string) []string {
		return append([]string{"restore", "create", "--cluster", cluster, "--target-cluster", "demo", "--collection", "sales.orders", "--point-in-time", at}, more...)
	}
	const offMsg = `^Error: continuous cloud backup is off for cluster analytics, so it cannot be restored to a point in time \(2026-11-24T09:00:00Z\); ` +
		`restore one of its snapshots instead \(see atlas-backup snapshot list --cluster analytics\) \(nothing was created; --no-preflight skips this check\)$`
	const outsideSharded = `^Error: 2026-11-23T06:00:00Z is outside cluster demo-sharded's restore window, 2026-11-23T08:00:00Z to 2026-11-24T12:00:00Z ` +
		`\(derived: the later of now minus restoreWindowDays 2 and the oldest completed snapshot; Atlas is the final judge\) \(nothing was created; --no-preflight skips this check\)$`
	const outsideDemo = `^Error: 2026-11-17T11:59:59Z is outside cluster demo's restore window, 2026-11-17T12:00:00Z to 2026-11-24T12:00:00Z \(derived: `
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"off", pit("analytics", "-3h"), offMsg},
		{"off, collections", coll("analytics", "-3h"), offMsg},
		{"before a 2-day window", pit("demo-sharded", "-30h"), outsideSharded},
		{"before a 2-day window, collections", coll("demo-sharded", "-30h"), outsideSharded},
		{"a second before a 7-day window", pit("demo", "2026-11-17T11:59:59Z"), outsideDemo},
		{"a second before, collections", coll("demo", "1794916799"), outsideDemo},
		// An oplog timestamp is a time too.
		{"oplog timestamp a second before", []string{"restore", "create", "--delivery-type", "pointInTime", "--cluster", "demo", "--target-cluster", "demo",
			"--yes", "--oplog-ts", "1794916799", "--oplog-inc", "1"}, outsideDemo},
		{"oplog timestamp, off, collections", []string{"restore", "create", "--cluster", "analytics", "--database", "sales",
			"--oplog-ts", "1795510800", "--oplog-inc", "1"}, offMsg},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			r := a.run(tt.args...)
			r.check(t, exitUsage, nil, []string{tt.want})
			if r.stdout != "" {
				t.Errorf("stdout %q", r.stdout)
			}
			a.onlyRead()
			// The window was read, and nothing after the refusal.
			equalOps(t, a.requests(), "GET "+opGetCluster, "GET "+opSchedule, "GET "+opListSnaps)
		})
	}

	// At the window's first second, and at now: accepted.
	a := newAtlas(t)
	r := a.run(pit("demo", "2026-11-17T12:00:00Z")...)
	r.check(t, 0, []string{` pointInTime +Pending `}, nil)
	r = a.run(coll("demo-sharded", "2026-11-23T08:00:00Z", "--target-cluster", "demo-sharded")...)
	r.check(t, 0, []string{`^[0-9a-f]{24} +INITIALIZING `}, nil)

	// --no-preflight: no window read; Atlas refuses (exit 5).
	for _, tt := range []struct {
		args []string
		want string
	}{
		{pit("analytics", "-3h", "--no-preflight"), `^Error: 400 PIT_NOT_ENABLED: `},
		{pit("demo", "2026-11-01T00:00:00Z", "--no-preflight"), `^Error: 400 INVALID_POINT_IN_TIME: `},
		{coll("analytics", "-3h", "--no-preflight"), `^Error: 400 PIT_NOT_ENABLED: `},
	} {
		a := newAtlas(t)
		r := a.run(tt.args...)
		r.check(t, exitRefused, nil, []string{tt.want})
		if a.count(opSchedule) != 0 || a.count(opGetCluster) != 0 {
			t.Errorf("%q: --no-preflight read %q", tt.args, a.requests())
		}
	}
}

// preflightCase is a restore that overwrites, refused at the prompt (the
// wrong name typed): the reads before it, in order, and what it showed.
type preflightCase struct {
	name   string
	args   []string
	reads  []string // the operations read, in order, all before the prompt
	prompt []string // regexps the prompt's text matches
}

var (
	demoWindowReads = []string{"GET " + opGetCluster, "GET " + opSchedule, "GET " + opListSnaps}
	intoDemo        = `^  into  cluster demo of project ` + harnessProjectID + `: REPLICASET, MongoDB 8.0.4, idle$`
)

func restoreArgs(deliveryType string, more ...string) []string {
	return append([]string{"restore", "create", "--delivery-type", deliveryType, "--cluster", "demo"}, more...)
}

// Every lookup comes before the prompt; the prompt shows what they found;
// a "no" sends nothing. Confirmed: the same lookups, then the create.
func TestRunPreflightBeforePrompt(t *testing.T) {
	t.Parallel()
	for _, tt := range []preflightCase{{
		name:  "automated, snapshot by ID",
		args:  restoreArgs("automated", "--snapshot-id", demoOlder, "--target-cluster", "demo"),
		reads: []string{"GET " + opGetSnap, "GET " + opGetCluster},
		prompt: []string{`^This restore OVERWRITES EVERY DATABASE on the target:$`,
			`^  from  snapshot ` + demoOlder + ` of demo, taken 2026-11-23 10:00:00 UTC \(1d2h ago\)$`, intoDemo},
	}, {
		name:   "automated, latest",
		args:   restoreArgs("automated", "--snapshot-id", "latest", "--target-cluster", "demo"),
		reads:  []string{"GET " + opListSnaps, "GET " + opGetCluster},
		prompt: []string{`^  from  snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)$`, intoDemo},
	}, {
		name:  "automated, into another project",
		args:  restoreArgs("automated", "--snapshot-id", "latest", "--target-cluster", "staging", "--target-project-id", sandbox.DemoStagingID),
		reads: []string{"GET " + opListSnaps, "GET " + opGetCluster},
		prompt: []string{`^  from  snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)$`,
			`^  into  cluster staging of project ` + sandbox.DemoStagingID + `: REPLICASET, MongoDB 8.0.4, idle$`},
	}, {
		name:   "automated, new snapshot",
		args:   restoreArgs("automated", "--snapshot-id", "new", "--target-cluster", "demo"),
		reads:  []string{"GET " + opGetCluster, "GET " + opGetCluster}, // the source (can it take a snapshot?), the target
		prompt: []string{`^  from  a new on-demand snapshot of demo, taken before the restore starts$`, intoDemo},
	}, {
		name:   "pointInTime",
		args:   restoreArgs("pointInTime", "--point-in-time", "-3h", "--target-cluster", "demo"),
		reads:  append(slices.Clone(demoWindowReads), "GET "+opGetCluster),
		prompt: []string{`^  from  cluster demo as it was at 2026-11-24T09:00:00Z \(3h ago\)$`, intoDemo},
	}, {
		name:   "pointInTime, oplog timestamp",
		args:   restoreArgs("pointInTime", "--oplog-ts", "1795514400", "--oplog-inc", "5", "--target-cluster", "demo"),
		reads:  append(slices.Clone(demoWindowReads), "GET "+opGetCluster),
		prompt: []string{`^  from  cluster demo as it was at oplog timestamp 1795514400:5$`, intoDemo},
	}, {
		name: "collections, overwrite-existing, latest",
		args: []string{"restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--collection", "sales.orders",
			"--write-strategy", "overwrite-existing"},
		reads: []string{"GET " + opListSnaps, "GET " + opGetCluster, "GET " + opSnapDBs, "GET " + opSnapColls},
		prompt: []string{`^This restore DROPS AND REPLACES these namespaces on cluster demo \(project ` + harnessProjectID + `\):$`,
			`^  sales\.orders$`, `snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)`},
	}, {
		name: "collections, overwrite-existing, point in time",
		args: []string{"restore", "create", "--cluster", "demo", "--point-in-time", "-3h", "--database", "sales",
			"--write-strategy", "overwrite-existing"},
		reads: append(slices.Clone(demoWindowReads), "GET "+opGetCluster, "GET "+opListSnaps, "GET "+opSnapDBs),
		prompt: []string{`^  every collection of database sales the snapshot has$`,
			`cluster demo as it was at 2026-11-24T09:00:00Z \(3h ago\)`},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			r := a.runSpec(runSpec{stdinTTY: true, stdin: "dmeo\n"}, tt.args...)
			r.check(t, exitUsage, nil, append(slices.Clone(tt.prompt),
				`Type the cluster name to continue: Error: confirmation "dmeo" does not match cluster "(demo|staging)": nothing was sent$`))
			if r.stdout != "" {
				t.Errorf("stdout %q", r.stdout)
			}
			equalOps(t, a.requests(), tt.reads...)

			// Confirmed: the same reads, then what changes something (a new
			// snapshot, waited for as the clock moves on, then the create),
			// and only then.
			a = newAtlas(t)
			a.after(opGetSnap, func() { a.sb.Advance(time.Hour) })
			target := "demo"
			if i := slices.Index(tt.args, "--target-cluster"); i >= 0 {
				target = tt.args[i+1]
			}
			args := tt.args
			if slices.Contains(args, "new") {
				args = append(slices.Clone(args), "--interval", "1ms")
			}
			r = a.runSpec(runSpec{stdinTTY: true, stdin: target + "\n"}, args...)
			if r.code != 0 {
				t.Fatalf("confirmed: exit %d, stderr\n%s", r.code, r.stderr)
			}
			got := a.requests()
			if len(got) < len(tt.reads) || !slices.Equal(got[:len(tt.reads)], tt.reads) {
				t.Errorf("confirmed: requests %q, want %q first", got, tt.reads)
			}
			if posts := a.writes(); len(posts) == 0 || got[len(got)-1] != posts[len(posts)-1] {
				t.Errorf("confirmed: requests %q, want a create at the end", got)
			}
		})
	}
}

// latest is resolved once: one snapshot list in all, whose newest
// completed snapshot is the one restored.
func TestRunPreflightLatestOnce(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(restoreArgs("automated", "--snapshot-id", "latest", "--target-cluster", "demo", "--yes")...)
	r.check(t, 0, []string{` automated +Pending +` + demoLatest + ` +demo `}, nil)
	equalOps(t, a.requests(), "GET "+opListSnaps, "GET "+opGetCluster, "POST "+opCreateRest)
	if body := a.body(opCreateRest); body["snapshotId"] != demoLatest {
		t.Errorf("body %v", body)
	}

	a = newAtlas(t)
	r = a.run("restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--collection", "sales.orders", "--write-strategy", "overwrite-existing", "--yes")
	r.check(t, 0, []string{`^[0-9a-f]{24} +INITIALIZING `}, nil)
	equalOps(t, a.requests(), "GET "+opListSnaps, "GET "+opGetCluster, "GET "+opSnapDBs, "GET "+opSnapColls, "POST "+opCreateColl)
	if body := a.body(opCreateColl); body["snapshotId"] != demoLatest {
		t.Errorf("body %v", body)
	}
}

// The target is checked before anything is asked: missing is exit 4
// naming --target-cluster with the closest name; paused or busy is exit 2
// naming its state. No question, nothing created.
func TestRunPreflightTarget(t *testing.T) {
	t.Parallel()
	const refusedNote = ` \(nothing was created; --no-preflight skips this check\)$`
	paused := `^Error: target cluster warehouse \(project ` + sandbox.DemoStagingID + `\) is paused: resume it before restoring into it` + refusedNote
	updating := `^Error: target cluster analytics \(project ` + harnessProjectID + `\) is UPDATING, not IDLE: wait until Atlas has finished with it` + refusedNote
	creating := `^Error: target cluster onboarding \(project ` + sandbox.DemoStagingID + `\) is CREATING, not IDLE: wait until Atlas has finished with it` + refusedNote
	missing := `^Error: --target-cluster demoo: 404 CLUSTER_NOT_FOUND: `
	staging := []string{"--target-project-id", sandbox.DemoStagingID}
	for _, tt := range []struct {
		name   string
		target []string
		code   int
		want   []string
	}{
		{"missing", []string{"--target-cluster", "demoo"}, exitNotFound, []string{missing, `did you mean demo\?`}},
		{"paused", append([]string{"--target-cluster", "warehouse"}, staging...), exitUsage, []string{paused}},
		{"updating", []string{"--target-cluster", "analytics"}, exitUsage, []string{updating}},
		{"creating", append([]string{"--target-cluster", "onboarding"}, staging...), exitUsage, []string{creating}},
	} {
		for _, source := range [][]string{
			restoreArgs("automated", "--snapshot-id", "latest"),
			restoreArgs("automated", "--snapshot-id", "new"),
			restoreArgs("pointInTime", "--point-in-time", "-1h"),
			{"restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--collection", "sales.orders", "--write-strategy", "overwrite-existing"},
		} {
			args := append(slices.Clone(source), tt.target...)
			t.Run(tt.name+" "+strings.Join(source[2:], " "), func(t *testing.T) {
				t.Parallel()
				a := newAtlas(t)
				r := a.runSpec(runSpec{stdinTTY: true, stdin: "demo\nwarehouse\nanalytics\nonboarding\n"}, args...)
				r.check(t, tt.code, nil, tt.want)
				if strings.Contains(r.stderr, "Type the cluster name") || strings.Contains(r.stderr, "OVERWRITES") || strings.Contains(r.stderr, "DROPS AND REPLACES") {
					t.Errorf("asked before refusing:\n%s", r.stderr)
				}
				if r.stdout != "" {
					t.Errorf("stdout %q", r.stdout)
				}
				a.onlyRead()
			})
		}
	}
}

// Mismatches Atlas may refuse are warnings on stderr, shown before the
// question: a sharded cluster's snapshot into a replica set (and the
// reverse), and a snapshot of a newer MongoDB than the target's (legacy
// runs 7.0.15; its backup is off, but it can be restored into).
func TestRunPreflightWarnings(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		args    []string
		warning string
		into    string
	}{{
		"sharded into a replica set",
		[]string{"restore", "create", "--delivery-type", "automated", "--cluster", "demo-sharded", "--snapshot-id", "latest", "--target-cluster", "demo"},
		`^Warning: the source is a sharded cluster and target cluster demo is a replica set \(REPLICASET\): Atlas may refuse the restore$`,
		intoDemo,
	}, {
		"sharded point in time into a replica set",
		[]string{"restore", "create", "--delivery-type", "pointInTime", "--cluster", "demo-sharded", "--point-in-time", "-1h", "--target-cluster", "demo"},
		`^Warning: the source is a sharded cluster and target cluster demo is a replica set \(REPLICASET\): Atlas may refuse the restore$`,
		intoDemo,
	}, {
		"replica set into a sharded cluster",
		restoreArgs("automated", "--snapshot-id", demoOlder, "--target-cluster", "demo-sharded"),
		`^Warning: the source is a replica set and target cluster demo-sharded is a sharded cluster \(SHARDED\): Atlas may refuse the restore$`,
		`^  into  cluster demo-sharded of project ` + harnessProjectID + `: SHARDED, MongoDB 8.0.4, idle$`,
	}, {
		"newer MongoDB",
		restoreArgs("automated", "--snapshot-id", "latest", "--target-cluster", "legacy"),
		`^Warning: the source was taken with MongoDB 8.0.4, newer than target cluster legacy's 7.0.15: Atlas may refuse the restore$`,
		`^  into  cluster legacy of project ` + harnessProjectID + `: REPLICASET, MongoDB 7.0.15, idle$`,
	}, {
		"newer MongoDB, collections",
		[]string{"restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--collection", "sales.orders", "--write-strategy", "overwrite-existing", "--target-cluster", "legacy"},
		`^Warning: the source was taken with MongoDB 8.0.4, newer than target cluster legacy's 7.0.15: Atlas may refuse the restore$`,
		`DROPS AND REPLACES these namespaces on cluster legacy`,
	}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			r := a.runSpec(runSpec{stdinTTY: true, stdin: "nope\n"}, tt.args...)
			r.check(t, exitUsage, nil, []string{tt.warning, tt.into, `does not match cluster`})
			saysBefore(t, r.stderr, "Warning: ", "Type the cluster name")
			a.onlyRead()

			// Warnings are not refusals: with --yes the restore is created,
			// and the warning is still said.
			a = newAtlas(t)
			r = a.run(append(slices.Clone(tt.args), "--yes")...)
			r.check(t, 0, nil, []string{tt.warning})
			if len(a.writes()) != 1 {
				t.Errorf("--yes: requests %q", a.requests())
			}
		})
	}
}

// The prompt of an overwrite-existing collection restore names the target
// as the pre-flight found it: its project, name, type and MongoDB version,
// as the prompt of a whole-cluster restore does.
func TestRunPreflightCollectionPromptNamesTarget(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.runSpec(runSpec{stdinTTY: true, stdin: "nope\n"}, "restore", "create", "--cluster", "demo", "--snapshot-id", demoOlder,
		"--collection", "sales.orders", "--write-strategy", "overwrite-existing", "--target-cluster", "legacy")
	r.check(t, exitUsage, nil, []string{
		`snapshot ` + demoOlder + ` of demo, taken 2026-11-23 10:00:00 UTC \(1d2h ago\)`,
		`cluster legacy .*` + harnessProjectID,
		`REPLICASET`,
		`MongoDB 7\.0\.15`,
	})
	saysBefore(t, r.stderr, "Warning: ", "Type the cluster name")
}

// Without a terminal and without --yes: the pre-flight's reads, what they
// found on stderr, then exit 2 saying to add --yes; nothing but reads.
func TestRunPreflightNoTerminal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		args  []string
		from  string
		error string
	}{{
		"automated",
		restoreArgs("automated", "--snapshot-id", "latest", "--target-cluster", "demo"),
		`^  from  snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)$`,
		`^Error: this restore overwrites every database on cluster demo \(project ` + harnessProjectID + `\), and there is no terminal to confirm on: add --yes to go ahead$`,
	}, {
		"pointInTime",
		restoreArgs("pointInTime", "--point-in-time", "-2h", "--target-cluster", "demo"),
		`^  from  cluster demo as it was at 2026-11-24T10:00:00Z \(2h ago\)$`,
		`^Error: this restore overwrites every database on cluster demo \(project ` + harnessProjectID + `\), and there is no terminal to confirm on: add --yes to go ahead$`,
	}, {
		"collections, overwrite-existing",
		[]string{"restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--collection", "sales.orders", "--write-strategy", "overwrite-existing"},
		`^  from  snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)$`,
		`^Error: this restore drops and replaces 1 namespace\(s\) on cluster demo \(project ` + harnessProjectID + `\) \(--write-strategy overwrite-existing\), and there is no terminal to confirm on: add --yes to go ahead$`,
	}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			r := a.run(tt.args...)
			r.check(t, exitUsage, nil, []string{`^Pre-flight:$`, tt.from, intoDemo, tt.error})
			saysBefore(t, r.stderr, "Pre-flight:", "Error: ")
			if r.stdout != "" {
				t.Errorf("stdout %q", r.stdout)
			}
			if len(a.requests()) == 0 {
				t.Error("no pre-flight reads")
			}
			a.onlyRead()
		})
	}
}

// --dry-run makes the same reads, prints what they found on stderr and the
// request on stdout, asks nothing and creates nothing.
func TestRunPreflightDryRun(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		args  []string
		reads []string
		from  string
		body  string
	}{{
		"automated, latest",
		restoreArgs("automated", "--snapshot-id", "latest", "--target-cluster", "demo-sharded"),
		[]string{"GET " + opListSnaps, "GET " + opGetCluster},
		`^  from  snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)$`,
		`{"deliveryType":"automated","snapshotId":"` + demoLatest + `","targetClusterName":"demo-sharded","targetGroupId":"` + harnessProjectID + `"}`,
	}, {
		"pointInTime",
		[]string{"restore", "create", "--delivery-type", "pointInTime", "--cluster", "demo", "--point-in-time", "-2h", "--target-cluster", "demo-sharded"},
		append(slices.Clone(demoWindowReads), "GET "+opGetCluster),
		`^  from  cluster demo as it was at 2026-11-24T10:00:00Z \(2h ago\)$`,
		`{"deliveryType":"pointInTime","targetClusterName":"demo-sharded","targetGroupId":"` + harnessProjectID + `","pointInTimeUTCSeconds":1795514400}`,
	}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			r := a.runSpec(runSpec{stdinTTY: true}, append(slices.Clone(tt.args), "--dry-run")...)
			r.check(t, 0, []string{`^POST ` + quoteRE(a.URL) + `/api/atlas/v2/groups/` + harnessProjectID + `/clusters/demo/backup/restoreJobs$`},
				[]string{`^Pre-flight:$`, tt.from,
					`^  into  cluster demo-sharded of project ` + harnessProjectID + `: SHARDED, MongoDB 8.0.4, idle$`,
					`^Warning: the source is a replica set and target cluster demo-sharded is a sharded cluster \(SHARDED\): Atlas may refuse the restore$`})
			if strings.Contains(r.stderr, "Type the cluster name") {
				t.Errorf("--dry-run asked:\n%s", r.stderr)
			}
			body := r.stdout[strings.Index(r.stdout, "\n{")+1:]
			if compactJSON(t, body) != tt.body {
				t.Errorf("body %s, want %s", compactJSON(t, body), tt.body)
			}
			equalOps(t, a.requests(), tt.reads...)

			// The same reads as without --dry-run, refused at the prompt.
			b := newAtlas(t)
			b.runSpec(runSpec{stdinTTY: true, stdin: "no\n"}, tt.args...)
			equalOps(t, a.requests(), b.requests()...)
		})
	}

	// A refusal of the pre-flight stops a dry run too.
	a := newAtlas(t)
	r := a.run(restoreArgs("automated", "--snapshot-id", "latest", "--target-cluster", "analytics", "--dry-run")...)
	r.check(t, exitUsage, nil, []string{`is UPDATING, not IDLE`})
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
}

// --no-preflight sends no lookup: the prompt says what the flags say; the
// refusal sends nothing at all.
func TestRunNoPreflight(t *testing.T) {
	t.Parallel()
	into := `^This restore OVERWRITES EVERY DATABASE on cluster demo-sharded \(project ` + harnessProjectID + `\)$`
	for _, tt := range []struct {
		args []string
		with string
	}{
		{restoreArgs("automated", "--snapshot-id", demoOlder), `^with snapshot ` + demoOlder + `\.$`},
		{restoreArgs("automated", "--snapshot-id", "latest"), `^with the latest completed snapshot of demo\.$`},
		{restoreArgs("automated", "--snapshot-id", "new"), `^with a new on-demand snapshot of demo, taken before the restore starts\.$`},
		{restoreArgs("pointInTime", "--point-in-time", "-2h"), `^with cluster demo as it was at 2026-11-24T10:00:00Z \(2h ago\)\.$`},
	} {
		a := newAtlas(t)
		args := append(slices.Clone(tt.args), "--target-cluster", "demo-sharded", "--no-preflight")
		r := a.runSpec(runSpec{stdinTTY: true, stdin: "no\n"}, args...)
		r.check(t, exitUsage, nil, []string{into, tt.with, `does not match cluster "demo-sharded": nothing was sent$`})
		if strings.Contains(r.stderr, "Warning:") || strings.Contains(r.stderr, "  into  ") {
			t.Errorf("%q: a finding without a lookup:\n%s", args, r.stderr)
		}
		a.nothingSent()
	}

	// With --yes: the create only, even into a busy cluster (Atlas decides).
	a := newAtlas(t)
	r := a.run(restoreArgs("automated", "--snapshot-id", demoOlder, "--target-cluster", "analytics", "--yes", "--no-preflight")...)
	r.check(t, 0, []string{` automated +Pending +` + demoOlder + ` +analytics `}, nil)
	equalOps(t, a.requests(), "POST "+opCreateRest)

	// A collection restore: no target read; the namespaces are still
	// checked in the snapshot (that is not the pre-flight).
	a = newAtlas(t)
	r = a.runSpec(runSpec{stdinTTY: true, stdin: "no\n"}, "restore", "create", "--cluster", "demo", "--snapshot-id", demoOlder,
		"--collection", "sales.orders", "--write-strategy", "overwrite-existing", "--no-preflight")
	r.check(t, exitUsage, nil, []string{`^with snapshot ` + demoOlder + `\.$`})
	if a.count(opGetCluster) != 0 || len(a.writes()) != 0 {
		t.Errorf("requests %q", a.requests())
	}
}
