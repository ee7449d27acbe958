package sandbox_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

const sharded = groups + sandbox.DemoProjectID + "/clusters/" + sandbox.DemoShardedCluster + "/backup"

// withArchives starts a sandbox whose archives are served by a second
// loopback server, as the sandbox command and --sandbox do.
func withArchives(t *testing.T, opts ...sandbox.Option) *env {
	t.Helper()
	e := start(t, opts...)
	arch := httptest.NewServer(e.sb.ArchiveHandler())
	t.Cleanup(arch.Close)
	e.sb.SetArchiveURL(arch.URL)
	return e
}

// downloadJob creates a download restore of a cluster's newest snapshot and
// returns it once it has finished (jobs take 10s).
func (e *env) downloadJob(backup, clusterName string) response {
	e.t.Helper()
	created := e.post(backup+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs(clusterName)[0], ""))
	wantStatus(e.t, created, 200, "")
	e.clock.Advance(10 * time.Second)
	r := e.get(backup + "/restoreJobs/" + created.str("id"))
	wantStatus(e.t, r, 200, "")
	return r
}

// deliveryURLs is a job's deliveryUrl.
func deliveryURLs(t *testing.T, r response) []string {
	t.Helper()
	raw, _ := r.body["deliveryUrl"].([]any)
	var out []string
	for _, u := range raw {
		out = append(out, u.(string))
	}
	if len(out) == 0 {
		t.Fatalf("no deliveryUrl: %s", r.raw)
	}
	return out
}

// privateURLs maps endpointId to deliveryUrl for a privateDownloadDeliveryUrls list.
func privateURLs(t *testing.T, v any) []map[string]any {
	t.Helper()
	raw, _ := v.([]any)
	var out []map[string]any
	for _, p := range raw {
		out = append(out, p.(map[string]any))
	}
	return out
}

// download is one archive answer, read to its end or to the error that ended it.
type download struct {
	status  int
	header  http.Header
	body    []byte
	readErr error
}

// fetchArchive sends a request with no credentials, as a downloader must,
// on a connection of its own.
func fetchArchive(t *testing.T, method, u string, header map[string]string) download {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	d := download{status: resp.StatusCode, header: resp.Header}
	d.body, d.readErr = io.ReadAll(resp.Body)
	return d
}

// readArchive gunzips and untars an archive to its end, and returns its
// files' names and sizes.
func readArchive(t *testing.T, data []byte) map[string]int64 {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	tr := tar.NewReader(zr)
	files := map[string]int64{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		n, err := io.Copy(io.Discard, tr)
		if err != nil || n != h.Size {
			t.Fatalf("tar file %s: %d of %d bytes, %v", h.Name, n, h.Size, err)
		}
		files[h.Name] = n
	}
	// The gzip stream ends there, and checks out (CRC-32 and length).
	if rest, err := io.ReadAll(zr); err != nil || len(rest) != 0 {
		t.Fatalf("after the tar: %d more bytes, %v", len(rest), err)
	}
	if err := zr.Close(); err != nil {
		t.Fatal(err)
	}
	return files
}

// archiveURLPattern is the shape of a download link on the archive origin:
// a 24-character token, then the file.
var archiveURLPattern = regexp.MustCompile(`^/([A-Za-z0-9]{24})/([A-Za-z0-9._-]+\.tar\.gz)$`)

func TestArchiveDownload(t *testing.T) {
	e := withArchives(t)
	job := e.downloadJob(demo, sandbox.DemoCluster)
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoCluster)[0]
	urls := deliveryURLs(t, job)
	u, err := url.Parse(urls[0])
	if err != nil {
		t.Fatal(err)
	}
	// Atlas's shape, on the archive origin: a path token, the file named
	// after the snapshot, no query.
	m := archiveURLPattern.FindStringSubmatch(u.Path)
	if len(urls) != 1 || "http://"+u.Host != e.sb.ArchiveURL() || m == nil || m[2] != "restore-"+snap+".tar.gz" ||
		path.Base(u.Path) != sandbox.ArchiveFileName(snap, "") || u.RawQuery != "" {
		t.Fatalf("deliveryUrl %v, want one {token}/restore-%s.tar.gz on %s", urls, snap, e.sb.ArchiveURL())
	}

	first := fetchArchive(t, "GET", urls[0], nil)
	if first.status != 200 || first.readErr != nil {
		t.Fatalf("GET: %d %v", first.status, first.readErr)
	}
	h := first.header
	if h.Get("Content-Type") != "application/gzip" || h.Get("Accept-Ranges") != "bytes" ||
		h.Get("Content-Length") != strconv.Itoa(len(first.body)) || len(first.body) != sandbox.DefaultArchiveSize {
		t.Errorf("headers %v, %d bytes; want application/gzip, ranges, and exactly %d bytes", h, len(first.body), sandbox.DefaultArchiveSize)
	}
	etag := h.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
		t.Errorf("ETag %q, want a strong quoted one", etag)
	}
	files := readArchive(t, first.body)
	var total int64
	for name, n := range files {
		if !strings.HasPrefix(name, "restore-"+snap+"/") {
			t.Errorf("file %s outside the archive's directory", name)
		}
		total += n
	}
	if len(files) != 3 || total < sandbox.DefaultArchiveSize*99/100 {
		t.Errorf("files %v: want 3, with nearly all of the size", files)
	}

	// The same bytes and ETag again; HEAD has the headers alone.
	again := fetchArchive(t, "GET", urls[0], nil)
	if !bytes.Equal(again.body, first.body) || again.header.Get("ETag") != etag {
		t.Errorf("a second GET differs (ETag %s, then %s)", etag, again.header.Get("ETag"))
	}
	head := fetchArchive(t, "HEAD", urls[0], nil)
	if head.status != 200 || len(head.body) != 0 || head.header.Get("Content-Length") != h.Get("Content-Length") || head.header.Get("ETag") != etag {
		t.Errorf("HEAD: %d, %d body bytes, headers %v", head.status, len(head.body), head.header)
	}
	// The demo project has no private endpoint: no private links.
	if _, ok := job.body["privateDownloadDeliveryUrls"]; ok {
		t.Errorf("a job of a project without a private endpoint has privateDownloadDeliveryUrls: %s", job.raw)
	}
	if _, ok := job.body["components"]; ok {
		t.Errorf("a replica set's job has components: %s", job.raw)
	}
}

// TestArchivePrivateEndpoint: the staging project has a private endpoint,
// and its download jobs a link through it: another token, the same bytes.
func TestArchivePrivateEndpoint(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(50_000))
	staging := groups + sandbox.DemoStagingID + "/clusters/staging/backup"
	job := e.downloadJob(staging, "staging")
	urls := deliveryURLs(t, job)
	priv := privateURLs(t, job.body["privateDownloadDeliveryUrls"])
	if len(priv) != 1 || priv[0]["endpointId"] != sandbox.DemoPrivateEndpointID ||
		!regexp.MustCompile(`^vpce-[0-9a-f]{17}$`).MatchString(sandbox.DemoPrivateEndpointID) {
		t.Fatalf("privateDownloadDeliveryUrls %v", priv)
	}
	pu := priv[0]["deliveryUrl"].(string)
	pub, _ := url.Parse(urls[0])
	pri, _ := url.Parse(pu)
	if pu == urls[0] || pri.Host != pub.Host || path.Base(pri.Path) != path.Base(pub.Path) || !archiveURLPattern.MatchString(pri.Path) {
		t.Errorf("private URL %s, public %s: want another token for the same file", pu, urls[0])
	}
	p, d := fetchArchive(t, "GET", pu, nil), fetchArchive(t, "GET", urls[0], nil)
	if p.status != 200 || !bytes.Equal(p.body, d.body) || p.header.Get("ETag") != d.header.Get("ETag") {
		t.Errorf("private URL: %d, same bytes %v, ETag %s", p.status, bytes.Equal(p.body, d.body), p.header.Get("ETag"))
	}
}

func TestArchiveSizes(t *testing.T) {
	// Exactly the size asked for, across stored-block and padding edges;
	// below the smallest archive, the smallest archive.
	for _, size := range []int64{100, 3200, 4096, 65535 + 3072, 65540 + 3095, 131072, 512 << 10, 1<<20 + 7} {
		t.Run(strconv.FormatInt(size, 10), func(t *testing.T) {
			e := withArchives(t, sandbox.WithArchiveSize(size))
			job := e.downloadJob(demo, sandbox.DemoCluster)
			d := fetchArchive(t, "GET", deliveryURLs(t, job)[0], nil)
			if d.status != 200 || d.readErr != nil {
				t.Fatalf("GET: %d %v", d.status, d.readErr)
			}
			readArchive(t, d.body)
			if size >= 4096 && int64(len(d.body)) != size || len(d.body) > 4096 && size < 4096 {
				t.Errorf("archive of %d bytes, want %d", len(d.body), size)
			}
		})
	}
}

func TestArchiveDeterministic(t *testing.T) {
	// Two sandboxes with the same clock make the same job IDs, and so the
	// same archives, byte for byte, though their URLs' tokens differ.
	var bodies [2][]byte
	var urls [2]string
	for i := range bodies {
		e := withArchives(t, sandbox.WithArchiveSize(200_000))
		urls[i] = deliveryURLs(t, e.downloadJob(demo, sandbox.DemoCluster))[0]
		bodies[i] = fetchArchive(t, "GET", urls[i], nil).body
	}
	if !bytes.Equal(bodies[0], bodies[1]) {
		t.Errorf("the same job's archive differs between sandboxes")
	}
	if path.Dir(urls[0]) == path.Dir(urls[1]) {
		t.Errorf("two sandboxes make the same token: %s", urls[0])
	}
}

func TestArchiveRanges(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(300_000))
	u := deliveryURLs(t, e.downloadJob(demo, sandbox.DemoCluster))[0]
	whole := fetchArchive(t, "GET", u, nil)
	etag, size := whole.header.Get("ETag"), len(whole.body)

	r := fetchArchive(t, "GET", u, map[string]string{"Range": "bytes=100-199"})
	if r.status != 206 || r.header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", size) || !bytes.Equal(r.body, whole.body[100:200]) {
		t.Errorf("bytes=100-199: %d %q, %d bytes", r.status, r.header.Get("Content-Range"), len(r.body))
	}
	// A resume: the rest, guarded by the ETag.
	r = fetchArchive(t, "GET", u, map[string]string{"Range": "bytes=1000-", "If-Range": etag})
	if r.status != 206 || r.header.Get("Content-Length") != strconv.Itoa(size-1000) || !bytes.Equal(r.body, whole.body[1000:]) || r.header.Get("ETag") != etag {
		t.Errorf("resume with the right ETag: %d, headers %v", r.status, r.header)
	}
	// Another ETag: the archive changed, so all of it, 200.
	r = fetchArchive(t, "GET", u, map[string]string{"Range": "bytes=1000-", "If-Range": `"0123456789abcdef0123456789abcdef"`})
	if r.status != 200 || !bytes.Equal(r.body, whole.body) || r.header.Get("Content-Range") != "" {
		t.Errorf("resume with a stale ETag: %d, %d bytes; want the whole 200", r.status, len(r.body))
	}
	// Nothing left to send.
	r = fetchArchive(t, "GET", u, map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)})
	if r.status != http.StatusRequestedRangeNotSatisfiable || r.header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
		t.Errorf("range past the end: %d %q", r.status, r.header.Get("Content-Range"))
	}
}

func TestArchiveToken(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(10_000))
	job := e.downloadJob(demo, sandbox.DemoCluster)
	first := deliveryURLs(t, job)[0]
	u, _ := url.Parse(first)
	name := path.Base(u.Path)

	noToken, wrong, renamed := *u, *u, *u
	noToken.Path = "/" + name
	wrong.Path = "/" + strings.Repeat("A", 24) + "/" + name
	renamed.Path = path.Dir(u.Path) + "/restore-0123456789abcdef01234567.tar.gz" // the token of another file
	for name, bad := range map[string]string{"no token": noToken.String(), "wrong": wrong.String(), "renamed": renamed.String()} {
		d := fetchArchive(t, "GET", bad, nil)
		if d.status != 403 || d.header.Get("Content-Type") != "text/xml" ||
			!strings.Contains(string(d.body), "<Error><Code>AccessDenied</Code>") {
			t.Errorf("%s: %d %s %s", name, d.status, d.header.Get("Content-Type"), d.body)
		}
	}
	if d := fetchArchive(t, "POST", first, nil); d.status != 405 || d.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", d.status, d.header)
	}
	// The link ends an hour after it was made, at the job's expiresAt.
	expires, err := time.Parse(time.RFC3339, job.str("expiresAt"))
	if err != nil || expires.Sub(e.clock.Now()) != time.Hour {
		t.Fatalf("expiresAt %q, want an hour after the link was made (%s)", job.str("expiresAt"), e.clock.Now())
	}
	e.clock.Advance(time.Hour - time.Second)
	if d := fetchArchive(t, "GET", first, nil); d.status != 200 {
		t.Errorf("just before the link expires: %d", d.status)
	}
	e.clock.Advance(time.Second)
	if d := fetchArchive(t, "GET", first, nil); d.status != 403 || !strings.Contains(string(d.body), "Request has expired") {
		t.Errorf("after the job expired: %d %s", d.status, d.body)
	}
}

func TestArchiveCorruptFault(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(100_000), sandbox.WithFaults(mustFault(t, "downloadArchive:corrupt:1")))
	u := deliveryURLs(t, e.downloadJob(demo, sandbox.DemoCluster))[0]
	bad := fetchArchive(t, "GET", u, nil)
	good := fetchArchive(t, "GET", u, nil) // the fault is used up
	if bad.status != 200 || bad.readErr != nil || len(bad.body) != len(good.body) || bad.header.Get("Content-Length") != good.header.Get("Content-Length") ||
		bad.header.Get("ETag") != good.header.Get("ETag") || bad.header.Get(sandbox.FaultHeader) != "downloadArchive:corrupt:1" {
		t.Fatalf("corrupt answer: %d %v, %d bytes, headers %v; want the real answer's length and headers", bad.status, bad.readErr, len(bad.body), bad.header)
	}
	n := len(good.body)
	if !bytes.Equal(bad.body[:n-8], good.body[:n-8]) || bytes.Equal(bad.body[n-8:n-4], good.body[n-8:n-4]) || !bytes.Equal(bad.body[n-4:], good.body[n-4:]) {
		t.Errorf("corrupt answer differs elsewhere than the CRC-32")
	}
	zr, err := gzip.NewReader(bytes.NewReader(bad.body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, zr); !errors.Is(err, gzip.ErrChecksum) {
		t.Errorf("gunzip of the corrupt archive: %v, want %v", err, gzip.ErrChecksum)
	}
	readArchive(t, good.body)
}

func TestArchiveCutFault(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(100_000), sandbox.WithFaults(mustFault(t, "downloadArchive:cut=1000:1")))
	u := deliveryURLs(t, e.downloadJob(demo, sandbox.DemoCluster))[0]
	cut := fetchArchive(t, "GET", u, nil)
	whole := fetchArchive(t, "GET", u, nil)
	if cut.status != 200 || cut.header.Get("Content-Length") != "100000" || !errors.Is(cut.readErr, io.ErrUnexpectedEOF) ||
		!bytes.Equal(cut.body, whole.body[:1000]) {
		t.Errorf("cut: %d, headers %v, %d bytes, %v; want 1000 bytes of 100000 and unexpected EOF", cut.status, cut.header, len(cut.body), cut.readErr)
	}
	// A resume after the cut gets the rest.
	rest := fetchArchive(t, "GET", u, map[string]string{"Range": "bytes=1000-", "If-Range": cut.header.Get("ETag")})
	if rest.status != 206 || !bytes.Equal(append(cut.body, rest.body...), whole.body) {
		t.Errorf("resume after the cut: %d", rest.status)
	}
	var statuses []string
	for _, r := range e.sb.Requests() {
		if r.Operation == "downloadArchive" {
			statuses = append(statuses, strconv.Itoa(r.Status))
		}
	}
	if strings.Join(statuses, " ") != "200 200 206" {
		t.Errorf("logged archive statuses %v", statuses)
	}
}

func TestArchiveStatusFaults(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(10_000), sandbox.WithFaults(
		mustFault(t, "downloadArchive:503:1"), mustFault(t, "downloadArchive:drop:1"), mustFault(t, "downloadArchive:html:1")))
	u := deliveryURLs(t, e.downloadJob(demo, sandbox.DemoCluster))[0]
	d := fetchArchive(t, "GET", u, nil)
	if d.status != 503 || d.header.Get("Retry-After") != "1" || d.header.Get("Content-Type") != "text/xml" ||
		!strings.Contains(string(d.body), "<Code>SlowDown</Code>") || d.header.Get("RateLimit-Limit") != "" {
		t.Errorf("503 fault: %d %v %s", d.status, d.header, d.body)
	}
	req, _ := http.NewRequest("GET", u, nil)
	if _, err := (&http.Transport{}).RoundTrip(req); err == nil {
		t.Errorf("drop fault: got an answer")
	}
	if d := fetchArchive(t, "GET", u, nil); d.status != 502 || !strings.HasPrefix(d.header.Get("Content-Type"), "text/html") {
		t.Errorf("html fault: %d %v", d.status, d.header)
	}
	if d := fetchArchive(t, "GET", u, nil); d.status != 200 || len(d.body) != 10_000 {
		t.Errorf("after the faults: %d, %d bytes", d.status, len(d.body))
	}
}

func TestArchiveRequestLog(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	e := withArchives(t, sandbox.WithArchiveSize(10_000), sandbox.WithLog(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}))
	u := deliveryURLs(t, e.downloadJob(demo, sandbox.DemoCluster))[0]
	fetchArchive(t, "GET", u, map[string]string{"Range": "bytes=10-", "If-Range": `"x"`, "User-Agent": "atlas-backup/test"})
	// A request is logged once its handler has returned, which may be just
	// after the client has read the answer.
	r := e.lastRequest()
	for deadline := time.Now().Add(2 * time.Second); r.Operation != "downloadArchive" && time.Now().Before(deadline); r = e.lastRequest() {
		time.Sleep(time.Millisecond)
	}
	pu, _ := url.Parse(u)
	if r.Operation != "downloadArchive" || r.Method != "GET" || r.Path != pu.Path || r.RawQuery != "" || r.Status != 200 ||
		r.Header.Get("Range") != "bytes=10-" || r.Header.Get("If-Range") != `"x"` || r.Header.Get("User-Agent") != "atlas-backup/test" {
		t.Errorf("recorded %+v", r)
	}
	if _, ok := r.Header["Authorization"]; ok {
		t.Errorf("recorded an Authorization header that was not sent")
	}
	var last string
	for deadline := time.Now().Add(2 * time.Second); !strings.Contains(last, "downloadArchive") && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		mu.Lock()
		last = lines[len(lines)-1]
		mu.Unlock()
	}
	// The log line leaves out the token.
	if want := "GET /REDACTED/" + path.Base(pu.Path) + " 200 downloadArchive Range: bytes=10-"; last != want {
		t.Errorf("log line %q, want %q", last, want)
	}
}

func TestArchivesServedConcurrently(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(1<<20))
	u := deliveryURLs(t, e.downloadJob(demo, sandbox.DemoCluster))[0]
	var wg sync.WaitGroup
	bodies := make([][]byte, 4)
	for i := range bodies {
		wg.Go(func() { bodies[i] = fetchArchive(t, "GET", u, nil).body })
	}
	wg.Wait()
	for i := range bodies {
		if len(bodies[i]) != 1<<20 || !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("request %d got %d bytes, or other bytes", i, len(bodies[i]))
		}
	}
}

func TestShardedCluster(t *testing.T) {
	e := withArchives(t, sandbox.WithArchiveSize(20_000))
	// Its snapshots are a sharded cluster's: no replicaSetName.
	snaps := e.get(sharded + "/snapshots")
	wantStatus(t, snaps, 200, "")
	if len(snaps.results()) != 2 {
		t.Fatalf("snapshots %s", snaps.raw)
	}
	for _, s := range snaps.results() {
		sn := s.(map[string]any)
		if sn["type"] != "shardedCluster" || sn["status"] != "completed" || sn["replicaSetName"] != nil {
			t.Errorf("snapshot %v", sn)
		}
	}

	job := e.downloadJob(sharded, sandbox.DemoShardedCluster)
	id := job.str("id")
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoShardedCluster)[0]
	comps, _ := job.body["components"].([]any)
	urls := deliveryURLs(t, job)
	if len(comps) != 3 || len(urls) != 3 {
		t.Fatalf("want 3 components and URLs: %s", job.raw)
	}
	// The demo project has no private endpoint.
	if _, ok := job.body["privateDownloadDeliveryUrls"]; ok {
		t.Errorf("privateDownloadDeliveryUrls without a private endpoint: %s", job.raw)
	}
	etags := map[string]bool{}
	for i, c := range comps {
		c := c.(map[string]any)
		rs := sandbox.DemoShardedReplicaSets[i]
		du, _ := c["downloadUrl"].(string)
		u, _ := url.Parse(du)
		m := archiveURLPattern.FindStringSubmatch(u.Path)
		if c["replicaSetName"] != rs || du != urls[i] || m == nil || m[2] != "restore-"+snap+"-"+rs+".tar.gz" ||
			path.Base(u.Path) != sandbox.ArchiveFileName(snap, rs) || c["privateDownloadDeliveryUrls"] != nil {
			t.Errorf("component %d: %v", i, c)
		}
		d := fetchArchive(t, "GET", du, nil)
		if d.status != 200 || len(d.body) != 20_000 {
			t.Fatalf("%s: %d, %d bytes", rs, d.status, len(d.body))
		}
		for name := range readArchive(t, d.body) {
			if !strings.HasPrefix(name, "restore-"+snap+"-"+rs+"/") {
				t.Errorf("%s holds %s", rs, name)
			}
		}
		etags[d.header.Get("ETag")] = true
	}
	if len(etags) != 3 {
		t.Errorf("the replica sets' archives are not distinct: %v (job %s)", etags, id)
	}

	// A running job already names its replica sets, without links.
	created := e.post(sharded+"/restoreJobs", restoreBody("download", sandbox.SeedSnapshotIDs(sandbox.DemoShardedCluster)[1], ""))
	comps, _ = created.body["components"].([]any)
	if len(comps) != 3 || comps[2].(map[string]any)["replicaSetName"] != "demo-sharded-config-0" || comps[0].(map[string]any)["downloadUrl"] != nil {
		t.Errorf("new sharded restore: %s", created.raw)
	}

	// Its export jobs list one export per replica set.
	exp := e.post(sharded+"/exports", `{"snapshotId":"`+sandbox.SeedSnapshotIDs(sandbox.DemoShardedCluster)[0]+`","exportBucketId":"`+sandbox.DemoBucketID+`"}`)
	wantStatus(t, exp, 200, "")
	ecomps, _ := exp.body["components"].([]any)
	seen := map[any]bool{}
	for i, c := range ecomps {
		c := c.(map[string]any)
		if c["replicaSetName"] != sandbox.DemoShardedReplicaSets[i] || !regexp.MustCompile(`^[a-f0-9]{24}$`).MatchString(c["exportId"].(string)) || c["exportId"] == exp.str("id") {
			t.Errorf("export component %d: %v", i, c)
		}
		seen[c["exportId"]] = true
	}
	if len(ecomps) != 3 || len(seen) != 3 {
		t.Errorf("export components %s", exp.raw)
	}
	// Every answer is checked against the contract by the test server; the
	// lists and the enveloped forms too.
	for _, p := range []string{"/restoreJobs", "/restoreJobs?envelope=true", "/exports", "/exports/" + exp.str("id") + "?envelope=true",
		"/snapshots/" + sandbox.SeedSnapshotIDs(sandbox.DemoShardedCluster)[0], "/restoreJobs/" + id + "?pretty=true"} {
		wantStatus(t, e.get(sharded+p), 200, "")
	}
	if e := e.get(demo + "/exports"); strings.Contains(string(e.raw), "components") {
		t.Errorf("a replica set's exports have components: %s", e.raw)
	}
}

func TestParseSize(t *testing.T) {
	good := map[string]int64{"64MiB": 64 << 20, "4MiB": 4 << 20, "512KiB": 512 << 10, "1GiB": 1 << 30, "4194304": 4194304, "100B": 100, "0": 0}
	for in, want := range good {
		if got, err := sandbox.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "64M", "64 MiB", "-1", "1.5MiB", "64mib", "9999999999GiB"} {
		if _, err := sandbox.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	for n, want := range map[int64]string{64 << 20: "64MiB", 512 << 10: "512KiB", 1 << 30: "1GiB", 1000: "1000B"} {
		if got := sandbox.FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
		if back, _ := sandbox.ParseSize(sandbox.FormatSize(n)); back != n {
			t.Errorf("ParseSize(FormatSize(%d)) = %d", n, back)
		}
	}
}
