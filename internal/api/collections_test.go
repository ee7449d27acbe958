package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

const (
	collProject = sandbox.DemoProjectID
	collCluster = v2 + "/groups/" + collProject + "/clusters/demo"
	v2          = "/api/atlas/v2"
	collJobID   = "32b6e34b3d91647abb20e7b8"
	collSnap    = "6c5e8a2f9b1d4e3a7f0c1b2d"
	accept2025  = "application/vnd.atlas.2025-03-12+json"
	accept2023  = "application/vnd.atlas.2023-01-01+json"
)

// collSent is one request a collFake received.
type collSent struct {
	Method, Path, Query, Accept, ContentType, Body string
}

// collAnswer is a scripted answer: a status and a JSON body (a func of the
// request's query, for pages).
type collAnswer func(q url.Values) (status int, body string)

// collFake is an Atlas that answers "METHOD escaped-path" from its routes,
// checks every request and answer against the OpenAPI contract, records
// the requests, and fails the test, with the request dumped, on any other.
type collFake struct {
	t      *testing.T
	mu     sync.Mutex
	sent   []collSent
	routes map[string]collAnswer
}

func newCollFake(t *testing.T, routes map[string]collAnswer) (*api.Client, *collFake) {
	t.Helper()
	f := &collFake{t: t, routes: routes}
	v := spectest.Load(t)
	srv := httptest.NewServer(v.Middleware(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := v.ValidateRequest(r, body); err != nil {
			t.Errorf("request against the contract: %v", err)
		}
		key := r.Method + " " + r.URL.EscapedPath()
		f.mu.Lock()
		f.sent = append(f.sent, collSent{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Accept"), r.Header.Get("Content-Type"), string(body)})
		answer, ok := f.routes[key]
		f.mu.Unlock()
		if !ok {
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			dump, _ := httputil.DumpRequest(r, true)
			t.Errorf("unexpected request:\n%s", dump)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		status, out := answer(r.URL.Query())
		ct := accept2025
		switch {
		case status >= 400:
			ct = "application/json"
		case strings.HasSuffix(r.URL.Path, "/snapshots"):
			ct = accept2023
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		fmt.Fprint(w, out)
	})))
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: "t0ken"},
		MaxRetries: 2, RetryWait: func(int, *http.Response) time.Duration { return time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

func (f *collFake) requests() []collSent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]collSent(nil), f.sent...)
}

// lines are the requests as "METHOD path?query".
func (f *collFake) lines() []string {
	var out []string
	for _, s := range f.requests() {
		l := s.Method + " " + s.Path
		if s.Query != "" {
			l += "?" + s.Query
		}
		out = append(out, l)
	}
	return out
}

// fixed answers status with body, whatever the query.
func fixed(status int, body string) collAnswer {
	return func(url.Values) (int, string) { return status, body }
}

// paged answers items (JSON objects) in pages of size, with a totalCount
// and a next link while more follow.
func paged(size int, items ...string) collAnswer {
	return func(q url.Values) (int, string) {
		page, _ := strconv.Atoi(q.Get("pageNum"))
		page = max(page, 1)
		from, to := min((page-1)*size, len(items)), min(page*size, len(items))
		links := fmt.Sprintf(`{"rel":"self","href":"https://cloud.mongodb.com/x?pageNum=%d"}`, page)
		if to < len(items) {
			links += fmt.Sprintf(`,{"rel":"next","href":"https://cloud.mongodb.com/x?pageNum=%d"}`, page+1)
		}
		return http.StatusOK, fmt.Sprintf(`{"links":[%s],"results":[%s],"totalCount":%d}`, links, strings.Join(items[from:to], ","), len(items))
	}
}

func apiErrorBody(status int, code, detail string) string {
	return fmt.Sprintf(`{"error":%d,"errorCode":%q,"reason":%q,"detail":%q}`, status, code, http.StatusText(status), detail)
}

func named(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf(`{"name":%q}`, n)
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestCollectionRestoreRequestJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		req  api.CollectionRestoreRequest
		want string
	}{
		{"the required fields only", api.CollectionRestoreRequest{TargetClusterName: "demo", TargetGroupID: collProject,
			IndexStrategy: api.IndexStrategyAll, WriteStrategy: api.WriteStrategyCreateNew},
			`{"targetClusterName":"demo","targetGroupId":"` + collProject + `","indexStrategy":"ALL","writeStrategy":"CREATE_NEW"}`},
		{"every field", api.CollectionRestoreRequest{SnapshotID: collSnap, PointInTimeUTCSeconds: 1700000000, OplogTs: 1700000001, OplogInc: 2,
			TargetClusterName: "analytics", TargetGroupID: collProject,
			Databases:      []api.Namespace{{SourceNamespace: "crm"}},
			Collections:    []api.Namespace{{SourceNamespace: "sales.orders", TargetNamespace: "sales.orders_back"}},
			DatabaseSuffix: "_r", CollectionSuffix: "_c", IndexStrategy: api.IndexStrategyAllExceptTTL, WriteStrategy: api.WriteStrategyOverwriteExisting},
			`{"snapshotId":"` + collSnap + `","pointInTimeUtcSeconds":1700000000,"oplogTs":1700000001,"oplogInc":2,` +
				`"targetClusterName":"analytics","targetGroupId":"` + collProject + `",` +
				`"databases":[{"sourceNamespace":"crm"}],"collections":[{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders_back"}],` +
				`"databaseSuffix":"_r","collectionSuffix":"_c","indexStrategy":"ALL_EXCEPT_TTL","writeStrategy":"OVERWRITE_EXISTING"}`},
	} {
		got, err := json.Marshal(tt.req)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s:\n got %s, %v\nwant %s", tt.name, got, err, tt.want)
		}
	}
}

// twoCollections restores sales.orders and sales.customers from a snapshot.
var twoCollections = api.CollectionRestoreRequest{SnapshotID: collSnap, TargetClusterName: "demo", TargetGroupID: collProject,
	Collections:   []api.Namespace{{SourceNamespace: "sales.orders", TargetNamespace: "sales.orders_back"}, {SourceNamespace: "sales.customers"}},
	IndexStrategy: api.IndexStrategyAll, WriteStrategy: api.WriteStrategyCreateNew}

const twoCollectionsBody = `{"snapshotId":"` + collSnap + `","targetClusterName":"demo","targetGroupId":"` + collProject + `",` +
	`"collections":[{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders_back"},{"sourceNamespace":"sales.customers"}],` +
	`"indexStrategy":"ALL","writeStrategy":"CREATE_NEW"}`

// jobJSON is a collection restore job of twoCollections, as Atlas answers.
func jobJSON(id, state string, restored, total int64) string {
	return fmt.Sprintf(`{"collectionSuffix":"","collections":[{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders_back"},`+
		`{"sourceNamespace":"sales.customers","targetNamespace":"sales.customers"}],"createdAt":"2026-11-24T12:00:00Z","databaseSuffix":"",`+
		`"databases":[],"id":%q,"indexStatus":{"failedCollectionCount":0,"state":"IN_PROGRESS"},"indexStrategy":"ALL","restoredDocuments":%d,`+
		`"snapshotId":%q,"state":%q,"targetClusterName":"demo","targetGroupId":%q,"totalDocuments":%d,"writeStrategy":"CREATE_NEW"}`,
		id, restored, collSnap, state, collProject, total)
}

func TestCreateCollectionRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := collCluster + "/collectionRestoreJobs"

	t.Run("201 Created, sent once, not under /backup", func(t *testing.T) {
		t.Parallel()
		c, f := newCollFake(t, map[string]collAnswer{"POST " + path: fixed(http.StatusCreated, jobJSON(collJobID, "INITIALIZING", 0, 0))})
		job, raw, err := c.CreateCollectionRestore(ctx, collProject, "demo", twoCollections)
		if err != nil {
			t.Fatal(err)
		}
		if job.ID != collJobID || job.State != api.CollectionRestoreInitializing || job.SnapshotID != collSnap || job.Namespaces() != 2 ||
			job.Collections[1].Target() != "sales.customers" || job.CreatedAt == nil {
			t.Errorf("job %+v", job)
		}
		if !strings.Contains(string(raw), `"id":"`+collJobID+`"`) {
			t.Errorf("raw %s", raw)
		}
		want := []collSent{{http.MethodPost, path, "", accept2025, accept2025, twoCollectionsBody}}
		if got := f.requests(); !reflect.DeepEqual(got, want) {
			t.Errorf("requests\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("a 500 is not resent: the outcome is unknown", func(t *testing.T) {
		t.Parallel()
		c, f := newCollFake(t, map[string]collAnswer{"POST " + path: fixed(http.StatusInternalServerError, apiErrorBody(500, "UNEXPECTED_ERROR", "boom"))})
		job, _, err := c.CreateCollectionRestore(ctx, collProject, "demo", twoCollections)
		var unknown *api.OutcomeUnknownError
		if !errors.As(err, &unknown) || job != nil {
			t.Fatalf("CreateCollectionRestore: %v, %v; want an *api.OutcomeUnknownError", job, err)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
	})

	t.Run("a 400 is Atlas's refusal", func(t *testing.T) {
		t.Parallel()
		c, _ := newCollFake(t, map[string]collAnswer{"POST " + path: fixed(http.StatusBadRequest, apiErrorBody(400, "VALIDATION_ERROR", "writeStrategy: bad"))})
		_, _, err := c.CreateCollectionRestore(ctx, collProject, "demo", twoCollections)
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || errors.As(err, new(*api.OutcomeUnknownError)) {
			t.Errorf("CreateCollectionRestore: %v; want the 400 as it is", err)
		}
	})

	t.Run("an answer without an id", func(t *testing.T) {
		t.Parallel()
		c, _ := newCollFake(t, map[string]collAnswer{"POST " + path: fixed(http.StatusCreated, `{"state":"INITIALIZING"}`)})
		_, _, err := c.CreateCollectionRestore(ctx, collProject, "demo", twoCollections)
		var bad *api.BadAnswerError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), "the object has no id") {
			t.Errorf("CreateCollectionRestore: %v; want a *api.BadAnswerError", err)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		t.Parallel()
		c, f := newCollFake(t, nil)
		dr, err := c.DryRun(ctx, api.CreateCollectionRestoreCall(collProject, "demo", twoCollections))
		if err != nil {
			t.Fatal(err)
		}
		if dr.Method != http.MethodPost || !strings.HasSuffix(dr.URL, path) || string(dr.Body) != twoCollectionsBody ||
			dr.Header.Get("Accept") != accept2025 || dr.Header.Get("Content-Type") != accept2025 {
			t.Errorf("dry run %+v, body %s", dr, dr.Body)
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}

func TestGetAndListCollectionRestores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := collCluster + "/collectionRestoreJobs"
	other := "32b6e34b3d91647abb20e7b9"
	c, f := newCollFake(t, map[string]collAnswer{
		"GET " + path + "/" + collJobID: fixed(http.StatusOK, jobJSON(collJobID, "IN_PROGRESS", 15500, 20000)),
		"GET " + path:                   paged(1, jobJSON(collJobID, "IN_PROGRESS", 1, 2), jobJSON(other, "SUCCESSFUL", 2, 2)),
	})
	job, raw, err := c.GetCollectionRestore(ctx, collProject, "demo", collJobID)
	if err != nil {
		t.Fatal(err)
	}
	if job.Progress() != "IN_PROGRESS (15500/20000 documents)" || job.IndexStatus == nil || job.IndexStatus.State != api.IndexBuildInProgress || len(raw) == 0 {
		t.Errorf("job %+v", job)
	}
	list, err := c.ListCollectionRestores(ctx, collProject, "demo", api.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 || list.Items[1].ID != other || !strings.Contains(string(list.RawAt(1)), other) {
		t.Errorf("list %+v", list.Items)
	}
	sameLines(t, "requests", f.lines(), []string{
		"GET " + path + "/" + collJobID,
		"GET " + path + "?itemsPerPage=500&pageNum=1",
		"GET " + path + "?itemsPerPage=500&pageNum=2",
	})
	for _, s := range f.requests() {
		if s.Accept != accept2025 || s.ContentType != "" || s.Body != "" {
			t.Errorf("request %+v: want Accept %s and no body", s, accept2025)
		}
	}
}

func TestListCollectionRestoreStates(t *testing.T) {
	t.Parallel()
	path := collCluster + "/collectionRestoreJobs/" + collJobID + "/collections"
	c, f := newCollFake(t, map[string]collAnswer{"GET " + path: paged(2,
		`{"effectiveTargetNamespace":"sales.orders_back","indexStatus":{"state":"SUCCESSFUL"},"restoredDocuments":12000,"sourceNamespace":"sales.orders","state":"SUCCESSFUL","targetNamespace":"sales.orders_back","totalDocuments":12000}`,
		`{"effectiveTargetNamespace":"sales.customers_1","indexStatus":{"state":"FAILED","errorMessage":"E11000\nduplicate key","failedIndexes":[{"name":"email_1","unique":true}]},"restoredDocuments":8000,"sourceNamespace":"sales.customers","state":"INDEX_BUILD_FAILED","targetNamespace":"sales.customers","totalDocuments":8000}`,
		`{"sourceNamespace":"sales.gone","state":"NOT_FOUND","targetNamespace":"sales.gone"}`,
	)})
	list, err := c.ListCollectionRestoreStates(context.Background(), collProject, "demo", collJobID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 {
		t.Fatalf("%d states, want 3", len(list.Items))
	}
	for i, want := range []struct {
		target, why string
		ok          bool
	}{
		{"sales.orders_back", "SUCCESSFUL", true},
		{"sales.customers_1", "INDEX_BUILD_FAILED: E11000 duplicate key", false},
		{"sales.gone", "NOT_FOUND", false},
	} {
		s := list.Items[i]
		if s.Target() != want.target || s.Why() != want.why || s.OK() != want.ok {
			t.Errorf("state %d: target %q, why %q, ok %v; want %+v", i, s.Target(), s.Why(), s.OK(), want)
		}
	}
	if fi := list.Items[1].IndexStatus.FailedIndexes; len(fi) != 1 || fi[0]["name"] != "email_1" {
		t.Errorf("failed indexes %v", fi)
	}
	sameLines(t, "requests", f.lines(), []string{
		"GET " + path + "?itemsPerPage=500&pageNum=1",
		"GET " + path + "?itemsPerPage=500&pageNum=2",
	})
}

func TestListSnapshotNamespaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbs := collCluster + "/backup/snapshots/" + collSnap + "/databases"
	// Database names may hold what a path escapes (%, non-ASCII).
	colls := dbs + "/a%25b%C3%BC/collections"
	c, f := newCollFake(t, map[string]collAnswer{
		"GET " + dbs:   paged(2, named("admin", "a%bü", "sales")...),
		"GET " + colls: paged(100, named("orders", "customers")...),
	})
	d, err := c.ListSnapshotDatabases(ctx, collProject, "demo", collSnap, api.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Items) != 3 || d.Items[1].Name != "a%bü" {
		t.Errorf("databases %+v", d.Items)
	}
	cl, err := c.ListSnapshotCollections(ctx, collProject, "demo", collSnap, "a%bü", api.ListOptions{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Items) != 2 || cl.Items[0].Name != "orders" || string(cl.Raw) != `[{"name":"orders"},{"name":"customers"}]` {
		t.Errorf("collections %+v, raw %s", cl.Items, cl.Raw)
	}
	sameLines(t, "requests", f.lines(), []string{
		"GET " + dbs + "?itemsPerPage=500&pageNum=1",
		"GET " + dbs + "?itemsPerPage=500&pageNum=2",
		"GET " + colls + "?itemsPerPage=5",
	})
	for _, s := range f.requests() {
		if s.Accept != accept2025 {
			t.Errorf("%s %s: Accept %s, want %s", s.Method, s.Path, s.Accept, accept2025)
		}
	}
}

// snapshotJSON is a replica set snapshot of the demo cluster.
func snapshotJSON(id, status string, created time.Time) string {
	return fmt.Sprintf(`{"id":%q,"status":%q,"snapshotType":"scheduled","frequencyType":"hourly","type":"replicaSet","createdAt":%q}`,
		id, status, created.Format(time.RFC3339))
}

func TestSnapshotBefore(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	snaps := []string{
		snapshotJSON("000000000000000000000001", "completed", at.Add(time.Hour)),       // after
		snapshotJSON("000000000000000000000002", "inProgress", at.Add(-time.Minute)),   // not completed
		snapshotJSON("000000000000000000000003", "completed", at.Add(-2*time.Hour)),    // older
		snapshotJSON("000000000000000000000004", "completed", at),                      // at that very second
		snapshotJSON("000000000000000000000005", "completed", at.Add(-30*time.Minute)), // older than 4
	}
	path := collCluster + "/backup/snapshots"
	c, f := newCollFake(t, map[string]collAnswer{"GET " + path: paged(2, snaps...)})
	s, err := c.SnapshotBefore(context.Background(), collProject, "demo", at)
	if err != nil || s == nil || s.ID != "000000000000000000000004" {
		t.Fatalf("SnapshotBefore: %+v, %v; want snapshot 4", s, err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want every page (3)", n)
	}
	s, err = c.SnapshotBefore(context.Background(), collProject, "demo", at.Add(-3*time.Hour))
	if err != nil || s != nil {
		t.Errorf("before every snapshot: %+v, %v; want none", s, err)
	}

	c, _ = newCollFake(t, map[string]collAnswer{"GET " + path: fixed(http.StatusForbidden, apiErrorBody(403, "FORBIDDEN", "no"))})
	if _, err := c.SnapshotBefore(context.Background(), collProject, "demo", at); err == nil {
		t.Error("a 403: want an error")
	}
}

func TestFindRunningCollectionRestore(t *testing.T) {
	t.Parallel()
	path := collCluster + "/collectionRestoreJobs"
	running := jobJSON(collJobID, "IN_PROGRESS", 1, 2)
	for _, tt := range []struct {
		name  string
		jobs  []string
		req   func(r *api.CollectionRestoreRequest)
		found string
	}{
		{"the same restore, namespaces in another order", []string{running}, func(r *api.CollectionRestoreRequest) {
			r.Collections = []api.Namespace{{SourceNamespace: "sales.customers", TargetNamespace: "sales.customers"}, r.Collections[0]}
		}, collJobID},
		{"ended", []string{jobJSON(collJobID, "SUCCESSFUL", 2, 2), jobJSON(collJobID, "CANCELED", 2, 2)}, nil, ""},
		{"another write strategy", []string{running}, func(r *api.CollectionRestoreRequest) { r.WriteStrategy = api.WriteStrategyOverwriteExisting }, ""},
		{"another index strategy", []string{running}, func(r *api.CollectionRestoreRequest) { r.IndexStrategy = api.IndexStrategyNone }, ""},
		{"another target", []string{running}, func(r *api.CollectionRestoreRequest) { r.TargetClusterName = "analytics" }, ""},
		{"another suffix", []string{running}, func(r *api.CollectionRestoreRequest) { r.CollectionSuffix = "_x" }, ""},
		{"another source", []string{running}, func(r *api.CollectionRestoreRequest) { r.SnapshotID, r.PointInTimeUTCSeconds = "", 1700000000 }, ""},
		{"fewer namespaces", []string{running}, func(r *api.CollectionRestoreRequest) { r.Collections = r.Collections[:1] }, ""},
		{"a database besides", []string{running}, func(r *api.CollectionRestoreRequest) { r.Databases = []api.Namespace{{SourceNamespace: "crm"}} }, ""},
		{"no jobs", nil, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, f := newCollFake(t, map[string]collAnswer{"GET " + path: paged(100, tt.jobs...)})
			req := twoCollections
			req.Collections = append([]api.Namespace(nil), req.Collections...)
			if tt.req != nil {
				tt.req(&req)
			}
			job, raw, err := c.FindRunningCollectionRestore(context.Background(), collProject, "demo", req)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.found == "" && job != nil:
				t.Errorf("found %s, want none", job.ID)
			case tt.found != "" && (job == nil || job.ID != tt.found || !strings.Contains(string(raw), tt.found)):
				t.Errorf("found %+v, want %s", job, tt.found)
			}
			sameLines(t, "requests", f.lines(), []string{"GET " + path + "?itemsPerPage=500&pageNum=1"})
		})
	}

	c, _ := newCollFake(t, map[string]collAnswer{"GET " + path: fixed(http.StatusForbidden, apiErrorBody(403, "FORBIDDEN", "no"))})
	if _, _, err := c.FindRunningCollectionRestore(context.Background(), collProject, "demo", twoCollections); err == nil {
		t.Error("a 403: want an error")
	}
}

func TestCollectionRestoreEnded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		state     string
		restored  int64
		total     int64
		ended, ok bool
		progress  string
	}{
		{"INITIALIZING", 0, 0, false, false, "INITIALIZING"},
		{"IN_PROGRESS", 500, 2000, false, false, "IN_PROGRESS (500/2000 documents)"},
		{"FINALIZING", 2000, 2000, false, false, "FINALIZING (2000/2000 documents)"},
		{"SUCCESSFUL", 2000, 2000, true, true, "SUCCESSFUL (2000/2000 documents)"},
		{"successful", 0, 0, true, true, "successful"},
		{"FAILED", 10, 2000, true, false, "FAILED (10/2000 documents)"},
		{"CANCELED", 0, 0, true, false, "CANCELED"},
	} {
		j := api.CollectionRestoreJob{State: tt.state, RestoredDocuments: tt.restored, TotalDocuments: tt.total}
		ended, ok := j.Ended()
		if ended != tt.ended || ok != tt.ok || j.Progress() != tt.progress || j.CheckState() != nil {
			t.Errorf("%s: Ended() = %v, %v; Progress %q; CheckState %v", tt.state, ended, ok, j.Progress(), j.CheckState())
		}
	}
	for _, state := range []string{"CANCELLED", "PAUSED", ""} {
		j := api.CollectionRestoreJob{State: state}
		var unknown *api.UnknownJobStateError
		if ended, _ := j.Ended(); ended || !errors.As(j.CheckState(), &unknown) || unknown.State != state {
			t.Errorf("%q: ended %v, CheckState %v", state, ended, j.CheckState())
		}
	}
	want := `unknown collection restore job state "PAUSED" (known: INITIALIZING, IN_PROGRESS, FINALIZING, SUCCESSFUL, FAILED, CANCELED)`
	if err := (&api.CollectionRestoreJob{State: "PAUSED"}).CheckState(); err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	j := api.CollectionRestoreJob{State: "FAILED", ErrorMessage: "snapshot\nexpired"}
	if j.Reason() != "snapshot expired" {
		t.Errorf("reason %q", j.Reason())
	}
}

func TestCollectionStateOK(t *testing.T) {
	t.Parallel()
	for state, ok := range map[string]bool{
		"NOT_STARTED": true, "IN_PROGRESS": true, "FINALIZING": true, "SUCCESSFUL": true,
		"NOT_FOUND": false, "UNSUPPORTED": false, "ROLLBACK": false, "NOT_RESTORED": false, "FAILED": false,
		"INDEX_BUILD_FAILED": false, "index_build_failed": false,
	} {
		s := api.CollectionState{State: state}
		if s.OK() != ok {
			t.Errorf("%s: OK %v, want %v", state, s.OK(), ok)
		}
	}
	for _, tt := range []struct {
		s    api.CollectionState
		want string
	}{
		{api.CollectionState{SourceNamespace: "a.b"}, "a.b"},
		{api.CollectionState{SourceNamespace: "a.b", TargetNamespace: "a.c"}, "a.c"},
		{api.CollectionState{SourceNamespace: "a.b", TargetNamespace: "a.c", EffectiveTargetNamespace: "a.c_1"}, "a.c_1"},
	} {
		if got := tt.s.Target(); got != tt.want {
			t.Errorf("%+v: Target %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestCollectionRestoreTarget(t *testing.T) {
	t.Parallel()
	j := api.CollectionRestoreJob{CollectionRestoreRequest: api.CollectionRestoreRequest{TargetClusterName: "demo", TargetGroupID: collProject}}
	if got := j.Target(collProject); got != "demo" {
		t.Errorf("same project: %q", got)
	}
	if got := j.Target("65f0b0c0d0e0f00000000001"); got != collProject+"/demo" {
		t.Errorf("another project: %q", got)
	}
	if got := (api.Namespace{SourceNamespace: "sales"}).Target(); got != "sales" {
		t.Errorf("namespace target %q", got)
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	known := []string{"sales.orders", "sales.customers", "Sales.Orders", "crm.leads", "sales.order"}
	sameLines(t, "closest", api.Closest("sales.ordrs", known), []string{"sales.orders", "Sales.Orders", "sales.order"})
	if got := api.Closest("inventory.items", known); got != nil {
		t.Errorf("nothing close: %q", got)
	}
}
