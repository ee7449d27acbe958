package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

func mustFault(t *testing.T, spec string) sandbox.Fault {
	t.Helper()
	f, err := sandbox.ParseFault(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseFault(t *testing.T) {
	good := map[string]sandbox.Fault{
		"getBackupExport:503:2":                  {Operation: "getBackupExport", Status: 503, Times: 2},
		"getGroupClusterBackupExport:429":        {Operation: "getGroupClusterBackupExport", Status: 429},
		"*:drop":                                 {Operation: "*", Drop: true},
		"createToken:slow=1.5s:1":                {Operation: "createToken", Delay: 1500 * time.Millisecond, Times: 1},
		"cancelBackupRestoreJob:405":             {Operation: "cancelBackupRestoreJob", Status: 405},
		"listBackupSnapshots:500":                {Operation: "listBackupSnapshots", Status: 500},
		"createGroupClusterBackupRestoreJob:409": {Operation: "createGroupClusterBackupRestoreJob", Status: 409},
		"getBackupExport:cut=10:1":               {Operation: "getBackupExport", Kind: sandbox.FaultCut, CutAfter: 10, Times: 1},
		"*:cut=0":                                {Operation: "*", Kind: sandbox.FaultCut},
		"listBackupSnapshots:html":               {Operation: "listBackupSnapshots", Kind: sandbox.FaultHTML},
		"createBackupExport:badjson:2":           {Operation: "createBackupExport", Kind: sandbox.FaultBadJSON, Times: 2},
		"getBackupRestoreJob:empty":              {Operation: "getBackupRestoreJob", Kind: sandbox.FaultEmpty},
		"createToken:ctype:3":                    {Operation: "createToken", Kind: sandbox.FaultContentType, Times: 3},
		"listBackupExports:drop:1:1":             {Operation: "listBackupExports", Drop: true, Times: 1, After: 1},
		"downloadArchive:corrupt:1":              {Operation: "downloadArchive", Kind: sandbox.FaultCorrupt, Times: 1},
		"downloadArchive:cut=4096":               {Operation: "downloadArchive", Kind: sandbox.FaultCut, CutAfter: 4096},
		"downloadArchive:503:2:1":                {Operation: "downloadArchive", Status: 503, Times: 2, After: 1},
	}
	for spec, want := range good {
		got, err := sandbox.ParseFault(spec)
		if err != nil || got != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
		// String writes it back as it was written, and that parses again.
		if got.String() != spec {
			t.Errorf("ParseFault(%q).String() = %q", spec, got.String())
		}
		if again, err := sandbox.ParseFault(want.String()); err != nil || again != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", want.String(), again, err, want)
		}
	}
	bad := map[string]string{
		"getBackupExport":           "want OPERATION:KIND[:TIMES[:AFTER]]",
		"nosuchOp:500":              `unknown operation "nosuchOp"`,
		"getBackupExport:200":       "from 400 to 599",
		"getBackupExport:teapot":    "KIND must be an HTTP status from 400 to 599, drop, or slow=DURATION (or a broken answer: cut=BYTES, html, badjson, empty or ctype; corrupt for downloadArchive)",
		"getBackupExport:corrupt":   "corrupt applies to downloadArchive only",
		"*:corrupt":                 "corrupt applies to downloadArchive only",
		"downloadArchive:CORRUPT":   "KIND must be",
		"getBackupExport:HTML":      "cut=BYTES, html, badjson, empty or ctype",
		"getBackupExport:cut=":      "cut takes how many bytes of the body to send",
		"getBackupExport:cut=-1":    "a whole number of 0 or more, e.g. cut=100",
		"getBackupExport:cut=x":     "a whole number of 0 or more, e.g. cut=100",
		"getBackupExport:cut=1.5":   "a whole number of 0 or more",
		"getBackupExport:cut":       "cut takes how many bytes of the body to send",
		"getBackupExport:cut=1:0":   "at least 1",
		"getBackupExport:slow=x":    "positive duration",
		"getBackupExport:500:0":     "at least 1",
		"getBackupExport:500:1:x":   "AFTER must be a whole number of 0 or more",
		"getBackupExport:500:1:2:3": "want OPERATION:KIND[:TIMES[:AFTER]]",
	}
	for spec, want := range bad {
		_, err := sandbox.ParseFault(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFault(%q) error %v, want one saying %q", spec, err, want)
		}
	}
}

func TestStatusFaults(t *testing.T) {
	e := start(t, sandbox.WithFaults(
		mustFault(t, "listBackupSnapshots:429:2"),
		mustFault(t, "getClusterBackupSnapshot:503:1"),
		mustFault(t, "createBackupExport:409"),
	))
	for i := range 2 {
		r := e.get(demo + "/snapshots")
		wantStatus(t, r, http.StatusTooManyRequests, "RATE_LIMITED")
		if r.header.Get("Retry-After") != "1" || r.header.Get("RateLimit-Limit") == "" {
			t.Errorf("429 #%d headers %v", i+1, r.header)
		}
	}
	wantStatus(t, e.get(demo+"/snapshots"), 200, "") // two times only

	snap := demo + "/snapshots/" + sandbox.SeedSnapshotIDs("demo")[0]
	r := e.get(snap)
	wantStatus(t, r, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("503 without Retry-After")
	}
	wantStatus(t, e.get(snap), 200, "")

	for range 2 { // no count: every time
		wantStatus(t, e.post(demo+"/exports", exportBody()), http.StatusConflict, "CONFLICT")
	}
	if n := len(e.get(demo + "/exports").results()); n != 0 {
		t.Errorf("a faulted create made %d jobs", n)
	}
}

func TestFaultsAfterAuthentication(t *testing.T) {
	e := start(t, sandbox.WithFaults(mustFault(t, "*:500:1")))
	// Unauthenticated requests get their 401; the fault waits for an
	// authenticated one.
	wantStatus(t, e.send(req{path: demo + "/snapshots", client: &http.Client{}}), 401, "UNAUTHORIZED")
	wantStatus(t, e.get(demo+"/snapshots"), 500, "UNEXPECTED_ERROR")
	wantStatus(t, e.get(demo+"/snapshots"), 200, "")
}

func TestTokenFault(t *testing.T) {
	e := start(t, sandbox.WithFaults(mustFault(t, "createToken:503:1")))
	c := e.sb.Credentials()
	wantStatus(t, e.token(c.ClientID, c.ClientSecret, "client_credentials"), 503, "SERVICE_UNAVAILABLE")
	wantStatus(t, e.token(c.ClientID, c.ClientSecret, "client_credentials"), 200, "")
}

func TestDropFault(t *testing.T) {
	e := start(t, sandbox.WithFaults(mustFault(t, "getBackupExport:drop:1")))
	id := e.post(demo+"/exports", exportBody()).str("id")
	// Without keep-alive, so that net/http does not quietly resend the GET
	// on a new connection as it does when a reused one fails.
	creds := e.sb.Credentials()
	c := &http.Client{Transport: &api.DigestTransport{Username: creds.PublicKey, Password: creds.PrivateKey,
		Base: &http.Transport{DisableKeepAlives: true}}}
	hr, _ := http.NewRequest("GET", e.srv.URL+demo+"/exports/"+id, nil)
	hr.Header.Set("Accept", v1)
	resp, err := c.Do(hr)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request answered %d", resp.StatusCode)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("want a connection error, got %v", err)
	}
	wantStatus(t, e.get(demo+"/exports/"+id), 200, "")
	var dropped bool
	for _, r := range e.sb.Requests() {
		if r.Operation == "getBackupExport" && r.Status == 0 {
			dropped = true
		}
	}
	if !dropped {
		t.Errorf("the request log does not show the dropped request")
	}
}

func TestSlowFault(t *testing.T) {
	const delay = 50 * time.Millisecond
	e := start(t, sandbox.WithFaults(sandbox.Fault{Operation: "listExportBuckets", Delay: delay, Times: 1}))
	began := time.Now()
	wantStatus(t, e.get(buckets), 200, "")
	if took := time.Since(began); took < delay {
		t.Errorf("slow fault answered after %s, want at least %s", took, delay)
	}

	// A client that gives up does not hold the handler.
	e = start(t, sandbox.WithFaults(sandbox.Fault{Operation: "listExportBuckets", Delay: time.Hour}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	hr, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+buckets, nil)
	hr.Header.Set("Accept", v1)
	if _, err := e.digest.Do(hr); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client's deadline, got %v", err)
	}
}

func TestRequestLog(t *testing.T) {
	var lines []string
	e := start(t, sandbox.WithLog(func(format string, args ...any) {
		lines = append(lines, strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "  ", " ")))
	}))
	body := exportBody()
	wantStatus(t, e.post(demo+"/exports?envelope=false", body), 200, "")
	reqs := e.sb.Requests()
	last := reqs[len(reqs)-1]
	if last.Operation != "createBackupExport" || last.Method != "POST" || last.Path != demo+"/exports" ||
		last.RawQuery != "envelope=false" || string(last.Body) != body || last.Status != 200 ||
		last.Header.Get("Content-Type") != v1 || last.Header.Get("Accept") != v1 {
		t.Errorf("recorded %+v", last)
	}
	want := "POST " + demo + "/exports?envelope=false 200 createBackupExport"
	if lines[len(lines)-1] != want {
		t.Errorf("log line %q, want %q", lines[len(lines)-1], want)
	}
	for _, l := range lines {
		if strings.Contains(l, "sandbox-private-key") || strings.Contains(l, "Digest") {
			t.Errorf("log line carries credentials: %q", l)
		}
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.WithFaults(sandbox.Fault{Operation: "*", Delay: 100 * time.Millisecond}))
	arrived := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		sb.ServeHTTP(w, r)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sandbox.Serve(ctx, ln, h) }()

	// A request in flight when the server is told to stop still gets its answer.
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/api/oauth/token")
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-arrived
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if code := <-answered; code != http.StatusMethodNotAllowed {
		t.Errorf("request in flight got %d, want its 405", code)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Errorf("still accepting connections after Serve returned")
	}
}

// rawResponse is an answer read as bytes, whatever it holds, with the error
// that ended its body (nil when it was read to the end).
type rawResponse struct {
	status  int
	header  http.Header
	body    []byte
	readErr error
}

// fetch sends a request through a Digest client that keeps no connection
// alive, so that net/http never quietly resends a request whose connection
// failed, and reads whatever comes back.
func (e *env) fetch(method, path, body string) rawResponse {
	e.t.Helper()
	creds := e.sb.Credentials()
	c := &http.Client{Transport: &api.DigestTransport{Username: creds.PublicKey, Password: creds.PrivateKey,
		Base: &http.Transport{DisableKeepAlives: true}}}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	hr, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	hr.Header.Set("Accept", v1)
	if body != "" {
		hr.Header.Set("Content-Type", v1)
	}
	resp, err := c.Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := rawResponse{status: resp.StatusCode, header: resp.Header}
	out.body, out.readErr = io.ReadAll(resp.Body)
	return out
}

// lastRequest is the newest request the sandbox logged.
func (e *env) lastRequest() sandbox.Request {
	e.t.Helper()
	reqs := e.sb.Requests()
	if len(reqs) == 0 {
		e.t.Fatal("no request logged")
	}
	return reqs[len(reqs)-1]
}

func TestFaultHeaderIsTheOneSpectestSkips(t *testing.T) {
	if sandbox.FaultHeader != spectest.FaultHeader {
		t.Fatalf("sandbox marks broken answers with %q, spectest skips %q", sandbox.FaultHeader, spectest.FaultHeader)
	}
}

func TestCutFault(t *testing.T) {
	e := start(t, sandbox.WithFaults(mustFault(t, "getBackupExport:cut=10:1"), mustFault(t, "getBackupExport:cut=0:1"),
		mustFault(t, "getBackupExport:cut=100000:1")))
	id := e.post(demo+"/exports", exportBody()).str("id")
	path := demo + "/exports/" + id

	cut := e.fetch("GET", path, "")
	zero := e.fetch("GET", path, "")
	long := e.fetch("GET", path, "")
	full := e.fetch("GET", path, "") // the faults are used up
	if full.status != 200 || full.readErr != nil || !json.Valid(full.body) || full.header.Get(sandbox.FaultHeader) != "" {
		t.Fatalf("after the faults: %d %v %q %s", full.status, full.readErr, full.header.Get(sandbox.FaultHeader), full.body)
	}

	// The real answer's status and headers, its full length declared, then
	// ten bytes of its body and the end of the connection.
	if cut.status != 200 || cut.header.Get("Content-Type") != full.header.Get("Content-Type") ||
		cut.header.Get("Content-Length") != strconv.Itoa(len(full.body)) {
		t.Errorf("cut answer: %d, headers %v; want the real answer's (%d bytes)", cut.status, cut.header, len(full.body))
	}
	if !errors.Is(cut.readErr, io.ErrUnexpectedEOF) || string(cut.body) != string(full.body[:10]) {
		t.Errorf("cut body %q, %v; want %q and unexpected EOF", cut.body, cut.readErr, full.body[:10])
	}
	if got := cut.header.Get(sandbox.FaultHeader); got != "getBackupExport:cut=10:1" {
		t.Errorf("%s: %q", sandbox.FaultHeader, got)
	}
	if len(zero.body) != 0 || !errors.Is(zero.readErr, io.ErrUnexpectedEOF) || zero.status != 200 {
		t.Errorf("cut=0: %d, body %q, %v; want headers only", zero.status, zero.body, zero.readErr)
	}
	// A body shorter than BYTES goes whole.
	if long.readErr != nil || string(long.body) != string(full.body) {
		t.Errorf("cut=100000: body %q, %v; want it whole", long.body, long.readErr)
	}

	var statuses []int
	for _, r := range e.sb.Requests() {
		if r.Operation == "getBackupExport" && r.Status != http.StatusUnauthorized { // not the Digest challenges
			statuses = append(statuses, r.Status)
		}
	}
	if fmt.Sprint(statuses) != "[200 200 200 200]" {
		t.Errorf("logged statuses of the polls %v, want the 200 each was sent", statuses)
	}
}

func TestCutFaultServesTheRequest(t *testing.T) {
	e := start(t, sandbox.WithFaults(mustFault(t, "createBackupExport:cut=5:1")))
	r := e.fetch("POST", demo+"/exports", exportBody())
	if r.status != 200 || len(r.body) != 5 || !errors.Is(r.readErr, io.ErrUnexpectedEOF) {
		t.Fatalf("cut create: %d, body %q, %v", r.status, r.body, r.readErr)
	}
	// The job exists although its creator never learnt its ID.
	if n := len(e.get(demo + "/exports").results()); n != 1 {
		t.Errorf("after a cut create, %d jobs; want 1", n)
	}
	var statuses []int
	for _, r := range e.sb.Requests() {
		if r.Operation == "createBackupExport" {
			statuses = append(statuses, r.Status)
		}
	}
	if fmt.Sprint(statuses) != "[401 200]" {
		t.Errorf("logged statuses of the create %v, want the Digest challenge, then the 200 that was cut", statuses)
	}
}

func TestBrokenAnswerFaults(t *testing.T) {
	versioned := v1 + ";charset=utf-8"
	tests := []struct {
		spec        string
		status      int
		contentType string
		check       func(t *testing.T, body []byte)
	}{
		{"listBackupSnapshots:html:1", 502, "text/html", func(t *testing.T, body []byte) {
			if !strings.HasPrefix(string(body), "<!DOCTYPE html>\n<html>") || strings.Count(string(body), "\n") < 5 ||
				!strings.Contains(string(body), "<title>502 Bad Gateway</title>") {
				t.Errorf("want a multi-line HTML error page, got %q", body)
			}
		}},
		{"listBackupSnapshots:badjson:1", 200, versioned, func(t *testing.T, body []byte) {
			if len(body) < 10 || body[0] != '{' || json.Valid(body) {
				t.Errorf("want the start of a JSON object, cut short; got %q", body)
			}
		}},
		{"listBackupSnapshots:empty:1", 200, versioned, func(t *testing.T, body []byte) {
			if len(body) != 0 {
				t.Errorf("want no body, got %q", body)
			}
		}},
		{"listBackupSnapshots:ctype:1", 200, "text/plain; charset=utf-8", func(t *testing.T, body []byte) {
			if len(body) == 0 || json.Valid(body) || !strings.Contains(string(body), "listBackupSnapshots:ctype:1") {
				t.Errorf("want plain text naming the fault, got %q", body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			e := start(t, sandbox.WithFaults(mustFault(t, tt.spec)))
			r := e.fetch("GET", demo+"/snapshots", "")
			if r.status != tt.status || r.header.Get("Content-Type") != tt.contentType || r.readErr != nil ||
				r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
				t.Fatalf("%d %q (Content-Length %q, %d bytes read, %v); want %d %q",
					r.status, r.header.Get("Content-Type"), r.header.Get("Content-Length"), len(r.body), r.readErr, tt.status, tt.contentType)
			}
			if got := r.header.Get(sandbox.FaultHeader); got != tt.spec {
				t.Errorf("%s: %q, want %q", sandbox.FaultHeader, got, tt.spec)
			}
			if got := r.header.Get("Retry-After"); got != "" {
				t.Errorf("Retry-After %q without WithRetryAfter", got)
			}
			tt.check(t, r.body)
			if last := e.lastRequest(); last.Operation != "listBackupSnapshots" || last.Status != tt.status {
				t.Errorf("logged %q %d, want listBackupSnapshots %d", last.Operation, last.Status, tt.status)
			}
			// Once only.
			real := e.get(demo + "/snapshots")
			wantStatus(t, real, 200, "")
			if tt.spec == "listBackupSnapshots:badjson:1" && !strings.HasPrefix(string(real.raw), string(r.body)) {
				t.Errorf("badjson body %q is not the start of the real answer %q", r.body, real.raw)
			}
		})
	}
}

// badjson and empty mangle the real answer, so the operation runs; html and
// ctype stand in for it, so it does not.
func TestBrokenAnswerFaultsOnCreate(t *testing.T) {
	for kind, jobs := range map[string]int{"badjson": 1, "empty": 1, "html": 0, "ctype": 0} {
		t.Run(kind, func(t *testing.T) {
			e := start(t, sandbox.WithFaults(mustFault(t, "createBackupExport:"+kind+":1")))
			if r := e.fetch("POST", demo+"/exports", exportBody()); r.header.Get(sandbox.FaultHeader) == "" {
				t.Fatalf("not faulted: %d %s", r.status, r.body)
			}
			if n := len(e.get(demo + "/exports").results()); n != jobs {
				t.Errorf("%d jobs after a %s create, want %d", n, kind, jobs)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	faults := sandbox.WithFaults(mustFault(t, "*:429:1"), mustFault(t, "*:500:1"), mustFault(t, "*:502:1"),
		mustFault(t, "*:503:1"), mustFault(t, "*:504:1"), mustFault(t, "*:404:1"), mustFault(t, "*:html:1"))
	order := []int{429, 500, 502, 503, 504, 404, 502}
	tests := []struct {
		name string
		opts []sandbox.Option
		want []string // Retry-After of each answer, in order
	}{
		{"default", nil, []string{"1", "", "", "1", "", "", ""}},
		{"0", []sandbox.Option{sandbox.WithRetryAfter(0)}, []string{"0", "0", "0", "0", "0", "", "0"}},
		{"7", []sandbox.Option{sandbox.WithRetryAfter(7)}, []string{"7", "7", "7", "7", "7", "", "7"}},
		{"negative keeps the default", []sandbox.Option{sandbox.WithRetryAfter(3), sandbox.WithRetryAfter(-5)}, []string{"1", "", "", "1", "", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, append(tt.opts, faults)...)
			for i, status := range order {
				r := e.fetch("GET", buckets, "")
				if r.status != status {
					t.Fatalf("answer %d: status %d, want %d", i+1, r.status, status)
				}
				if got, ok := r.header["Retry-After"]; fmt.Sprint(got) != fmt.Sprint(nonEmpty(tt.want[i])) || ok != (tt.want[i] != "") {
					t.Errorf("%d answer: Retry-After %q, want %q", status, got, tt.want[i])
				}
				// Status faults are in Atlas's error shape: not marked, so
				// the contract checks still apply to them.
				if marked := r.header.Get(sandbox.FaultHeader) != ""; marked != (i == len(order)-1) {
					t.Errorf("%d answer: %s %q", status, sandbox.FaultHeader, r.header.Get(sandbox.FaultHeader))
				}
			}
			wantStatus(t, e.get(buckets), 200, "")
		})
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// countingBody counts the bytes the handler reads of a request body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// hideLength hides a reader's length from net/http, which then sends it
// chunked, with no Content-Length.
type hideLength struct{ io.Reader }

func TestBodyTooLarge(t *testing.T) {
	e := start(t)
	// Exactly the limit is accepted: a valid body padded with spaces.
	atLimit := exportBody() + strings.Repeat(" ", sandbox.MaxBodyBytes-len(exportBody()))
	wantStatus(t, e.post(demo+"/exports", atLimit), 200, "")

	over := atLimit + " "
	r := e.post(demo+"/exports", over)
	wantStatus(t, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
	if r.body["reason"] != "Payload Too Large" || !strings.Contains(r.str("detail"), "1048576 bytes (1 MiB)") {
		t.Errorf("413 body %s", r.raw)
	}
	if last := e.lastRequest(); last.Operation != "createBackupExport" || last.Status != 413 || last.Body != nil {
		t.Errorf("logged %q %d with a %d-byte body, want createBackupExport 413 and no body", last.Operation, last.Status, len(last.Body))
	}
	if n := len(e.get(demo + "/exports").results()); n != 1 {
		t.Errorf("%d jobs, want only the one at the limit", n)
	}

	// Before authentication: no need to be told who sends it.
	wantStatus(t, e.send(req{method: "POST", path: demo + "/exports", body: over, client: &http.Client{}}), 413, "PAYLOAD_TOO_LARGE")
	// Like other errors, wrapped by envelope=true.
	env := e.post(demo+"/exports?envelope=true", over)
	if content, _ := env.body["content"].(map[string]any); env.status != 200 || env.body["status"] != 413.0 || content["errorCode"] != "PAYLOAD_TOO_LARGE" {
		t.Errorf("envelope=true: %d %s", env.status, env.raw)
	}
	// The OAuth endpoints too.
	tok := e.send(req{method: "POST", path: "/api/oauth/token", body: "grant_type=client_credentials&pad=" + strings.Repeat("x", sandbox.MaxBodyBytes),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, client: &http.Client{}})
	wantStatus(t, tok, 413, "PAYLOAD_TOO_LARGE")
	// And an injected 413 says the same.
	f := start(t, sandbox.WithFaults(mustFault(t, "listBackupSnapshots:413:1")))
	r = f.get(demo + "/snapshots")
	wantStatus(t, r, 413, "PAYLOAD_TOO_LARGE")
	if r.body["reason"] != "Payload Too Large" {
		t.Errorf("injected 413 body %s", r.raw)
	}
}

// The sandbox reads no more of a large body than it must.
func TestBodyTooLargeIsNotRead(t *testing.T) {
	sb := sandbox.New()
	var read atomic.Int64
	srv := httptest.NewServer(spectest.Load(t).Middleware(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = countingBody{r.Body, &read}
		sb.ServeHTTP(w, r)
	})))
	t.Cleanup(srv.Close)
	const size = 8 << 20
	for _, tt := range []struct {
		name    string
		body    io.Reader
		maxRead int64
	}{
		{"Content-Length", bytes.NewReader(make([]byte, size)), 0},
		{"chunked", hideLength{bytes.NewReader(make([]byte, size))}, sandbox.MaxBodyBytes + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			read.Store(0)
			hr, _ := http.NewRequest("POST", srv.URL+demo+"/exports", tt.body)
			hr.Header.Set("Content-Type", v1)
			hr.Header.Set("Accept", v1)
			resp, err := srv.Client().Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 413 || !strings.Contains(string(b), `"errorCode":"PAYLOAD_TOO_LARGE"`) {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
			if n := read.Load(); n > tt.maxRead {
				t.Errorf("the sandbox read %d bytes of the body, want at most %d", n, tt.maxRead)
			}
		})
	}
}

// Over HTTP/2 a connection cannot be hijacked: cut and drop reset the stream
// instead, and the client still sees the answer end early.
func TestCutFaultOverHTTP2(t *testing.T) {
	sb := sandbox.New(sandbox.WithFaults(mustFault(t, "listExportBuckets:cut=7:1"), mustFault(t, "listExportBuckets:drop:1")))
	srv := httptest.NewUnstartedServer(spectest.Load(t).Middleware(t, sb))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.Transport.(*http.Transport).ForceAttemptHTTP2 = true
	get := func() (*http.Response, []byte, error) {
		hr, _ := http.NewRequest("GET", srv.URL+buckets, nil)
		hr.Header.Set("Accept", v1)
		hr.Header.Set("Authorization", "Bearer "+sb.Credentials().AccessToken)
		resp, err := c.Do(hr)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	resp, body, err := get()
	if resp == nil || resp.ProtoMajor != 2 || resp.StatusCode != 200 || string(body) != `{"links` || err == nil {
		t.Fatalf("cut over HTTP/2: %+v, body %q, %v; want 200, 7 bytes and an error", resp, body, err)
	}
	if _, _, err := get(); err == nil {
		t.Errorf("drop over HTTP/2 answered")
	}
	if resp, _, err := get(); err != nil || resp.StatusCode != 200 {
		t.Errorf("after the faults: %v, %v", resp, err)
	}
	var statuses []int
	for _, r := range sb.Requests() {
		statuses = append(statuses, r.Status)
	}
	if fmt.Sprint(statuses) != "[200 0 200]" {
		t.Errorf("logged statuses %v, want [200 0 200]", statuses)
	}
}
