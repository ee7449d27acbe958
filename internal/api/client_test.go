package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// newClient starts a sandbox on loopback (answers checked against the
// contract) and a client for it; retries do not wait.
func newClient(t *testing.T, creds func(sandbox.Credentials) api.Credentials, o api.Options, opts ...sandbox.Option) (*api.Client, *sandbox.Server) {
	t.Helper()
	sb := sandbox.New(opts...)
	srv := httptest.NewServer(spectest.Load(t).Middleware(t, sb))
	t.Cleanup(srv.Close)
	o.BaseURL = srv.URL
	o.Credentials = creds(sb.Credentials())
	if o.RetryWait == nil {
		o.RetryWait = func(int, *http.Response) time.Duration { return time.Millisecond }
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = api.DefaultMaxRetries // -1: never retry
	}
	c, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, sb
}

func apiKeys(c sandbox.Credentials) api.Credentials {
	return api.Credentials{PublicKey: c.PublicKey, PrivateKey: c.PrivateKey}
}

func serviceAccount(c sandbox.Credentials) api.Credentials {
	return api.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret}
}

func ops(sb *sandbox.Server) []string {
	var out []string
	for _, r := range sb.Requests() {
		out = append(out, r.Operation+":"+http.StatusText(r.Status))
	}
	return out
}

func TestRetriesSafeRequests(t *testing.T) {
	var waits []time.Duration
	c, sb := newClient(t, apiKeys, api.Options{RetryWait: func(attempt int, resp *http.Response) time.Duration {
		if resp != nil && resp.Header.Get("Retry-After") == "1" {
			waits = append(waits, time.Second)
		}
		return time.Millisecond
	}}, sandbox.WithFaults(
		sandbox.Fault{Operation: "listBackupSnapshots", Status: 429, Times: 1},
		sandbox.Fault{Operation: "listBackupSnapshots", Status: 502, Times: 1},
		sandbox.Fault{Operation: "listBackupSnapshots", Drop: true, Times: 1},
	))
	list, err := c.ListSnapshots(context.Background(), sandbox.DemoProjectID, "demo", api.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 5 { // the demo cluster's four completed snapshots and the one in progress
		t.Errorf("got %d snapshots", len(list.Items))
	}
	got := strings.Join(ops(sb), " ")
	want := "listBackupSnapshots:Unauthorized listBackupSnapshots:Too Many Requests listBackupSnapshots:Bad Gateway listBackupSnapshots: listBackupSnapshots:OK"
	if got != want {
		t.Errorf("requests:\n got %s\nwant %s", got, want)
	}
	if len(waits) != 1 {
		t.Errorf("Retry-After seen %d times, want once (the 429)", len(waits))
	}
}

func TestNeverRetriesCreates(t *testing.T) {
	c, sb := newClient(t, apiKeys, api.Options{}, sandbox.WithFaults(
		sandbox.Fault{Operation: "createBackupExport", Status: 503, Times: 1},
	))
	_, _, err := c.CreateExport(context.Background(), sandbox.DemoProjectID, "demo", api.ExportRequest{
		SnapshotID: sandbox.SeedSnapshotIDs("demo")[0], ExportBucketID: sandbox.DemoBucketID,
	})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.ErrorCode != "SERVICE_UNAVAILABLE" {
		t.Fatalf("want the 503, got %v", err)
	}
	if got := strings.Join(ops(sb), " "); got != "createBackupExport:Unauthorized createBackupExport:Service Unavailable" {
		t.Errorf("requests: %s", got)
	}
}

func TestGivesUpAfterRetries(t *testing.T) {
	c, sb := newClient(t, apiKeys, api.Options{MaxRetries: 2}, sandbox.WithFaults(
		sandbox.Fault{Operation: "listExportBuckets", Status: 500},
	))
	_, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Fatalf("want the 500, got %v", err)
	}
	if n := len(sb.Requests()); n != 1+3 { // the challenge, then three tries
		t.Errorf("%d requests, want 4", n)
	}
}

func TestServiceAccountTokenReused(t *testing.T) {
	c, sb := newClient(t, serviceAccount, api.Options{})
	for range 3 {
		if _, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(ops(sb), " "); got != "createToken:OK listExportBuckets:OK listExportBuckets:OK listExportBuckets:OK" {
		t.Errorf("requests: %s", got)
	}
	tok := sb.Requests()[0]
	if user, _, ok := (&http.Request{Header: tok.Header}).BasicAuth(); !ok || user != "mdb_sa_id_sandbox" ||
		tok.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || string(tok.Body) != "grant_type=client_credentials" {
		t.Errorf("token request %+v %s", tok.Header, tok.Body)
	}
}

func TestServiceAccountTokenRenewed(t *testing.T) {
	// Tokens that live less than the refresh margin are fetched each time.
	c, sb := newClient(t, serviceAccount, api.Options{}, sandbox.WithTokenTTL(30*time.Second))
	for range 2 {
		if _, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(ops(sb), " "); got != "createToken:OK listExportBuckets:OK createToken:OK listExportBuckets:OK" {
		t.Errorf("requests: %s", got)
	}
}

func TestTokenEndpointRefusal(t *testing.T) {
	c, _ := newClient(t, func(sandbox.Credentials) api.Credentials {
		return api.Credentials{ClientID: "mdb_sa_id_sandbox", ClientSecret: "wrong"}
	}, api.Options{})
	_, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || !apiErr.TokenEndpoint || !apiErr.IsAuth() || apiErr.Status != 401 {
		t.Fatalf("want a token endpoint refusal, got %#v", err)
	}
}

func TestEnvelopeUnwrapped(t *testing.T) {
	c, sb := newClient(t, apiKeys, api.Options{Envelope: true, Pretty: true})
	list, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{Limit: 1, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 4 || list.Items[1].BucketName != sandbox.DemoGCPBucketName {
		t.Errorf("all pages: %+v", list.Items)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, list.Raw); err != nil {
		t.Fatalf("raw results are not JSON: %v", err)
	}
	if !bytes.HasPrefix(compact.Bytes(), []byte(`[{"_id":"`)) || bytes.Contains(list.Raw, []byte(`"status"`)) {
		t.Errorf("raw results %s", list.Raw)
	}
	for _, r := range sb.Requests()[1:] {
		if !regexp.MustCompile(`^envelope=true&itemsPerPage=1&pageNum=[1-4]&pretty=true$`).MatchString(r.RawQuery) {
			t.Errorf("query %q", r.RawQuery)
		}
	}
	_, _, err = c.CreateExport(context.Background(), sandbox.DemoProjectID, "nope", api.ExportRequest{
		SnapshotID: sandbox.SeedSnapshotIDs("demo")[0], ExportBucketID: sandbox.DemoBucketID,
	})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.ErrorCode != "RESOURCE_NOT_FOUND" {
		t.Fatalf("enveloped 404: %v", err)
	}
}

func TestNoCredentials(t *testing.T) {
	if _, err := api.New(api.Options{Credentials: api.Credentials{PublicKey: "only-half"}}); !errors.Is(err, api.ErrNoCredentials) {
		t.Errorf("want ErrNoCredentials, got %v", err)
	}
	if _, err := api.New(api.Options{BaseURL: "cloud.mongodb.com", Credentials: api.Credentials{AccessToken: "t"}}); err == nil ||
		!strings.Contains(err.Error(), "must be an absolute http(s) URL") {
		t.Errorf("want a base URL error, got %v", err)
	}
}

func TestDebugTraceRedacts(t *testing.T) {
	var trace bytes.Buffer
	c, _ := newClient(t, serviceAccount, api.Options{Debug: &trace})
	if _, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	out := trace.String()
	for _, want := range []string{"> POST http://", "/api/oauth/token", "> Authorization: Basic REDACTED", `"access_token":"REDACTED"`, "> Authorization: Bearer REDACTED", "< HTTP/1.1 200 OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q", want)
		}
	}
	for _, secret := range []string{"mdb_sa_sk_sandbox", "sbx_"} {
		if strings.Contains(out, secret) {
			t.Errorf("trace shows a secret (%s)", secret)
		}
	}
}

func TestCACert(t *testing.T) {
	sb := sandbox.New()
	srv := httptest.NewTLSServer(spectest.Load(t).Middleware(t, sb))
	t.Cleanup(srv.Close)
	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := apiKeys(sb.Credentials())
	list := func(caFile string) error {
		c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: creds, CACertFile: caFile})
		if err != nil {
			return err
		}
		_, err = c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
		return err
	}
	if err := list(pemFile); err != nil {
		t.Errorf("with the CA: %v", err)
	}
	if err := list(""); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v, want a certificate error", err)
	}
	if err := list(filepath.Join(t.TempDir(), "missing.pem")); !errors.As(err, new(*api.CAFileError)) {
		t.Errorf("a missing CA file: %v", err)
	}
}

func TestCreateResentOnlyAfter429(t *testing.T) {
	var lines []string
	c, sb := newClient(t, apiKeys, api.Options{OnRetry: func(l string) { lines = append(lines, l) }}, sandbox.WithFaults(
		sandbox.Fault{Operation: "createBackupExport", Status: 429, Times: 1},
	))
	req := api.ExportRequest{SnapshotID: sandbox.SeedSnapshotIDs("demo")[0], ExportBucketID: sandbox.DemoBucketID}
	if _, _, err := c.CreateExport(context.Background(), sandbox.DemoProjectID, "demo", req); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ops(sb), " "); got != "createBackupExport:Unauthorized createBackupExport:Too Many Requests createBackupExport:OK" {
		t.Errorf("requests: %s", got)
	}
	if len(lines) != 1 || lines[0] != "retrying in 1ms: 429 Too Many Requests (attempt 2 of 5)" {
		t.Errorf("retry lines %q", lines)
	}

	_, _, err := c.CreateExport(context.Background(), sandbox.DemoProjectID, "nope", req)
	var unknown *api.OutcomeUnknownError
	if errors.As(err, &unknown) {
		t.Errorf("a 404 is Atlas's answer, not an unknown outcome: %v", err)
	}
}

func TestCreateOutcomeUnknown(t *testing.T) {
	c, sb := newClient(t, apiKeys, api.Options{}, sandbox.WithFaults(
		sandbox.Fault{Operation: "createBackupRestoreJob", Status: 502, Times: 1},
	))
	_, _, err := c.CreateRestore(context.Background(), sandbox.DemoProjectID, "demo", api.RestoreRequest{
		DeliveryType: api.DeliveryDownload, SnapshotID: sandbox.SeedSnapshotIDs("demo")[0],
	})
	var unknown *api.OutcomeUnknownError
	var apiErr *api.Error
	if !errors.As(err, &unknown) || !errors.As(err, &apiErr) || apiErr.Status != 502 {
		t.Fatalf("want an unknown outcome around the 502, got %v", err)
	}
	if !strings.Contains(err.Error(), "may or may not have started a job; it was not sent again") {
		t.Errorf("message: %v", err)
	}
	if got := strings.Join(ops(sb), " "); got != "createBackupRestoreJob:Unauthorized createBackupRestoreJob:Bad Gateway" {
		t.Errorf("requests: %s", got)
	}
}

func TestRetryWaitBounded(t *testing.T) {
	var lines []string
	c, sb := newClient(t, apiKeys, api.Options{
		MaxRetryWait: 300 * time.Millisecond,
		RetryWait:    func(int, *http.Response) time.Duration { return 200 * time.Millisecond },
		OnRetry:      func(l string) { lines = append(lines, l) },
	}, sandbox.WithFaults(sandbox.Fault{Operation: "listExportBuckets", Status: 503}))
	_, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 503 {
		t.Fatalf("want the 503, got %v", err)
	}
	// 200ms waited, then another 200ms would pass the 300ms bound.
	if got := strings.Join(ops(sb), " "); got != "listExportBuckets:Unauthorized listExportBuckets:Service Unavailable listExportBuckets:Service Unavailable" {
		t.Errorf("requests: %s", got)
	}
	if len(lines) != 2 || lines[0] != "retrying in 200ms: 503 Service Unavailable (attempt 2 of 5)" ||
		lines[1] != "not retrying: 503 Service Unavailable, and waiting 200ms more would pass the 300ms retry budget" {
		t.Errorf("retry lines %q", lines)
	}
}

func TestNeverRetried(t *testing.T) {
	c, sb := newClient(t, apiKeys, api.Options{MaxRetries: -1}, sandbox.WithFaults(
		sandbox.Fault{Operation: "listExportBuckets", Status: 503, Times: 1},
	))
	if _, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{}); err == nil {
		t.Fatal("MaxRetries 0 retried the 503")
	}
	if n := len(sb.Requests()); n != 2 { // the challenge, the 503
		t.Errorf("%d requests, want 2", n)
	}
}

func TestUnreachableHost(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	var lines []string
	c, err := api.New(api.Options{BaseURL: url, Credentials: api.Credentials{AccessToken: "t0ken"}, MaxRetries: 4,
		OnRetry: func(l string) { lines = append(lines, l) }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
	var unreachable *api.UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("want an UnreachableError, got %v", err)
	}
	host := strings.TrimPrefix(url, "http://")
	if want := "cannot reach " + host + ": connection refused; check the base URL (--base-url, MONGODB_ATLAS_BASE_URL, or base_url in the config)"; err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	if len(lines) != 0 {
		t.Errorf("a refused connection was retried: %q", lines)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere = append(elsewhere, r.Header.Get("Authorization"))
	}))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal?sig=abc", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: "t0ken"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "unexpected redirect 302") || strings.Contains(err.Error(), "sig=abc") {
		t.Errorf("want a redirect error without the signed query, got %v", err)
	}
	if len(elsewhere) != 0 {
		t.Errorf("the other host got %d requests (Authorization %q)", len(elsewhere), elsewhere)
	}
}

func TestBadAnswers(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"html error page", "text/html; charset=utf-8", "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>", 502,
			`502 Bad Gateway (text/html, not an answer from Atlas): "502 Bad Gateway nginx"`},
		{"invalid JSON", "application/json", `{"results": [`, 200,
			`unreadable answer to GET /api/atlas/v2/groups/65f0a1b2c3d4e5f601234567/backup/exportBuckets: 200 OK, application/json: invalid JSON: "{\"results\": ["`},
		{"empty 200", "application/json", "", 200,
			`unreadable answer to GET /api/atlas/v2/groups/65f0a1b2c3d4e5f601234567/backup/exportBuckets: 200 OK, application/json: empty body`},
		{"wrong content type", "text/plain", "hello", 200,
			`unreadable answer to GET /api/atlas/v2/groups/65f0a1b2c3d4e5f601234567/backup/exportBuckets: 200 OK, text/plain: not JSON: "hello"`},
		{"not a list", "application/json", `"results"`, 200,
			`unreadable answer to GET /api/atlas/v2/groups/65f0a1b2c3d4e5f601234567/backup/exportBuckets: 200 OK, application/json: not a list: json: cannot unmarshal string into Go value of type struct`},
		{"html 403 from a proxy", "text/html", "<p>Access denied</p>", 403,
			`403 Forbidden (text/html, not an answer from Atlas): "Access denied"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: "t0ken"}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}
