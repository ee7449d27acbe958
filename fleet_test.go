package main

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// fleetSandbox serves a sandbox for a fleet run, whose injected faults ask
// to retry at once.
func fleetSandbox(t *testing.T, opts ...sandbox.Option) (*testSandbox, []string) {
	t.Helper()
	return startSandbox(t, "token", append([]sandbox.Option{sandbox.WithRetryAfter(0)}, opts...)...)
}

func countOp(sb *testSandbox, op string, status int) int {
	n := 0
	for _, r := range sb.Requests() {
		if r.Operation == op && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

type fleetEntry struct {
	Cluster string          `json:"cluster"`
	Job     json.RawMessage `json:"job"`
	Error   json.RawMessage `json:"error"`
}

func fleetReport(t *testing.T, res cliResult) []fleetEntry {
	t.Helper()
	var out []fleetEntry
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("stdout is not the fleet array: %v\n%s", err, res)
	}
	return out
}

func TestFleetTwoClusters(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--cluster", "demo,analytics"}, {"--cluster", "demo", "--cluster", "analytics"}} {
		sb, env := fleetSandbox(t)
		res := runAtlasBackup(t, env, append([]string{"export", "create", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket", "-o", "json"}, args...)...)
		if res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, res)
		}
		got := fleetReport(t, res)
		if len(got) != 2 || got[0].Cluster != "demo" || got[1].Cluster != "analytics" || got[0].Job == nil || got[1].Job == nil {
			t.Errorf("report %s", res.stdout)
		}
		if n := countOp(sb, "createBackupExport", 200); n != 2 {
			t.Errorf("%d exports created, want 2", n)
		}
	}
}

func TestFleetAllClusters(t *testing.T) {
	t.Parallel()
	// More clusters than one page of the cluster list holds.
	sb, env := fleetSandbox(t, sandbox.WithClusters(520))
	res := runAtlasBackup(t, env, "export", "create", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket",
		"--dry-run", "--parallel", "16")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	if n := countOp(sb, "listClusters", 200); n != 2 {
		t.Errorf("%d pages of clusters read, want 2", n)
	}
	if !strings.Contains(res.stderr, "Skipping cluster legacy: backup is off") {
		t.Errorf("the backup-off cluster is not named as skipped\n%s", res.stderr)
	}
	if n := strings.Count(res.stdout, "POST "); n != 3+520 { // analytics, demo, demo-sharded and the fleet
		t.Errorf("%d requests printed, want %d", n, 3+520)
	}
	if n := countOp(sb, "createBackupExport", 0); n != 0 {
		t.Errorf("--dry-run sent %d creates", n)
	}
	if strings.Contains(res.stdout, "/clusters/legacy/") {
		t.Error("a request for the backup-off cluster")
	}
}

func TestFleetExplicitSnapshotRefused(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t)
	res := runAtlasBackup(t, env, "export", "create", "--cluster", "demo,analytics", "--snapshot-id", "65f0e0e0d0e0000000000001", "--bucket-id", "demo-export-bucket")
	if res.code != 2 || !strings.Contains(res.stderr, `--snapshot-id "65f0e0e0d0e0000000000001": with several clusters it must be latest`) || len(sb.Requests()) != 0 {
		t.Errorf("exit %d after %d requests\n%s", res.code, len(sb.Requests()), res)
	}
	res = runAtlasBackup(t, env, "export", "create", "--cluster", "demo", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket")
	if res.code != 2 || !strings.Contains(res.stderr, "--cluster and --all-clusters: give one or the other") || len(sb.Requests()) != 0 {
		t.Errorf("exit %d\n%s", res.code, res)
	}
}

func TestFleetOneFailureLeavesTheOthers(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t)
	res := runAtlasBackup(t, env, "export", "create", "--cluster", "demo,legacy,analytics", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket")
	if res.code != 4 { // legacy has no completed snapshot: 4, as it would be alone
		t.Errorf("exit %d, want 4\n%s", res.code, res)
	}
	if n := countOp(sb, "createBackupExport", 200); n != 2 {
		t.Errorf("%d exports created, want 2", n)
	}
	if !regexp.MustCompile(`(?m)^Error: legacy: `).MatchString(res.stderr) || strings.Count(res.stderr, "Error:") != 1 {
		t.Errorf("stderr\n%s", res.stderr)
	}
	if !regexp.MustCompile(`(?m)^legacy +- +- +- +- +- +--snapshot-id latest: cluster legacy has no completed snapshot`).MatchString(res.stdout) ||
		!regexp.MustCompile(`(?m)^demo +[a-f0-9]{24} +Queued`).MatchString(res.stdout) {
		t.Errorf("table\n%s", res.stdout)
	}
}

func TestFleetConflictSetsTheExitCode(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t, sandbox.WithJobDuration(time.Hour))
	// A running export of demo's latest snapshot: a second one is a 409.
	runAtlasBackup(t, env, "export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket")
	res := runAtlasBackup(t, env, "export", "create", "--cluster", "analytics,demo", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket", "-o", "json")
	got := fleetReport(t, res)
	var apiErr struct{ Error int }
	if json.Unmarshal(got[1].Error, &apiErr); res.code != 5 || len(got) != 2 || got[0].Job == nil || apiErr.Error != 409 {
		t.Errorf("exit %d\n%s", res.code, res)
	}
	if n := countOp(sb, "createBackupExport", 200); n != 2 {
		t.Errorf("%d exports created, want 2", n)
	}
}

func TestFleetWatchFailed(t *testing.T) {
	t.Parallel()
	_, env := fleetSandbox(t, sandbox.WithJobDuration(300*time.Millisecond), sandbox.WithExportOutcome(sandbox.OutcomeFailed))
	res := runAtlasBackup(t, env, "export", "create", "--cluster", "demo,analytics", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket",
		"--watch", "--interval", "100ms", "-o", "json")
	got := fleetReport(t, res)
	if res.code != 6 || len(got) != 2 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	for _, e := range got {
		var job struct{ State string }
		if json.Unmarshal(e.Job, &job); job.State != "Failed" {
			t.Errorf("%s: not watched to its end: %s", e.Cluster, e.Job)
		}
	}
	for _, c := range []string{"demo", "analytics"} {
		if !regexp.MustCompile(`(?m)^`+c+`: export job \w+: Queued$`).MatchString(res.stderr) ||
			!regexp.MustCompile(`(?m)^Error: `+c+`: export job \w+ ended Failed`).MatchString(res.stderr) {
			t.Errorf("%s: stderr\n%s", c, res.stderr)
		}
	}
}

func TestFleetParallelBound(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t, sandbox.WithClusters(6), sandbox.WithFaults(mustFault(t, "listBackupSnapshots:slow=150ms")))
	res := runAtlasBackup(t, env, "export", "create", "--cluster", fleetClusters(6), "--snapshot-id", "latest",
		"--bucket-id", "65f0b0c0d0e0f00000000001", "--parallel", "3")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	if p := sb.PeakInFlight(); p > 3 || p < 2 {
		t.Errorf("peak in flight %d, want 2 or 3", p)
	}
}

func TestFleet429PausesEveryone(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t, sandbox.WithClusters(4), sandbox.WithRetryAfter(1), sandbox.WithFaults(mustFault(t, "createBackupExport:429:1")))
	res := runAtlasBackup(t, env, "export", "create", "--cluster", fleetClusters(4), "--snapshot-id", "latest",
		"--bucket-id", "65f0b0c0d0e0f00000000001", "--parallel", "1")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	// After the 429, nothing at all goes out until its Retry-After (1s) has passed.
	var refused time.Time
	for _, r := range sb.Requests() {
		switch {
		case r.Status == 429:
			refused = r.Received
		case !refused.IsZero() && r.Received.Sub(refused) < 900*time.Millisecond:
			t.Errorf("%s %s went %s after the 429", r.Method, r.Path, r.Received.Sub(refused))
		}
	}
	if refused.IsZero() || countOp(sb, "createBackupExport", 200) != 4 {
		t.Errorf("429 at %v; %d created", refused, countOp(sb, "createBackupExport", 200))
	}
}

// export list --all over 5 pages: once page 1 gives totalCount, pages 2 to
// 5 are fetched together, and printed in order.
func TestListAllPagesInFlightTogether(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t, sandbox.WithJobDuration(time.Hour), sandbox.WithFaults(mustFault(t, "listBackupExports:slow=300ms:4:1")))
	c, err := api.New(api.Options{BaseURL: strings.TrimPrefix(env[0], "MONGODB_ATLAS_BASE_URL="), Credentials: api.Credentials{AccessToken: sb.Credentials().AccessToken}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i, snap := range sandbox.SeedSnapshotIDs("demo")[:4] {
		for _, bucket := range []string{sandbox.DemoBucketID, sandbox.DemoGCPBucketID} {
			if i == 3 && bucket == sandbox.DemoGCPBucketID {
				continue // five jobs
			}
			j, _, err := c.CreateExport(context.Background(), sandbox.DemoProjectID, "demo", api.ExportRequest{SnapshotID: snap, ExportBucketID: bucket})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, j.ID)
		}
	}
	sb.ResetPeak()
	res := runAtlasBackup(t, env, "export", "list", "--cluster", "demo", "--all", "--limit", "1", "-o", "go-template={{range .}}{{.id}} {{end}}")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	if p := sb.PeakInFlight(); p != 4 {
		t.Errorf("peak in flight %d, want pages 2 to 5 together", p)
	}
	slices.Reverse(want) // newest first
	if got := strings.Fields(res.stdout); !slices.Equal(got, want) {
		t.Errorf("order:\n got %v\nwant %v", got, want)
	}
}

// Ctrl-C stops every watch of a fleet: exit 130, and a resume command per
// started job.
func TestFleetInterrupted(t *testing.T) {
	t.Parallel()
	sb, env := fleetSandbox(t, sandbox.WithJobDuration(time.Hour))
	r := startAtlasBackup(t, env, "export", "create", "--cluster", "demo,analytics", "--snapshot-id", "latest",
		"--bucket-id", "demo-export-bucket", "--watch", "--interval", "1h")
	r.until("both watches", func() bool { return countOp(sb, "getBackupExport", 200) >= 2 })
	res := r.stop(syscall.SIGINT)
	if res.code != 130 {
		t.Fatalf("exit %d, want 130\n%s", res.code, res)
	}
	errOut := &res.stderr
	for _, cl := range []string{"demo", "analytics"} {
		if !regexp.MustCompile(`Resume with: atlas-backup export watch [a-f0-9]{24} --cluster ` + cl + ` `).MatchString(*errOut) {
			t.Errorf("no resume command for %s\n%s", cl, *errOut)
		}
	}
}

// fleetClusters is --cluster for the sandbox's first n fleet clusters.
func fleetClusters(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = sandbox.FleetClusterName(i + 1)
	}
	return strings.Join(names, ",")
}
