package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// Two real processes download one job into one directory: the second
// waits for the first (or with --no-wait ends at once, exit 1), then skips
// the archive the first verified. The archive is whole and byte-identical,
// though the first run's answer was cut and resumed.
func TestTwoDownloadsIntoOneDirectory(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	d := startDownloadSandbox(t, sandbox.DemoCluster, func(archives string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(arrived); <-release }) // the first request waits
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, archives+r.URL.RequestURI(), nil)
			for _, h := range []string{"Range", "If-Range"} {
				if v := r.Header.Get(h); v != "" {
					req.Header.Set(h, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			for _, h := range []string{"Content-Length", "Content-Range", "ETag"} {
				if v := resp.Header.Get(h); v != "" {
					w.Header().Set(h, v)
				}
			}
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, resp.Body)
		})
	}, sandbox.WithFaults(mustFault(t, "downloadArchive:cut=100000:1")))
	dir := t.TempDir()
	first := startAtlasBackup(t, d.env, "restore", "download", d.job.ID, "--cluster", "demo", "--dir", dir)
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the first download never asked for its archive")
	}

	busy := d.download(t, dir, "--no-wait")
	if busy.code != 1 || !strings.Contains(busy.stderr, "another atlas-backup download is writing into "+dir) {
		t.Fatalf("--no-wait: exit %d\n%s", busy.code, busy)
	}
	second := startAtlasBackup(t, d.env, "restore", "download", d.job.ID, "--cluster", "demo", "--dir", dir)
	second.until("the second run waits", func() bool {
		return strings.Contains(second.errOut.String(), "Waiting for another atlas-backup download into "+dir+" to finish")
	})
	close(release)

	r1, r2 := first.wait(), second.wait()
	if r1.code != 0 || !strings.Contains(r1.stdout, "downloaded") {
		t.Errorf("first: exit %d\n%s", r1.code, r1)
	}
	if r2.code != 0 || !strings.Contains(r2.stdout, "skipped") {
		t.Errorf("second: exit %d\n%s", r2.code, r2)
	}
	name := sandbox.ArchiveFileName(d.job.SnapshotID, "")
	got, err := os.ReadFile(filepath.Join(dir, name))
	if want := served(t, d.job.DeliveryURL[0]); err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes (%v), want the %d served", name, len(got), err, len(want))
	}
	if n := len(d.archiveRequests()); n != 3 { // cut, resumed, and served() above
		t.Errorf("%d archive requests, want 3: %v", n, headers(d.archiveRequests()))
	}
}

// Archives are named after the snapshot (and, for a sharded cluster, the
// replica set), as Atlas names them: a second job of the same snapshot,
// downloaded into the same directory, must not take the first job's
// archives for its own.
func TestAnotherJobsArchivesAreNotSkipped(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, sandbox.DemoShardedCluster, nil)
	dir := t.TempDir()
	if res := d.download(t, dir); res.code != 0 {
		t.Fatalf("first job: exit %d\n%s", res.code, res)
	}
	first := d.job.ID
	d.createJob(t, sandbox.DemoShardedCluster)
	before := len(d.archiveRequests())
	res := d.download(t, dir)
	if res.code != 1 {
		t.Fatalf("second job: exit %d, want 1\n%s", res.code, res)
	}
	for _, rs := range sandbox.DemoShardedReplicaSets {
		if !strings.Contains(res.stderr, filepath.Join(dir, sandbox.ArchiveFileName(d.job.SnapshotID, rs))+" already exists and atlas-backup cannot vouch for it (it is another download's archive ("+first+")); use another --dir, or --force") {
			t.Errorf("no error for %s\n%s", rs, res)
		}
	}
	if strings.Contains(res.stdout, "skipped") || len(d.archiveRequests()) != before {
		t.Errorf("skipped another job's archives, or fetched after all\n%s", res)
	}
	// --force replaces them with the second job's, verified.
	if res := d.download(t, dir, "--force"); res.code != 0 || strings.Count(res.stdout, "downloaded") != 3 {
		t.Errorf("--force: exit %d\n%s", res.code, res)
	}
}
