package jobs_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

const (
	project  = sandbox.DemoProjectID
	v1       = "/api/atlas/v2/groups/" + project
	demoPath = v1 + "/clusters/demo/backup"
	// jobDuration is how long the sandbox's jobs take by its clock, which
	// moves only when a test calls Advance.
	jobDuration = 10 * time.Second
)

// t0 is the sandbox's clock until a test advances it.
var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// env is a sandbox on a loopback HTTP server (every answer checked against
// the OpenAPI contract), its archive server on another, and a client of it.
type env struct {
	sb       *sandbox.Server
	api      *httptest.Server
	archives *httptest.Server
	client   *api.Client
	notes    *lines
}

// start serves a sandbox whose clock stands at t0 and whose jobs take
// jobDuration, unless opts say otherwise.
func start(t *testing.T, opts ...sandbox.Option) *env {
	t.Helper()
	sb := sandbox.New(append([]sandbox.Option{
		sandbox.WithClock(func() time.Time { return t0 }),
		sandbox.WithJobDuration(jobDuration),
		sandbox.WithArchiveSize(64 << 10),
		sandbox.WithRetryAfter(0),
	}, opts...)...)
	e := &env{sb: sb, notes: &lines{}}
	e.api = httptest.NewServer(spectest.Load(t).Middleware(t, sb))
	t.Cleanup(e.api.Close)
	e.archives = httptest.NewServer(sb.ArchiveHandler())
	t.Cleanup(e.archives.Close)
	sb.SetArchiveURL(e.archives.URL)
	e.client = newClient(t, e.api.URL, sb.Credentials().AccessToken)
	return e
}

// newClient is a Bearer client of baseURL whose retries do not wait.
func newClient(t *testing.T, baseURL, token string) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{
		BaseURL:     baseURL,
		Credentials: api.Credentials{AccessToken: token},
		MaxRetries:  api.DefaultMaxRetries,
		RetryWait:   func(int, *http.Response) time.Duration { return time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) deps() jobs.Deps { return jobs.Deps{Client: e.client, Note: e.notes.add} }

// apiRequests are the Admin API requests the sandbox received, as
// "METHOD path", oldest first (archive downloads left out).
func (e *env) apiRequests() []string {
	var out []string
	for _, r := range e.sb.Requests() {
		if r.Operation != "downloadArchive" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// sent returns the requests received for METHOD path.
func (e *env) sent(method, path string) []sandbox.Request {
	var out []sandbox.Request
	for _, r := range e.sb.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// count is how many requests of the sandbox's log are METHOD path.
func (e *env) count(method, path string) int { return len(e.sent(method, path)) }

// posts are the POST requests received.
func (e *env) posts() []sandbox.Request {
	var out []sandbox.Request
	for _, r := range e.sb.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// lines collects what a sink is given, from any goroutine.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, s)
}

func (l *lines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.all)
}

// progress is a jobs.Progress that records its lines and, on each state
// change, moves the sandbox's clock on by step (when sb is set): the job
// advances exactly once per state seen, whatever the wall clock does.
type progress struct {
	sb      *sandbox.Server
	step    time.Duration
	updates lines
	notes   lines
	// onUpdate, when set, runs after each update.
	onUpdate func(line string)
}

func (p *progress) Update(line string) {
	p.updates.add(line)
	if p.sb != nil {
		p.sb.Advance(p.step)
	}
	if p.onUpdate != nil {
		p.onUpdate(line)
	}
}

func (p *progress) Note(line string) { p.notes.add(line) }

// watch is a watch that checks every millisecond, advancing the sandbox's
// clock by step at each state change.
func (e *env) watch(step time.Duration) (jobs.Watch, *progress) {
	p := &progress{sb: e.sb, step: step}
	// The timeout is a safety net: a job that stops progressing fails the
	// test instead of hanging it.
	return jobs.Watch{Interval: time.Millisecond, Timeout: 5 * time.Second, Retries: 2, MaxWait: time.Second, Progress: p}, p
}

// snapshotNote is what the workflows say when they resolve latest for the
// demo cluster: its newest snapshot was taken two hours before t0.
func snapshotNote(cluster, id string, age time.Duration) string {
	return fmt.Sprintf("Using the latest completed snapshot of %s: %s (taken %s)", cluster, id,
		t0.Add(-age).Format("2006-01-02 15:04:05 UTC"))
}

// route is one scripted answer of a plain server.
type route struct {
	status int
	body   string
}

// scripted is a plain server that answers "METHOD path" from its routes
// and fails the test, with the request dumped, on anything else. hits
// counts the requests per route.
type scripted struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]route
	hits   map[string]int
}

func script(t *testing.T, routes map[string]route) *scripted {
	t.Helper()
	s := &scripted{t: t, routes: routes, hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		s.mu.Lock()
		rt, ok := s.routes[key]
		s.hits[key]++
		s.mu.Unlock()
		if !ok {
			dump, _ := httputil.DumpRequest(r, true)
			t.Errorf("unexpected request:\n%s", dump)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rt.status)
		fmt.Fprint(w, rt.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scripted) hit(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[key]
}

// list is a one-page Atlas list of the JSON objects given.
func list(items ...string) string {
	return fmt.Sprintf(`{"results":[%s],"totalCount":%d,"links":[]}`, strings.Join(items, ","), len(items))
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}
