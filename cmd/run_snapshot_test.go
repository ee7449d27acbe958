package cmd

// snapshot create, and --snapshot-id new on restore create (download,
// automated, collection level) and export create (one cluster or several),
// run in-process against the sandbox, whose clock moves only when a test
// says so.

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

const newSnapshotBody = `{"description":"atlas-backup on-demand snapshot","retentionInDays":1}`

// takenSnapshots are the IDs of the snapshots followed (read one by one),
// in the order first read.
func (a *atlas) takenSnapshots() []string {
	var ids []string
	for _, r := range a.sb.Requests() {
		if r.Operation == opGetSnap && !slices.Contains(ids, path.Base(r.Path)) {
			ids = append(ids, path.Base(r.Path))
		}
	}
	return ids
}

// completeOnCheck moves the sandbox's clock past a snapshot's duration when
// it is first checked: the next check sees it ended.
func (a *atlas) completeOnCheck() {
	a.after(opGetSnap, func() { a.sb.Advance(time.Hour) })
}

// compactBody is the JSON body of the request, compacted.
func compactBody(t *testing.T, body []byte) string {
	t.Helper()
	return compactJSON(t, string(body))
}

func TestRunSnapshotCreate(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("snapshot", "create", "--cluster", "demo")
	r.check(t, 0, []string{`^ID +STATUS +TYPE +CREATED \(UTC\) +SIZE$`, `^[0-9a-f]{24} +queued +onDemand +- +0 B$`}, nil)
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	equalOps(t, a.requests(), "POST "+opTakeSnap)
	req := a.last(opTakeSnap)
	if req.Path != "/api/atlas/v2/groups/"+harnessProjectID+"/clusters/demo/backup/snapshots" || compactBody(t, req.Body) != newSnapshotBody {
		t.Errorf("sent %s %s", req.Path, req.Body)
	}
	first := strings.Fields(strings.Split(r.stdout, "\n")[1])[0]

	// One at a time: Atlas refuses a second while the first is queued.
	r = a.run("snapshot", "create", "--cluster", "demo", "--retention", "7", "--description", "before the migration")
	r.check(t, exitRefused, nil, []string{`^Error: 400 ON_DEMAND_SNAPSHOT_IN_PROGRESS: On-demand snapshot ` + first + ` of cluster demo is still being taken`})
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}

	// --reuse follows it instead: no POST, its state on stderr.
	n := len(a.requests())
	r = a.run("snapshot", "create", "--cluster", "demo", "--reuse", "-o", "go-template={{.id}} {{.status}}")
	r.check(t, 0, []string{`^` + first + ` queued$`}, []string{`^reusing snapshot ` + first + ` \(queued\)$`})
	equalOps(t, a.ops(n), "GET "+opListSnaps)
	a.sb.Advance(15 * time.Minute) // past its first fifth: inProgress
	r = a.run("snapshot", "create", "--cluster", "demo", "--reuse", "--retention", "3")
	r.check(t, 0, []string{`^` + first + ` +inProgress +onDemand `}, []string{`^reusing snapshot ` + first + ` \(inProgress\)$`})
	if a.count(opTakeSnap) != 2 {
		t.Errorf("requests %q", a.requests())
	}

	// Once it has ended, another: the flags go into the body; -o json is
	// Atlas's answer.
	a.sb.Advance(time.Hour)
	r = a.run("snapshot", "create", "--cluster", "demo", "--retention", "7", "--description", "before the migration", "-o", "json")
	var snap map[string]any
	r.jsonOut(t, &snap)
	if r.code != 0 || snap["status"] != "queued" || snap["description"] != "before the migration" || snap["snapshotType"] != "onDemand" || snap["id"] == first {
		t.Errorf("exit %d, stdout %s", r.code, r.stdout)
	}
	if got := compactBody(t, a.last(opTakeSnap).Body); got != `{"description":"before the migration","retentionInDays":7}` {
		t.Errorf("body %s", got)
	}

	// --reuse with none running takes one.
	a.sb.Advance(time.Hour)
	n = len(a.requests())
	r = a.run("snapshot", "create", "--cluster", "demo-sharded", "--reuse")
	r.check(t, 0, []string{` +queued +onDemand `}, nil)
	equalOps(t, a.ops(n), "GET "+opListSnaps, "POST "+opTakeSnap)
}

// What is refused before anything is sent, and what Atlas refuses.
func TestRunSnapshotCreateRefused(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--retention", "0"}, `^Error: --retention 0: must be 1 or more \(days\)$`},
		{[]string{"--retention", "-3"}, `^Error: --retention -3: must be 1 or more \(days\)$`},
		{[]string{"--retention", "x"}, `^Error: .*--retention`},
	} {
		r := a.run(append([]string{"snapshot", "create", "--cluster", "demo"}, tt.args...)...)
		r.check(t, exitUsage, nil, []string{tt.want})
	}
	a.nothingSent()

	// Backup off: Atlas refuses (exit 5), and says so.
	r := a.run("snapshot", "create", "--cluster", "legacy")
	r.check(t, exitRefused, nil, []string{`^Error: 400 BACKUP_NOT_ENABLED: .*legacy`})
	equalOps(t, a.requests(), "POST "+opTakeSnap)
}

// --dry-run prints the request and sends nothing.
func TestRunSnapshotCreateDryRun(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("snapshot", "create", "--cluster", "demo", "--retention", "5", "--description", "nightly", "--dry-run")
	r.check(t, 0, []string{`^POST ` + quoteRE(a.URL) + `/api/atlas/v2/groups/` + harnessProjectID + `/clusters/demo/backup/snapshots$`,
		`^Authorization: Bearer REDACTED$`}, nil)
	if got := compactJSON(t, r.stdout[strings.Index(r.stdout, "\n{")+1:]); got != `{"description":"nightly","retentionInDays":5}` {
		t.Errorf("body %s", got)
	}
	a.nothingSent()
}

// --watch follows the snapshot: completed is exit 0, failed exit 6, and a
// timeout exit 7 with the command that resumes.
func TestRunSnapshotCreateWatch(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.completeOnCheck()
	r := a.run("snapshot", "create", "--cluster", "demo", "--watch", "--interval", "1ms")
	r.check(t, 0, []string{`^[0-9a-f]{24} +completed +onDemand +2026-11-24 12:30:00 +\S+ GiB$`},
		[]string{`^snapshot [0-9a-f]{24}: queued$`, `^snapshot [0-9a-f]{24}: completed$`})
	ids := a.takenSnapshots()
	if len(ids) != 1 || !strings.HasPrefix(r.stdout[strings.Index(r.stdout, "\n")+1:], ids[0]+" ") {
		t.Errorf("followed %q, printed\n%s", ids, r.stdout)
	}

	// --reuse --watch follows the one being taken.
	a.sb.Advance(time.Hour)
	if r := a.run("snapshot", "create", "--cluster", "demo", "-q"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	a.completeOnCheck()
	n := len(a.requests())
	r = a.run("snapshot", "create", "--cluster", "demo", "--reuse", "--watch", "--interval", "1ms", "-o", "go-template={{.status}}")
	r.check(t, 0, []string{`^completed$`}, []string{`^reusing snapshot [0-9a-f]{24} \(queued\)$`})
	if slices.Contains(a.ops(n), "POST "+opTakeSnap) {
		t.Errorf("requests %q", a.ops(n))
	}

	// Its timeout: exit 7, the snapshot keeps being taken.
	a.sb.Advance(time.Hour)
	r = a.run("snapshot", "create", "--cluster", "demo", "--watch", "--interval", "1ms", "--watch-timeout", watchTimeout)
	r.checkTimeout(t, "queued")
	r.check(t, exitTimeout, nil, []string{`Resume with: atlas-backup snapshot watch [0-9a-f]{24} --cluster demo`})

	b := newAtlas(t, sandbox.WithSnapshotOutcome(sandbox.OutcomeFailed))
	b.completeOnCheck()
	r = b.run("snapshot", "create", "--cluster", "demo", "--watch", "--interval", "1ms")
	id := b.takenSnapshots()
	r.check(t, exitFailed, []string{` +failed +onDemand `}, []string{`^snapshot [0-9a-f]{24}: failed$`})
	if len(id) != 1 || !strings.Contains(r.stderr, "Error: snapshot "+id[0]+" ended failed") {
		t.Errorf("stderr %q, want snapshot %q named", r.stderr, id)
	}
}

// newCase is a create with --snapshot-id new: the requests it sends, in
// order (the snapshot taken and followed, then the job created from it).
type newCase struct {
	name    string
	args    []string
	spec    runSpec
	ops     []string // with "TAKE" for the snapshot's POST and two checks
	create  string   // the create's operation
	idField string   // the field of the create's body that names the snapshot
}

func expandTake(ops []string) []string {
	var out []string
	for _, op := range ops {
		if op == "TAKE" {
			out = append(out, "GET "+opListSnaps, "POST "+opTakeSnap, "GET "+opGetSnap, "GET "+opGetSnap)
			continue
		}
		out = append(out, op)
	}
	return out
}

// A snapshot is taken, with --snapshot-retention, waited for (progress on
// stderr), and the job is created from it, for each command that takes
// new; an overwriting one only after the question is answered (or --yes).
func TestRunSnapshotNew(t *testing.T) {
	t.Parallel()
	reads := []string{"GET " + opGetCluster, "GET " + opGetCluster} // the pre-flight: the source (can it take a snapshot?), the target
	for _, tt := range []newCase{{
		name:   "download",
		args:   []string{"restore", "create", "--delivery-type", "download", "--cluster", "demo"},
		ops:    []string{"TAKE", "POST " + opCreateRest},
		create: opCreateRest, idField: "snapshotId",
	}, {
		name:   "automated, --yes",
		args:   []string{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--target-cluster", "demo-sharded", "--yes"},
		ops:    append(slices.Clone(reads), "TAKE", "POST "+opCreateRest),
		create: opCreateRest, idField: "snapshotId",
	}, {
		name:   "automated, confirmed on a terminal",
		args:   []string{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--target-cluster", "demo-sharded"},
		spec:   runSpec{stdinTTY: true, stdin: "demo-sharded\n"},
		ops:    append(slices.Clone(reads), "TAKE", "POST "+opCreateRest),
		create: opCreateRest, idField: "snapshotId",
	}, {
		name:   "collections",
		args:   []string{"restore", "create", "--cluster", "demo", "--database", "sales"},
		ops:    []string{"TAKE", "GET " + opSnapDBs, "POST " + opCreateColl},
		create: opCreateColl, idField: "snapshotId",
	}, {
		name: "collections, overwrite-existing, confirmed on a terminal",
		args: []string{"restore", "create", "--cluster", "demo", "--collection", "sales.orders", "--write-strategy", "overwrite-existing"},
		spec: runSpec{stdinTTY: true, stdin: "demo\n"},
		ops: append(slices.Clone(reads), "TAKE", "GET "+opSnapDBs, "GET "+opSnapColls,
			"POST "+opCreateColl),
		create: opCreateColl, idField: "snapshotId",
	}, {
		name:   "export",
		args:   []string{"export", "create", "--cluster", "demo", "--bucket-id", sandbox.DemoBucketID},
		ops:    []string{"TAKE", "POST " + opCreateExp},
		create: opCreateExp, idField: "snapshotId",
	}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAtlas(t)
			a.completeOnCheck()
			r := a.runSpec(tt.spec, append(slices.Clone(tt.args), "--snapshot-id", "new", "--snapshot-retention", "3", "--interval", "1ms")...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr\n%s", r.code, r.stderr)
			}
			equalOps(t, a.requests(), expandTake(tt.ops)...)
			ids := a.takenSnapshots()
			if len(ids) != 1 {
				t.Fatalf("snapshots followed: %q", ids)
			}
			id := ids[0]
			if got := compactBody(t, a.last(opTakeSnap).Body); got != `{"description":"atlas-backup on-demand snapshot","retentionInDays":3}` {
				t.Errorf("snapshot body %s", got)
			}
			if got := a.body(tt.create)[tt.idField]; got != id {
				t.Errorf("the job's %s is %v, want the new snapshot %s", tt.idField, got, id)
			}
			r.check(t, 0, []string{regexp.QuoteMeta(id) + `|[0-9a-f]{24}`}, []string{
				// (after the prompt's line, where a terminal echoes the answer)
				`(^|continue: )Taking on-demand snapshot ` + id + ` of demo; waiting until it is completed$`,
				`^snapshot ` + id + `: queued$`,
				`^snapshot ` + id + `: completed$`,
			})
			if tt.spec.stdinTTY { // asked first, then the snapshot
				if i, j := strings.Index(r.stderr, "Type the cluster name"), strings.Index(r.stderr, "Taking on-demand snapshot"); i < 0 || i > j {
					t.Errorf("stderr does not ask before taking the snapshot:\n%s", r.stderr)
				}
			}
			if tt.create == opCreateColl && !strings.HasPrefix(a.last(opSnapDBs).Path, "/api/atlas/v2/groups/"+harnessProjectID+"/clusters/demo/backup/snapshots/"+id+"/") {
				t.Errorf("namespaces looked up in %s, not the new snapshot", a.last(opSnapDBs).Path)
			}
		})
	}
}

// An overwriting restore from a new snapshot, with no terminal and no
// --yes: refused after the pre-flight's reads, and no snapshot is taken.
// A "no" on a terminal takes none either.
func TestRunSnapshotNewNotConfirmed(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--target-cluster", "demo", "--snapshot-id", "new"},
		{"restore", "create", "--cluster", "demo", "--collection", "sales.orders", "--write-strategy", "overwrite-existing", "--snapshot-id", "new"},
	} {
		a := newAtlas(t)
		r := a.run(args...)
		r.check(t, exitUsage, nil, []string{`there is no terminal to confirm on: add --yes to go ahead$`})
		r = a.runSpec(runSpec{stdinTTY: true, stdin: "nope\n"}, args...)
		r.check(t, exitUsage, nil, []string{`a new on-demand snapshot of demo, taken before the restore starts`, `does not match cluster "demo": nothing was sent$`})
		a.onlyRead()
		if a.count(opTakeSnap) != 0 || strings.Contains(r.stderr, "Taking on-demand snapshot") {
			t.Errorf("%q: a snapshot was taken: %q", args, a.requests())
		}
	}
}

// Several clusters: one snapshot each, both asked for before either
// completes (the clock moves on only once the second was asked for), and
// one export each from its own new snapshot.
func TestRunSnapshotNewFleet(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.after(opTakeSnap, func() { a.after(opTakeSnap, func() { a.sb.Advance(time.Hour) }) })
	r := a.run("export", "create", "--cluster", "demo,demo-sharded", "--snapshot-id", "new", "--bucket-id", sandbox.DemoBucketID,
		"--interval", "1ms", "--watch-timeout", "10s", "--snapshot-retention", "2", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr\n%s", r.code, r.stderr)
	}
	var out []struct {
		Cluster string
		Job     struct{ ID, SnapshotID string }
	}
	r.jsonOut(t, &out)
	if len(out) != 2 || out[0].Cluster != "demo" || out[1].Cluster != "demo-sharded" {
		t.Fatalf("stdout %s", r.stdout)
	}
	reqs := a.sb.Requests()
	lastTake, firstExport := -1, len(reqs)
	for i, req := range reqs {
		switch req.Operation {
		case opTakeSnap:
			lastTake = i
			if compactBody(t, req.Body) != `{"description":"atlas-backup on-demand snapshot","retentionInDays":2}` {
				t.Errorf("snapshot body %s", req.Body)
			}
		case opCreateExp:
			firstExport = min(firstExport, i)
		}
	}
	if a.count(opTakeSnap) != 2 || a.count(opCreateExp) != 2 || lastTake > firstExport {
		t.Errorf("requests %q: want both snapshots, then both exports", a.requests())
	}
	for _, e := range out {
		prefix := "/api/atlas/v2/groups/" + harnessProjectID + "/clusters/" + e.Cluster + "/backup/snapshots/"
		followed := false
		for _, req := range reqs {
			followed = followed || req.Operation == opGetSnap && req.Path == prefix+e.Job.SnapshotID
		}
		if !followed || slices.Contains(sandbox.SeedSnapshotIDs(e.Cluster), e.Job.SnapshotID) || e.Job.ID == "" {
			t.Errorf("%s: export %s of snapshot %s: not its own new snapshot", e.Cluster, e.Job.ID, e.Job.SnapshotID)
		}
		r.check(t, 0, nil, []string{`^` + e.Cluster + `: Taking on-demand snapshot ` + e.Job.SnapshotID + ` of ` + e.Cluster + `; waiting until it is completed$`})
	}
	if out[0].Job.SnapshotID == out[1].Job.SnapshotID {
		t.Errorf("one snapshot for both: %s", r.stdout)
	}
}

// --watch-timeout is the wait's too: exit 7, the command that follows the
// snapshot, and no job.
func TestRunSnapshotNewTimeout(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"export", "create", "--cluster", "demo", "--bucket-id", sandbox.DemoBucketID},
		{"restore", "create", "--delivery-type", "download", "--cluster", "demo"},
		{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--target-cluster", "demo", "--yes"},
		{"restore", "create", "--cluster", "demo", "--database", "sales"},
	} {
		a := newAtlas(t)
		r := a.run(append(slices.Clone(args), "--snapshot-id", "new", "--interval", "1ms", "--watch-timeout", watchTimeout)...)
		m := regexp.MustCompile(`(?m)^Taking on-demand snapshot ([0-9a-f]{24}) of demo; waiting until it is completed$`).FindStringSubmatch(r.stderr)
		if m == nil || a.count(opTakeSnap) != 1 {
			t.Fatalf("%q: no snapshot taken: %q; stderr\n%s", args, a.requests(), r.stderr)
		}
		// (On a loaded machine the wait may end before its first check
		// comes back.)
		r.check(t, exitTimeout, nil, []string{`^Error: stopped watching snapshot ` + m[1] + ` after 100ms, (while queued|before its first check); it keeps running. ` +
			`Resume with: atlas-backup snapshot watch ` + m[1] + ` --cluster demo --project-id ` + harnessProjectID + `; no job was created: once it is completed, run this command again with --snapshot-id ` + m[1] + `$`})
		if r.stdout != "" {
			t.Errorf("%q: stdout %q", args, r.stdout)
		}
		if n := a.count(opCreateRest) + a.count(opCreateExp) + a.count(opCreateColl); n != 0 {
			t.Errorf("%q: %d jobs created", args, n)
		}
	}
}

// A new snapshot that fails: exit 6 naming it, and no job.
func TestRunSnapshotNewFailed(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"export", "create", "--cluster", "demo", "--bucket-id", sandbox.DemoBucketID},
		{"restore", "create", "--delivery-type", "download", "--cluster", "demo"},
		{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--target-cluster", "demo", "--yes"},
		{"restore", "create", "--cluster", "demo", "--database", "sales"},
	} {
		a := newAtlas(t, sandbox.WithSnapshotOutcome(sandbox.OutcomeFailed))
		a.completeOnCheck()
		r := a.run(append(slices.Clone(args), "--snapshot-id", "new", "--interval", "1ms")...)
		ids := a.takenSnapshots()
		if len(ids) != 1 {
			t.Fatalf("%q: snapshots followed %q; stderr\n%s", args, ids, r.stderr)
		}
		r.check(t, exitFailed, nil, []string{`^snapshot ` + ids[0] + `: failed$`, `^Error: snapshot ` + ids[0] + ` ended failed; no job was created$`})
		if r.stdout != "" {
			t.Errorf("%q: stdout %q", args, r.stdout)
		}
		if n := a.count(opCreateRest) + a.count(opCreateExp) + a.count(opCreateColl); n != 0 {
			t.Errorf("%q: %d jobs created", args, n)
		}
	}

	// Several clusters: each names its own failed snapshot; exit 6.
	a := newAtlas(t, sandbox.WithSnapshotOutcome(sandbox.OutcomeFailed))
	a.after(opTakeSnap, func() { a.after(opTakeSnap, func() { a.sb.Advance(time.Hour) }) })
	r := a.run("export", "create", "--cluster", "demo,demo-sharded", "--snapshot-id", "new", "--bucket-id", sandbox.DemoBucketID, "--interval", "1ms", "--watch-timeout", "10s")
	r.check(t, exitFailed, nil, []string{`^Error: demo: snapshot [0-9a-f]{24} ended failed; no job was created$`,
		`^Error: demo-sharded: snapshot [0-9a-f]{24} ended failed; no job was created$`})
	if a.count(opCreateExp) != 0 {
		t.Errorf("requests %q", a.requests())
	}
}

// --dry-run with new sends nothing that changes anything: the snapshot
// request, then the job's with the placeholder ID.
func TestRunSnapshotNewDryRun(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		job  string // the job request's path, after the project
		body string
	}{
		{[]string{"restore", "create", "--delivery-type", "download", "--cluster", "demo"},
			"/clusters/demo/backup/restoreJobs", `{"deliveryType":"download","snapshotId":"NEW_SNAPSHOT_ID"}`},
		{[]string{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--target-cluster", "demo"},
			"/clusters/demo/backup/restoreJobs", `{"deliveryType":"automated","snapshotId":"NEW_SNAPSHOT_ID","targetClusterName":"demo","targetGroupId":"` + harnessProjectID + `"}`},
		{[]string{"restore", "create", "--cluster", "demo", "--database", "sales"},
			"/clusters/demo/collectionRestoreJobs", `"snapshotId":"NEW_SNAPSHOT_ID"`},
		{[]string{"export", "create", "--cluster", "demo", "--bucket-id", sandbox.DemoBucketID},
			"/clusters/demo/backup/exports", `{"snapshotId":"NEW_SNAPSHOT_ID","exportBucketId":"` + sandbox.DemoBucketID + `"}`},
	} {
		a := newAtlas(t)
		r := a.run(append(slices.Clone(tt.args), "--snapshot-id", "new", "--dry-run")...)
		if r.code != 0 {
			t.Fatalf("%q: exit %d, stderr\n%s", tt.args, r.code, r.stderr)
		}
		blocks := strings.Split(strings.TrimSpace(r.stdout), "\n\nPOST ")
		if len(blocks) != 2 {
			t.Fatalf("%q: stdout\n%s\nwant the snapshot request, then the job's", tt.args, r.stdout)
		}
		base := quoteRE(a.URL) + `/api/atlas/v2/groups/` + harnessProjectID
		if !regexp.MustCompile(`^POST `+base+`/clusters/demo/backup/snapshots\n`).MatchString(blocks[0]) ||
			compactJSON(t, blocks[0][strings.Index(blocks[0], "\n{")+1:]) != newSnapshotBody {
			t.Errorf("%q: snapshot request\n%s", tt.args, blocks[0])
		}
		body := compactJSON(t, blocks[1][strings.Index(blocks[1], "\n{")+1:])
		if !regexp.MustCompile(`^`+base+tt.job+`\n`).MatchString(blocks[1]) || !strings.Contains(body, tt.body) {
			t.Errorf("%q: job request\nPOST %s\nwant %s with %s", tt.args, blocks[1], tt.job, tt.body)
		}
		a.onlyRead()
		if strings.Contains(r.stderr, "Taking on-demand snapshot") {
			t.Errorf("%q: stderr\n%s", tt.args, r.stderr)
		}
	}

	// Several clusters: each one's two requests.
	a := newAtlas(t)
	r := a.run("export", "create", "--cluster", "demo,demo-sharded", "--snapshot-id", "new", "--bucket-id", sandbox.DemoBucketID, "--dry-run")
	r.check(t, 0, []string{`^POST .*/clusters/demo/backup/snapshots$`, `^POST .*/clusters/demo/backup/exports$`,
		`^POST .*/clusters/demo-sharded/backup/snapshots$`, `^POST .*/clusters/demo-sharded/backup/exports$`}, nil)
	if strings.Count(r.stdout, `"snapshotId": "NEW_SNAPSHOT_ID"`) != 2 {
		t.Errorf("stdout\n%s", r.stdout)
	}
	a.onlyRead()
}

// --snapshot-retention goes into the snapshot request a dry run shows, as
// into the one it sends.
func TestRunSnapshotNewDryRunRetention(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"restore", "create", "--delivery-type", "download", "--cluster", "demo"},
		{"restore", "create", "--cluster", "demo", "--database", "sales"},
		{"export", "create", "--cluster", "demo", "--bucket-id", sandbox.DemoBucketID},
		{"export", "create", "--cluster", "demo,demo-sharded", "--bucket-id", sandbox.DemoBucketID},
	} {
		a := newAtlas(t)
		r := a.run(append(slices.Clone(args), "--snapshot-id", "new", "--snapshot-retention", "3", "--dry-run")...)
		if r.code != 0 || !strings.Contains(r.stdout, `"retentionInDays": 3`) || strings.Contains(r.stdout, `"retentionInDays": 1`) {
			t.Errorf("%q --snapshot-retention 3 --dry-run: exit %d, stdout\n%s", args, r.code, r.stdout)
		}
	}
}

// --snapshot-retention is for --snapshot-id new only, and 1 or more: exit
// 2, nothing sent.
func TestRunSnapshotRetentionFlag(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	for _, args := range [][]string{
		{"restore", "create", "--delivery-type", "download", "--cluster", "demo", "--snapshot-id", "latest"},
		{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--snapshot-id", demoLatest, "--target-cluster", "demo", "--yes"},
		{"restore", "create", "--cluster", "demo", "--database", "sales", "--snapshot-id", "latest"},
		{"restore", "create", "--cluster", "demo", "--database", "sales", "--point-in-time", "-1h"},
		{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", sandbox.DemoBucketID},
	} {
		r := a.run(append(slices.Clone(args), "--snapshot-retention", "3")...)
		r.check(t, exitUsage, nil, []string{`^Error: --snapshot-retention: only with --snapshot-id new$`})
	}
	for _, days := range []string{"0", "-1"} {
		r := a.run("export", "create", "--cluster", "demo", "--snapshot-id", "new", "--bucket-id", sandbox.DemoBucketID, "--snapshot-retention", days)
		r.check(t, exitUsage, nil, []string{`^Error: --snapshot-retention ` + days + `: must be 1 or more \(days\)$`})
		r = a.run("restore", "create", "--delivery-type", "download", "--cluster", "demo", "--snapshot-id", "new", "--snapshot-retention", days)
		r.check(t, exitUsage, nil, []string{`^Error: --snapshot-retention ` + days + `: must be 1 or more \(days\)$`})
	}
	a.nothingSent()

	// --snapshot-id new with a time is not a thing: pointInTime takes no
	// snapshot, and a collection restore takes one source.
	r := a.run("restore", "create", "--delivery-type", "pointInTime", "--cluster", "demo", "--target-cluster", "demo", "--snapshot-id", "new", "--point-in-time", "-1h", "--yes")
	r.check(t, exitUsage, nil, []string{`^Error: --snapshot-id: not allowed with --delivery-type pointInTime`})
	r = a.run("restore", "create", "--cluster", "demo", "--database", "sales", "--snapshot-id", "new", "--point-in-time", "-1h")
	r.check(t, exitUsage, nil, []string{`give one source, not 2`})
	a.nothingSent()
}
