package download_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/download"
)

// archive is a .tar.gz holding one file of about n pseudo-random bytes,
// the same for a seed.
func archive(t *testing.T, seed uint64, n int) []byte {
	t.Helper()
	data := make([]byte, max(n-2048, 1))
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&b, gzip.NoCompression)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "data/collection-0.wt", Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	gz.Close()
	return b.Bytes()
}

// server serves content with ETag and Range (http.ServeContent), and
// records each request's Range, If-Range and Authorization headers. before,
// when set, may answer a request itself (it returns true) or let it through.
type server struct {
	mu       sync.Mutex
	content  []byte
	etag     string
	requests []http.Header
	before   func(n int, w http.ResponseWriter, r *http.Request) bool
	srv      *httptest.Server
}

func newServer(t *testing.T, content []byte, etag string) *server {
	s := &server{content: content, etag: etag}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Header.Clone())
		n, content, etag, before := len(s.requests), s.content, s.etag, s.before
		s.mu.Unlock()
		if before != nil && before(n, w, r) {
			return
		}
		if etag != "" {
			w.Header().Set("ETag", etag)
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) url(name string) string {
	return s.srv.URL + "/archives/" + name + "?X-Amz-Signature=s3cr3t"
}

func (s *server) seen() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.requests...)
}

// cut answers with the headers of the whole content, then only its first
// n bytes, then drops the connection.
func cut(s *server, n int) func(int, http.ResponseWriter, *http.Request) bool {
	return func(_ int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("ETag", s.etag)
		w.Header().Set("Content-Length", itoa(len(s.content)))
		w.WriteHeader(http.StatusOK)
		w.Write(s.content[:n])
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
		return true
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func run(t *testing.T, dir string, o download.Options, files ...download.File) ([]download.Result, []download.Event) {
	t.Helper()
	o.Dir = dir
	if o.Wait == nil {
		o.Wait = func(int, *http.Response) time.Duration { return time.Millisecond }
	}
	var events []download.Event
	o.OnEvent = func(e download.Event) { events = append(events, e) }
	res, err := download.Run(context.Background(), o, files)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, events
}

func wantFile(t *testing.T, path string, content []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("%s: %d bytes, %v; want %d bytes as served", path, len(got), err, len(content))
	}
	for _, leftover := range []string{path + ".part", filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".etag")} {
		if _, err := os.Stat(leftover); err == nil {
			t.Errorf("%s is left behind", leftover)
		}
	}
}

func TestWholeFile(t *testing.T) {
	content := archive(t, 1, 300_000)
	s := newServer(t, content, `"v1"`)
	dir := t.TempDir()
	res, events := run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Downloaded || res[0].Err != nil || res[0].Bytes != int64(len(content)) {
		t.Fatalf("result %+v", res[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
	if len(events) < 2 || events[0].Kind != download.Started || events[0].Total != int64(len(content)) || events[len(events)-1].Kind != download.Finished {
		t.Errorf("events %+v", events)
	}
	if h := s.seen(); len(h) != 1 || h[0].Get("Range") != "" || h[0].Get("Authorization") != "" {
		t.Errorf("requests %v", h)
	}
	// A re-run skips the complete file without a request.
	res, _ = run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Skipped || len(s.seen()) != 1 {
		t.Errorf("re-run: %+v after %d requests", res[0], len(s.seen()))
	}
	// --force fetches it again.
	res, _ = run(t, dir, download.Options{Force: true}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Downloaded || len(s.seen()) != 2 {
		t.Errorf("forced: %+v after %d requests", res[0], len(s.seen()))
	}
}

func TestResumeAfterCutInTheSameRun(t *testing.T) {
	content := archive(t, 2, 200_000)
	s := newServer(t, content, `"v1"`)
	s.before = func(n int, w http.ResponseWriter, r *http.Request) bool { return n == 1 && cut(s, 70_000)(n, w, r) }
	dir := t.TempDir()
	res, events := run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Downloaded || res[0].Err != nil {
		t.Fatalf("result %+v", res[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
	h := s.seen()
	if len(h) != 2 || h[1].Get("Range") != "bytes=70000-" || h[1].Get("If-Range") != `"v1"` {
		t.Errorf("requests %v", h)
	}
	retried := false
	for _, e := range events {
		retried = retried || e.Kind == download.Retrying
	}
	if !retried {
		t.Errorf("no Retrying event: %+v", events)
	}
}

func TestResumeFromAnEarlierRun(t *testing.T) {
	content := archive(t, 3, 200_000)
	s := newServer(t, content, `"v1"`)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.tar.gz.part"), content[:123_456], 0o644)
	os.WriteFile(filepath.Join(dir, ".a.tar.gz.etag"), []byte(`"v1"`+"\n"), 0o644)
	res, _ := run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Resumed || res[0].Err != nil {
		t.Fatalf("result %+v", res[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
	if h := s.seen(); len(h) != 1 || h[0].Get("Range") != "bytes=123456-" || h[0].Get("If-Range") != `"v1"` {
		t.Errorf("requests %v", h)
	}
}

func TestChangedETagStartsOver(t *testing.T) {
	old, content := archive(t, 4, 100_000), archive(t, 5, 150_000)
	s := newServer(t, content, `"v2"`)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.tar.gz.part"), old[:50_000], 0o644)
	os.WriteFile(filepath.Join(dir, ".a.tar.gz.etag"), []byte(`"v1"`), 0o644)
	res, _ := run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Err != nil {
		t.Fatalf("result %+v", res[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content) // the 200 to a stale If-Range started over
	if h := s.seen(); len(h) != 1 || h[0].Get("If-Range") != `"v1"` {
		t.Errorf("requests %v", h)
	}
}

func TestTransientStatusesRetried(t *testing.T) {
	content := archive(t, 6, 10_000)
	s := newServer(t, content, `"v1"`)
	s.before = func(n int, w http.ResponseWriter, r *http.Request) bool {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			return false
		}
		return true
	}
	dir := t.TempDir()
	res, _ := run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Downloaded || len(s.seen()) != 3 {
		t.Fatalf("result %+v after %d requests", res[0], len(s.seen()))
	}
}

func TestPermanentStatusesNotRetried(t *testing.T) {
	for _, status := range []int{401, 403, 404, 410} {
		s := newServer(t, nil, "")
		s.before = func(_ int, w http.ResponseWriter, _ *http.Request) bool { w.WriteHeader(status); return true }
		dir := t.TempDir()
		res, _ := run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
		var se *download.StatusError
		if res[0].Outcome != download.Failed || !errors.As(res[0].Err, &se) || se.Status != status || len(s.seen()) != 1 {
			t.Errorf("%d: %+v after %d requests", status, res[0], len(s.seen()))
		}
		if strings.Contains(res[0].Err.Error(), "s3cr3t") {
			t.Errorf("%d: the error shows the signature: %v", status, res[0].Err)
		}
	}
}

func TestGivesUpWithoutProgress(t *testing.T) {
	s := newServer(t, nil, "")
	s.before = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(http.StatusBadGateway)
		return true
	}
	res, _ := run(t, t.TempDir(), download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Failed || len(s.seen()) != download.DefaultMaxIdle ||
		!strings.Contains(res[0].Err.Error(), "5 attempts in a row without progress") {
		t.Errorf("%+v after %d requests", res[0], len(s.seen()))
	}
}

func TestCorruptArchiveNeverGetsItsName(t *testing.T) {
	content := archive(t, 7, 50_000)
	bad := bytes.Clone(content)
	bad[len(bad)-6] ^= 0xff // the CRC-32 in the trailer: same length
	s := newServer(t, bad, `"v1"`)
	dir := t.TempDir()
	res, _ := run(t, dir, download.Options{}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Failed || !strings.Contains(res[0].Err.Error(), "the archive is corrupt (gzip: invalid checksum)") {
		t.Fatalf("result %+v", res[0])
	}
	for _, name := range []string{"a.tar.gz", "a.tar.gz.part"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s exists", name)
		}
	}
	if len(s.seen()) != 1 {
		t.Errorf("%d requests: a corrupt archive is not fetched again in the same run", len(s.seen()))
	}
}

func TestRedirectWithoutCredentials(t *testing.T) {
	content := archive(t, 8, 20_000)
	target := newServer(t, content, `"v1"`)
	front := newServer(t, nil, "")
	front.before = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, target.url("b.tar.gz"), http.StatusTemporaryRedirect)
		return true
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.tar.gz.part"), content[:1000], 0o644)
	os.WriteFile(filepath.Join(dir, ".a.tar.gz.etag"), []byte(`"v1"`), 0o644)
	client := download.NewClient(nil)
	res, _ := run(t, dir, download.Options{Client: client}, download.File{URL: front.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Err != nil {
		t.Fatalf("result %+v", res[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
	h := target.seen()
	if len(h) != 1 || h[0].Get("Authorization") != "" || h[0].Get("Cookie") != "" || h[0].Get("Range") != "bytes=1000-" {
		t.Errorf("the redirect target saw %v", h)
	}
}

func TestNotEnoughSpace(t *testing.T) {
	content := archive(t, 9, 20_000)
	s := newServer(t, content, `"v1"`)
	dir := t.TempDir()
	res, _ := run(t, dir, download.Options{FreeSpace: func(string) (int64, bool) { return 1000, true }},
		download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Outcome != download.Failed || !strings.Contains(res[0].Err.Error(), "not enough free space in "+dir+": 19.") ||
		!strings.Contains(res[0].Err.Error(), "needed, 1000 B free") {
		t.Fatalf("result %+v", res[0])
	}
	if _, err := os.Stat(filepath.Join(dir, "a.tar.gz.part")); err == nil {
		t.Error("a .part was written")
	}
}

func TestStallRetried(t *testing.T) {
	content := archive(t, 10, 30_000)
	s := newServer(t, content, `"v1"`)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s.before = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n != 1 {
			return false
		}
		w.Header().Set("ETag", s.etag)
		w.Header().Set("Content-Length", itoa(len(s.content)))
		w.Write(s.content[:5000])
		w.(http.Flusher).Flush()
		select { // then nothing, until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
		return true
	}
	dir := t.TempDir()
	res, _ := run(t, dir, download.Options{Stall: 200 * time.Millisecond}, download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"})
	if res[0].Err != nil {
		t.Fatalf("result %+v", res[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
	if h := s.seen(); len(h) != 2 || h[1].Get("Range") != "bytes=5000-" {
		t.Errorf("requests %v", h)
	}
}

func TestCancelKeepsThePart(t *testing.T) {
	content := archive(t, 11, 30_000)
	s := newServer(t, content, `"v1"`)
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted")
	s.before = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("ETag", s.etag)
		w.Header().Set("Content-Length", itoa(len(s.content)))
		w.Write(s.content[:4000])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return true
	}
	dir := t.TempDir()
	// Ctrl-C once the file has started.
	onEvent := func(e download.Event) {
		if e.Kind == download.Started {
			cancel(stop)
		}
	}
	res, err := download.Run(ctx, download.Options{Dir: dir, OnEvent: onEvent}, []download.File{{URL: s.url("a.tar.gz"), Name: "a.tar.gz"}})
	if err != nil || res[0].Outcome != download.Failed || !errors.Is(res[0].Err, stop) {
		t.Fatalf("result %+v", res[0])
	}
	part, err := os.ReadFile(filepath.Join(dir, "a.tar.gz.part"))
	if err != nil || !bytes.Equal(part, content[:len(part)]) {
		t.Errorf(".part: %d bytes, %v", len(part), err)
	}
	if etag, _ := os.ReadFile(filepath.Join(dir, ".a.tar.gz.etag")); strings.TrimSpace(string(etag)) != `"v1"` {
		t.Errorf("the ETag on disk is %q", etag)
	}
}

func TestNames(t *testing.T) {
	links := []string{
		"https://h/a/restore-1.tar.gz?sig=x",
		"https://h/b/restore-1.tar.gz",
		"https://h/c/RESTORE-1.tar.gz",
		"https://h/d/..",
		"https://h/e/%2e%2e%2fetc%2fpasswd",
		"https://h/f/",
		"https://h/g/shard%20one.tar.gz",
		"https://h/h/notes",
		"https://h/i/notes",
		"::not a url",
	}
	got := download.Names(links, func(i int) string { return "restore-J-" + strconv.Itoa(i+1) + ".tar.gz" })
	want := []string{
		"restore-1.tar.gz", "restore-1-2.tar.gz", "RESTORE-1-3.tar.gz", "restore-J-4.tar.gz", "restore-J-5.tar.gz",
		"restore-J-6.tar.gz", "restore-J-7.tar.gz", "notes", "notes-2", "restore-J-10.tar.gz",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Names:\n got %q\nwant %q", got, want)
	}
}

func TestRedact(t *testing.T) {
	if got := download.Redact("https://bucket.s3.amazonaws.example/p/a.tar.gz?X-Amz-Signature=abc"); got != "https://bucket.s3.amazonaws.example/REDACTED" {
		t.Errorf("Redact: %s", got)
	}
}

// Two archives that each fit alone but not together: the free-space check
// counts what the other will write, before a byte of either is written.
func TestNotEnoughSpaceForBoth(t *testing.T) {
	content := archive(t, 12, 20_000)
	s := newServer(t, content, `"v1"`)
	// Both answers' headers go out, and no body byte until one of the
	// two has given up: each check sees the other's promise.
	gone := make(chan struct{})
	var once sync.Once
	s.before = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("ETag", s.etag)
		w.Header().Set("Content-Length", itoa(len(s.content)))
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			once.Do(func() { close(gone) })
			return true
		case <-gone:
		case <-time.After(5 * time.Second):
		}
		w.Write(s.content)
		return true
	}
	dir := t.TempDir()
	res, _ := run(t, dir, download.Options{Parallel: 2, FreeSpace: func(string) (int64, bool) { return 30_000, true }},
		download.File{URL: s.url("a.tar.gz"), Name: "a.tar.gz"}, download.File{URL: s.url("b.tar.gz"), Name: "b.tar.gz"})
	failed := 0
	for _, r := range res {
		if r.Outcome == download.Failed {
			failed++
			if !strings.Contains(r.Err.Error(), "of it for the other archives") {
				t.Errorf("error %v", r.Err)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d of 2 failed, want 1: %+v", failed, res)
	}
}
