package download_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/download"
)

func file(s *server, name string) download.File { return download.File{URL: s.url(name), Name: name} }

func wantFailed(t *testing.T, r download.Result, msg string) {
	t.Helper()
	if r.Outcome != download.Failed || r.Err == nil || !strings.Contains(r.Err.Error(), msg) {
		t.Fatalf("result %+v, want failed with %q", r, msg)
	}
}

// A second run into a directory waits for the first (then skips what the
// first completed), or with NoWait fails at once: two runs never write one
// .part.
func TestOneRunPerDirectory(t *testing.T) {
	content := archive(t, 20, 100_000)
	s := newServer(t, content, `"v1"`)
	release := make(chan struct{})
	s.before = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			<-release
		}
		return false
	}
	dir := t.TempDir()
	first := make(chan []download.Result)
	go func() {
		res, _ := download.Run(context.Background(), download.Options{Dir: dir, Source: "job1"}, []download.File{file(s, "a.tar.gz")})
		first <- res
	}()
	for len(s.seen()) == 0 { // the first run holds the lock
		time.Sleep(time.Millisecond)
	}
	_, err := download.Run(context.Background(), download.Options{Dir: dir, Source: "job1", NoWait: true}, []download.File{file(s, "a.tar.gz")})
	var busy *download.BusyError
	if !errors.As(err, &busy) || !strings.Contains(err.Error(), "another atlas-backup download is writing into "+dir) {
		t.Fatalf("NoWait: %v", err)
	}
	waiting := make(chan struct{})
	second := make(chan []download.Result)
	go func() {
		res, err := download.Run(context.Background(), download.Options{Dir: dir, Source: "job1",
			OnLockWait: func() { close(waiting) }}, []download.File{file(s, "a.tar.gz")})
		if err != nil {
			t.Error(err)
		}
		second <- res
	}()
	<-waiting
	close(release)
	if r := <-first; r[0].Outcome != download.Downloaded {
		t.Fatalf("first: %+v", r[0])
	}
	if r := <-second; r[0].Outcome != download.Skipped {
		t.Fatalf("second: %+v", r[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
	if n := len(s.seen()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A file is skipped only when the manifest vouches for it; anything else in
// its place (another job's archive, a stray or empty file, a directory) is
// a failure that names it, and nothing is fetched.
func TestOnlyVouchedFilesAreSkipped(t *testing.T) {
	content := archive(t, 21, 50_000)
	s := newServer(t, content, `"v1"`)
	dir := t.TempDir()
	if res, _ := run(t, dir, download.Options{Source: "job1"}, file(s, "a.tar.gz")); res[0].Outcome != download.Downloaded {
		t.Fatalf("first: %+v", res[0])
	}
	// The same job again: skipped.
	if res, _ := run(t, dir, download.Options{Source: "job1"}, file(s, "a.tar.gz")); res[0].Outcome != download.Skipped {
		t.Fatalf("again: %+v", res[0])
	}
	// Another job's archive of the same name is not this one.
	res, _ := run(t, dir, download.Options{Source: "job2"}, file(s, "a.tar.gz"))
	wantFailed(t, res[0], "already exists and atlas-backup cannot vouch for it (it is another download's archive (job1)); use another --dir, or --force")
	// A file whose size changed since.
	os.WriteFile(filepath.Join(dir, "a.tar.gz"), content[:100], 0o644)
	res, _ = run(t, dir, download.Options{Source: "job1"}, file(s, "a.tar.gz"))
	wantFailed(t, res[0], "it is 100 bytes, not the")
	// A stray file, an empty one, and a directory, with no record at all.
	os.WriteFile(filepath.Join(dir, "b.tar.gz"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.tar.gz"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "d.tar.gz"), 0o755)
	res, _ = run(t, dir, download.Options{Source: "job1"}, file(s, "b.tar.gz"), file(s, "c.tar.gz"), file(s, "d.tar.gz"))
	wantFailed(t, res[0], "b.tar.gz already exists and atlas-backup cannot vouch for it (the directory's manifest has no record of it)")
	wantFailed(t, res[1], "c.tar.gz already exists")
	wantFailed(t, res[2], "d.tar.gz is in the way: it is not a regular file")
	if n := len(s.seen()); n != 1 {
		t.Errorf("%d requests, want only the first run's", n)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "b.tar.gz")); string(b) != "mine" {
		t.Errorf("b.tar.gz was changed: %q", b)
	}
	// Force replaces a file, by renaming the new one over it.
	res, _ = run(t, dir, download.Options{Source: "job2", Force: true}, file(s, "a.tar.gz"), file(s, "b.tar.gz"))
	for _, r := range res {
		if r.Outcome != download.Downloaded {
			t.Errorf("forced: %+v", r)
		}
	}
	wantFile(t, filepath.Join(dir, "b.tar.gz"), content)
}

// Force keeps the old file until the new one is complete: a link that
// fails leaves it as it was.
func TestForceKeepsTheOldFileUntilTheNewOneIsComplete(t *testing.T) {
	content := archive(t, 22, 30_000)
	s := newServer(t, content, `"v1"`)
	dir := t.TempDir()
	run(t, dir, download.Options{Source: "job1"}, file(s, "a.tar.gz"))
	s.before = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(http.StatusForbidden)
		return true
	}
	res, _ := run(t, dir, download.Options{Source: "job1", Force: true}, file(s, "a.tar.gz"))
	wantFailed(t, res[0], "403 Forbidden")
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
}

// No file is opened through a symbolic link: a link in the place of the
// .part, its ETag file or the archive fails, and its target is untouched.
func TestSymlinksAreNeverFollowed(t *testing.T) {
	content := archive(t, 23, 30_000)
	s := newServer(t, content, `"v1"`)
	for _, name := range []string{"a.tar.gz.part", ".a.tar.gz.etag", "a.tar.gz", download.ManifestName} {
		t.Run(name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			victim := filepath.Join(outside, "victim")
			os.WriteFile(victim, []byte("precious"), 0o644)
			if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
				t.Skip(err)
			}
			res, err := download.Run(context.Background(), download.Options{Dir: dir, Source: "job1"}, []download.File{file(s, "a.tar.gz")})
			if name == download.ManifestName {
				if err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
					t.Fatalf("Run: %v", err)
				}
			} else {
				wantFailed(t, res[0], filepath.Join(dir, name)+" is a symbolic link; atlas-backup never reads or writes through one: remove it, or use another --dir")
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious" {
				t.Errorf("the link's target was written: %d bytes", len(b))
			}
		})
	}
}

// The signed link never leaves in a Referer when the host redirects.
func TestRedirectSendsNoReferer(t *testing.T) {
	content := archive(t, 24, 20_000)
	target := newServer(t, content, `"v1"`)
	front := newServer(t, nil, "")
	front.before = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, target.url("b.tar.gz"), http.StatusFound)
		return true
	}
	dir := t.TempDir()
	res, _ := run(t, dir, download.Options{Client: download.NewClient(nil)}, file(front, "a.tar.gz"))
	if res[0].Err != nil {
		t.Fatalf("result %+v", res[0])
	}
	if h := target.seen(); len(h) != 1 || h[0].Get("Referer") != "" {
		t.Errorf("the redirect target saw Referer %q", h[0].Get("Referer"))
	}
}

// Links named like the tool's own files get names of their own.
func TestNamesNeverCollideWithSideFiles(t *testing.T) {
	got := download.Names([]string{
		"https://h/x.tar.gz", "https://h/x.tar.gz.part", "https://h/.x.tar.gz.etag",
		"https://h/.atlas-backup-manifest.json", "https://h/Y.PART",
	}, func(i int) string { return "restore-J-" + string(rune('1'+i)) + ".tar.gz" })
	want := "x.tar.gz restore-J-2.tar.gz restore-J-3.tar.gz restore-J-4.tar.gz restore-J-5.tar.gz"
	if strings.Join(got, " ") != want {
		t.Errorf("Names: %q, want %s", got, want)
	}
	// Run refuses such a name even when a caller gives one.
	s := newServer(t, archive(t, 25, 1000), "")
	res, _ := run(t, t.TempDir(), download.Options{}, download.File{URL: s.url("a"), Name: "a.tar.gz.part"})
	wantFailed(t, res[0], `"a.tar.gz.part" is not a file name a download may take`)
}

// An archive host's Retry-After is honoured only within the budget: a wait
// of years ends the file at once (its .part kept), not after it.
func TestRetryAfterWithinTheBudget(t *testing.T) {
	for _, after := range []string{"315360000", "Thu, 01 Jan 2099 00:00:00 GMT"} {
		s := newServer(t, nil, "")
		s.before = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Retry-After", after)
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		start := time.Now()
		res, err := download.Run(context.Background(), download.Options{Dir: t.TempDir()}, []download.File{file(s, "a.tar.gz")})
		if err != nil {
			t.Fatal(err)
		}
		wantFailed(t, res[0], "503 Service Unavailable; not retrying: waiting ")
		wantFailed(t, res[0], "would pass the 2m0s retry budget")
		if download.Permanent(res[0].Err) || time.Since(start) > 5*time.Second || len(s.seen()) != 1 {
			t.Errorf("%s: permanent %v after %s and %d requests", after, download.Permanent(res[0].Err), time.Since(start), len(s.seen()))
		}
	}
}

// tarGz is a .tar.gz of one file, cut to its first cut bytes of tar (cut 0:
// whole): a valid gzip stream either way.
func tarGz(t *testing.T, cut int) []byte {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "a", Mode: 0o600, Size: 3000, Typeflag: tar.TypeReg})
	tw.Write(bytes.Repeat([]byte("x"), 3000))
	tw.Close()
	raw := tb.Bytes()
	if cut > 0 {
		raw = raw[:cut]
	}
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	gz.Write(raw)
	gz.Close()
	return b.Bytes()
}

// A valid gzip around a cut tar is corrupt: the tar must reach its
// end-of-archive marker.
func TestCutTarIsCorrupt(t *testing.T) {
	for _, cut := range []int{512 + 3072, 512 + 3072 + 512, 512 + 1024, 100} {
		s := newServer(t, tarGz(t, cut), `"v1"`)
		dir := t.TempDir()
		res, _ := run(t, dir, download.Options{}, file(s, "a.tar.gz"))
		wantFailed(t, res[0], "the archive is corrupt (tar: ")
		if _, err := os.Stat(filepath.Join(dir, "a.tar.gz")); err == nil {
			t.Errorf("cut at %d: a.tar.gz exists", cut)
		}
	}
	s := newServer(t, tarGz(t, 0), `"v1"`)
	if res, _ := run(t, t.TempDir(), download.Options{}, file(s, "a.tar.gz")); res[0].Err != nil {
		t.Errorf("whole: %+v", res[0])
	}
}

// A 206 of another version of the file (its ETag differs from the one the
// .part was of) is never spliced in: the file starts over.
func TestRangeOfAnotherVersionStartsOver(t *testing.T) {
	old, content := archive(t, 26, 100_000), archive(t, 27, 100_000)
	s := newServer(t, content, `"v2"`)
	var ranged atomic.Int32
	s.before = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Range") == "" {
			return false
		}
		ranged.Add(1) // a server that ignores If-Range
		w.Header().Set("ETag", `"v2"`)
		w.Header().Set("Content-Range", "bytes 40000-99999/100000")
		w.WriteHeader(http.StatusPartialContent)
		w.Write(content[40000:])
		return true
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.tar.gz.part"), old[:40_000], 0o644)
	os.WriteFile(filepath.Join(dir, ".a.tar.gz.etag"), []byte(`"v1"`), 0o644)
	res, _ := run(t, dir, download.Options{}, file(s, "a.tar.gz"))
	if res[0].Err != nil || res[0].Outcome != download.Downloaded || ranged.Load() != 1 {
		t.Fatalf("result %+v after %d ranged answers", res[0], ranged.Load())
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
}

// Attempts that each bring bytes go on however long their waits add up to:
// the budget bounds the waiting between attempts that bring nothing.
func TestProgressRenewsTheWaitBudget(t *testing.T) {
	content := archive(t, 28, 60_000)
	s := newServer(t, content, `"v1"`)
	var n atomic.Int32
	s.before = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		if n.Add(1) > 6 {
			return false
		}
		// 5000 more bytes each time, then the connection drops.
		from := 0
		if rg := r.Header.Get("Range"); rg != "" {
			fmt.Sscanf(rg, "bytes=%d-", &from)
		}
		w.Header().Set("ETag", s.etag)
		w.Header().Set("Content-Length", itoa(len(s.content)-from))
		if from > 0 {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, len(s.content)-1, len(s.content)))
			w.WriteHeader(http.StatusPartialContent)
		}
		w.Write(s.content[from : from+5000])
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
		return true
	}
	dir := t.TempDir()
	res, _ := run(t, dir, download.Options{MaxWait: 25 * time.Millisecond,
		Wait: func(int, *http.Response) time.Duration { return 10 * time.Millisecond }}, file(s, "a.tar.gz"))
	if res[0].Err != nil {
		t.Fatalf("result %+v after %d requests: six waits of 10ms, each after progress, are within a 25ms budget", res[0], n.Load())
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
}

// A .part another download left under the same name (two jobs of one
// snapshot name their archives alike) is not resumed: it starts over.
func TestAnotherSourcesPartStartsOver(t *testing.T) {
	old, content := archive(t, 29, 80_000), archive(t, 30, 80_000)
	s := newServer(t, content, "") // no ETag: If-Range cannot tell the versions apart
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.tar.gz.part"), old[:30_000], 0o644)
	os.WriteFile(filepath.Join(dir, ".a.tar.gz.etag"), []byte("\njob1\n"), 0o644)
	res, _ := run(t, dir, download.Options{Source: "job2"}, file(s, "a.tar.gz"))
	if res[0].Err != nil || res[0].Outcome != download.Downloaded {
		t.Fatalf("result %+v", res[0])
	}
	wantFile(t, filepath.Join(dir, "a.tar.gz"), content)
	if h := s.seen(); len(h) != 1 || h[0].Get("Range") != "" {
		t.Errorf("requests %v: the other job's bytes were resumed", h)
	}
}

// A .part that is a hard link to a file elsewhere is never written: the
// file stays as it was.
func TestHardLinkedPartIsRefused(t *testing.T) {
	content := archive(t, 31, 30_000)
	s := newServer(t, content, `"v1"`)
	dir, outside := t.TempDir(), t.TempDir()
	victim := filepath.Join(outside, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	if err := os.Link(victim, filepath.Join(dir, "a.tar.gz.part")); err != nil {
		t.Skip(err)
	}
	res, _ := run(t, dir, download.Options{}, file(s, "a.tar.gz"))
	wantFailed(t, res[0], "a.tar.gz.part has other hard links")
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the linked file became %d bytes", len(b))
	}
}
