package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// In a fleet's live view, a cluster whose create fails (a 409: an export
// of the same snapshot and bucket runs) does not stay "waiting": its row
// says it failed, and why, to the last frame.
func TestMessagesFleetConflictRow(t *testing.T) {
	sb, env := startSandbox(t, "token", sandbox.WithJobDuration(time.Hour))
	c, err := api.New(api.Options{BaseURL: sb.api.URL, Credentials: api.Credentials{AccessToken: sb.Credentials().AccessToken}})
	if err != nil {
		t.Fatal(err)
	}
	snap, _, err := c.ResolveSnapshot(context.Background(), sandbox.DemoProjectID, "demo", api.Latest)
	if err != nil {
		t.Fatal(err)
	}
	running, _, err := c.CreateExport(context.Background(), sandbox.DemoProjectID, "demo", api.ExportRequest{SnapshotID: snap, ExportBucketID: sandbox.DemoBucketID})
	if err != nil {
		t.Fatal(err)
	}

	s, _, out, errOut := output.Test()
	s.SetStderrTTY(true)
	s.SetSize(200, 40)
	vars := map[string]string{"HOME": t.TempDir(), "XDG_CONFIG_HOME": filepath.Join(t.TempDir(), "config"), "XDG_CACHE_HOME": t.TempDir()}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	getenv := cmd.Option(func(f *cmd.Factory) { f.Getenv = func(k string) string { return vars[k] } })
	code := cmd.Main([]string{"export", "create", "--cluster", "demo,analytics", "--snapshot-id", "latest",
		"--bucket-id", sandbox.DemoBucketID, "--watch", "--watch-timeout", "50ms"}, s, cmd.BuildInfo{Version: "test"}, getenv)
	if code != 5 { // demo's 409 comes first
		t.Fatalf("exit %d, want 5\nstdout:\n%s\nstderr:\n%q", code, out, errOut)
	}
	// The last drawing of demo's row.
	var last string
	for _, line := range strings.Split(errOut.String(), "\x1b[2K") {
		if strings.HasPrefix(line, "demo ") {
			last = strings.TrimRight(line, "\r\n")
		}
	}
	want := "failed: export job " + running.ID + " is in the way (409 EXPORT_ALREADY_IN_PROGRESS)"
	if !strings.HasSuffix(last, want) {
		t.Errorf("demo's row ends as %q, want it to end with %q\nstderr:\n%q", last, want, errOut)
	}
	// The report and the Error line name the job and its watch.
	follow := "atlas-backup export watch " + running.ID + " --cluster demo --project-id " + sandbox.DemoProjectID
	if !strings.Contains(errOut.String(), "Export job "+running.ID+" is in the way. Add --reuse") || !strings.Contains(errOut.String(), follow) {
		t.Errorf("stderr lacks the job in the way and %q:\n%s", follow, errOut)
	}
	if !strings.Contains(out.String(), "by export job "+running.ID) {
		t.Errorf("demo's report row lacks the job in the way:\n%s", out)
	}
}

// A cluster's 404 costs one read of the project's clusters, and only that
// error does: a job's 404 costs none.
func TestMessagesOneExtraRead(t *testing.T) {
	t.Parallel()
	sb, env := startSandbox(t, "token")
	lists := func() int { return countOp(sb, "listClusters", http.StatusOK) }
	res := runAtlasBackup(t, env, "restore", "list", "--cluster", "dmeo")
	if res.code != 4 || !strings.Contains(res.stderr, "has no cluster named dmeo; did you mean demo? See its clusters with: atlas-backup cluster list --project-id "+sandbox.DemoProjectID+"\n") {
		t.Errorf("exit %d, want 4 and did you mean demo?\n%s", res.code, res)
	}
	if n := lists(); n != 1 {
		t.Errorf("%d reads of the clusters for a cluster's 404, want 1", n)
	}
	res = runAtlasBackup(t, env, "restore", "get", "6b16aaaaaaaaaaaaaaaaaaaa", "--cluster", "demo")
	if res.code != 4 || !strings.Contains(res.stderr, "Cluster demo of project "+sandbox.DemoProjectID+" has no restore job 6b16aaaaaaaaaaaaaaaaaaaa; see its restore jobs with: ") {
		t.Errorf("exit %d, want 4 naming the cluster\n%s", res.code, res)
	}
	if n := lists(); n != 1 {
		t.Errorf("%d reads of the clusters in all, want 1: a job's 404 costs none", n)
	}
}
