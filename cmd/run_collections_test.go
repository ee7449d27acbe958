package cmd

// Collection-level restores (restore create --collection/--database), the
// reads that know both kinds of restore job, and snapshot databases and
// collections, run in-process against the sandbox.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// Operations of the sandbox's log.
const (
	opCreateColl   = "createCollectionRestoreJob"
	opGetColl      = "getCollectionRestoreJob"
	opListColl     = "listCollectionRestoreJobs"
	opCollStates   = "listRestoreJobCollections"
	opSnapDBs      = "listBackupSnapshotDatabases"
	opSnapColls    = "listSnapshotDatabaseCollections"
	opListSnaps    = "listBackupSnapshots"
	opGetRestore   = "getBackupRestoreJob"
	opCancelRestor = "cancelBackupRestoreJob"
)

var collRestore = []string{"restore", "create", "--cluster", "demo", "--snapshot-id", "latest"}

// collJob starts a collection restore job of demo's latest snapshot (quiet)
// and returns its ID.
func (a *atlas) collJob(args ...string) string {
	a.t.Helper()
	r := a.run(append(append(slices.Clone(collRestore), args...), "-o", "go-template={{.id}}", "-q")...)
	if r.code != 0 {
		a.t.Fatalf("restore create %q: exit %d, stderr %q", args, r.code, r.stderr)
	}
	return r.stdout
}

// ops are the operations the sandbox received from the n-th request on.
func (a *atlas) ops(n int) []string {
	return a.requests()[n:]
}

func equalOps(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("requests\n got %q\nwant %q", got, want)
	}
}

// Two collections from latest, one into a new name: the snapshot is
// resolved, its databases listed once and each database's collections
// once, then the job is created; the table on stdout.
func TestRunCollectionRestoreCreate(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(append(collRestore, "--collection", "sales.orders", "--collection", "inventory.items=archive.items",
		"--collection", "sales.customers=sales.clients")...)
	r.check(t, 0, []string{
		`^ID +STATE +PROGRESS +NAMESPACES +TARGET +CREATED \(UTC\) +FINISHED \(UTC\)$`,
		`^[0-9a-f]{24} +INITIALIZING +0/\d+ +3 +demo +2026-11-24 12:00:00 +-$`,
	}, []string{`^Using the latest completed snapshot of demo: ` + demoLatest + ` \(taken 2026-11-24 10:00:00 UTC\)$`})
	equalOps(t, a.requests(), "GET "+opListSnaps, "GET "+opSnapDBs, "GET "+opSnapColls, "GET "+opSnapColls, "POST "+opCreateColl)
	req := a.last(opCreateColl)
	if !strings.HasSuffix(req.Path, "/groups/"+harnessProjectID+"/clusters/demo/collectionRestoreJobs") {
		t.Errorf("path %s", req.Path)
	}
	var body map[string]any
	json.Unmarshal(req.Body, &body)
	want := `{"collections":[{"sourceNamespace":"sales.orders"},{"sourceNamespace":"inventory.items","targetNamespace":"archive.items"},` +
		`{"sourceNamespace":"sales.customers","targetNamespace":"sales.clients"}],"indexStrategy":"ALL","snapshotId":"` + demoLatest +
		`","targetClusterName":"demo","targetGroupId":"` + harnessProjectID + `","writeStrategy":"CREATE_NEW"}`
	if got, _ := json.Marshal(body); string(got) != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}

	// Every option, from a point in time, into another project's cluster:
	// TARGET names the project. -o json is the API's object.
	// (One collection restore job per cluster at a time: another sandbox.)
	a = newAtlas(t)
	r = a.run("restore", "create", "--cluster", "demo", "--point-in-time", "2026-11-24T11:00:00Z", "--database", "sales=sales_copy",
		"--database", "analytics", "--collection", "inventory.stock", "--write-strategy", "CREATE_NEW", "--index-strategy", "all-except-ttl",
		"--database-suffix", "_b", "--collection-suffix", "_c", "--target-cluster", "staging", "--target-project-id", sandbox.DemoStagingID)
	r.check(t, 0, []string{` +INITIALIZING +\S+ +3 +` + sandbox.DemoStagingID + `/staging +2026-11-24 12:00:00 +-$`}, nil)
	body = a.body(opCreateColl)
	want = `{"collectionSuffix":"_c","collections":[{"sourceNamespace":"inventory.stock"}],"databaseSuffix":"_b",` +
		`"databases":[{"sourceNamespace":"sales","targetNamespace":"sales_copy"},{"sourceNamespace":"analytics"}],"indexStrategy":"ALL_EXCEPT_TTL",` +
		`"pointInTimeUtcSeconds":1795518000,"targetClusterName":"staging","targetGroupId":"` + sandbox.DemoStagingID + `","writeStrategy":"CREATE_NEW"}`
	if got, _ := json.Marshal(body); string(got) != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}

	a.sb.Advance(2 * time.Hour) // the job before has ended: Atlas runs one per cluster at a time
	r = a.run("restore", "create", "--cluster", "demo", "--oplog-ts", "1795518000", "--oplog-inc", "3", "--database", "sales", "--index-strategy", "NONE", "-o", "json")
	var job map[string]any
	r.jsonOut(t, &job)
	if r.code != 0 || job["oplogTs"] != float64(1795518000) || job["oplogInc"] != float64(3) || job["indexStrategy"] != "NONE" || job["state"] != "INITIALIZING" {
		t.Errorf("exit %d, stdout %s", r.code, r.stdout)
	}
}

// A source the snapshot does not hold: exit 4 naming it and the closest
// names, and the command that shows what the snapshot holds; nothing is
// created.
func TestRunCollectionRestoreMissing(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(append(collRestore, "--collection", "sales.ordrs", "--collection", "inventory.items")...)
	r.check(t, 4, nil, []string{`^Error: snapshot ` + demoLatest + ` of cluster demo has no collection sales\.ordrs \(did you mean sales\.orders\?\); nothing was restored\.$`,
		`^See what it holds with: atlas-backup snapshot collections ` + demoLatest + ` --cluster demo --database sales --project-id ` + harnessProjectID + `$`})
	if r.stdout != "" || a.count(opCreateColl) != 0 {
		t.Errorf("stdout %q, requests %q", r.stdout, a.requests())
	}
	r = a.run(append(collRestore, "--database", "inventroy", "--collection", "slaes.orders")...)
	r.check(t, 4, nil, []string{`has no database inventroy \(did you mean inventory\?\), no collection slaes\.orders \(did you mean sales\.orders\?\); nothing was restored\.$`,
		`^See what it holds with: atlas-backup snapshot databases ` + demoLatest + ` --cluster demo --project-id ` + harnessProjectID + `$`})
	// An older snapshot has no sales.returns.
	r = a.run("restore", "create", "--cluster", "demo", "--snapshot-id", demoOlder, "--collection", "sales.returns")
	r.check(t, 4, nil, []string{`^Error: snapshot ` + demoOlder + ` of cluster demo has no collection sales\.returns; nothing was restored\.$`})
	if a.count(opCreateColl) != 0 {
		t.Errorf("requests %q", a.requests())
	}

	// From a point in time: only warnings (the snapshot before it may not
	// have it yet), and the job is created.
	r = a.run("restore", "create", "--cluster", "demo", "--point-in-time", "2026-11-24T09:00:00Z", "--collection", "sales.returns")
	r.check(t, 0, []string{` INITIALIZING `}, []string{`^Warning: snapshot ` + demoOlder + ` of cluster demo \(taken [^)]+\), the last before 2026-11-24 09:00:00 UTC, has no collection sales\.returns; it may have been created after that snapshot$`})
	if a.count(opCreateColl) != 1 {
		t.Errorf("requests %q", a.requests())
	}
}

// Every local rule: exit 2 naming the flag, the value and the rule, and
// nothing sent.
func TestRunCollectionRestoreValidation(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	long := strings.Repeat("d", 64)
	many := func(flag string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, flag, fmt.Sprintf("db%d.c", i))
		}
		return out
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--collection", "sales"}, `--collection "sales": want DATABASE\.COLLECTION: "sales" has no collection part`},
		{[]string{"--collection", "sales."}, `--collection "sales\.": collection name is empty in "sales\."`},
		{[]string{"--collection", "sa les.orders"}, `--collection "sa les\.orders": database name "sa les" has one of / \\ \. space " \$ or NUL, which database names cannot have`},
		{[]string{"--collection", "sales.or$ders"}, `--collection "sales\.or\$ders": collection name "or\$ders" has a \$ or NUL, which collection names cannot have`},
		{[]string{"--collection", "sales.system.views"}, `--collection "sales\.system\.views": collection name "system\.views" starts with system\.: system collections cannot be restored`},
		{[]string{"--collection", "sales." + strings.Repeat("c", 250)}, `--collection "sales\.c+": namespace "sales\.c+" is 256 bytes: at most 255`},
		{[]string{"--collection", "sales.orders="}, `--collection "sales\.orders=": nothing after =: give the name to restore it under, or leave out =`},
		{[]string{"--collection", "sales.orders=archive"}, `--collection "sales\.orders=archive": after =: want DATABASE\.COLLECTION: "archive" has no collection part`},
		{[]string{"--collection", "sales.orders", "--collection", "sales.orders=x.y"}, `--collection "sales\.orders=x\.y": "sales\.orders" is given twice: name each source once`},
		{[]string{"--collection", "sales.orders=x.y", "--collection", "sales.invoices=x.y"}, `--collection "sales\.invoices=x\.y": "sales\.invoices" would be restored into "x\.y", as "sales\.orders" is: each target once`},
		{many("--collection", 101), `--collection: 101 given: at most 100 per restore`},
		{[]string{"--database", long}, `--database "d+": database name "d+" is 64 bytes: at most 63`},
		{[]string{"--database", ""}, `--database "": database name is empty`},
		{[]string{"--database", "sales=a/b"}, `--database "sales=a/b": after =: database name "a/b" has one of`},
		{[]string{"--database", "sales", "--database", "sales"}, `--database "sales": "sales" is given twice`},
		{[]string{"--database", "sales", "--database-suffix", "_.x"}, `--database-suffix "_\.x": has one of / \\ \. space " \$ or NUL`},
		{[]string{"--database", "sales", "--collection-suffix", "$x"}, `--collection-suffix "\$x": has a \$ or NUL, which collection names cannot have`},
		{[]string{"--database", strings.Repeat("d", 60), "--database-suffix", "_old"}, `--database-suffix "_old": makes database name "d+_old" 64 bytes: at most 63`},
		{[]string{"--collection", "sales." + strings.Repeat("c", 240), "--collection-suffix", strings.Repeat("x", 10)}, `--collection-suffix "x+": makes namespace "sales\.c+x+" 256 bytes: at most 255`},
		{[]string{"--database", "sales", "--write-strategy", "merge"}, `--write-strategy "merge": must be create-new or overwrite-existing \(or the API's CREATE_NEW, OVERWRITE_EXISTING\)`},
		{[]string{"--database", "sales", "--index-strategy", "ttl"}, `--index-strategy "ttl": must be all, none or all-except-ttl \(or the API's ALL, NONE, ALL_EXCEPT_TTL\)`},
		{[]string{"--database", "sales", "--delivery-type", "automated"}, `--delivery-type: not allowed with --collection or --database`},
		{[]string{"--database", "sales", "--download-dir", "x"}, `--download-dir: not allowed with --collection or --database`},
		{[]string{"--database", "sales", "--private-endpoint", "vpce-0a1b2c3d4e5f67890"}, `--private-endpoint: not allowed with --collection or --database`},
		{[]string{"--database", "sales", "--point-in-time", "2026-11-24T11:00:00Z"}, `--snapshot-id and --point-in-time: give one source, not 2`},
		{[]string{"--database", "sales", "--target-cluster", "my_db"}, `--target-cluster "my_db": must match`},
		{[]string{"--database", "sales", "--target-project-id", "p"}, `--target-project-id "p": must be a 24-character hexadecimal ID`},
	} {
		r := a.run(append(slices.Clone(collRestore), tt.args...)...)
		r.check(t, 2, nil, []string{`^Error: ` + tt.want})
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--database", "sales"}, `a collection-level restore needs a source: --snapshot-id ID\|latest, --point-in-time, or --oplog-ts with --oplog-inc$`},
		{[]string{"--database", "sales", "--point-in-time", "2026-11-24T12:00:01Z"}, `--point-in-time "2026-11-24T12:00:01Z": is in the future \(now is 2026-11-24T12:00:00Z\)$`},
		{[]string{"--database", "sales", "--point-in-time", "2007-12-31T23:59:59Z"}, `--point-in-time "2007-12-31T23:59:59Z": must be 1199145600 \(2008-01-01T00:00:00Z\) or later$`},
		{[]string{"--database", "sales", "--oplog-ts", "1795518000"}, `--oplog-ts and --oplog-inc go together: give both$`},
		{[]string{"--database", "sales", "--oplog-ts", "1795518000", "--oplog-inc", "0"}, `--oplog-inc 0: must be from 1 to 2147483647$`},
		{[]string{"--database", "sales", "--oplog-ts", "1795518000", "--oplog-inc", "1", "--point-in-time", "1795518000"}, `--point-in-time and --oplog-ts: give one source, not 2`},
		{[]string{"--delivery-type", "download", "--snapshot-id", "latest", "--write-strategy", "overwrite-existing"}, `--write-strategy: only with --collection or --database \(a collection-level restore\)$`},
		{[]string{"--delivery-type", "download", "--snapshot-id", "latest", "--collection-suffix", "_x"}, `--collection-suffix: only with --collection or --database`},
	} {
		r := a.run(append([]string{"restore", "create", "--cluster", "demo"}, tt.args...)...)
		r.check(t, 2, nil, []string{`^Error: ` + tt.want})
	}
	// --watch-timeout goes with --watch here too.
	r := a.run(append(collRestore, "--database", "sales", "--watch-timeout", "1m")...)
	r.check(t, 2, nil, []string{`^Error: --watch-timeout: only with --watch$`})
	a.nothingSent()
}

// --watch: the documents restored of the total on stderr, the final job on
// stdout; a collection create-new restored into a new name is noted.
func TestRunCollectionRestoreWatch(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	// The first check sees it INITIALIZING; then the clock moves past its end.
	a.after(opGetColl, func() { a.sb.Advance(2 * time.Hour) })
	r := a.run(append(collRestore, "--collection", "sales.orders", "--collection", "inventory.items=archive.items", "--watch", "--interval", "1ms")...)
	r.check(t, 0, []string{`^[0-9a-f]{24} +SUCCESSFUL +13720/13720 +2 +demo +2026-11-24 12:00:00 +2026-11-24 13:00:00$`}, []string{
		`^collection restore job [0-9a-f]{24}: INITIALIZING \(0/14000 documents\)$`,
		`^collection restore job [0-9a-f]{24}: SUCCESSFUL \(13720/13720 documents\)$`,
		`^Collection sales\.orders was restored into sales\.orders_restored_1: sales\.orders exists on the target, and create-new never overwrites$`,
	})
	if strings.Contains(r.stderr, "Error") || strings.Contains(r.stderr, "inventory.items") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if a.count(opGetColl) != 2 || a.count(opCollStates) != 1 {
		t.Errorf("requests %q", a.requests())
	}

	// -q: nothing on stderr when all went well; -o json the API's object.
	b := newAtlas(t, sandbox.WithJobDuration(0))
	r = b.run(append(collRestore, "--collection", "sales.invoices=sales.invoices_2025", "-w", "-q", "-o", "json")...)
	var job map[string]any
	r.jsonOut(t, &job)
	if r.code != 0 || r.stderr != "" || job["state"] != "SUCCESSFUL" {
		t.Errorf("exit %d, stderr %q, stdout %s", r.code, r.stderr, r.stdout)
	}
}

// The ends of a watch: a collection whose indexes failed is exit 6, named
// on stderr; a failed or cancelled job is 6 too; a timeout is 7 with the
// command that resumes.
func TestRunCollectionRestoreWatchEnds(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0))
	r := a.run(append(collRestore, "--collection", "sales.orders=sales.orders"+sandbox.BadIndexSuffix, "--collection", "inventory.items=archive.items", "-w", "--interval", "1ms")...)
	r.check(t, 6, []string{` SUCCESSFUL +13720/13720 `}, []string{
		`^Collection sales\.orders \(into sales\.orders_badindex\): INDEX_BUILD_FAILED: Index build failed on sales\.orders_badindex: E11000 duplicate key`,
		`^Error: collection restore job [0-9a-f]{24} ended SUCCESSFUL, but 1 of 2 collections did not: sales\.orders \(INDEX_BUILD_FAILED: Index build failed`,
	})
	if strings.Contains(r.stderr, "Collection inventory.items") {
		t.Errorf("a collection that succeeded is named:\n%s", r.stderr)
	}

	b := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	r = b.run(append(collRestore, "--database", "inventory", "-w")...)
	r.check(t, 6, []string{` FAILED `}, []string{
		`^Collection inventory\.items \(into inventory_restored_1\.items\): ROLLBACK$`,
		`^Collection inventory\.stock \(into inventory_restored_1\.stock\): FAILED$`,
		`^Error: collection restore job [0-9a-f]{24} ended FAILED: \S`,
	})
	c := newAtlas(t, sandbox.WithJobDuration(0), sandbox.WithRestoreOutcome(sandbox.OutcomeCancelled))
	r = c.run(append(collRestore, "--database", "inventory", "-w")...)
	r.check(t, 6, []string{` CANCELED `}, []string{`^Collection inventory\.stock \(into inventory_restored_1\.stock\): NOT_RESTORED$`, `^Error: collection restore job [0-9a-f]{24} ended CANCELED`})

	d := newAtlas(t)
	r = d.run(append(collRestore, "--database", "sales", "-w", "--interval", "1h", "--watch-timeout", watchTimeout)...)
	r.check(t, 7, nil, []string{`(before its first check|, while INITIALIZING \(0/26000 documents\)); it keeps running\. Resume with: atlas-backup restore watch [0-9a-f]{24} --cluster demo --project-id ` + harnessProjectID + `$`})
	if d.count(opCollStates) != 0 {
		t.Errorf("a watch that timed out read the states: %q", d.requests())
	}
}

// overwrite-existing asks, as an automated restore does, after the
// namespace check and before the create, listing what it replaces;
// create-new never asks.
func TestRunCollectionRestoreOverwrite(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	over := append(slices.Clone(collRestore), "--collection", "sales.orders", "--database", "inventory=archive", "--write-strategy", "overwrite-existing")
	r := a.run(over...)
	r.check(t, 2, nil, []string{`^Error: this restore drops and replaces 2 namespace\(s\) on cluster demo \(project ` + harnessProjectID + `\) \(--write-strategy overwrite-existing\), and there is no terminal to confirm on: add --yes to go ahead$`})
	// Refused after the pre-flight's reads: latest, and the target.
	equalOps(t, a.requests(), "GET "+opListSnaps, "GET getCluster")
	n := len(a.requests())

	r = a.runSpec(runSpec{stdin: "analytics\n", stdinTTY: true}, over...)
	r.check(t, 2, nil, []string{
		`^This restore DROPS AND REPLACES these namespaces on cluster demo \(project ` + harnessProjectID + `\):$`,
		`^  sales\.orders$`,
		`^  every collection of database archive the snapshot has \(from database inventory\)$`,
		`^with snapshot ` + demoLatest + ` of demo, taken 2026-11-24 10:00:00 UTC \(2h ago\)\.$`,
		`^Type the cluster name to continue: Error: confirmation "analytics" does not match cluster "demo": nothing was sent$`,
	})
	// The question came after the pre-flight and the namespace check, and
	// nothing was created.
	equalOps(t, a.ops(n), "GET "+opListSnaps, "GET getCluster", "GET "+opSnapDBs, "GET "+opSnapColls)

	// A missing namespace is found before anything is asked.
	n = len(a.requests())
	r = a.runSpec(runSpec{stdin: "demo\n", stdinTTY: true}, "restore", "create", "--cluster", "demo", "--snapshot-id", "latest", "--collection", "sales.nope", "--write-strategy", "overwrite-existing")
	r.check(t, 4, nil, []string{`no collection sales\.nope`})
	if strings.Contains(r.stderr, "Type the cluster name") || a.count(opCreateColl) != 0 {
		t.Errorf("asked or created: %s, %q", r.stderr, a.ops(n))
	}

	r = a.runSpec(runSpec{stdin: "demo\n", stdinTTY: true}, over...)
	r.check(t, 0, []string{` INITIALIZING `}, []string{`Type the cluster name to continue: $`})
	if a.body(opCreateColl)["writeStrategy"] != "OVERWRITE_EXISTING" {
		t.Errorf("body %v", a.body(opCreateColl))
	}

	// --yes skips the question; --dry-run never asks; create-new never
	// asks. From a point in time, the question names the moment.
	b := newAtlas(t)
	r = b.run(append(slices.Clone(over), "--yes")...)
	r.check(t, 0, []string{` INITIALIZING `}, nil)
	r = b.run(append(slices.Clone(over), "--dry-run")...)
	r.check(t, 0, []string{`^POST http://\S+/clusters/demo/collectionRestoreJobs$`, `"writeStrategy": "OVERWRITE_EXISTING"`}, nil)
	r = b.runSpec(runSpec{stdin: "x\n", stdinTTY: true}, "restore", "create", "--cluster", "demo", "--point-in-time", "2026-11-24T11:00:00Z",
		"--collection", "sales.orders", "--write-strategy", "overwrite-existing", "--collection-suffix", "_old")
	r.check(t, 2, nil, []string{`^  sales\.orders_old \(from sales\.orders\)$`, `^with cluster demo as it was at 2026-11-24T11:00:00Z \(1h ago\)\.$`})
	// Continuous cloud backup off: a point in time is refused before
	// anything is asked.
	r = b.runSpec(runSpec{stdin: "x\n", stdinTTY: true}, "restore", "create", "--cluster", "analytics", "--point-in-time", "2026-11-24T11:00:00Z",
		"--collection", "analytics.events", "--write-strategy", "overwrite-existing")
	r.check(t, 2, nil, []string{`^Error: continuous cloud backup is off for cluster analytics`})
	r = b.run("restore", "create", "--cluster", "analytics", "--snapshot-id", "latest", "--collection", "analytics.events")
	r.check(t, 0, []string{` INITIALIZING `}, nil)
	if b.count(opCreateColl) != 2 {
		t.Errorf("requests %q", b.requests())
	}
}

// --dry-run makes the reads (latest, the namespace check) and prints the
// request; --reuse follows a running job that restores the same thing.
func TestRunCollectionRestoreDryRunReuse(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	args := append(slices.Clone(collRestore), "--collection", "sales.orders=sales.orders_back")
	r := a.run(append(args, "--dry-run")...)
	r.check(t, 0, []string{
		`^POST ` + quoteRE(a.URL) + `/api/atlas/v2/groups/` + harnessProjectID + `/clusters/demo/collectionRestoreJobs$`,
		`^Accept: application/vnd\.atlas\.2025-03-12\+json$`,
		`^Authorization: Bearer REDACTED$`,
		`^  "snapshotId": "` + demoLatest + `",$`,
		`^      "targetNamespace": "sales\.orders_back"$`,
		`^  "writeStrategy": "CREATE_NEW"$`,
	}, nil)
	equalOps(t, a.requests(), "GET "+opListSnaps, "GET "+opSnapDBs, "GET "+opSnapColls)

	id := a.collJob("--collection", "sales.orders=sales.orders_back")
	r = a.run(append(args, "--reuse", "-o", "go-template={{.id}}")...)
	r.check(t, 0, []string{`^` + id + `$`}, []string{`^reusing collection restore job ` + id + ` \(INITIALIZING\)$`})
	r = a.run(append(args, "--reuse", "--dry-run")...)
	r.check(t, 0, nil, []string{`^would reuse collection restore job ` + id + ` \(INITIALIZING\)$`})
	if r.stdout != "" || a.count(opCreateColl) != 1 {
		t.Errorf("stdout %q, requests %q", r.stdout, a.requests())
	}
	// Another restore while it runs: Atlas's 409 (exit 5).
	r = a.run(append(slices.Clone(collRestore), "--collection", "sales.invoices")...)
	r.check(t, 5, nil, []string{`^Error: 409 COLLECTION_RESTORE_ALREADY_IN_PROGRESS: `})
}

// --file takes the API's fields; a file with collections or databases is
// a collection-level restore; flags override it; its mistakes name it.
func TestRunCollectionRestoreFile(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	file := a.writeFile("coll.yaml", `snapshotId: latest
collections:
  - sourceNamespace: sales.orders
    targetNamespace: sales.orders_back
databases:
  - sourceNamespace: inventory
writeStrategy: CREATE_NEW
indexStrategy: ALL_EXCEPT_TTL
databaseSuffix: _f
collectionSuffix: _g
targetClusterName: analytics
targetGroupId: `+harnessProjectID+"\n")
	r := a.run("restore", "create", "--cluster", "demo", "--file", file)
	r.check(t, 0, []string{` INITIALIZING +\S+ +2 +analytics `}, nil)
	body, _ := json.Marshal(a.body(opCreateColl))
	want := `{"collectionSuffix":"_g","collections":[{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders_back"}],"databaseSuffix":"_f",` +
		`"databases":[{"sourceNamespace":"inventory"}],"indexStrategy":"ALL_EXCEPT_TTL","snapshotId":"` + demoLatest +
		`","targetClusterName":"analytics","targetGroupId":"` + harnessProjectID + `","writeStrategy":"CREATE_NEW"}`
	if string(body) != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
	// Flags win: --collection replaces the file's collections.
	pit := a.writeFile("pit.json", `{"pointInTimeUtcSeconds": 1795518000, "databases": [{"sourceNamespace": "analytics"}], "targetClusterName": "demo-sharded"}`)
	r = a.run("restore", "create", "--cluster", "demo-sharded", "--file", pit, "--database", "sales", "--index-strategy", "none")
	r.check(t, 0, []string{` INITIALIZING `}, nil)
	body, _ = json.Marshal(a.body(opCreateColl))
	if !strings.Contains(string(body), `"databases":[{"sourceNamespace":"sales"}],"indexStrategy":"NONE","pointInTimeUtcSeconds":1795518000`) {
		t.Errorf("body %s", body)
	}

	n := len(a.requests())
	for _, tt := range []struct{ body, want string }{
		{"collections:\n  - sourceNamespace: sales\n", `collections "sales": want DATABASE\.COLLECTION: "sales" has no collection part$`},
		{"databases: [{sourceNamespace: sales}]\n", `snapshotId, pointInTimeUtcSeconds, or oplogTs with oplogInc, is required for a collection-level restore \(or --snapshot-id, --point-in-time, or --oplog-ts with --oplog-inc\)$`},
		{"databases: [{sourceNamespace: sales}]\nsnapshotId: latest\nwriteStrategy: REPLACE\n", `writeStrategy "REPLACE": must be create-new or overwrite-existing`},
		{"databases: [{sourceNamespace: sales}]\nsnapshotId: latest\ndeliveryType: automated\n", `deliveryType: not allowed with --collection or --database`},
		{"databases: [{sourceNamespace: sales, target: x}]\n", `databases: line 1: unknown field target \(known: sourceNamespace, targetNamespace\)$`},
		{"databases: sales\n", `line 1: databases: want a list of \{sourceNamespace, targetNamespace\}$`},
		{"databases: [{sourceNamespace: sales}]\npointInTimeUTCSeconds: 1795518000\n", `pointInTimeUTCSeconds: a collection-level restore \(collections, databases\) spells it pointInTimeUtcSeconds$`},
		{"deliveryType: pointInTime\ntargetClusterName: demo\npointInTimeUtcSeconds: 1795518000\n", `pointInTimeUtcSeconds: only in a collection-level restore \(with collections or databases\); a restore job's field is pointInTimeUTCSeconds$`},
	} {
		r := a.run("restore", "create", "--cluster", "demo", "--file", a.writeFile("bad.yaml", tt.body))
		r.check(t, 2, nil, []string{`^Error: --file \S+/bad\.yaml: ` + tt.want})
	}
	if len(a.requests()) != n {
		t.Errorf("a bad --file sent %q", a.ops(n))
	}
}

// restore get and watch find an ID among the restore jobs, then among the
// collection restore jobs; --collections shows the per-collection states.
func TestRunCollectionRestoreRead(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	id := a.collJob("--collection", "sales.orders=sales.orders"+sandbox.BadIndexSuffix, "--database", "inventory=archive")
	n := len(a.requests())
	r := a.run("restore", "get", id, "--cluster", "demo")
	r.check(t, 0, []string{`^ID +STATE +PROGRESS +NAMESPACES +TARGET +CREATED \(UTC\) +FINISHED \(UTC\)$`, `^` + id + ` +INITIALIZING +0/\d+ +2 +demo +2026-11-24 12:00:00 +-$`}, nil)
	equalOps(t, a.ops(n), "GET "+opGetRestore, "GET "+opGetColl)
	r = a.run("restore", "get", id, "--cluster", "demo", "-o", "go-template={{.writeStrategy}} {{len .databases}}")
	r.check(t, 0, []string{`^CREATE_NEW 1$`}, nil)

	// INITIALIZING: no states yet.
	r = a.run("restore", "get", id, "--cluster", "demo", "--collections")
	r.check(t, 0, []string{`^SOURCE +TARGET +STATE +DOCUMENTS +INDEXES$`}, []string{`^Collection restore job ` + id + ` has no per-collection states yet: Atlas lists them once the job is past INITIALIZING\.$`})

	a.sb.Advance(2 * time.Hour)
	r = a.run("restore", "get", id, "--cluster", "demo", "--collections")
	r.check(t, 0, []string{
		`^sales\.orders +sales\.orders_badindex +INDEX_BUILD_FAILED +12480/12480 +FAILED$`,
		`^inventory\.items +archive\.items +SUCCESSFUL +1240/1240 +SUCCESSFUL$`,
		`^inventory\.stock +archive\.stock +SUCCESSFUL +5600/5600 +SUCCESSFUL$`,
	}, nil)
	r = a.run("restore", "get", id, "--cluster", "demo", "--collections", "-o", "json")
	var states []map[string]any
	r.jsonOut(t, &states)
	if len(states) != 3 || states[0]["effectiveTargetNamespace"] != "sales.orders_badindex" || states[0]["state"] != "INDEX_BUILD_FAILED" {
		t.Errorf("states %s", r.stdout)
	}

	// watch: one ID works for both; the collection that failed makes it 6.
	n = len(a.requests())
	r = a.run("restore", "watch", id, "--cluster", "demo")
	r.check(t, 6, []string{`^` + id + ` +SUCCESSFUL +19320/19320 +2 +demo `}, []string{
		`^collection restore job ` + id + `: SUCCESSFUL \(19320/19320 documents\)$`,
		`^Collection sales\.orders \(into sales\.orders_badindex\): INDEX_BUILD_FAILED: `,
		`^Error: collection restore job ` + id + ` ended SUCCESSFUL, but 1 of 3 collections did not: sales\.orders \(INDEX_BUILD_FAILED: `,
	})
	equalOps(t, a.ops(n), "GET "+opGetRestore, "GET "+opGetColl, "GET "+opCollStates)

	good := a.collJob("--collection", "analytics.events=analytics.events_copy")
	a.sb.Advance(2 * time.Hour)
	r = a.run("restore", "watch", good, "--cluster", "demo", "-o", "json")
	var job map[string]any
	r.jsonOut(t, &job)
	if r.code != 0 || job["id"] != good || job["state"] != "SUCCESSFUL" {
		t.Errorf("exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}

	// A restore job of the whole cluster is found first, with one request.
	restore := a.newRestore("demo", "download")
	n = len(a.requests())
	r = a.run("restore", "get", restore, "--cluster", "demo")
	r.check(t, 0, []string{`^` + restore + ` +download +Pending `}, nil)
	equalOps(t, a.ops(n), "GET "+opGetRestore)
	r = a.run("restore", "get", restore, "--cluster", "demo", "--collections")
	r.check(t, 5, nil, []string{`^Error: restore job ` + restore + ` is a restore of the whole cluster \(download\), not a collection restore job: it has no per-collection states\. See it with: atlas-backup restore get ` + restore + ` --cluster demo --project-id ` + harnessProjectID + `$`})

	// Neither kind: exit 4, and both lists.
	const none = "6b0000000000000000000000"
	for _, verb := range []string{"get", "watch"} {
		r = a.run("restore", verb, none, "--cluster", "demo")
		r.check(t, 4, nil, []string{
			`^Error: 404 RESOURCE_NOT_FOUND: `,
			`^Cluster demo of project ` + harnessProjectID + ` has no restore job ` + none + `; see its restore jobs with: atlas-backup restore list --cluster demo --project-id ` + harnessProjectID + `$`,
			`^Nor is it a collection restore job of the cluster; see those with: atlas-backup restore list --collections --cluster demo --project-id ` + harnessProjectID + `$`,
		})
		if r.stdout != "" || strings.Contains(r.stderr, "keeps running") {
			t.Errorf("%s: stdout %q, stderr %q", verb, r.stdout, r.stderr)
		}
	}
	r = a.run("restore", "get", none, "--cluster", "demo", "--collections")
	r.check(t, 4, nil, []string{`^Cluster demo of project ` + harnessProjectID + ` has no collection restore job ` + none + `; see them with: atlas-backup restore list --collections --cluster demo --project-id ` + harnessProjectID + `$`})
	// A cluster that is not there is said at once.
	n = len(a.requests())
	r = a.run("restore", "get", none, "--cluster", "dmeo")
	r.check(t, 4, nil, []string{`has no cluster named dmeo; did you mean demo\?`})
	// (Not a Flex cluster either: one read says so.)
	equalOps(t, a.ops(n), "GET "+opGetRestore, "GET getFlexCluster", "GET listClusters", "GET listFlexClusters")
}

// restore list --collections, with the paging flags; restore cancel of a
// collection restore job is exit 5.
func TestRunCollectionRestoreListCancel(t *testing.T) {
	t.Parallel()
	a := newAtlas(t, sandbox.WithJobDuration(0))
	r := a.run("restore", "list", "--cluster", "demo", "--collections")
	r.check(t, 0, []string{`^ID +STATE +PROGRESS +NAMESPACES +TARGET +CREATED \(UTC\) +FINISHED \(UTC\)$`}, []string{`^No collection restore jobs for cluster demo\.$`})
	first := a.collJob("--database", "sales")
	second := a.collJob("--collection", "sales.orders=sales.orders_2")
	r = a.run("restore", "list", "--cluster", "demo", "--collections", "--all", "--limit", "1", "-o", "go-template={{range .}}{{.id}} {{end}}")
	r.check(t, 0, []string{`^` + second + ` ` + first + ` $`}, nil)
	r = a.run("restore", "list", "--cluster", "demo", "--collections", "--page", "2", "--limit", "1")
	r.check(t, 0, []string{`^` + first + ` +SUCCESSFUL +\d+/\d+ +1 +demo `}, nil)
	if q, _ := url.ParseQuery(a.last(opListColl).RawQuery); q.Get("pageNum") != "2" || q.Get("itemsPerPage") != "1" {
		t.Errorf("query %v", q)
	}
	r = a.run("restore", "list", "--cluster", "analytics", "--collections", "-o", "json")
	r.check(t, 0, []string{`^\[\]$`}, nil)
	// The restore jobs' list holds none of them.
	r = a.run("restore", "list", "--cluster", "demo", "-o", "json")
	r.check(t, 0, []string{`^\[\]$`}, nil)

	r = a.run("restore", "cancel", second, "--cluster", "demo", "--yes")
	r.check(t, 5, nil, []string{`^Error: ` + second + ` is a collection restore job, and Atlas offers no cancel for collection restore jobs: it runs to its end \(nothing was cancelled\)\. Follow it with: atlas-backup restore watch ` + second + ` --cluster demo --project-id ` + harnessProjectID + `$`})
	if r.stdout != "" || a.count(opCancelRestor) != 1 {
		t.Errorf("stdout %q, requests %q", r.stdout, a.requests())
	}
}

// snapshot databases and snapshot collections: NAME, or the API's
// objects; latest; a database the snapshot lacks is exit 4.
func TestRunSnapshotNamespaces(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("snapshot", "databases", "latest", "--cluster", "demo")
	r.check(t, 0, []string{`^NAME\nanalytics\ninventory\nsales\n$`}, []string{`^Using the latest completed snapshot of demo: ` + demoLatest + ` \(taken 2026-11-24 10:00:00 UTC\)$`})
	r = a.run("snapshot", "collections", demoLatest, "--cluster", "demo", "--database", "sales")
	r.check(t, 0, []string{`^NAME\ncustomers\ninvoices\norders\nreturns\n$`}, nil)
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	r = a.run("snapshot", "collections", demoOlder, "--cluster", "demo", "--database", "sales", "-o", "json")
	var colls []map[string]any
	r.jsonOut(t, &colls)
	if len(colls) != 3 || colls[2]["name"] != "orders" || colls[0]["links"] == nil {
		t.Errorf("collections %s", r.stdout)
	}
	r = a.run("snapshot", "databases", demoLatest, "--cluster", "demo", "--limit", "2", "--page", "2", "-o", "go-template={{range .}}{{.name}}{{end}}")
	r.check(t, 0, []string{`^sales$`}, nil)

	n := len(a.requests())
	r = a.run("snapshot", "collections", "latest", "--cluster", "demo", "--database", "slaes")
	r.check(t, 4, nil, []string{`^Error: --database slaes: snapshot ` + demoLatest + ` of cluster demo has no database slaes \(did you mean sales\?\)\. See its databases with: atlas-backup snapshot databases ` + demoLatest + ` --cluster demo --project-id ` + harnessProjectID + `$`})
	equalOps(t, a.ops(n), "GET "+opListSnaps, "GET "+opSnapColls, "GET "+opSnapDBs)
	r = a.run("snapshot", "databases", "65f0e0e0d0e0000000000099", "--cluster", "demo")
	r.check(t, 4, nil, []string{`has no snapshot 65f0e0e0d0e0000000000099; see its snapshots with: atlas-backup snapshot list --cluster demo`})
	r = a.run("snapshot", "databases", "latest", "--cluster", sandbox.DemoNoBackupCluster)
	r.check(t, 4, nil, nil)
	r = a.run("snapshot", "databases", sandbox.DemoInProgressSnapshotID, "--cluster", "demo")
	r.check(t, 5, nil, []string{`^Error: 400 SNAPSHOT_NOT_COMPLETED: `})

	n = len(a.requests())
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"databases", "nope", "--cluster", "demo"}, `snapshot ID "nope": must be a 24-character hexadecimal ID \(\^\[a-f0-9\]\{24\}\$\) or latest$`},
		{[]string{"collections", "latest", "--cluster", "demo"}, `--database is required: the database whose collections to list \(see atlas-backup snapshot databases\)$`},
		{[]string{"collections", "latest", "--cluster", "demo", "--database", "a.b"}, `--database "a\.b": database name "a\.b" has one of`},
		{[]string{"databases", "--cluster", "demo"}, `atlas-backup snapshot databases takes 1 argument\(s\) \(SNAPSHOT_ID\), got 0$`},
		{[]string{"databases", "latest"}, `--cluster is required$`},
	} {
		r := a.run(append([]string{"snapshot"}, tt.args...)...)
		r.check(t, 2, nil, []string{`^Error: ` + tt.want})
	}
	if len(a.requests()) != n {
		t.Errorf("sent %q", a.ops(n))
	}
}

// Completion of --collection and --database offers the names of the
// cluster's latest snapshot.
func TestRunCompletionNamespaces(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"restore", "create", "--cluster", "demo", "--database", ""}, []string{`^analytics\ninventory\nsales\n:4$`}},
		{[]string{"restore", "create", "--cluster", "demo", "--collection", "sa"}, []string{`^analytics\.\ninventory\.\nsales\.\n:6$`}},
		{[]string{"restore", "create", "--cluster", "demo", "--collection", "sales.o"}, []string{`^sales\.customers\nsales\.invoices\nsales\.orders\nsales\.returns\n:4$`}},
		{[]string{"snapshot", "collections", "latest", "--cluster", "demo", "--database", ""}, []string{`^analytics\ninventory\nsales\n:4$`}},
		{[]string{"restore", "create", "--cluster", "demo", "--write-strategy", ""}, []string{`^create-new\noverwrite-existing\n:4$`}},
		{[]string{"restore", "create", "--cluster", "demo", "--index-strategy", ""}, []string{`^all\nnone\nall-except-ttl\n:4$`}},
	} {
		r := a.run(append([]string{"__complete"}, tt.args...)...)
		r.check(t, 0, tt.want, nil)
	}
	// restore get and watch offer collection restore jobs too; cancel
	// (which Atlas cannot do to them) does not.
	id := a.collJob("--database", "sales")
	r := a.run("__complete", "restore", "watch", "--cluster", "demo", "")
	r.check(t, 0, []string{`^` + id + `\tcollections INITIALIZING$`}, nil)
	r = a.run("__complete", "restore", "cancel", "--cluster", "demo", "")
	if strings.Contains(r.stdout, id) {
		t.Errorf("restore cancel offers %s:\n%s", id, r.stdout)
	}
	// Nothing after "=", and nothing without a cluster; nothing sent.
	n := len(a.requests())
	for _, args := range [][]string{
		{"restore", "create", "--cluster", "demo", "--collection", "sales.orders="},
		{"restore", "create", "--database", ""},
	} {
		r := a.run(append([]string{"__complete"}, args...)...)
		if r.code != 0 || strings.Contains(r.stdout, "sales") {
			t.Errorf("%q: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	if len(a.requests()) != n {
		t.Errorf("sent %q", a.ops(n))
	}
}

// The flags become the collection restore's request (runF: nothing runs):
// API spellings of the strategies, the camelCase aliases of the source,
// the defaults of the target.
func TestRestoreCreateCollectionFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want api.CollectionRestoreRequest
	}{
		{[]string{"--snapshot-id", "latest", "--collection", "sales.orders", "--collection", "a.b=c.d"},
			api.CollectionRestoreRequest{SnapshotID: "latest", TargetClusterName: "demo", TargetGroupID: testProjectID,
				Collections:   []api.Namespace{{SourceNamespace: "sales.orders"}, {SourceNamespace: "a.b", TargetNamespace: "c.d"}},
				IndexStrategy: "ALL", WriteStrategy: "CREATE_NEW"}},
		{[]string{"--snapshotId", "65f0e0e0d0e0000000000001", "--database", "sales=old", "--write-strategy", "OVERWRITE_EXISTING", "--index-strategy", "ALL_EXCEPT_TTL",
			"--targetClusterName", "t", "--targetProjectId", "65f0a1b2c3d4e5f601234568", "--database-suffix", "_1", "--collection-suffix", "_2"},
			api.CollectionRestoreRequest{SnapshotID: "65f0e0e0d0e0000000000001", TargetClusterName: "t", TargetGroupID: "65f0a1b2c3d4e5f601234568",
				Databases: []api.Namespace{{SourceNamespace: "sales", TargetNamespace: "old"}}, DatabaseSuffix: "_1", CollectionSuffix: "_2",
				IndexStrategy: "ALL_EXCEPT_TTL", WriteStrategy: "OVERWRITE_EXISTING"}},
		{[]string{"--pointInTimeUTCSeconds", "2026-11-24T11:00:00Z", "--database", "sales", "--write-strategy", "overwrite-existing", "--index-strategy", "none"},
			api.CollectionRestoreRequest{PointInTimeUTCSeconds: 1795518000, TargetClusterName: "demo", TargetGroupID: testProjectID,
				Databases: []api.Namespace{{SourceNamespace: "sales"}}, IndexStrategy: "NONE", WriteStrategy: "OVERWRITE_EXISTING"}},
		{[]string{"--oplogTs", "1795518000", "--oplogInc", "9", "--collection", "a.b"},
			api.CollectionRestoreRequest{OplogTs: 1795518000, OplogInc: 9, TargetClusterName: "demo", TargetGroupID: testProjectID,
				Collections: []api.Namespace{{SourceNamespace: "a.b"}}, IndexStrategy: "ALL", WriteStrategy: "CREATE_NEW"}},
	} {
		var got *RestoreCreateOptions
		err := parse(t, func(f *Factory) *cobra.Command {
			return newRestoreCreateCmd(f, func(_ context.Context, o *RestoreCreateOptions) error { got = o; return nil })
		}, append([]string{"create", "--cluster", "demo"}, tt.args...)...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got.collRequest == nil || !reflect.DeepEqual(*got.collRequest, tt.want) {
			t.Errorf("%v:\n got %+v\nwant %+v", tt.args, got.collRequest, tt.want)
		}
	}
}

// A watch of a collection restore job stopped by a signal says how to
// resume it with restore watch.
func TestCollectionRestoreInterruptedWording(t *testing.T) {
	kind := collectionRestoreJobKind(scopeOf(testProjectID, "demo"))
	err := kind.watchEnd(&jobs.StoppedError{Kind: "collection restore job", ID: "6b16", Err: &InterruptedError{Signal: syscall.SIGTERM}})
	want := "stopped watching collection restore job 6b16; it keeps running. Resume with: atlas-backup restore watch 6b16 --cluster demo --project-id " + testProjectID + " (interrupted by SIGTERM)"
	if err.Error() != want || exitCode(err) != 143 {
		t.Errorf("%v (exit %d)\nwant %s", err, exitCode(err), want)
	}
	if got := kind.list(); got != "atlas-backup restore list --collections --cluster demo --project-id "+testProjectID {
		t.Errorf("list %s", got)
	}
	// A namespace missing from the snapshot is exit 4; collections that
	// failed in a job that succeeded, 6.
	if code := exitCode(&jobs.NamespaceError{Cluster: "demo", SnapshotID: "s"}); code != exitNotFound {
		t.Errorf("NamespaceError: exit %d", code)
	}
	failed := kind.watchEnd(&jobs.CollectionsFailedError{Kind: "collection restore job", ID: "6b16", Failed: []api.CollectionState{{SourceNamespace: "a.b", State: "NOT_FOUND"}}, Of: 1})
	if code := exitCode(failed); code != exitFailed {
		t.Errorf("CollectionsFailedError: exit %d (%v)", code, failed)
	}
}

// Whatever --collection, --database and the suffixes say, validate either
// refuses them with a one-line usage error naming a flag, or accepts
// names that MongoDB's rules allow (as the API states them).
func FuzzCollectionRestoreValidate(f *testing.F) {
	f.Add("sales.orders", "", "", "")
	f.Add("sales.orders=archive.orders", "inventory=old", "_b", "_c")
	f.Add("sales", "a.b", "", "")
	f.Add("sales.system.views", "x$", ".", "$")
	f.Add("s\x00.c", "a/b", "", "")
	f.Add("sales.or\nders", "db\n", "", "")
	f.Add("sales.orders=", "sales=", "", "")
	f.Add(strings.Repeat("d", 63)+".c", strings.Repeat("d", 63), "x", "")
	f.Fuzz(func(t *testing.T, collection, database, dbSuffix, collSuffix string) {
		given := map[string]bool{"cluster": true, "snapshot-id": true, "collection": collection != "", "database": database != "",
			"database-suffix": dbSuffix != "", "collection-suffix": collSuffix != ""}
		var colls, dbs []string
		if collection != "" {
			colls = []string{collection}
		}
		if database != "" {
			dbs = []string{database}
		}
		o := &RestoreCreateOptions{Now: func() time.Time { return fuzzNow }, apiScope: apiScope{ProjectID: fuzzProjectID},
			Cluster: "demo", SnapshotID: "latest", Collections: colls, Databases: dbs, DatabaseSuffix: dbSuffix, CollectionSuffix: collSuffix,
			WriteStrategy: "create-new", IndexStrategy: "all",
			set: func(name string) bool { return given[name] }}
		if !o.collectionLevel() {
			return
		}
		if err := o.check(); err != nil {
			checkUsage(t, err, "collection", "database", "database-suffix", "collection-suffix")
			return
		}
		dbOK := func(name string) bool {
			return name != "" && len(name) <= 63 && !strings.ContainsAny(name, "/\\. \"$\x00")
		}
		r := o.collRequest
		for _, n := range r.Databases {
			for _, name := range []string{n.SourceNamespace, n.Target() + dbSuffix} {
				if !dbOK(name) {
					t.Fatalf("accepted database name %q", name)
				}
			}
		}
		for _, n := range r.Collections {
			for _, ns := range []string{n.SourceNamespace, n.Target()} {
				db, coll, ok := strings.Cut(ns, ".")
				if !ok || !dbOK(db) || !dbOK(db+dbSuffix) || coll == "" || strings.ContainsAny(coll+collSuffix, "$\x00") ||
					strings.HasPrefix(coll, "system.") || len(db+dbSuffix)+1+len(coll+collSuffix) > 255 {
					t.Fatalf("accepted namespace %q (suffixes %q, %q)", ns, dbSuffix, collSuffix)
				}
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("request does not marshal: %v", err)
		}
	})
}
