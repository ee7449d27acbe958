package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
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
	}
	for spec, want := range good {
		got, err := sandbox.ParseFault(spec)
		if err != nil || got != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	bad := map[string]string{
		"getBackupExport":         "want OPERATION:KIND[:TIMES]",
		"nosuchOp:500":            `unknown operation "nosuchOp"`,
		"getBackupExport:200":     "from 400 to 599",
		"getBackupExport:teapot":  "from 400 to 599",
		"getBackupExport:slow=x":  "positive duration",
		"getBackupExport:500:0":   "at least 1",
		"getBackupExport:500:1:2": "want OPERATION:KIND[:TIMES]",
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
