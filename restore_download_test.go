package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// dlSandbox is a sandbox with its archive server, both on loopback, and a
// finished download restore job.
type dlSandbox struct {
	sb               *testSandbox
	job              *api.RestoreJob
	env              []string
	project, cluster string // the job's
}

// startDownloadSandbox starts a sandbox whose jobs end at once, makes a
// download restore job of cluster and waits for its links. front, when
// set, stands between the CLI and the archive server (redirects, stalls).
func startDownloadSandbox(t *testing.T, cluster string, front func(archives string) http.Handler, opts ...sandbox.Option) *dlSandbox {
	t.Helper()
	s, env := startSandbox(t, "keys", append([]sandbox.Option{sandbox.WithJobDuration(time.Millisecond), sandbox.WithArchiveSize(300_000), sandbox.WithRetryAfter(0)}, opts...)...)
	d := &dlSandbox{sb: s, env: env}
	if front != nil {
		f := httptest.NewServer(front(s.archives.URL))
		t.Cleanup(f.Close)
		s.SetArchiveURL(f.URL)
	}
	d.createJob(t, cluster)
	return d
}

// createJob makes another download restore job of cluster, and waits for
// its links. The staging cluster is in the staging project, the one with a
// private endpoint; the others are in the demo project.
func (d *dlSandbox) createJob(t *testing.T, cluster string) {
	t.Helper()
	d.project, d.cluster = sandbox.DemoProjectID, cluster
	if cluster == "staging" {
		d.project = sandbox.DemoStagingID
	}
	c, err := api.New(api.Options{BaseURL: d.sb.api.URL, Credentials: api.Credentials{AccessToken: d.sb.Credentials().AccessToken}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	j, _, err := c.CreateRestore(ctx, d.project, cluster, api.RestoreRequest{
		DeliveryType: api.DeliveryDownload, SnapshotID: sandbox.SeedSnapshotIDs(cluster)[0]})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if d.job, _, err = c.GetRestore(ctx, d.project, cluster, j.ID); err != nil {
			t.Fatal(err)
		}
		if ended, _ := d.job.Ended(); ended || time.Now().After(deadline) {
			break
		}
	}
}

// archiveRequests are the requests the archive server saw.
func (d *dlSandbox) archiveRequests() []sandbox.Request {
	var out []sandbox.Request
	for _, r := range d.sb.Requests() {
		if r.Operation == "downloadArchive" {
			out = append(out, r)
		}
	}
	return out
}

// served fetches an archive as the sandbox serves it, with a plain GET.
func served(t *testing.T, link string) []byte {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET the archive: %s, %v", resp.Status, err)
	}
	return b
}

func (d *dlSandbox) download(t *testing.T, dir string, extra ...string) cliResult {
	t.Helper()
	return runAtlasBackup(t, d.env, append([]string{"restore", "download", d.job.ID, "--cluster", d.cluster, "--project-id", d.project, "--dir", dir}, extra...)...)
}

// archive is the file name of the job's archive (of a replica set's job).
func (d *dlSandbox) archive() string { return sandbox.ArchiveFileName(d.job.SnapshotID, "") }

func noAuthorization(t *testing.T, d *dlSandbox) {
	t.Helper()
	for _, r := range d.archiveRequests() {
		if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
			t.Errorf("the archive server got credentials: %v", r.Header)
		}
	}
}

func TestDownloadByteForByte(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, sandbox.DemoCluster, nil)
	dir := filepath.Join(t.TempDir(), "new", "dir")
	res := d.download(t, dir, "-o", "json")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	name := d.archive()
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil || !bytes.Equal(got, served(t, d.job.DeliveryURL[0])) {
		t.Fatalf("%s differs from what the sandbox serves (%v)", name, err)
	}
	var report []map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &report); err != nil || len(report) != 1 ||
		report[0]["path"] != filepath.Join(dir, name) || report[0]["result"] != "downloaded" || report[0]["bytes"] != float64(len(got)) {
		t.Errorf("report %s (%v)", res.stdout, err)
	}
	// The link's token is its authorization: never printed.
	link, _ := url.Parse(d.job.DeliveryURL[0])
	if token := path.Dir(link.Path); strings.Contains(res.stderr, token) || strings.Contains(res.stdout, token) {
		t.Errorf("a link's token was printed\n%s", res)
	}
	noAuthorization(t, d)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 || entries[0].Name() != ".atlas-backup-manifest.json" {
		t.Errorf("%s holds %v: leftovers, or no manifest", dir, entries)
	}

	// A re-run skips the complete file without fetching it.
	before := len(d.archiveRequests())
	res = d.download(t, dir)
	if res.code != 0 || !regexp.MustCompile(`(?m)^\S+`+name+`\s+293\.0 KiB\s+-\s+skipped\s*$`).MatchString(res.stdout) || len(d.archiveRequests()) != before {
		t.Errorf("re-run: %d archive requests after %d\n%s", len(d.archiveRequests()), before, res)
	}
}

func TestDownloadSharded(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, sandbox.DemoShardedCluster, nil)
	dir := t.TempDir()
	res := d.download(t, dir, "--parallel", "2")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	for _, rs := range sandbox.DemoShardedReplicaSets {
		if !regexp.MustCompile(`(?m)` + regexp.QuoteMeta(filepath.Join(dir, sandbox.ArchiveFileName(d.job.SnapshotID, rs))) + `\s+293\.0 KiB\s+` + rs + `\s+downloaded`).MatchString(res.stdout) {
			t.Errorf("no row for %s\n%s", rs, res)
		}
	}
	if n := len(d.archiveRequests()); n != 3 {
		t.Errorf("%d archive requests, want 3", n)
	}
}

func TestDownloadResumesInTheSameRun(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, sandbox.DemoCluster, nil, sandbox.WithFaults(mustFault(t, "downloadArchive:cut=100000:1")))
	dir := t.TempDir()
	res := d.download(t, dir)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	reqs := d.archiveRequests()
	if len(reqs) != 2 || reqs[1].Header.Get("Range") != "bytes=100000-" || reqs[1].Header.Get("If-Range") == "" {
		t.Errorf("archive requests %v", headers(reqs))
	}
	if got, _ := os.ReadFile(filepath.Join(dir, d.archive())); !bytes.Equal(got, served(t, d.job.DeliveryURL[0])) {
		t.Error("the resumed file differs from what the sandbox serves")
	}
	noAuthorization(t, d)
}

func TestDownloadResumesAPartFromAnEarlierRun(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, sandbox.DemoCluster, nil)
	dir := t.TempDir()
	name := d.archive()
	whole := served(t, d.job.DeliveryURL[0])
	resp, _ := http.Get(d.job.DeliveryURL[0]) // for its ETag
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	os.WriteFile(filepath.Join(dir, name+".part"), whole[:123_000], 0o644)
	os.WriteFile(filepath.Join(dir, "."+name+".etag"), []byte(resp.Header.Get("ETag")+"\n"), 0o644)
	// The sandbox logs a request once its handler has returned.
	for deadline := time.Now().Add(5 * time.Second); len(d.archiveRequests()) < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	before := len(d.archiveRequests())
	res := d.download(t, dir)
	if res.code != 0 || !strings.Contains(res.stdout, "resumed") {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	reqs := d.archiveRequests()[before:]
	if len(reqs) != 1 || reqs[0].Header.Get("Range") != "bytes=123000-" || reqs[0].Header.Get("If-Range") != resp.Header.Get("ETag") {
		t.Errorf("archive requests %v", headers(reqs))
	}
	if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, whole) {
		t.Error("the resumed file differs")
	}

	// A .part of another version (its ETag changed) starts over.
	os.Remove(filepath.Join(dir, name))
	os.WriteFile(filepath.Join(dir, name+".part"), bytes.Repeat([]byte{'x'}, 50_000), 0o644)
	os.WriteFile(filepath.Join(dir, "."+name+".etag"), []byte(`"an-older-version"`), 0o644)
	before = len(d.archiveRequests())
	res = d.download(t, dir)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, whole) {
		t.Error("a .part of another version was kept")
	}
	if reqs := d.archiveRequests()[before:]; len(reqs) != 1 || reqs[0].Header.Get("If-Range") != `"an-older-version"` {
		t.Errorf("archive requests %v", headers(reqs))
	}
}

func TestDownloadStatuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		fault    string
		code     int
		requests int
		stderr   string
	}{
		{"downloadArchive:503:2", 0, 3, ""},
		{"downloadArchive:429:1", 0, 2, ""},
		{"downloadArchive:drop:1", 0, 2, ""},
		{"downloadArchive:403", 1, 1, `restore-\w+\.tar\.gz: 403 Forbidden \(the link may have expired\)`},
		{"downloadArchive:404", 1, 1, `restore-\w+\.tar\.gz: 404 Not Found$`},
		{"downloadArchive:410", 1, 1, `restore-\w+\.tar\.gz: 410 Gone \(the link may have expired\)$`},
		{"downloadArchive:503", 1, 5, `restore-\w+\.tar\.gz: 503 Service Unavailable \(5 attempts in a row without progress\)$`},
		{"downloadArchive:corrupt", 1, 1, `restore-\w+\.tar\.gz: the archive is corrupt \(gzip: invalid checksum\)`},
	} {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			d := startDownloadSandbox(t, sandbox.DemoCluster, nil, sandbox.WithFaults(mustFault(t, tt.fault)))
			dir := t.TempDir()
			res := d.download(t, dir)
			if res.code != tt.code || len(d.archiveRequests()) != tt.requests {
				t.Errorf("exit %d after %d archive requests, want %d after %d\n%s", res.code, len(d.archiveRequests()), tt.code, tt.requests, res)
			}
			if tt.stderr != "" && !regexp.MustCompile(`(?m)^Error: `+tt.stderr).MatchString(res.stderr) {
				t.Errorf("stderr lacks %s\n%s", tt.stderr, res)
			}
			name := filepath.Join(dir, d.archive())
			if _, err := os.Stat(name); (err == nil) != (tt.code == 0) {
				t.Errorf("%s exists: %v, want %v", name, err == nil, tt.code == 0)
			}
			if resumable := tt.code != 0 && tt.requests > 1; resumable != strings.Contains(res.stderr, "running the same command again resumes") {
				t.Errorf("resume advice: want %v\n%s", resumable, res)
			}
		})
	}
}

func TestDownloadRedirectWithoutCredentials(t *testing.T) {
	t.Parallel()
	var fronted []http.Header
	d := startDownloadSandbox(t, sandbox.DemoCluster, func(archives string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fronted = append(fronted, r.Header.Clone())
			http.Redirect(w, r, archives+r.URL.RequestURI(), http.StatusFound)
		})
	})
	res := d.download(t, t.TempDir())
	if res.code != 0 || len(d.archiveRequests()) != 1 || len(fronted) != 1 {
		t.Fatalf("exit %d, %d archive requests, %d at the front\n%s", res.code, len(d.archiveRequests()), len(fronted), res)
	}
	if fronted[0].Get("Authorization") != "" {
		t.Error("the front got credentials")
	}
	noAuthorization(t, d)
}

func TestDownloadJobEndedBadly(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, sandbox.DemoCluster, nil, sandbox.WithRestoreOutcome(sandbox.OutcomeExpired))
	res := d.download(t, t.TempDir())
	if res.code != 6 || len(d.archiveRequests()) != 0 || !strings.Contains(res.stderr, "ended Expired") {
		t.Errorf("exit %d after %d archive requests\n%s", res.code, len(d.archiveRequests()), res)
	}
}

func TestDownloadBadInput(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, sandbox.DemoCluster, nil)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown job", []string{"restore", "download", "6b0000000000000000000000", "--cluster", "demo", "--dir", t.TempDir()}, 4, `^Error: 404 RESOURCE_NOT_FOUND: Cannot find resource restore job 6b0000000000000000000000.\nCluster demo of project \w+ has no restore job 6b0000000000000000000000; see its restore jobs with: atlas-backup restore list --cluster demo --project-id \w+\n$`},
		{"parallel 17", []string{"restore", "download", d.job.ID, "--cluster", "demo", "--parallel", "17"}, 2, `^Error: --parallel 17: must be from 1 to 16$`},
		{"dir is a file", []string{"restore", "download", d.job.ID, "--cluster", "demo", "--dir", filepath.Join(file, "sub")}, 2, `^Error: --dir ".*a-file/sub": cannot create it: not a directory$`},
		{"bad endpoint", []string{"restore", "download", d.job.ID, "--cluster", "demo", "--private-endpoint", "vpce-1"}, 2, `^Error: --private-endpoint "vpce-1": must match`},
		{"unknown endpoint", []string{"restore", "download", d.job.ID, "--cluster", "demo", "--dir", t.TempDir(), "--private-endpoint", "vpce-00000000000000000"}, 4, `lists no download link for private endpoint vpce-00000000000000000$`},
		{"download-dir without download", []string{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--snapshot-id", "latest",
			"--target-cluster", "demo", "--yes", "--download-dir", t.TempDir()}, 2, `^Error: --download-dir: only with --delivery-type download, not automated$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(d.sb.Requests())
			res := runAtlasBackup(t, d.env, tt.args...)
			if res.code != tt.code || !regexp.MustCompile(`(?m)`+tt.want).MatchString(res.stderr) {
				t.Errorf("exit %d, want %d and stderr %s\n%s", res.code, tt.code, tt.want, res)
			}
			if tt.code == 2 && len(d.sb.Requests()) != before {
				t.Errorf("a usage error sent %d requests", len(d.sb.Requests())-before)
			}
		})
	}
	// Not a download job: exit 5 naming its delivery type, and the
	// directory is not made (a download never started).
	c, _ := api.New(api.Options{BaseURL: d.sb.api.URL, Credentials: api.Credentials{AccessToken: d.sb.Credentials().AccessToken}})
	j, _, err := c.CreateRestore(context.Background(), sandbox.DemoProjectID, "demo", api.RestoreRequest{DeliveryType: api.DeliveryAutomated,
		SnapshotID: sandbox.SeedSnapshotIDs("demo")[1], TargetClusterName: "analytics", TargetGroupID: sandbox.DemoProjectID})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "new")
	res := runAtlasBackup(t, d.env, "restore", "download", j.ID, "--cluster", "demo", "--dir", dir)
	if res.code != 5 || !strings.Contains(res.stderr, "Error: restore job "+j.ID+" is an automated restore, not a download: it has no archives to download\n") {
		t.Errorf("exit %d\n%s", res.code, res)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s was made for a download that never started", dir)
	}
}

// The staging project has a private endpoint: --private-endpoint downloads
// through its link. (The demo project has none: see TestDownloadBadInput.)
func TestDownloadPrivateEndpoint(t *testing.T) {
	t.Parallel()
	d := startDownloadSandbox(t, "staging", nil)
	if len(d.job.PrivateDownloadDeliveryURLs) != 1 {
		t.Fatalf("job %+v: want one private link", d.job)
	}
	private, _ := url.Parse(d.job.PrivateDownloadDeliveryURLs[0].DeliveryURL)
	dir := t.TempDir()
	res := d.download(t, dir, "--private-endpoint", sandbox.DemoPrivateEndpointID)
	if res.code != 0 || len(d.archiveRequests()) != 1 || d.archiveRequests()[0].Path != private.Path {
		t.Fatalf("exit %d, requests %v, want one of %s\n%s", res.code, d.archiveRequests(), private.Path, res)
	}
}

// Ctrl-C in the middle of an archive keeps its .part and says how to
// resume: exit 130.
func TestDownloadInterrupted(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	d := startDownloadSandbox(t, sandbox.DemoCluster, func(archives string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			resp, err := http.Get(archives + r.URL.RequestURI())
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			w.Header().Set("Content-Length", resp.Header.Get("Content-Length"))
			w.Header().Set("ETag", resp.Header.Get("ETag"))
			io.CopyN(w, resp.Body, 50_000)
			w.(http.Flusher).Flush()
			started <- struct{}{}
			<-r.Context().Done() // then nothing more
		})
	})
	dir := t.TempDir()
	r := startAtlasBackup(t, d.env, "restore", "download", d.job.ID, "--cluster", "demo", "--dir", dir)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the download never started")
	}
	part := filepath.Join(dir, d.archive()+".part")
	r.until("50000 bytes in the .part", func() bool { return fileLen(part) >= 50_000 })
	res := r.stop(syscall.SIGINT)
	if res.code != 130 {
		t.Fatalf("exit %d, want 130\n%s", res.code, res)
	}
	if fileLen(part) != 50_000 {
		t.Errorf(".part holds %d bytes, want 50000", fileLen(part))
	}
	if !strings.Contains(res.stderr, "the .part files are kept. Resume with: atlas-backup restore download "+d.job.ID+" --cluster demo") {
		t.Errorf("stderr %q", res.stderr)
	}
}

func fileLen(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return info.Size()
}

func mustFault(t *testing.T, spec string) sandbox.Fault {
	t.Helper()
	f, err := sandbox.ParseFault(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func headers(reqs []sandbox.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, "Range="+r.Header.Get("Range")+" If-Range="+r.Header.Get("If-Range"))
	}
	return slices.Clip(out)
}
