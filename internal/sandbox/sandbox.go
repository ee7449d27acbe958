// Package sandbox simulates the Atlas Admin API v2 operations that
// atlas-backup uses: the project list, cluster reads, export buckets,
// backup schedules and compliance policies, snapshots (on-demand ones too)
// and the databases and collections they hold, export jobs, restore jobs and
// collection-level restore jobs, and Flex clusters with their snapshots,
// restores and downloads, with Digest, OAuth and Bearer authentication,
// Atlas's versioning, validation and error shapes, jobs and snapshots that
// move through their states over time, and injected faults.
// Its answers have the fields, key order and headers of real Atlas answers
// (recorded exchanges of MongoDB's own end-to-end tests), so that a script
// rehearsed on it does not depend on anything Atlas does not send. The same
// handler serves the `sandbox` command, the --sandbox flag and the tests.
// ArchiveHandler serves, on an origin of its own, the .tar.gz archives that
// download restores (and Flex downloads) link to.
//
// The seeded data, three projects of organization DemoOrgID:
//
//   - DemoProjectID (demo-project): the dedicated clusters demo (point in
//     time on, 7 days; its newest snapshot DemoInProgressSnapshotID stays
//     inProgress), analytics (UPDATING, point in time off), demo-sharded
//     (two shards, point in time on, 2 days) and legacy (backup off); the
//     Flex clusters DemoFlexCluster (flex-dev: its newest snapshot
//     DemoFlexRunningSnapshotID stays RUNNING, then three COMPLETED daily
//     ones) and DemoFlexTargetCluster (flex-qa: one COMPLETED); four export
//     buckets; and WithClusters' fleet-NNN (point in time on, 7 days).
//   - DemoStagingID (staging-project): staging (point in time off),
//     onboarding (CREATING) and warehouse (paused), both with point in time
//     on (7 days), retired (DELETING, backup off), and a private endpoint.
//   - DemoOpsID (ops-project): what a backup audit looks for. orders
//     (point in time on, 7 days) with a fresh snapshot, a failed one
//     (DemoOpsFailedSnapshotID), a failed export job and a restore job
//     that never ends; billing (point in time off) whose newest snapshot is
//     4 days old; an export bucket; and an ACTIVE backup compliance policy
//     (the other projects have none: 404).
//
// SeedSnapshotIDs names the completed snapshots of each cluster, and
// RestoreWindowDays the restore window of each.
package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the simulator. It is an http.Handler; use New to make one.
type Server struct {
	now             func() time.Time // the clock WithClock gave, moved on by Advance
	advanced        atomic.Int64     // nanoseconds Advance has added
	jobDuration     time.Duration
	exportOutcome   Outcome
	restoreOutcome  Outcome
	snapshotOutcome Outcome
	creds           Credentials
	tokenTTL        time.Duration
	logf            func(format string, args ...any)
	nonceKey        []byte
	nonces          atomic.Uint64 // the Digest nonces issued, which numbers them
	retryAfter      int           // Retry-After of injected 429 and 5xx answers; -1: the default
	archiveSize     int64
	archiveKey      []byte // makes the tokens of archive URLs
	archives        archiveCache
	fleet           int // WithClusters

	// flight counts the requests being served, and the most at once.
	flight struct {
		sync.Mutex
		now, peak int
	}

	mu           sync.Mutex
	store        *store
	archiveBase  string                 // SetArchiveURL's base URL, or ""
	archiveLinks map[string]archiveLink // by token: the archive URLs handed out
	tokens       map[string]time.Time   // OAuth access token → expiry
	faults       []*activeFault
	requests     []Request
	nextID       uint64
}

// Option configures a Server.
type Option func(*Server)

// WithClock makes the sandbox read time from now instead of the wall clock.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithJobDuration sets how long a new job takes to reach its end state.
func WithJobDuration(d time.Duration) Option { return func(s *Server) { s.jobDuration = d } }

// WithExportOutcome sets how new export jobs end.
func WithExportOutcome(o Outcome) Option { return func(s *Server) { s.exportOutcome = o } }

// WithRestoreOutcome sets how new restore jobs end, collection restore jobs
// included: failed ends them FAILED and cancelled CANCELED, each with an
// errorMessage, the collection being restored FAILED (or NOT_RESTORED) and
// those restored before it ROLLBACK; expired, which only download restores
// can be, leaves them SUCCESSFUL. See collection_restores.go. Flex restore
// jobs and downloads end FAILED for any outcome but success (flex.go).
func WithRestoreOutcome(o Outcome) Option { return func(s *Server) { s.restoreOutcome = o } }

// WithSnapshotOutcome sets how on-demand snapshots taken through the API
// end: OutcomeFailed ends them failed (no createdAt, no size), after going
// queued and inProgress as usual; any other outcome completes them.
func WithSnapshotOutcome(o Outcome) Option { return func(s *Server) { s.snapshotOutcome = o } }

// WithCredentials replaces the accepted credentials.
func WithCredentials(c Credentials) Option { return func(s *Server) { s.creds = c } }

// WithTokenTTL sets the lifetime of OAuth access tokens (default one hour).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithFaults injects faults, checked in order for each request.
func WithFaults(fs ...Fault) Option {
	return func(s *Server) {
		for _, f := range fs {
			s.faults = append(s.faults, &activeFault{Fault: f})
		}
	}
}

// WithRetryAfter makes every injected 429 and 5xx status fault, and the html
// fault, carry Retry-After: seconds; 0 means "retry at once", so that tests
// can rehearse retries without waiting on the wall clock. Without it only 429
// and 503 faults carry one, of 1 second. A negative value keeps that default.
func WithRetryAfter(seconds int) Option { return func(s *Server) { s.retryAfter = max(seconds, -1) } }

// WithClusters adds n replica-set clusters to the demo project, named
// FleetClusterName(1) … FleetClusterName(n), each with backup and point in
// time on (DefaultRestoreWindowDays), a backup schedule and two completed
// snapshots (SeedSnapshotIDs names them), for rehearsing runs over many
// clusters. The Flex clusters are not among the n. They are data only: no
// goroutine or timer per cluster, so hundreds cost next to nothing.
func WithClusters(n int) Option { return func(s *Server) { s.fleet = max(n, 0) } }

// WithLog receives one line per request: method, URI, status and operation.
// Credentials never appear in it.
func WithLog(logf func(format string, args ...any)) Option { return func(s *Server) { s.logf = logf } }

// DefaultJobDuration is how long jobs take unless WithJobDuration says otherwise.
const DefaultJobDuration = 20 * time.Second

// New returns a sandbox seeded with the demo projects, their dedicated and
// Flex clusters, snapshots, jobs and export buckets (see the package doc).
func New(opts ...Option) *Server {
	s := &Server{
		now:             time.Now,
		jobDuration:     DefaultJobDuration,
		exportOutcome:   OutcomeSuccess,
		restoreOutcome:  OutcomeSuccess,
		snapshotOutcome: OutcomeSuccess,
		creds:           DefaultCredentials(),
		tokenTTL:        time.Hour,
		logf:            func(string, ...any) {},
		nonceKey:        []byte(rand.Text()),
		archiveKey:      []byte(rand.Text()),
		archiveSize:     DefaultArchiveSize,
		tokens:          map[string]time.Time{},
		archiveLinks:    map[string]archiveLink{},
		retryAfter:      -1,
	}
	for _, o := range opts {
		o(s)
	}
	clock := s.now
	s.now = func() time.Time { return clock().Add(time.Duration(s.advanced.Load())) }
	s.store = newStore(s.now(), s.fleet)
	return s
}

// Advance moves the sandbox's clock forward by d from now on, whatever
// clock WithClock gave it: jobs move on through their states, links and
// tokens age, as if d had passed. It lets tests and scripts make a job
// progress without waiting for it. It is safe to call while requests are
// served; a negative d is ignored, so the clock never goes back.
func (s *Server) Advance(d time.Duration) {
	if d > 0 {
		s.advanced.Add(int64(d))
	}
}

// Credentials returns the credentials the sandbox accepts.
func (s *Server) Credentials() Credentials { return s.creds }

// Request is one request the sandbox received, as it received it.
type Request struct {
	Operation string // short operation name, createToken, revokeToken, downloadArchive, or ""
	Method    string
	Path      string
	RawQuery  string
	Header    http.Header
	Body      []byte    // nil when it was refused for being over MaxBodyBytes
	Status    int       // the status sent (also by a cut fault); 0 when the connection was dropped
	Received  time.Time // when it arrived, by the sandbox's clock
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// PeakInFlight returns the most requests the handler has been serving at
// once since New or the last ResetPeak: Admin API and OAuth requests, counted
// from when ServeHTTP starts until it returns, so a request held by a slow
// fault counts for as long as it is held. Archive downloads (ArchiveHandler)
// are not counted.
func (s *Server) PeakInFlight() int {
	s.flight.Lock()
	defer s.flight.Unlock()
	return s.flight.peak
}

// ResetPeak starts a new measurement: the peak becomes the number of
// requests in flight now.
func (s *Server) ResetPeak() {
	s.flight.Lock()
	defer s.flight.Unlock()
	s.flight.peak = s.flight.now
}

// enter counts a request in; the function it returns counts it out.
func (s *Server) enter() (leave func()) {
	s.flight.Lock()
	s.flight.now++
	s.flight.peak = max(s.flight.peak, s.flight.now)
	s.flight.Unlock()
	return func() {
		s.flight.Lock()
		s.flight.now--
		s.flight.Unlock()
	}
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	// answered runs once, when the status is known and before the client
	// can see it: a request is in the log before its answer arrives.
	answered func()
}

func (w *statusWriter) WriteHeader(code int) {
	w.setStatus(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.setStatus(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) setStatus(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.answered != nil {
		w.answered()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// MaxBodyBytes is the largest request body the sandbox accepts (1 MiB).
// A larger one is answered 413 PAYLOAD_TOO_LARGE after reading at most one
// byte more, or none when its Content-Length already says so.
const MaxBodyBytes = 1 << 20

// ServeHTTP answers one request: body size, authentication, injected
// faults, versioning, validation, then the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer s.enter()()
	sw := &statusWriter{ResponseWriter: w}
	op := ""
	var rt *route
	var params map[string]string
	var allowed []string
	oauth := r.URL.Path == tokenPath || r.URL.Path == revokePath
	switch {
	case r.URL.Path == tokenPath:
		op = opCreateToken
	case r.URL.Path == revokePath:
		op = opRevokeToken
	default:
		if rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix+"/"); ok {
			rt, params, allowed = matchRoute(r.Method, rest)
		}
		if rt != nil {
			op = rt.op
		}
	}
	body, tooLarge := readBody(r)
	record := s.recorder(sw, r, op, body)
	sw.answered = record
	defer record()

	if tooLarge {
		// Refused before authentication, as a front end that counts bytes
		// would; like every other error of an API path it honours envelope.
		x := &exchange{w: sw, r: r}
		if !oauth {
			x.envelope, _ = strconv.ParseBool(r.URL.Query().Get("envelope"))
		}
		x.fail(newError(http.StatusRequestEntityTooLarge, codePayloadTooLarge,
			fmt.Sprintf("The request body is larger than %d bytes (1 MiB), the most the sandbox accepts.", MaxBodyBytes)))
		return
	}
	if oauth {
		s.answer(sw, r, op, record, func(w http.ResponseWriter) { s.serveOAuth(w, r, body) })
		return
	}
	if !s.authenticate(sw, r) {
		return
	}
	s.answer(sw, r, op, record, func(w http.ResponseWriter) { s.serveAPI(w, r, body, rt, params, allowed) })
}

// recorder returns the function that logs a request once it is answered, or
// just before its connection is dropped (so that a client that sees the drop
// finds it in Requests); calls after the first do nothing. The log line of an
// archive request shows REDACTED for the URL's token, which is its
// authorization, leaves out any query, and shows the Range header.
func (s *Server) recorder(sw *statusWriter, r *http.Request, op string, body []byte) func() {
	recorded, received := false, s.now()
	return func() {
		if recorded {
			return
		}
		recorded = true
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Operation: op, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body, Status: sw.status, Received: received,
		})
		s.mu.Unlock()
		status := "dropped"
		if sw.status != 0 {
			status = strconv.Itoa(sw.status)
		}
		if op == opDownloadArchive {
			line := fmt.Sprintf("%s %s %s %s", r.Method, redactToken(r.URL.Path), status, op)
			if rg := r.Header.Get("Range"); rg != "" {
				line += " Range: " + rg
			}
			s.logf("%s", line)
			return
		}
		s.logf("%s %s %s %s", r.Method, r.URL.RequestURI(), status, op)
	}
}

// readBody reads a request body of at most MaxBodyBytes. For a larger one it
// reports tooLarge, having read at most one byte beyond the limit.
func readBody(r *http.Request) (body []byte, tooLarge bool) {
	if r.ContentLength > MaxBodyBytes {
		return nil, true
	}
	body, _ = io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if len(body) > MaxBodyBytes {
		return nil, true
	}
	return body, false
}

// serveAPI answers an authenticated request of the Admin API: versioning,
// validation, then the operation (rt, nil when the path or method is unknown).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, body []byte, rt *route, params map[string]string, allowed []string) {
	x := &exchange{w: w, r: r, body: body, query: r.URL.Query(), params: params}
	x.pretty, _ = strconv.ParseBool(x.query.Get("pretty"))
	x.envelope, _ = strconv.ParseBool(x.query.Get("envelope"))
	op := ""
	if rt != nil {
		op = rt.op
	}
	setRateLimit(w.Header(), op) // on every answer, errors included, as Atlas does
	switch {
	case rt == nil && len(allowed) > 0:
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		x.fail(newError(http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("%s is not allowed on %s.", r.Method, r.URL.Path)))
		return
	case rt == nil:
		x.fail(newError(http.StatusNotFound, codeNotFound,
			fmt.Sprintf("Cannot find resource %s (the sandbox serves the project list, the cluster reads, the backup export, restore, snapshot, schedule, compliance policy and export bucket operations, collection restore jobs, and Flex clusters' backups).", r.URL.Path)))
		return
	}
	version, err := negotiate(r.Header.Get("Accept"), rt.versions, s.now())
	if err != nil {
		x.fail(err)
		return
	}
	x.version = version
	if err := x.validateRequest(rt); err != nil {
		x.fail(err)
		return
	}
	s.mu.Lock()
	status, out, apiErr := rt.handle(s, x)
	s.mu.Unlock()
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if l, ok := lifecycles[rt.op+" "+version]; ok {
		w.Header().Set("Deprecation", l.deprecation)
		w.Header().Set("Sunset", l.sunset)
	}
	x.reply(status, out)
}

// lifecycle is when a resource version was deprecated (the date of the
// version that replaced it) and when it goes away (its x-sunset), as Atlas
// writes them in its Deprecation and Sunset headers.
type lifecycle struct{ deprecation, sunset string }

// lifecycles are the versions the sandbox serves that Atlas has deprecated.
var lifecycles = map[string]lifecycle{
	"listExportBuckets 2023-01-01":   {"Thu, 30 May 2024 00:00:00 GMT", "Thu, 1 Jul 2027 00:00:00 GMT"},
	"getExportBucket 2023-01-01":     {"Thu, 30 May 2024 00:00:00 GMT", "Thu, 1 Jul 2027 00:00:00 GMT"},
	"listClusters 2023-02-01":        {"Mon, 5 Aug 2024 00:00:00 GMT", "Thu, 1 Jul 2027 00:00:00 GMT"},
	"getCluster 2023-02-01":          {"Mon, 5 Aug 2024 00:00:00 GMT", "Thu, 1 Jul 2027 00:00:00 GMT"},
	"getBackupSchedule 2023-01-01":   {"Mon, 5 Aug 2024 00:00:00 GMT", "Thu, 1 Jul 2027 00:00:00 GMT"},
	"getCompliancePolicy 2023-01-01": {"Sun, 1 Oct 2023 00:00:00 GMT", "Thu, 1 Jul 2027 00:00:00 GMT"},
}

// exchange is one request being answered.
type exchange struct {
	w                http.ResponseWriter
	r                *http.Request
	body             []byte
	query            url.Values
	params           map[string]string
	version          string
	pretty, envelope bool
}

// baseURL is the scheme and host the client used, for links.
func (x *exchange) baseURL() string {
	if x.r.TLS != nil {
		return "https://" + x.r.Host
	}
	return "http://" + x.r.Host
}

// self is the absolute URL of the request's path.
func (x *exchange) self() string { return x.baseURL() + x.r.URL.Path }

// reply writes a success answer in the served version's media type.
func (x *exchange) reply(status int, v any) {
	ct := MediaType(x.version) + ";charset=utf-8"
	if !x.envelope {
		if status == http.StatusNoContent {
			x.w.Header().Set("Content-Type", ct)
			x.w.WriteHeader(status)
			return
		}
		writeJSON(x.w, status, ct, v, x.pretty)
		return
	}
	writeJSON(x.w, http.StatusOK, ct, envelop(status, v), x.pretty)
}

// fail writes an Atlas error; like Atlas, it names the code in an
// X-Error-Code header too.
func (x *exchange) fail(e *apiError) {
	x.w.Header().Set("X-Error-Code", e.ErrorCode)
	if x.envelope {
		writeJSON(x.w, http.StatusOK, "application/json", envelop(e.Status, e), x.pretty)
		return
	}
	writeJSON(x.w, e.Status, "application/json", e, x.pretty)
}

// envelop wraps a body as Atlas does for envelope=true: lists gain a status
// field beside their results; other bodies go under content. Keys stay in
// alphabetical order.
func envelop(status int, v any) any {
	if status == http.StatusNoContent {
		return map[string]any{"status": status}
	}
	if l, ok := v.(listBody); ok {
		return envelopedList{Links: l.Links, Results: l.Results, Status: status, TotalCount: l.TotalCount}
	}
	return map[string]any{"status": status, "content": v}
}

type envelopedList struct {
	Links      []link `json:"links"`
	Results    any    `json:"results"`
	Status     int    `json:"status"`
	TotalCount *int   `json:"totalCount,omitempty"`
}

// writeJSON writes v as JSON with the given status and Content-Type.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any, pretty bool) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	if (status < 300 || status == http.StatusTooManyRequests) && w.Header().Get("RateLimit-Limit") == "" {
		setRateLimit(w.Header(), "")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// newID returns a fresh 24-hex ID, ObjectId-like: the time, then a counter.
// Called with s.mu held.
func (s *Server) newID() string {
	s.nextID++
	return fmt.Sprintf("%08x%016x", uint32(s.now().Unix()), s.nextID)
}

// setRateLimit adds the rate-limit headers Atlas sends with the answers of
// an operation (op, "" for none): 10000 for the cluster reads, 1200 for
// everything else, as Atlas's answers carry them. The sandbox never runs
// short: Remaining is one less than the limit.
func setRateLimit(h http.Header, op string) {
	limit := 1200
	if op == "listClusters" || op == "getCluster" {
		limit = 10000
	}
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(limit-1))
}
