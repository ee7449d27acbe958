package spectest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

const (
	group   = "5f1d0a1b2c3d4e5f6a7b8c9d"
	hexID   = "32b6e34b3d91647abb20e7b8"
	v2023   = "application/vnd.atlas.2023-01-01+json"
	v2024   = "application/vnd.atlas.2024-05-30+json"
	appJSON = "application/json"

	cluster  = "/api/atlas/v2/groups/" + group + "/clusters/Cluster0/backup"
	exports  = cluster + "/exports"
	export   = exports + "/" + hexID
	restore  = cluster + "/restoreJobs/" + hexID
	snapshot = cluster + "/snapshots/" + hexID
	buckets  = "/api/atlas/v2/groups/" + group + "/backup/exportBuckets"
	bucket   = buckets + "/" + hexID

	job       = `{"id":"` + hexID + `","exportBucketId":"` + hexID + `","state":"Queued","createdAt":"2026-01-02T03:04:05Z"}`
	awsBucket = `{"_id":"` + hexID + `","bucketName":"export-bucket","cloudProvider":"AWS","iamRoleId":"` + hexID + `","region":"us-east-1","requirePrivateNetworking":false}`
)

// apiError returns an ApiError body for status.
func apiError(status int) string {
	return fmt.Sprintf(`{"error":%d,"errorCode":"SOME_CODE","reason":%q,"detail":null,"parameters":[]}`, status, http.StatusText(status))
}

func TestValidateResponse(t *testing.T) {
	v := spectest.Require(t)
	tests := []struct {
		name    string
		method  string
		target  string
		status  int
		ct      string
		body    string
		wantErr string // "" means valid; otherwise a substring of the error
	}{
		{"list ok", "GET", exports, 200, v2023, `{"results":[` + job + `],"totalCount":1,"links":[]}`, ""},
		{"list ok with charset", "GET", exports, 200, v2023 + "; charset=utf-8", `{"results":[]}`, ""},
		{"list without results", "GET", exports, 200, v2023, `{"totalCount":1,"links":[]}`, `"results"`},
		{"list bad enum", "GET", exports, 200, v2023, `{"results":[` + strings.Replace(job, "Queued", "Bogus", 1) + `]}`, "allowed values"},
		{"list bad type", "GET", exports, 200, v2023, `{"results":[],"totalCount":"1"}`, "totalCount"},
		{"list bad date-time", "GET", exports, 200, v2023, `{"results":[` + strings.Replace(job, "2026-01-02T03:04:05Z", "yesterday", 1) + `]}`, "createdAt"},
		{"list undeclared content type", "GET", exports, 200, v2024, `{"results":[]}`, "Content-Type"},
		{"list missing content type", "GET", exports, 200, "", `{"results":[]}`, "Content-Type"},
		{"undeclared success status", "POST", exports, 201, v2023, job, "status 201 not declared for createGroupClusterBackupExport"},
		{"declared 404", "GET", export, 404, appJSON, apiError(404), ""},
		{"declared 404 not ApiError", "GET", export, 404, appJSON, `{"message":"x"}`, "getGroupClusterBackupExport: 404"},
		{"declared 404 wrong error field", "GET", export, 404, appJSON, apiError(500), "ApiError.error is 500, want 404"},
		{"declared 404 versioned content type", "GET", export, 404, v2023, apiError(404), "Content-Type"},
		{"undeclared 406", "GET", export, 406, appJSON, apiError(406), ""},
		{"undeclared 406 wrong error field", "GET", export, 406, appJSON, apiError(400), "want 406"},
		{"undeclared 400 on GET", "GET", export, 400, appJSON, apiError(400), ""},
		{"undeclared 503 not JSON", "GET", export, 503, "text/plain", "unavailable", "application/json"},
		{"get job ok", "GET", export, 200, v2023, job, ""},
		{"get job bad id path", "GET", export, 200, v2023, strings.Replace(job, `"id":"`+hexID, `"id":"xyz`, 1), "/id"},
		{"create job ok", "POST", exports, 200, v2023, job, ""},
		{"create job 409", "POST", exports, 409, appJSON, apiError(409), ""},
		{"cancel restore 204", "DELETE", restore, 204, "", "", ""},
		{"cancel restore 204 with body", "DELETE", restore, 204, v2023, "{}", "body must be empty"},
		{"cancel restore 405", "DELETE", restore, 405, appJSON, apiError(405), ""},
		{"restore job ok", "GET", restore, 200, v2023, `{"id":"` + hexID + `","deliveryType":"download","deliveryUrl":["https://x"],"cancelled":false,"failed":false,"expired":false}`, ""},
		{"restore job without deliveryType", "GET", restore, 200, v2023, `{"id":"` + hexID + `"}`, "deliveryType"},
		{"snapshot ok", "GET", snapshot, 200, v2023, `{"id":"` + hexID + `","status":"completed","type":"replicaSet","masterKeyUUID":"4297fc77-1592-4de8-a6d5-a8c32401df87"}`, ""},
		{"snapshot bad uuid", "GET", snapshot, 200, v2023, `{"id":"` + hexID + `","masterKeyUUID":"nope"}`, "masterKeyUUID"},
		{"bucket 2024 AWS ok", "GET", bucket, 200, v2024, awsBucket, ""},
		{"bucket 2023 AWS ok", "GET", bucket, 200, v2023, awsBucket, ""},
		{"bucket without _id", "GET", bucket, 200, v2024, strings.Replace(awsBucket, `"_id"`, `"id"`, 1), `"_id"`},
		{"bucket 2024 GCP ok", "GET", bucket, 200, v2024, `{"_id":"` + hexID + `","bucketName":"b-gcp","cloudProvider":"GCP","roleId":"` + hexID + `"}`, ""},
		{"bucket 2024 Azure ok", "GET", bucket, 200, v2024, `{"_id":"` + hexID + `","bucketName":"container","cloudProvider":"AZURE","roleId":"` + hexID + `","serviceUrl":"https://acct.blob.core.windows.net/container","tenantId":"4297fc77-1592-4de8-a6d5-a8c32401df87"}`, ""},
		{"bucket 2024 Azure without tenantId", "GET", bucket, 200, v2024, `{"_id":"` + hexID + `","bucketName":"container","cloudProvider":"AZURE","roleId":"` + hexID + `","serviceUrl":"https://acct.blob.core.windows.net/container"}`, "tenantId"},
		{"bucket 2024 AWS without iamRoleId", "GET", bucket, 200, v2024, strings.Replace(awsBucket, "iamRoleId", "roleId", 1), "iamRoleId"},
		{"bucket list 2024 ok", "GET", buckets, 200, v2024, `{"results":[` + awsBucket + `],"totalCount":1}`, ""},
		{"bucket list 2024 GCP without roleId", "GET", buckets, 200, v2024, `{"results":[{"_id":"` + hexID + `","bucketName":"b-gcp","cloudProvider":"GCP"}]}`, "/results/0"},
		{"bucket list 2023 without iamRoleId", "GET", buckets, 200, v2023, `{"results":[` + strings.Replace(awsBucket, "iamRoleId", "roleId", 1) + `]}`, "iamRoleId"},
		{"bucket list 2023 bad cloudProvider", "GET", buckets, 200, v2023, `{"results":[` + strings.Replace(awsBucket, `"AWS"`, `"aws"`, 1) + `]}`, "cloudProvider"},
		{"envelope ok", "GET", export + "?envelope=true", 200, v2023, `{"status":200,"content":` + job + `}`, ""},
		{"envelope content invalid", "GET", export + "?envelope=true", 200, v2023, `{"status":200,"content":{"id":"` + hexID + `","state":"Queued"}}`, "exportBucketId"},
		{"envelope outer status not 200", "GET", export + "?envelope=true", 404, appJSON, `{"status":404,"content":` + apiError(404) + `}`, "want 200"},
		{"envelope without status", "GET", export + "?envelope=true", 200, v2023, `{"content":` + job + `}`, `"status"`},
		{"envelope error ok", "GET", export + "?envelope=true", 200, appJSON, `{"status":404,"content":` + apiError(404) + `}`, ""},
		{"envelope error mismatch", "GET", export + "?envelope=true", 200, appJSON, `{"status":404,"content":` + apiError(409) + `}`, "want 404"},
		{"envelope list ok", "GET", exports + "?envelope=true", 200, v2023, `{"status":200,"results":[` + job + `],"totalCount":1}`, ""},
		{"envelope list without results", "GET", exports + "?envelope=true", 200, v2023, `{"status":200,"totalCount":1}`, `"results"`},
		{"envelope 204", "DELETE", restore + "?envelope=true", 200, v2023, `{"status":204}`, ""},
		{"unknown path ApiError", "POST", "/api/oauth/token", 401, appJSON, apiError(401), ""},
		{"unknown path bad error body", "POST", "/api/oauth/token", 401, appJSON, `{"error":"invalid_client"}`, "ApiError"},
		{"unknown path success", "POST", "/api/oauth/token", 200, appJSON, `{"access_token":"x"}`, ""},
		{"unknown path plain 404", "GET", "/nope", 404, "text/plain; charset=utf-8", "404 page not found\n", ""},
		{"unknown path JSON 404", "GET", "/api/atlas/v2/nope", 404, appJSON, apiError(404), ""},
		{"unknown method ApiError", "PUT", export, 405, appJSON, apiError(405), ""},
		{"unknown method bad body", "PUT", export, 405, appJSON, `{"message":"x"}`, "ApiError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:8080"+tc.target, nil)
			h := http.Header{}
			if tc.ct != "" {
				h.Set("Content-Type", tc.ct)
			}
			err := v.ValidateResponse(req, tc.status, h, []byte(tc.body))
			checkErr(t, err, tc.wantErr)
		})
	}
}

func TestValidateRequest(t *testing.T) {
	v := spectest.Require(t)
	const body = `{"snapshotId":"` + hexID + `","exportBucketId":"` + hexID + `"}`
	tests := []struct {
		name    string
		method  string
		target  string
		ct      string
		body    string
		wantErr string
	}{
		{"create export ok", "POST", exports, v2023, body, ""},
		{"create export with customData", "POST", exports + "?envelope=false", v2023, `{"snapshotId":"` + hexID + `","exportBucketId":"` + hexID + `","customData":[{"key":"k","value":"v"}]}`, ""},
		{"create export missing snapshotId", "POST", exports, v2023, `{"exportBucketId":"` + hexID + `"}`, "snapshotId"},
		{"create export bad groupId", "POST", strings.Replace(exports, group, "xyz", 1), v2023, body, "groupId"},
		{"create export bad clusterName", "POST", strings.Replace(exports, "Cluster0", "-bad", 1), v2023, body, "clusterName"},
		{"create export wrong content type", "POST", exports, appJSON, body, "Content-Type"},
		{"create export no body", "POST", exports, v2023, "", "required"},
		{"create restore ok", "POST", cluster + "/restoreJobs", v2023, `{"deliveryType":"download","snapshotId":"` + hexID + `"}`, ""},
		{"create restore bad deliveryType", "POST", cluster + "/restoreJobs", v2023, `{"deliveryType":"later"}`, "deliveryType"},
		{"create restore readOnly field", "POST", cluster + "/restoreJobs", v2023, `{"deliveryType":"download","id":"` + hexID + `"}`, "readOnly"},
		{"list ok", "GET", exports + "?pageNum=2&itemsPerPage=50&includeCount=false", "", "", ""},
		{"list itemsPerPage too big", "GET", exports + "?itemsPerPage=1000", "", "", "itemsPerPage"},
		{"list bad boolean", "GET", exports + "?envelope=maybe", "", "", "envelope"},
		{"snapshots by time", "GET", cluster + "/snapshots?pointInTimeUtcSeconds=1767323045", "", "", ""},
		{"cancel restore", "DELETE", restore, "", "", ""},
		{"bad restore id", "DELETE", cluster + "/restoreJobs/123", "", "", "restoreJobId"},
		{"unknown path", "POST", "/api/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", "no operation for POST /api/oauth/token"},
		{"unknown method", "PATCH", export, v2023, "{}", "no operation for PATCH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:8080"+tc.target, strings.NewReader(tc.body))
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			query := req.URL.RawQuery
			checkErr(t, v.ValidateRequest(req, []byte(tc.body)), tc.wantErr)
			if req.URL.RawQuery != query {
				t.Errorf("ValidateRequest changed the query to %q", req.URL.RawQuery)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Errorf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("error %q does not contain %q", err, want)
	case err != nil:
		t.Logf("error (as expected): %v", err)
	}
}

func TestMiddleware(t *testing.T) {
	v := spectest.Require(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+exports, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", v2023)
		if r.URL.Query().Get("bad") != "" {
			io.WriteString(w, `{"totalCount":0}`)
			return
		}
		w.(http.Flusher).Flush()
		io.WriteString(w, `{"results":[`+job+`],"totalCount":1}`)
	})
	mux.HandleFunc("POST "+exports, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(b), "snapshotId") {
			http.Error(w, "body lost", http.StatusInternalServerError) // not JSON: a violation
			return
		}
		w.Header().Set("Content-Type", v2023)
		io.WriteString(w, job)
	})
	mux.HandleFunc("GET "+export, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	})
	mux.HandleFunc("DELETE "+restore, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+snapshot, func(w http.ResponseWriter, r *http.Request) {
		// Broken on purpose: an undeclared status that is not an ApiError.
		if r.URL.Query().Get("unmarked") == "" {
			w.Header().Set(spectest.FaultHeader, "getClusterBackupSnapshot:html")
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>502 Bad Gateway</body></html>\n")
	})
	rec := &recordingTB{TB: t}
	srv := httptest.NewServer(v.Middleware(rec, mux))
	defer srv.Close()

	do := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", v2023)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			do("GET", exports, "")
			do("POST", exports, `{"snapshotId":"`+hexID+`","exportBucketId":"`+hexID+`"}`)
			do("DELETE", restore, "")
			do("GET", export, "")   // hijacked: not validated
			do("GET", snapshot, "") // marked with FaultHeader: not validated
		})
	}
	wg.Wait()
	if got := rec.messages(); len(got) != 0 {
		t.Fatalf("valid exchanges reported: %q", got)
	}

	if status := do("GET", exports+"?bad=1", ""); status != 200 {
		t.Fatalf("status %d, want the handler's 200 passed through", status)
	}
	do("GET", cluster+"/unknown", "") // mux's plain-text 404: not an API path
	got := rec.messages()
	if len(got) != 1 || !strings.Contains(got[0], "GET "+exports+"?bad=1") || !strings.Contains(got[0], `"results"`) {
		t.Fatalf("reported %q, want one violation naming the request and the missing results", got)
	}
	t.Logf("reported: %s", got[0])

	// The same broken answer without the mark is a violation.
	do("GET", snapshot+"?unmarked=1", "")
	if got := rec.messages(); len(got) != 2 || !strings.Contains(got[1], "GET "+snapshot+"?unmarked=1") || !strings.Contains(got[1], "application/json") {
		t.Fatalf("reported %q, want a second violation for the unmarked HTML answer", got)
	}
}

func TestNilValidator(t *testing.T) {
	var v *spectest.Validator
	req := httptest.NewRequest("GET", exports, nil)
	if err := v.ValidateResponse(req, 200, nil, []byte("junk")); err != nil {
		t.Error(err)
	}
	if err := v.ValidateRequest(req, nil); err != nil {
		t.Error(err)
	}
	h := &struct{ http.Handler }{http.NotFoundHandler()}
	if got := v.Middleware(t, h); got != http.Handler(h) {
		t.Error("Middleware of a nil Validator must return next")
	}
}

func TestSpecPath(t *testing.T) {
	root, err := filepath.Abs("../..") // tests run in internal/spectest
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(spectest.EnvVar, "/abs/spec.yaml")
	if path, required := spectest.SpecPath(); path != "/abs/spec.yaml" || !required {
		t.Errorf("absolute: got %q, %v", path, required)
	}
	t.Setenv(spectest.EnvVar, "specs/spec.yaml")
	if path, required := spectest.SpecPath(); path != filepath.Join(root, "specs/spec.yaml") || !required {
		t.Errorf("relative: got %q, %v", path, required)
	}
	t.Setenv(spectest.EnvVar, "")
	want := filepath.Join(root, "../shared/atlas-api/atlas-backup-openapi.yaml")
	if path, required := spectest.SpecPath(); path != want || required {
		t.Errorf("default: got %q, %v; want %q, false", path, required, want)
	}
}

func TestLoadMissing(t *testing.T) {
	t.Run("required", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing.yaml")
		t.Setenv(spectest.EnvVar, missing)
		for name, load := range map[string]func(testing.TB) *spectest.Validator{"Load": spectest.Load, "Require": spectest.Require} {
			rec := &recordingTB{TB: t}
			if load(rec) != nil {
				t.Errorf("%s returned a Validator", name)
			}
			if len(rec.fatals) != 1 || !strings.Contains(rec.fatals[0], missing) || !strings.Contains(rec.fatals[0], spectest.EnvVar) {
				t.Errorf("%s: fatals %q, want one naming %s and %s", name, rec.fatals, missing, spectest.EnvVar)
			}
		}
	})
	t.Run("optional", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		t.Setenv(spectest.EnvVar, "")
		rec := &recordingTB{TB: t}
		if spectest.Load(rec) != nil || len(rec.fatals) != 0 || len(rec.logs) != 1 || !strings.Contains(rec.logs[0], "OpenAPI contract checks skipped") {
			t.Errorf("Load: fatals %q, logs %q", rec.fatals, rec.logs)
		}
		rec = &recordingTB{TB: t}
		if spectest.Require(rec) != nil || len(rec.fatals) != 0 || len(rec.skips) != 1 || !strings.Contains(rec.skips[0], "set "+spectest.EnvVar) {
			t.Errorf("Require: fatals %q, skips %q", rec.fatals, rec.skips)
		}
	})
	t.Run("invalid document", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(bad, []byte("openapi: 3.0.1\ninfo: {}\npaths: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv(spectest.EnvVar, bad)
		rec := &recordingTB{TB: t}
		if spectest.Load(rec) != nil || len(rec.fatals) != 1 {
			t.Errorf("fatals %q, want one", rec.fatals)
		}
	})
}

// recordingTB records failures, skips and logs instead of acting on them.
// Fatalf and Skipf return normally; the code under test returns right after.
type recordingTB struct {
	testing.TB
	mu                        sync.Mutex
	errs, fatals, skips, logs []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) add(to *[]string, format string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*to = append(*to, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Errorf(format string, args ...any) { r.add(&r.errs, format, args) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.add(&r.fatals, format, args) }
func (r *recordingTB) Skipf(format string, args ...any)  { r.add(&r.skips, format, args) }
func (r *recordingTB) Logf(format string, args ...any)   { r.add(&r.logs, format, args) }

func (r *recordingTB) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}
