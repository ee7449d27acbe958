package main

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/config"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// These tests hold atlas-backup to "everything from the network is bounded"
// and "nothing secret reaches the terminal" (CLI.md, "Integrity under
// concurrency and hostile input"), each against a hostile server written
// for it: answers that never end, pages that never end or repeat, error
// pages that echo the credentials they were sent.

// hostileGuard is how much any hostile answer sends at most, so that a
// client that reads without a bound ends (and fails the test on the bytes
// it read) instead of eating the machine's memory.
const hostileGuard = 1 << 30

// readBound is what a bounded read may have cost the server: the few MiB
// atlas-backup reads, plus what loopback sockets buffer on both sides.
const readBound = 24 << 20

// stream writes prefix, then chunk again and again until the client goes
// away or limit bytes have gone, adding what went to sent.
func stream(w http.ResponseWriter, prefix, chunk string, limit int64, sent *atomic.Int64) {
	n, err := io.WriteString(w, prefix)
	sent.Add(int64(n))
	for err == nil && sent.Load() < limit {
		n, err = io.WriteString(w, chunk)
		sent.Add(int64(n))
	}
}

// unexpected fails the test with the request dumped.
func unexpected(t *testing.T, w http.ResponseWriter, r *http.Request) {
	dump, _ := httputil.DumpRequest(r, true)
	t.Errorf("unexpected request:\n%s", dump)
	http.Error(w, "unexpected", http.StatusTeapot)
}

const (
	tokenPath   = "/api/oauth/token"
	bucketsPath = "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/backup/exportBuckets"
	exportsPath = "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/clusters/demo/backup/exports"
	clusterPath = "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/clusters"
	// flexClustersAPIPath lists the project's Flex clusters.
	flexClustersAPIPath = "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/flexClusters"
)

// hostileEnv points atlas-backup at base with the project and extra.
func hostileEnv(base string, extra ...string) []string {
	return append([]string{"MONGODB_ATLAS_BASE_URL=" + base, "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID}, extra...)
}

var serviceAccountEnv = []string{"MONGODB_ATLAS_CLIENT_ID=mdb_sa_id_hostile", "MONGODB_ATLAS_CLIENT_SECRET=mdb_sa_sk_hostile-secret-1"}

// The OAuth token answer and every error body are read to 1 MiB at most: an
// endless answer ends the command at once with a clear error, having cost
// the server a few MiB, not the gigabyte it would send.
func TestBoundedAnswers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		env     []string
		path    string // the path that answers without end
		status  int
		ctype   string
		prefix  string
		chunk   string
		code    int
		stderr  string // a regexp for the whole of stderr
		retries string
	}{
		{name: "token answer", env: serviceAccountEnv, path: tokenPath, status: 200, ctype: "application/json",
			prefix: `{"expires_in":3600,"access_token":"`, chunk: strings.Repeat("a", 4096), code: 1,
			stderr: `^Error: unreadable answer to POST /api/oauth/token: 200 OK, application/json: larger than 1 MiB; the rest was not read\n$`},
		{name: "token refusal", env: serviceAccountEnv, path: tokenPath, status: 400, ctype: "text/html",
			prefix: "<html><body>", chunk: strings.Repeat("<p>no such client</p>\n", 200), code: 3,
			stderr: `^Error: the OAuth token endpoint refused the service account: 400 Bad Request \(text/html, not an answer from Atlas\): "no such client no such client [^"]*…"\nCredentials used: a service account from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET.\n$`},
		{name: "error page", env: []string{"MONGODB_ATLAS_ACCESS_TOKEN=t0ken"}, path: bucketsPath, status: 502, ctype: "text/html",
			prefix: "<html><body>", chunk: strings.Repeat("<p>upstream is down</p>\n", 200), code: 1, retries: "1",
			stderr: `^retrying in \S+: 502 Bad Gateway \(attempt 2 of 2\)\nError: 502 Bad Gateway \(text/html, not an answer from Atlas\): "upstream is down upstream is down [^"]*…"\n$`},
		{name: "Atlas error", env: []string{"MONGODB_ATLAS_ACCESS_TOKEN=t0ken"}, path: bucketsPath, status: 400, ctype: "application/json",
			prefix: `{"error":400,"errorCode":"INVALID","detail":"`, chunk: strings.Repeat("x", 4096), code: 5,
			stderr: `^Error: 400 Bad Request \(application/json, not an answer from Atlas\): "\{\\"error\\":400,\\"errorCode\\":\\"INVALID\\",\\"detail\\":\\"x+…"\n$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != tt.path {
					unexpected(t, w, r)
					return
				}
				w.Header().Set("Content-Type", tt.ctype)
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(tt.status)
				stream(w, tt.prefix, tt.chunk, hostileGuard, &sent)
			}))
			defer srv.Close()
			began := time.Now()
			res := runAtlasBackup(t, hostileEnv(srv.URL, tt.env...), "bucket", "list", "--max-retries", cmp.Or(tt.retries, "0"), "--http-timeout", "20s")
			took := time.Since(began)
			srv.Close() // waits for the handler: the client has gone
			if res.code != tt.code || !regexp.MustCompile(tt.stderr).MatchString(res.stderr) || res.stdout != "" {
				t.Errorf("exit %d, want %d and stderr matching %s\n%s", res.code, tt.code, tt.stderr, res)
			}
			if n := sent.Load(); n > readBound {
				t.Errorf("the server sent %d MiB before atlas-backup stopped reading, want at most %d MiB", n>>20, readBound>>20)
			}
			if took > 10*time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}

// pager answers list requests as a hostile server does: every page has a
// result of its own and a next link, forever (or as long as the guard
// allows). It counts the pages it served.
type pager struct {
	t          *testing.T
	path       string
	totalCount int  // announced on every page; 0: none
	ignorePage bool // answer page 1 whatever pageNum asks
	pages      atomic.Int64
}

// pagerGuard is when a pager stops sending next links, so that a client
// that follows them without a bound ends.
const pagerGuard = 300

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == flexClustersAPIPath {
		// A project's Flex clusters, listed beside its clusters: none.
		w.Header().Set("Content-Type", "application/vnd.atlas.2024-11-13+json")
		fmt.Fprint(w, `{"links":[],"results":[],"totalCount":0}`)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != p.path {
		unexpected(p.t, w, r)
		return
	}
	n := p.pages.Add(1)
	num, _ := strconv.Atoi(r.URL.Query().Get("pageNum"))
	if p.ignorePage || num < 1 {
		num = 1
	}
	href := func(page int) string {
		q := r.URL.Query()
		q.Set("pageNum", strconv.Itoa(page))
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	links := []map[string]string{{"rel": "self", "href": href(num)}}
	if n < pagerGuard {
		links = append(links, map[string]string{"rel": "next", "href": href(num + 1)})
	}
	body := map[string]any{"links": links, "results": []map[string]any{{
		"id": fmt.Sprintf("%024x", n), "name": fmt.Sprintf("c%d", n), "state": "Queued",
		"clusterType": "REPLICASET", "backupEnabled": true, "stateName": "IDLE",
	}}}
	if p.totalCount > 0 {
		body["totalCount"] = p.totalCount
	}
	w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json")
	fmt.Fprint(w, mustJSON(p.t, body))
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Error(err)
	}
	return string(b)
}

// --all stops when the pages go past what totalCount announced (plus a
// bounded allowance for results added meanwhile), or when a page repeats:
// exit 1 saying so, nothing on stdout, and a bounded number of requests.
func TestPagingBounded(t *testing.T) {
	list := []string{"export", "list", "--cluster", "demo", "--all", "--limit", "1"}
	fleet := []string{"export", "create", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", stubBucketIDForPaging, "--dry-run"}
	for _, tt := range []struct {
		name         string
		p            *pager
		args         []string
		stderr       string
		minPg, maxPg int64
	}{
		{name: "past totalCount", p: &pager{path: exportsPath, totalCount: 3}, args: list, minPg: 13, maxPg: 13,
			stderr: `^Error: paging GET ` + exportsPath + ` stopped after page 13: it still links to a next page, but totalCount 3 makes 3 pages of 1, and at most 10 more are allowed for results added meanwhile; the list is incomplete\n$`},
		{name: "same page again", p: &pager{path: exportsPath, ignorePage: true}, args: list, minPg: 2, maxPg: 2,
			stderr: `^Error: paging GET ` + exportsPath + ` stopped after page 2: it links to the same next page as page 1 \(the pages repeat\); the list is incomplete\n$`},
		// With a totalCount, pages go out a few at a time: which of them
		// finds the repeat first varies.
		{name: "same page again, counted", p: &pager{path: exportsPath, ignorePage: true, totalCount: 1000}, args: list, minPg: 2, maxPg: 5,
			stderr: `^Error: paging GET ` + exportsPath + ` stopped after page \d+: it links to the same next page as page \d+ \(the pages repeat\); the list is incomplete\n$`},
		{name: "all clusters past totalCount", p: &pager{path: clusterPath, totalCount: 2}, args: fleet, minPg: 11, maxPg: 11,
			stderr: `^Error: paging GET ` + clusterPath + ` stopped after page 11: it still links to a next page, but totalCount 2 makes 1 page of 500, and at most 10 more are allowed for results added meanwhile; the list is incomplete\n$`},
		{name: "all clusters same page again", p: &pager{path: clusterPath, ignorePage: true}, args: fleet, minPg: 2, maxPg: 2,
			stderr: `^Error: paging GET ` + clusterPath + ` stopped after page 2: it links to the same next page as page 1 \(the pages repeat\); the list is incomplete\n$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.p
			p.t = t
			srv := httptest.NewServer(p)
			defer srv.Close()
			res := runAtlasBackup(t, hostileEnv(srv.URL, "MONGODB_ATLAS_ACCESS_TOKEN=t0ken"), tt.args...)
			srv.Close()
			if n := p.pages.Load(); res.code != 1 || !regexp.MustCompile(tt.stderr).MatchString(res.stderr) || res.stdout != "" || n < tt.minPg || n > tt.maxPg {
				t.Errorf("exit %d after %d pages, want 1 after %d to %d, stderr matching %s\n%s", res.code, n, tt.minPg, tt.maxPg, tt.stderr, res)
			}
		})
	}
}

const stubBucketIDForPaging = "65f0b0c0d0e0f00000000001"

// --debug prints at most the first 64 KiB of each body, and reads no more
// than that for itself: an answer of 160 KB still lists whole, with a trace
// that says how much it left out. (internal/api's
// TestDebugTraceReadsNoMoreThanTheAnswer: an answer past the client's bound
// is not read further for the trace.)
func TestDebugTraceBounded(t *testing.T) {
	t.Parallel()
	const buckets = 2_000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != bucketsPath {
			unexpected(t, w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.atlas.2024-05-30+json")
		var b strings.Builder
		b.WriteString(`{"results":[`)
		for i := range buckets {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"_id":"%024x","bucketName":"bucket-%06d","cloudProvider":"AWS"}`, i, i)
		}
		fmt.Fprintf(&b, `],"totalCount":%d,"links":[]}`, buckets)
		io.WriteString(w, b.String())
	}))
	defer srv.Close()
	env := hostileEnv(srv.URL, "MONGODB_ATLAS_ACCESS_TOKEN=t0ken")

	res := runAtlasBackup(t, env, "bucket", "list", "--debug", "--limit", "500")
	if res.code != 0 || strings.Count(res.stdout, "\n") != buckets+1 {
		t.Errorf("exit %d with %d lines, want 0 with %d buckets", res.code, strings.Count(res.stdout, "\n"), buckets)
	}
	notShown := regexp.MustCompile(`(?m)^< \(\d+ more bytes not shown\)$`)
	if len(res.stderr) > 80<<10 || !notShown.MatchString(res.stderr) || !strings.Contains(res.stderr, `"bucketName":"bucket-000000"`) {
		t.Errorf("a trace of %d KiB, want at most 80 KiB, with the body's start and how much it left out:\n%.2000s", len(res.stderr)>>10, res.stderr)
	}
}

// Every secret atlas-backup holds is scrubbed from what it prints of a
// server's answer (the error's excerpt, --debug, -o json of an error),
// even when the server echoes it back: the token it sent, the Basic
// credentials of the token request, a password in the base URL.
func TestEchoedSecretsScrubbed(t *testing.T) {
	const (
		token   = "tok_echoed-access-token-0123456789"
		minted  = "tok_minted-by-the-endpoint-987654"
		private = "0b7e2c1a-5d3f-4e6a-9c8b-1f2e3d4c5b6a"
		pass    = "pa55-w0rd_in-the-URL"
	)
	secret := serviceAccountEnv[1][len("MONGODB_ATLAS_CLIENT_SECRET="):]
	echo := func(r *http.Request) string { // what a careless proxy shows
		s := "Authorization: " + r.Header.Get("Authorization")
		if _, b64, ok := strings.Cut(r.Header.Get("Authorization"), "Basic "); ok {
			dec, _ := base64.StdEncoding.DecodeString(b64)
			s += " (" + string(dec) + ")"
		}
		return s
	}
	htmlEcho := func(w http.ResponseWriter, r *http.Request, status int, more string) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%s</h1><pre>%s</pre>%s</body></html>", http.StatusText(status), echo(r), more)
	}
	for _, tt := range []struct {
		name    string
		env     []string
		base    func(string) string
		handler func(w http.ResponseWriter, r *http.Request) bool
		args    []string
		code    int
		stderr  string // a regexp the Error line must match
	}{
		{name: "access token", env: []string{"MONGODB_ATLAS_ACCESS_TOKEN=" + token},
			handler: func(w http.ResponseWriter, r *http.Request) bool {
				htmlEcho(w, r, 401, "")
				return r.URL.Path == bucketsPath
			},
			code: 3, stderr: `(?m)^Error: 401 Unauthorized \(text/html, not an answer from Atlas\): "Unauthorized Authorization: Bearer REDACTED"$`},
		{name: "token request", env: serviceAccountEnv,
			handler: func(w http.ResponseWriter, r *http.Request) bool {
				htmlEcho(w, r, 400, "")
				return r.URL.Path == tokenPath
			},
			code: 3, stderr: `(?m)^Error: the OAuth token endpoint refused the service account: 400 Bad Request \(text/html, not an answer from Atlas\): "Bad Request Authorization: Basic REDACTED \(mdb_sa_id_hostile:REDACTED\)"$`},
		{name: "minted token", env: serviceAccountEnv,
			handler: func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == tokenPath {
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprintf(w, `{"access_token":%q,"expires_in":3600}`, minted)
					return true
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(403)
				fmt.Fprintf(w, `{"error":403,"errorCode":"FORBIDDEN","reason":"Forbidden","detail":"%s is not allowed"}`, echo(r))
				return r.URL.Path == bucketsPath
			},
			args: []string{"-o", "json"},
			code: 3, stderr: `(?m)^Error: 403 FORBIDDEN: Authorization: Bearer REDACTED is not allowed$`},
		{name: "password in the base URL", env: []string{"MONGODB_ATLAS_PUBLIC_API_KEY=pubkey", "MONGODB_ATLAS_PRIVATE_API_KEY=" + private},
			base: func(u string) string { return strings.Replace(u, "://", "://user:"+url.QueryEscape(pass)+"@", 1) },
			handler: func(w http.ResponseWriter, r *http.Request) bool {
				htmlEcho(w, r, 502, "<p>key "+private+"</p>")
				return r.URL.Path == bucketsPath
			},
			code: 1, stderr: `(?m)^Error: 502 Bad Gateway \(text/html, not an answer from Atlas\): "Bad Gateway Authorization: Basic REDACTED \(user:REDACTED\) key REDACTED"$`},
	} {
		for _, debug := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s debug=%v", tt.name, debug), func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !tt.handler(w, r) {
						t.Errorf("unexpected request %s %s", r.Method, r.URL)
					}
				}))
				defer srv.Close()
				base := srv.URL
				if tt.base != nil {
					base = tt.base(base)
				}
				args := append([]string{"bucket", "list", "--max-retries", "0"}, tt.args...)
				if debug {
					args = append(args, "--debug")
				}
				res := runAtlasBackup(t, hostileEnv(base, tt.env...), args...)
				if res.code != tt.code || !regexp.MustCompile(tt.stderr).MatchString(res.stderr) {
					t.Errorf("exit %d, want %d with stderr matching %s\n%s", res.code, tt.code, tt.stderr, res)
				}
				for _, s := range []string{token, minted, private, pass, url.QueryEscape(pass), secret,
					base64.StdEncoding.EncodeToString([]byte("mdb_sa_id_hostile:" + secret)),
					base64.StdEncoding.EncodeToString([]byte("user:" + pass))} {
					if strings.Contains(res.stdout, s) || strings.Contains(res.stderr, s) {
						t.Errorf("a secret (%.8s…) was printed\n%s", s, res)
					}
				}
				if debug && !strings.Contains(res.stderr, "REDACTED") {
					t.Errorf("the trace shows nothing redacted\n%s", res)
				}
			})
		}
	}
}

// The token cache is used only when the file and its directory are the
// user's and no one else can write to them (as ssh checks its files):
// otherwise a fresh token is fetched, and nothing is written there.
func TestTokenCacheUntrusted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("owners and modes are Unix checks")
	}
	const nobody = 65534
	for _, tt := range []struct {
		name   string
		root   bool // needs root to give a file away
		change func(dir, file string) error
		note   string
	}{
		{name: "directory writable by others", change: func(dir, _ string) error { return os.Chmod(dir, 0o777) },
			note: `^\* token cache: ignoring .+: its directory .+ is writable by group or others \(mode drwxrwxrwx\)$`},
		{name: "directory writable by its group", change: func(dir, _ string) error { return os.Chmod(dir, 0o770) },
			note: `^\* token cache: ignoring .+: its directory .+ is writable by group or others \(mode drwxrwx---\)$`},
		{name: "directory of another user", root: true, change: func(dir, _ string) error { return os.Chown(dir, nobody, nobody) },
			note: `^\* token cache: ignoring .+: its directory .+ belongs to uid 65534, not to you \(uid 0\)$`},
		{name: "file of another user", root: true, change: func(_, file string) error { return os.Chown(file, nobody, nobody) },
			note: `^\* token cache: ignoring .+: it belongs to uid 65534, not to you \(uid 0\)$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Getuid() != 0 {
				t.Skip("giving a file to another user needs root")
			}
			t.Parallel()
			sb, env, file := warmTokenCache(t)
			dir := filepath.Dir(file)
			planted, _ := os.ReadFile(file) // a good token: the sandbox would take it
			if err := tt.change(dir, file); err != nil {
				t.Fatal(err)
			}
			before := len(sb.Requests())
			res := runAtlasBackup(t, env, "bucket", "list", "--debug")
			tokens := 0
			for _, r := range sb.Requests()[before:] {
				if r.Operation == "createToken" {
					tokens++
				}
			}
			if res.code != 0 || tokens != 1 || !regexp.MustCompile("(?m)"+tt.note).MatchString(res.stderr) {
				t.Errorf("exit %d after %d token requests, want 0 after 1, and a note matching %s\n%s", res.code, tokens, tt.note, res)
			}
			if tt.name != "file of another user" { // the user's own directory: the token is cached anew there
				after, _ := os.ReadFile(file)
				entries, _ := os.ReadDir(dir)
				if string(after) != string(planted) || len(entries) != 1 {
					t.Errorf("the untrusted directory was written to: %d entries, cache %s", len(entries), after)
				}
			}
		})
	}
}

// A config file over 1 MiB is refused with exit 2, naming the file and the
// limit, and is not read whole: not even a pipe that never ends.
func TestConfigFileTooLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "config.yaml")
	content := "default:\n  project_id: " + sandbox.DemoProjectID + "\n" + strings.Repeat("# a comment line to pad the file out\n", 60_000)
	if err := os.WriteFile(big, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{config.EnvConfig + "=" + big, "MONGODB_ATLAS_BASE_URL=http://127.0.0.1:1", "MONGODB_ATLAS_ACCESS_TOKEN=t0ken"}
	want := fmt.Sprintf("Error: config file %s is %d bytes, more than the 1 MiB a config file may be; it was not read. Shorten it, or choose another file with --config or %s\n", big, len(content), config.EnvConfig)
	for _, args := range [][]string{{"config", "list"}, {"bucket", "list"}, {"config", "set", "output", "json"}} {
		res := runAtlasBackup(t, env, args...)
		if res.code != 2 || res.stderr != want || res.stdout != "" {
			t.Errorf("%s: exit %d, want 2 and stderr %q\n%s", args, res.code, want, res)
		}
	}

	mkfifo, err := exec.LookPath("mkfifo")
	if err != nil {
		t.Skip("no mkfifo")
	}
	fifo := filepath.Join(dir, "pipe.yaml")
	if out, err := exec.Command(mkfifo, fifo).CombinedOutput(); err != nil {
		t.Fatalf("mkfifo: %v %s", err, out)
	}
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // writes until atlas-backup closes the pipe (or the guard)
		defer wg.Done()
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer w.Close()
		line := []byte("# an endless config file\n")
		for written.Load() < hostileGuard/16 {
			n, err := w.Write(line)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	res := runAtlasBackup(t, []string{config.EnvConfig + "=" + fifo}, "config", "list")
	if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		r.Close() // unblock the writer, should atlas-backup never have opened it
	}
	wg.Wait()
	want = fmt.Sprintf("Error: config file %s is more than the 1 MiB a config file may be; it was not read further. Shorten it, or choose another file with --config or %s\n", fifo, config.EnvConfig)
	if res.code != 2 || res.stderr != want {
		t.Errorf("exit %d, want 2 and stderr %q\n%s", res.code, want, res)
	}
	if n := written.Load(); n > 2<<20 {
		t.Errorf("atlas-backup read %d MiB of the pipe, want at most 1 MiB and the pipe's buffer", n>>20)
	}
}
