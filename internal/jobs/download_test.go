package jobs_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/download"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// display records what Download shows: the names it starts with, the
// events, and the stop, in the order they come.
type display struct {
	mu     sync.Mutex
	starts [][]string
	events []download.Event
	log    []string
}

func (d *display) start(names []string) (func(download.Event), func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.starts = append(d.starts, names)
	d.log = append(d.log, "start")
	return func(e download.Event) {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.events = append(d.events, e)
			d.log = append(d.log, "event")
		}, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.log = append(d.log, "stop")
		}
}

// archiveRequests are the requests the archive server received.
func (e *env) archiveRequests() []sandbox.Request {
	var out []sandbox.Request
	for _, r := range e.sb.Requests() {
		if r.Operation == "downloadArchive" {
			out = append(out, r)
		}
	}
	return out
}

// get fetches a link with a plain GET, as it is served.
func get(t *testing.T, link string) []byte {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", link, resp.Status, err)
	}
	return b
}

func notThere(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: %v; want no directory made", dir, err)
	}
}

func TestDownloadArchives(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, project, cluster, endpoint string
		replicaSets                      []string
	}{
		{"sharded cluster, public links", project, "demo-sharded", "", sandbox.DemoShardedReplicaSets},
		// The staging project is the one with a private endpoint.
		{"replica set, private endpoint", sandbox.DemoStagingID, "staging", sandbox.DemoPrivateEndpointID, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			j, _, err := e.client.CreateRestore(context.Background(), tc.project, tc.cluster, api.RestoreRequest{
				DeliveryType: api.DeliveryDownload, SnapshotID: sandbox.SeedSnapshotIDs(tc.cluster)[0]}) // Pending: the clock stands still
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "restore")
			w, _ := e.watch(jobDuration)
			var show display
			rep, err := jobs.Download(context.Background(), e.deps(), jobs.Scope{ProjectID: tc.project, Cluster: tc.cluster}, j.ID,
				jobs.DownloadInput{Watch: w, Dir: dir, PrivateEndpoint: tc.endpoint, Client: download.NewClient(nil), Start: show.start})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, rs := range tc.replicaSets {
				names = append(names, sandbox.ArchiveFileName(j.SnapshotID, rs))
			}
			// The links the job lists, public or through the endpoint.
			if rep.Seen.Job == nil {
				t.Fatalf("last look %+v: no job", rep.Seen)
			}
			var links []string
			if tc.endpoint == "" {
				links = rep.Seen.Job.DeliveryURL
			}
			for _, p := range rep.Seen.Job.PrivateDownloadDeliveryURLs {
				if p.EndpointID == tc.endpoint {
					links = append(links, p.DeliveryURL)
				}
			}
			if !rep.Seen.State.OK || rep.Seen.Job == nil || rep.Seen.Job.ID != j.ID {
				t.Errorf("last look %+v: want the job, Succeeded", rep.Seen)
			}

			// The archives, in the job's order, with their replica sets.
			if len(rep.Archives) != len(names) || len(rep.Results) != len(names) {
				t.Fatalf("%d archives, %d results; want %d", len(rep.Archives), len(rep.Results), len(names))
			}
			for i, a := range rep.Archives {
				if a.URL != links[i] || !strings.HasPrefix(a.URL, e.archives.URL+"/") || !strings.HasSuffix(a.URL, "/"+names[i]) || a.ReplicaSetName != tc.replicaSets[i] {
					t.Errorf("archive %d: %+v, want %s (%s) of replica set %q", i, a, links[i], names[i], tc.replicaSets[i])
				}
			}

			// Fetched once each, without Atlas's credentials.
			reqs := e.archiveRequests()
			if len(reqs) != len(names) {
				t.Errorf("%d archive requests, want %d", len(reqs), len(names))
			}
			for _, r := range reqs {
				if r.Method != http.MethodGet || r.Status != http.StatusOK || r.Header.Get("Authorization") != "" {
					t.Errorf("archive request %s %s: %d, Authorization %q", r.Method, r.Path, r.Status, r.Header.Get("Authorization"))
				}
			}
			backup := "/api/atlas/v2/groups/" + tc.project + "/clusters/" + tc.cluster + "/backup"
			equal(t, "API requests", e.apiRequests(), []string{
				"POST " + backup + "/restoreJobs",
				"GET " + backup + "/restoreJobs/" + j.ID, // Pending
				"GET " + backup + "/restoreJobs/" + j.ID, // Succeeded, with its links
			})

			// Each file byte for byte as served.
			for i, r := range rep.Results {
				path := filepath.Join(dir, names[i])
				if r.Outcome != download.Downloaded || r.Err != nil || r.Path != path || r.File.Name != names[i] || r.Bytes != 64<<10 {
					t.Errorf("result %d: %+v", i, r)
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if want := get(t, rep.Archives[i].URL); !bytes.Equal(got, want) {
					t.Errorf("%s: %d bytes on disk differ from the %d served", names[i], len(got), len(want))
				}
			}

			// The display: started once with the names, every file's events,
			// then stopped, once.
			show.mu.Lock()
			defer show.mu.Unlock()
			if len(show.starts) != 1 {
				t.Fatalf("Start called %d times, want 1", len(show.starts))
			}
			equal(t, "names", show.starts[0], names)
			if l := show.log; l[0] != "start" || l[len(l)-1] != "stop" || strings.Count(strings.Join(l, " "), "stop") != 1 {
				t.Errorf("display: %q", l)
			}
			for i, name := range names {
				var kinds []download.EventKind
				var last download.Event
				for _, ev := range show.events {
					if ev.Index == i {
						if ev.Name != name {
							t.Errorf("event for file %d names %s, want %s", i, ev.Name, name)
						}
						kinds, last = append(kinds, ev.Kind), ev
					}
				}
				if len(kinds) < 2 || kinds[0] != download.Started || last.Kind != download.Finished || last.Outcome != download.Downloaded {
					t.Errorf("%s: events %v, last %+v", name, kinds, last)
				}
			}
		})
	}
}

func TestDownloadNotADownload(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		deliveryType, article string
		request               func(e *env) api.RestoreRequest
	}{
		{api.DeliveryAutomated, "an", func(*env) api.RestoreRequest {
			return api.RestoreRequest{DeliveryType: api.DeliveryAutomated, SnapshotID: demoSnap, TargetClusterName: "analytics", TargetGroupID: project}
		}},
		{api.DeliveryPointInTime, "a", func(*env) api.RestoreRequest {
			return api.RestoreRequest{DeliveryType: api.DeliveryPointInTime, PointInTimeUTCSeconds: t0.Add(-time.Hour).Unix(),
				TargetClusterName: "analytics", TargetGroupID: project}
		}},
	} {
		t.Run(tc.deliveryType, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			j, _, err := e.client.CreateRestore(context.Background(), project, "demo", tc.request(e))
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "restore")
			var show display
			w, _ := e.watch(jobDuration)
			rep, err := jobs.Download(context.Background(), e.deps(), demoScope, j.ID,
				jobs.DownloadInput{Watch: w, Dir: dir, Client: download.NewClient(nil), Start: show.start})
			var not *jobs.NotDownloadError
			if !errors.As(err, &not) {
				t.Fatalf("Download: %v, want a *jobs.NotDownloadError", err)
			}
			if *not != (jobs.NotDownloadError{ID: j.ID, DeliveryType: tc.deliveryType}) {
				t.Errorf("error %+v", *not)
			}
			want := fmt.Sprintf("restore job %s is %s %s restore, not a download: it has no archives to download", j.ID, tc.article, tc.deliveryType)
			if err.Error() != want {
				t.Errorf("message %q, want %q", err, want)
			}
			if rep.Archives != nil || rep.Results != nil || len(show.starts) != 0 {
				t.Errorf("report %+v, display %+v: want nothing downloaded", rep, show.starts)
			}
			notThere(t, dir)
			// Said at the first look, without waiting for the job's end.
			if n := e.count(http.MethodGet, demoPath+"/restoreJobs/"+j.ID); n != 1 {
				t.Errorf("%d checks, want 1", n)
			}
		})
	}
}

func TestDownloadNoLink(t *testing.T) {
	t.Parallel()

	t.Run("not for that private endpoint", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		j := e.restore(t, "demo", api.DeliveryDownload)
		dir := filepath.Join(t.TempDir(), "restore")
		var show display
		w, _ := e.watch(jobDuration)
		const endpoint = "vpce-00000000000000000"
		rep, err := jobs.Download(context.Background(), e.deps(), demoScope, j.ID,
			jobs.DownloadInput{Watch: w, Dir: dir, PrivateEndpoint: endpoint, Client: download.NewClient(nil), Start: show.start})
		var none *jobs.NoLinkError
		if !errors.As(err, &none) || *none != (jobs.NoLinkError{ID: j.ID, PrivateEndpoint: endpoint}) {
			t.Fatalf("Download: %v, want a *jobs.NoLinkError", err)
		}
		if want := "restore job " + j.ID + " lists no download link for private endpoint " + endpoint; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		if !rep.Seen.State.OK || len(rep.Archives) != 0 || len(show.starts) != 0 {
			t.Errorf("report %+v: want the job seen, nothing downloaded", rep)
		}
		notThere(t, dir)
		if n := len(e.archiveRequests()); n != 0 {
			t.Errorf("%d archive requests, want none", n)
		}
	})

	t.Run("none at all", func(t *testing.T) {
		t.Parallel()
		const id = "6b057c400000000000000001"
		s := script(t, map[string]route{
			"GET " + demoPath + "/restoreJobs/" + id: {200, `{"id":"` + id + `","deliveryType":"download","finishedAt":"2026-11-24T12:00:00Z"}`},
		})
		dir := filepath.Join(t.TempDir(), "restore")
		_, err := jobs.Download(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken")}, demoScope, id,
			jobs.DownloadInput{Watch: jobs.Watch{Interval: time.Millisecond}, Dir: dir})
		var none *jobs.NoLinkError
		if !errors.As(err, &none) || none.PrivateEndpoint != "" {
			t.Fatalf("Download: %v, want a *jobs.NoLinkError", err)
		}
		if want := "restore job " + id + " lists no download link"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		notThere(t, dir)
	})
}

// What Atlas says of a job reaches messages escaped.
func TestDownloadNotADownloadEscaped(t *testing.T) {
	t.Parallel()
	const id = "bad\x1b[2Jid"
	s := script(t, map[string]route{
		"GET " + demoPath + "/restoreJobs/" + id: {200, `{"id":"x","deliveryType":"auto\u001b]0;t\u0007mated"}`},
	})
	dir := filepath.Join(t.TempDir(), "restore")
	_, err := jobs.Download(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken")}, demoScope, id,
		jobs.DownloadInput{Watch: jobs.Watch{Interval: time.Millisecond}, Dir: dir})
	var not *jobs.NotDownloadError
	if !errors.As(err, &not) {
		t.Fatalf("Download: %v, want a *jobs.NotDownloadError", err)
	}
	if want := (jobs.NotDownloadError{ID: `bad\x1b[2Jid`, DeliveryType: `auto\x1b]0;t\x07mated`}); *not != want {
		t.Errorf("error %+v, want %+v", *not, want)
	}
	if strings.ContainsAny(err.Error(), "\x1b\x07") {
		t.Errorf("message %q reaches the terminal unescaped", err)
	}
	notThere(t, dir)
}

func TestDownloadFailedRestore(t *testing.T) {
	t.Parallel()
	e := start(t, sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	j := e.restore(t, "demo", api.DeliveryDownload)
	dir := filepath.Join(t.TempDir(), "restore")
	w, _ := e.watch(jobDuration)
	rep, err := jobs.Download(context.Background(), e.deps(), demoScope, j.ID, jobs.DownloadInput{Watch: w, Dir: dir})
	var ended *jobs.EndedError
	if !errors.As(err, &ended) || ended.Why != api.RestoreFailed || ended.ID != j.ID {
		t.Fatalf("Download: %v, want an *jobs.EndedError", err)
	}
	if rep.Seen.Job == nil || !rep.Seen.Job.Failed || rep.Archives != nil {
		t.Errorf("report %+v", rep)
	}
	notThere(t, dir)
}

// tarGz is a small, valid .tar.gz.
func tarGz(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	body := []byte("hello from the archive\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(body)), ModTime: t0}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Links whose last segment is no file name get names of the job's.
func TestDownloadNamesOfItsOwn(t *testing.T) {
	t.Parallel()
	archive := tarGz(t)
	var mu sync.Mutex
	var paths []string
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		mu.Unlock()
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(archive))
	}))
	t.Cleanup(files.Close)
	const id = "6b057c400000000000000001"
	s := script(t, map[string]route{
		"GET " + demoPath + "/restoreJobs/" + id: {200, `{"id":"` + id + `","deliveryType":"download","finishedAt":"2026-11-24T12:00:00Z",` +
			`"deliveryUrl":["` + files.URL + `/get/?sig=1","` + files.URL + `/a%2Fb?sig=2"]}`},
	})
	dir := t.TempDir()
	var show display
	rep, err := jobs.Download(context.Background(), jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken")}, demoScope, id,
		jobs.DownloadInput{Watch: jobs.Watch{Interval: time.Millisecond}, Dir: dir, Client: download.NewClient(nil), Start: show.start})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"restore-" + id + "-1.tar.gz", "restore-" + id + "-2.tar.gz"}
	equal(t, "names", show.starts[0], names)
	for i, r := range rep.Results {
		if r.Outcome != download.Downloaded {
			t.Errorf("%s: %+v", names[i], r)
			continue
		}
		if got, _ := os.ReadFile(filepath.Join(dir, names[i])); !bytes.Equal(got, archive) {
			t.Errorf("%s: not the archive served", names[i])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) != 2 {
		t.Errorf("archive requests %q, want 2", paths)
	}
}
