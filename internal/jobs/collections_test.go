package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// The demo cluster of collAtlas: two completed snapshots (one an hour
// before t0, one 25 hours before) and one in progress, each holding the
// same namespaces.
const (
	collJob   = "7ab0c0d0e0f0a0b0c0d0e0f1"
	snapNew   = "6c5e8a2f9b1d4e3a7f0c1b2d"
	snapOld   = "6c5e8a2f9b1d4e3a7f0c1b2c"
	snapBusy  = "6c5e8a2f9b1d4e3a7f0c1b2e"
	crPath    = v1 + "/clusters/demo/collectionRestoreJobs"
	snapsPath = demoPath + "/snapshots"
	v2025     = "application/vnd.atlas.2025-03-12+json"
	v2023     = "application/vnd.atlas.2023-01-01+json"
)

func dbsPath(snap string) string       { return snapsPath + "/" + snap + "/databases" }
func collsPath(snap, db string) string { return dbsPath(snap) + "/" + db + "/collections" }
func statesPath(id string) string      { return crPath + "/" + id + "/collections" }
func pages(req string, n int) []string { // "GET path" read in n pages of every list
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s?itemsPerPage=500&pageNum=%d", req, i+1)
	}
	return out
}

// collStep is what a check of the created job sees.
type collStep struct {
	state             string
	restored, total   int64
	errorMessage      string
	indexState        string
	failedCollections int
}

// collReq is one request collAtlas received.
type collReq struct {
	Method, Path, Query, Accept, ContentType, Body string
}

func (r collReq) line() string {
	if r.Query == "" {
		return r.Method + " " + r.Path
	}
	return r.Method + " " + r.Path + "?" + r.Query
}

// collAtlas is an Atlas of collection-level restores, answering as the
// OpenAPI contract says (every request and answer is checked against it):
// every list in pages of two, the created job one step further at each
// check. It records the requests and fails the test on any it does not
// serve.
type collAtlas struct {
	t      *testing.T
	srv    *httptest.Server
	client *api.Client
	notes  *lines

	mu        sync.Mutex
	sent      []collReq
	snapshots []string            // the cluster's snapshots, as JSON
	dbs       []string            // every snapshot's databases
	colls     map[string][]string // and each one's collections
	running   []string            // other collection restore jobs, as JSON
	steps     []collStep          // the created job's checks; the last repeats
	states    []string            // its collections' states, as JSON
	fail      map[string]int      // "METHOD path" → the error status it answers
	posted    map[string]any      // the created job's request
	checks    int
}

func newCollAtlas(t *testing.T) *collAtlas {
	t.Helper()
	a := &collAtlas{t: t, notes: &lines{},
		snapshots: []string{
			snapshotJSON(snapNew, "completed", t0.Add(-time.Hour)),
			snapshotJSON(snapBusy, "inProgress", t0.Add(-time.Minute)),
			snapshotJSON(snapOld, "completed", t0.Add(-25*time.Hour)),
		},
		dbs:   []string{"crm", "logs", "sales"},
		colls: map[string][]string{"crm": {"leads", "accounts"}, "logs": {"events"}, "sales": {"orders", "customers", "invoices"}},
		steps: []collStep{
			{state: "INITIALIZING", indexState: "NOT_STARTED"},
			{state: "IN_PROGRESS", restored: 500, total: 2000, indexState: "IN_PROGRESS"},
			{state: "SUCCESSFUL", restored: 2000, total: 2000, indexState: "SUCCESSFUL"},
		},
		states: []string{
			stateJSON("sales.orders", "sales.orders_back", "SUCCESSFUL", "SUCCESSFUL", ""),
			stateJSON("sales.customers", "sales.customers", "SUCCESSFUL", "SUCCESSFUL", ""),
			stateJSON("crm.leads", "crm.leads", "SUCCESSFUL", "SUCCESSFUL", ""),
		},
		fail: map[string]int{},
	}
	v := spectest.Load(t)
	a.srv = httptest.NewServer(v.Middleware(t, http.HandlerFunc(a.serve(v))))
	t.Cleanup(a.srv.Close)
	a.client = newClient(t, a.srv.URL, "t0ken")
	return a
}

func (a *collAtlas) deps() jobs.Deps { return jobs.Deps{Client: a.client, Note: a.notes.add} }

func snapshotJSON(id, status string, created time.Time) string {
	return fmt.Sprintf(`{"createdAt":%q,"frequencyType":"hourly","id":%q,"snapshotType":"scheduled","status":%q,"type":"replicaSet"}`,
		created.Format(time.RFC3339), id, status)
}

func stateJSON(source, effective, state, index, indexError string) string {
	idx := map[string]any{"state": index}
	if indexError != "" {
		idx["errorMessage"] = indexError
	}
	b, _ := json.Marshal(map[string]any{"sourceNamespace": source, "targetNamespace": source, "effectiveTargetNamespace": effective,
		"state": state, "indexStatus": idx, "restoredDocuments": 10, "totalDocuments": 10})
	return string(b)
}

func (a *collAtlas) serve(v *spectest.Validator) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := v.ValidateRequest(r, body); err != nil {
			a.t.Errorf("request against the contract: %v", err)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.sent = append(a.sent, collReq{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Accept"), r.Header.Get("Content-Type"), string(body)})
		key := r.Method + " " + r.URL.EscapedPath()
		if status, ok := a.fail[key]; ok {
			a.answer(w, status, fmt.Sprintf(`{"detail":"No snapshot with ID %s exists.","error":%d,"errorCode":"SOME_ERROR","reason":%q}`,
				snapNew, status, http.StatusText(status)))
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("pageNum"))
		rest := strings.TrimPrefix(r.URL.Path, v1+"/clusters/demo/")
		seg := strings.Split(rest, "/")
		switch {
		case key == "GET "+snapsPath:
			a.answer(w, http.StatusOK, paged(page, a.snapshots))
		case r.Method == "GET" && len(seg) == 4 && seg[1] == "snapshots" && seg[3] == "databases":
			a.answer(w, http.StatusOK, paged(page, named(a.dbs)))
		case r.Method == "GET" && len(seg) == 6 && seg[1] == "snapshots" && seg[5] == "collections" && a.colls[seg[4]] != nil:
			a.answer(w, http.StatusOK, paged(page, named(a.colls[seg[4]])))
		case key == "GET "+crPath:
			jobs := slices.Clone(a.running)
			if a.posted != nil {
				jobs = append(jobs, a.job())
			}
			a.answer(w, http.StatusOK, paged(page, jobs))
		case key == "POST "+crPath && a.posted == nil:
			if err := json.Unmarshal(body, &a.posted); err != nil {
				a.t.Errorf("POST body %s: %v", body, err)
			}
			a.answer(w, http.StatusCreated, a.job())
		case key == "GET "+crPath+"/"+collJob && a.posted != nil:
			a.checks++
			a.answer(w, http.StatusOK, a.job())
		case key == "GET "+statesPath(collJob) && a.posted != nil:
			a.answer(w, http.StatusOK, paged(page, a.states))
		default:
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			dump, _ := httputil.DumpRequest(r, true)
			a.t.Errorf("unexpected request:\n%s", dump)
			http.Error(w, "unexpected", http.StatusTeapot)
		}
	}
}

func (a *collAtlas) answer(w http.ResponseWriter, status int, body string) {
	ct := v2025
	switch {
	case status >= 400:
		ct = "application/json"
	case strings.HasSuffix(a.sent[len(a.sent)-1].Path, "/snapshots"):
		ct = v2023
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// job is the created job as the current check sees it: its request
// echoed, with the step's state and counts.
func (a *collAtlas) job() string {
	step := a.steps[min(max(a.checks-1, 0), len(a.steps)-1)]
	j := map[string]any{}
	for k, v := range a.posted {
		j[k] = v
	}
	j["id"], j["state"], j["restoredDocuments"], j["totalDocuments"] = collJob, step.state, step.restored, step.total
	j["createdAt"] = t0.Format(time.RFC3339)
	j["indexStatus"] = map[string]any{"state": step.indexState, "failedCollectionCount": step.failedCollections}
	if step.errorMessage != "" {
		j["errorMessage"] = step.errorMessage
	}
	b, _ := json.Marshal(j)
	return string(b)
}

// paged is page (from 1) of items in pages of two, with a totalCount and
// a next link while more follow.
func paged(page int, items []string) string {
	page = max(page, 1)
	from, to := min((page-1)*2, len(items)), min(page*2, len(items))
	links := fmt.Sprintf(`{"href":"https://cloud.mongodb.com/x?pageNum=%d","rel":"self"}`, page)
	if to < len(items) {
		links += fmt.Sprintf(`,{"href":"https://cloud.mongodb.com/x?pageNum=%d","rel":"next"}`, page+1)
	}
	return fmt.Sprintf(`{"links":[%s],"results":[%s],"totalCount":%d}`, links, strings.Join(items[from:to], ","), len(items))
}

func named(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf(`{"name":%q}`, n)
	}
	return out
}

func (a *collAtlas) requests() []collReq {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.sent)
}

// lines are the requests as "METHOD path?query", in order.
func (a *collAtlas) lines() []string {
	var out []string
	for _, r := range a.requests() {
		out = append(out, r.line())
	}
	return out
}

// posts are the POSTs received.
func (a *collAtlas) posts() []collReq {
	var out []collReq
	for _, r := range a.requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// sameSet compares requests made in any order (a few databases'
// collections are listed at once).
func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	equal(t, what, slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want)))
}

// watchFast checks every millisecond, for at most five seconds.
func watchFast() (jobs.Watch, *progress) {
	p := &progress{}
	return jobs.Watch{Interval: time.Millisecond, Timeout: 5 * time.Second, Retries: 2, MaxWait: time.Second, Progress: p}, p
}

// restoreTwo restores sales.orders (as sales.orders_back) and
// sales.customers, crm.leads and the logs database from the newest
// snapshot, into the source cluster (the target and strategies left to
// their defaults).
func restoreTwo() jobs.CollectionRestoreInput {
	return jobs.CollectionRestoreInput{Scope: demoScope, Request: api.CollectionRestoreRequest{
		SnapshotID: api.Latest,
		Collections: []api.Namespace{
			{SourceNamespace: "sales.orders", TargetNamespace: "sales.orders_back"}, {SourceNamespace: "sales.customers"}, {SourceNamespace: "crm.leads"},
		},
		Databases: []api.Namespace{{SourceNamespace: "logs"}},
	}}
}

func restoreTwoBody(snap string) string {
	return `{"snapshotId":"` + snap + `","targetClusterName":"demo","targetGroupId":"` + project + `",` +
		`"databases":[{"sourceNamespace":"logs"}],` +
		`"collections":[{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders_back"},{"sourceNamespace":"sales.customers"},{"sourceNamespace":"crm.leads"}],` +
		`"indexStrategy":"ALL","writeStrategy":"CREATE_NEW"}`
}

// checked are the requests of the namespace check of restoreTwo against
// snapshot snap: its databases, and the collections of sales and crm
// (not of logs, restored whole), each once.
func checked(snap string) []string {
	return slices.Concat(pages("GET "+dbsPath(snap), 2), pages("GET "+collsPath(snap, "sales"), 2), pages("GET "+collsPath(snap, "crm"), 1))
}

func TestCollectionRestoreFromLatest(t *testing.T) {
	t.Parallel()
	a := newCollAtlas(t)
	r, err := jobs.CollectionRestores(context.Background(), a.deps(), restoreTwo())
	if err != nil {
		t.Fatal(err)
	}
	if r.Job == nil || r.Job.ID != collJob || r.Reused || r.DryRun != nil || r.Seen.Job != nil || r.Collections != nil || r.Warnings != nil {
		t.Fatalf("result %+v: want a job created, not followed", r)
	}
	if r.Job.State != api.CollectionRestoreInitializing || r.Job.SnapshotID != snapNew || !strings.Contains(string(r.Raw), collJob) {
		t.Errorf("job %+v, raw %s", r.Job, r.Raw)
	}
	equal(t, "notes", a.notes.get(), []string{"Using the latest completed snapshot of demo: " + snapNew + " (taken 2026-11-24 11:00:00 UTC)"})
	got := a.lines()
	equal(t, "the snapshots, first", got[:2], pages("GET "+snapsPath, 2))
	sameSet(t, "then the namespace check", got[2:len(got)-1], checked(snapNew))
	equal(t, "then one POST", got[len(got)-1:], []string{"POST " + crPath})
	for _, req := range a.requests() {
		want := v2025
		if req.Path == snapsPath {
			want = v2023
		}
		if req.Accept != want {
			t.Errorf("%s: Accept %s, want %s", req.line(), req.Accept, want)
		}
	}
	post := a.posts()[0]
	if post.Body != restoreTwoBody(snapNew) || post.ContentType != v2025 {
		t.Errorf("POST %s\n got %s\nwant %s", post.ContentType, post.Body, restoreTwoBody(snapNew))
	}
}

func TestCollectionRestoreNamespaceMissing(t *testing.T) {
	t.Parallel()
	a := newCollAtlas(t)
	in := jobs.CollectionRestoreInput{Scope: demoScope, Request: api.CollectionRestoreRequest{
		SnapshotID: snapOld,
		Databases:  []api.Namespace{{SourceNamespace: "crn"}, {SourceNamespace: "logs"}},
		Collections: []api.Namespace{
			{SourceNamespace: "sales.ordrs"}, {SourceNamespace: "salse.orders"}, {SourceNamespace: "sales.orders"},
			{SourceNamespace: "crn.leads"}, {SourceNamespace: "inventory.items"}, {SourceNamespace: "sales.customers"},
		},
	}}
	r, err := jobs.CollectionRestores(context.Background(), a.deps(), in)
	var ns *jobs.NamespaceError
	if !errors.As(err, &ns) || r.Job != nil {
		t.Fatalf("CollectionRestores: %+v, %v; want a *jobs.NamespaceError and no job", r, err)
	}
	want := &jobs.NamespaceError{Cluster: "demo", SnapshotID: snapOld, Missing: []jobs.MissingNamespace{
		{Namespace: "crn", Database: true, Closest: []string{"crm"}},
		{Namespace: "sales.ordrs", Closest: []string{"sales.orders"}},
		{Namespace: "salse.orders", Closest: []string{"sales.orders"}},
		{Namespace: "crn.leads", Closest: []string{"crm.leads"}},
		{Namespace: "inventory.items"},
	}}
	if !reflect.DeepEqual(ns, want) {
		t.Errorf("error\n got %+v\nwant %+v", ns, want)
	}
	msg := "snapshot " + snapOld + " of cluster demo has no database crn (did you mean crm?), no collection sales.ordrs (did you mean sales.orders?), " +
		"no collection salse.orders (did you mean sales.orders?), no collection crn.leads (did you mean crm.leads?), no collection inventory.items"
	if err.Error() != msg {
		t.Errorf("message\n got %s\nwant %s", err, msg)
	}
	// The databases once; sales's collections once, for the four that
	// need them; crm's once, as the database closest to crn; nothing
	// created.
	equal(t, "requests", a.lines(), slices.Concat(pages("GET "+dbsPath(snapOld), 2), pages("GET "+collsPath(snapOld, "sales"), 2), pages("GET "+collsPath(snapOld, "crm"), 1)))
	if n := len(a.posts()); n != 0 {
		t.Errorf("%d POSTs, want none", n)
	}
}

func TestMissingNamespaceString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		m    jobs.MissingNamespace
		want string
	}{
		{jobs.MissingNamespace{Namespace: "a\x1b[2J.b", Closest: []string{"a.b\n"}}, `no collection a\x1b[2J.b (did you mean a.b\n?)`},
		{jobs.MissingNamespace{Namespace: "sale", Database: true, Closest: []string{"sales", "Sale", "safe"}}, `no database sale (did you mean sales, Sale or safe?)`},
		{jobs.MissingNamespace{Namespace: "x.y", Closest: []string{"x.z", "x.yy"}}, `no collection x.y (did you mean x.z or x.yy?)`},
	} {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestCollectionRestorePointInTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("checked against the snapshot just before: a miss is a warning", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		at := t0.Add(-30 * time.Minute).Unix()
		in := jobs.CollectionRestoreInput{Scope: demoScope, Request: api.CollectionRestoreRequest{PointInTimeUTCSeconds: at,
			Collections: []api.Namespace{{SourceNamespace: "sales.orders"}, {SourceNamespace: "sales.returns"}, {SourceNamespace: "sales.invoice"}}}}
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		if err != nil || r.Job == nil {
			t.Fatalf("CollectionRestores: %+v, %v; want a job", r, err)
		}
		equal(t, "warnings", r.Warnings, []string{
			"snapshot " + snapNew + " of cluster demo (taken 2026-11-24 11:00:00 UTC), the last before 2026-11-24 11:30:00 UTC, has no collection sales.returns; it may have been created after that snapshot",
			"snapshot " + snapNew + " of cluster demo (taken 2026-11-24 11:00:00 UTC), the last before 2026-11-24 11:30:00 UTC, has no collection sales.invoice (did you mean sales.invoices?); it may have been created after that snapshot",
		})
		equal(t, "notes", a.notes.get(), nil)
		equal(t, "requests", a.lines(), slices.Concat(pages("GET "+snapsPath, 2), pages("GET "+dbsPath(snapNew), 2),
			pages("GET "+collsPath(snapNew, "sales"), 2), []string{"POST " + crPath}))
		want := `{"pointInTimeUtcSeconds":` + strconv.FormatInt(at, 10) + `,"targetClusterName":"demo","targetGroupId":"` + project + `",` +
			`"collections":[{"sourceNamespace":"sales.orders"},{"sourceNamespace":"sales.returns"},{"sourceNamespace":"sales.invoice"}],"indexStrategy":"ALL","writeStrategy":"CREATE_NEW"}`
		if got := a.posts()[0].Body; got != want {
			t.Errorf("POST body\n got %s\nwant %s", got, want)
		}
	})

	t.Run("an oplog timestamp: the snapshot before it", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		ts := t0.Add(-2 * time.Hour).Unix() // after the old snapshot, before the new
		in := jobs.CollectionRestoreInput{Scope: demoScope, Request: api.CollectionRestoreRequest{OplogTs: ts, OplogInc: 3,
			Databases: []api.Namespace{{SourceNamespace: "sales", TargetNamespace: "sales_back"}}, WriteStrategy: api.WriteStrategyOverwriteExisting,
			IndexStrategy: api.IndexStrategyNone, TargetClusterName: "analytics", TargetGroupID: "65f0b0c0d0e0f00000000001"}}
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		if err != nil || r.Job == nil || r.Warnings != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want a job, no warnings", r, err)
		}
		equal(t, "requests", a.lines(), slices.Concat(pages("GET "+snapsPath, 2), pages("GET "+dbsPath(snapOld), 2), []string{"POST " + crPath}))
		want := `{"oplogTs":` + strconv.FormatInt(ts, 10) + `,"oplogInc":3,"targetClusterName":"analytics","targetGroupId":"65f0b0c0d0e0f00000000001",` +
			`"databases":[{"sourceNamespace":"sales","targetNamespace":"sales_back"}],"indexStrategy":"NONE","writeStrategy":"OVERWRITE_EXISTING"}`
		if got := a.posts()[0].Body; got != want {
			t.Errorf("POST body\n got %s\nwant %s", got, want)
		}
	})

	t.Run("before every snapshot: not checked, said so", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		at := t0.Add(-48 * time.Hour).Unix()
		r, err := jobs.CollectionRestores(ctx, a.deps(), jobs.CollectionRestoreInput{Scope: demoScope,
			Request: api.CollectionRestoreRequest{PointInTimeUTCSeconds: at, Databases: []api.Namespace{{SourceNamespace: "nope"}}}})
		if err != nil || r.Job == nil {
			t.Fatalf("CollectionRestores: %+v, %v; want a job", r, err)
		}
		equal(t, "warnings", r.Warnings, []string{"cluster demo has no completed snapshot taken before 2026-11-22 12:00:00 UTC: the namespaces were not checked"})
		equal(t, "requests", a.lines(), append(pages("GET "+snapsPath, 2), "POST "+crPath))
	})

	t.Run("a check Atlas refuses is a warning", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["GET "+dbsPath(snapNew)] = http.StatusForbidden
		r, err := jobs.CollectionRestores(ctx, a.deps(), jobs.CollectionRestoreInput{Scope: demoScope,
			Request: api.CollectionRestoreRequest{PointInTimeUTCSeconds: t0.Add(-time.Minute).Unix(), Databases: []api.Namespace{{SourceNamespace: "sales"}}}})
		if err != nil || r.Job == nil {
			t.Fatalf("CollectionRestores: %+v, %v; want a job", r, err)
		}
		equal(t, "warnings", r.Warnings, []string{"the namespaces were not checked against the snapshot taken before 2026-11-24 11:59:00 UTC: 403 SOME_ERROR"})
		if n := len(a.posts()); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
	})

	t.Run("a check that gets no answer ends it", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["GET "+snapsPath] = http.StatusServiceUnavailable
		r, err := jobs.CollectionRestores(ctx, a.deps(), jobs.CollectionRestoreInput{Scope: demoScope,
			Request: api.CollectionRestoreRequest{PointInTimeUTCSeconds: t0.Add(-time.Minute).Unix(), Databases: []api.Namespace{{SourceNamespace: "sales"}}}})
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable || r.Job != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want the 503 and no job", r, err)
		}
		if n := len(a.posts()); n != 0 {
			t.Errorf("%d POSTs, want none", n)
		}
	})
}

func TestCollectionRestoreDryRun(t *testing.T) {
	t.Parallel()
	a := newCollAtlas(t)
	w, _ := watchFast()
	in := restoreTwo()
	in.DryRun, in.Watch = true, &w
	confirmed := 0
	in.Confirm = func(context.Context, api.CollectionRestoreRequest) error { confirmed++; return nil }
	r, err := jobs.CollectionRestores(context.Background(), a.deps(), in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Job != nil || r.Reused || r.DryRun == nil || confirmed != 0 {
		t.Fatalf("result %+v, confirmed %d: want a dry run only, never asked", r, confirmed)
	}
	dr := r.DryRun
	if dr.Method != http.MethodPost || dr.URL != a.srv.URL+crPath || string(dr.Body) != restoreTwoBody(snapNew) {
		t.Errorf("dry run %s %s %s", dr.Method, dr.URL, dr.Body)
	}
	if dr.Header.Get("Accept") != v2025 || dr.Header.Get("Content-Type") != v2025 || dr.Header.Get("Authorization") != "Bearer REDACTED" {
		t.Errorf("dry run headers %v", dr.Header)
	}
	// The checks are read-only: a dry run makes them.
	got := a.lines()
	sameSet(t, "requests", got, slices.Concat(pages("GET "+snapsPath, 2), checked(snapNew)))
}

// runningJob is a collection restore job of restoreTwo's request, as Atlas
// lists it (the empty targets filled in).
func runningJob(state string) string {
	return `{"collectionSuffix":"","collections":[{"sourceNamespace":"crm.leads","targetNamespace":"crm.leads"},` +
		`{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders_back"},{"sourceNamespace":"sales.customers","targetNamespace":"sales.customers"}],` +
		`"createdAt":"2026-11-24T11:50:00Z","databaseSuffix":"","databases":[{"sourceNamespace":"logs","targetNamespace":"logs"}],` +
		`"id":"7ab0c0d0e0f0a0b0c0d0e0aa","indexStatus":{"failedCollectionCount":0,"state":"IN_PROGRESS"},"indexStrategy":"ALL",` +
		`"restoredDocuments":10,"snapshotId":"` + snapNew + `","state":"` + state + `","targetClusterName":"demo","targetGroupId":"` + project + `",` +
		`"totalDocuments":20,"writeStrategy":"CREATE_NEW"}`
}

func TestCollectionRestoreReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const running = "7ab0c0d0e0f0a0b0c0d0e0aa"

	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("a running job, dry run %v", dryRun), func(t *testing.T) {
			t.Parallel()
			a := newCollAtlas(t)
			other := strings.Replace(runningJob("IN_PROGRESS"), `"collectionSuffix":""`, `"collectionSuffix":"_x"`, 1)
			a.running = []string{runningJob("SUCCESSFUL"), other, runningJob("IN_PROGRESS")}
			in := restoreTwo()
			in.Reuse, in.DryRun = true, dryRun
			in.Confirm = func(context.Context, api.CollectionRestoreRequest) error {
				t.Error("asked to confirm a reuse")
				return nil
			}
			r, err := jobs.CollectionRestores(ctx, a.deps(), in)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Reused || r.Job == nil || r.Job.ID != running || r.Job.State != "IN_PROGRESS" || r.DryRun != nil {
				t.Errorf("result %+v: want %s reused", r, running)
			}
			verb := "reusing"
			if dryRun {
				verb = "would reuse"
			}
			notes := a.notes.get()
			if len(notes) != 2 || notes[1] != verb+" collection restore job "+running+" (IN_PROGRESS)" {
				t.Errorf("notes %q", notes)
			}
			got := a.lines()
			equal(t, "the jobs listed last", got[len(got)-2:], pages("GET "+crPath, 2))
			if n := len(a.posts()); n != 0 {
				t.Errorf("%d POSTs, want none", n)
			}
		})
	}

	t.Run("another restore is not reused", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.running = []string{strings.Replace(runningJob("IN_PROGRESS"), `"indexStrategy":"ALL"`, `"indexStrategy":"NONE"`, 1)}
		in := restoreTwo()
		in.Reuse = true
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Reused || r.Job == nil || r.Job.ID != collJob {
			t.Errorf("result %+v: want a job created", r)
		}
		got := a.lines()
		equal(t, "listed, then created", got[len(got)-2:], []string{"GET " + crPath + "?itemsPerPage=500&pageNum=1", "POST " + crPath})
	})
}

func TestCollectionRestoreConfirm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("asked once, just before the create", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		in := restoreTwo()
		var asked []api.CollectionRestoreRequest
		in.Confirm = func(_ context.Context, r api.CollectionRestoreRequest) error {
			asked = append(asked, r)
			if n := len(a.requests()); n != 7 {
				t.Errorf("asked after %d requests, want after the 7 lookups", n)
			}
			return nil
		}
		if _, err := jobs.CollectionRestores(ctx, a.deps(), in); err != nil {
			t.Fatal(err)
		}
		if len(asked) != 1 || asked[0].SnapshotID != snapNew || asked[0].WriteStrategy != api.WriteStrategyCreateNew || asked[0].TargetClusterName != "demo" {
			t.Errorf("asked %+v: want once, with the request sent", asked)
		}
		if n := len(a.posts()); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
	})

	t.Run("refused: nothing created", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		in := restoreTwo()
		no := errors.New("not confirmed")
		in.Confirm = func(context.Context, api.CollectionRestoreRequest) error { return no }
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		if err != no || r.Job != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want Confirm's error as it is", r, err)
		}
		if n := len(a.posts()); n != 0 {
			t.Errorf("%d POSTs, want none", n)
		}
	})
}

func TestCollectionRestoreWatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	watched := func(t *testing.T, a *collAtlas) (jobs.CollectionRestoreResult, *progress, error) {
		t.Helper()
		w, p := watchFast()
		in := restoreTwo()
		in.Watch = &w
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		return r, p, err
	}
	// after are the requests after the create: three checks, then the
	// states read.
	after := func(a *collAtlas, checks int, states []string) []string {
		got := a.lines()
		i := slices.Index(got, "POST "+crPath)
		want := slices.Repeat([]string{"GET " + crPath + "/" + collJob}, checks)
		equal(a.t, "after the create", got[i+1:], append(want, states...))
		return got
	}

	t.Run("every collection restored", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		r, p, err := watched(t, a)
		if err != nil {
			t.Fatal(err)
		}
		if r.Seen.Job == nil || !r.Seen.State.Done || !r.Seen.State.OK || r.Seen.State.Label != "SUCCESSFUL (2000/2000 documents)" {
			t.Errorf("last look %+v", r.Seen)
		}
		equal(t, "progress", p.updates.get(), []string{
			"collection restore job " + collJob + ": INITIALIZING",
			"collection restore job " + collJob + ": IN_PROGRESS (500/2000 documents)",
			"collection restore job " + collJob + ": SUCCESSFUL (2000/2000 documents)",
		})
		if len(r.Collections) != 3 || r.Collections[0].Target() != "sales.orders_back" || r.Collections[2].SourceNamespace != "crm.leads" {
			t.Errorf("collections %+v", r.Collections)
		}
		after(a, 3, pages("GET "+statesPath(collJob), 2))
	})

	t.Run("SUCCESSFUL, but collections failed", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.states = []string{
			stateJSON("sales.orders", "sales.orders_back", "SUCCESSFUL", "SUCCESSFUL", ""),
			stateJSON("sales.customers", "sales.customers", "INDEX_BUILD_FAILED", "FAILED", "E11000 duplicate key"),
			stateJSON("crm.leads", "crm.leads", "NOT_FOUND", "NOT_RESTORED", ""),
		}
		r, _, err := watched(t, a)
		var failed *jobs.CollectionsFailedError
		if !errors.As(err, &failed) || r.Job == nil {
			t.Fatalf("CollectionRestores: %+v, %v; want a *jobs.CollectionsFailedError", r, err)
		}
		if failed.ID != collJob || failed.Of != 3 || len(failed.Failed) != 2 || failed.Failed[1].SourceNamespace != "crm.leads" {
			t.Errorf("error %+v", failed)
		}
		msg := "collection restore job " + collJob + " ended SUCCESSFUL, but 2 of 3 collections did not: " +
			"sales.customers (INDEX_BUILD_FAILED: E11000 duplicate key), crm.leads (NOT_FOUND)"
		if err.Error() != msg {
			t.Errorf("message\n got %s\nwant %s", err, msg)
		}
		// A watch that ends so is an unsuccessful end, as any other.
		var ended *jobs.EndedError
		if !errors.As(err, &ended) || ended.Kind != "collection restore job" || ended.Error() != msg {
			t.Errorf("as an *EndedError: %+v", ended)
		}
		if len(r.Collections) != 3 || !r.Seen.State.OK {
			t.Errorf("result %+v", r)
		}
		after(a, 3, pages("GET "+statesPath(collJob), 2))
	})

	t.Run("FAILED: the states are read too", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.steps = []collStep{{state: "IN_PROGRESS", restored: 1, total: 10, indexState: "NOT_STARTED"},
			{state: "FAILED", restored: 1, total: 10, indexState: "NOT_RESTORED", errorMessage: "snapshot\nexpired"}}
		a.states = []string{stateJSON("sales.orders", "sales.orders_back", "FAILED", "NOT_RESTORED", "")}
		r, _, err := watched(t, a)
		var ended *jobs.EndedError
		if !errors.As(err, &ended) || errors.As(err, new(*jobs.CollectionsFailedError)) {
			t.Fatalf("CollectionRestores: %v; want an *jobs.EndedError", err)
		}
		if msg := "collection restore job " + collJob + " ended FAILED: snapshot expired"; err.Error() != msg {
			t.Errorf("message %q, want %q", err, msg)
		}
		if len(r.Collections) != 1 || r.Collections[0].OK() || r.Warnings != nil {
			t.Errorf("result %+v", r)
		}
		after(a, 2, pages("GET "+statesPath(collJob), 1))
	})

	t.Run("FAILED, and the states cannot be read: a warning", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.steps = []collStep{{state: "CANCELED", indexState: "NOT_RESTORED"}}
		a.fail["GET "+statesPath(collJob)] = http.StatusForbidden
		r, _, err := watched(t, a)
		if msg := "collection restore job " + collJob + " ended CANCELED"; err == nil || err.Error() != msg {
			t.Fatalf("CollectionRestores: %v; want %s", err, msg)
		}
		equal(t, "warnings", r.Warnings, []string{"could not read the collection states of collection restore job " + collJob +
			": 403 SOME_ERROR: No snapshot with ID " + snapNew + " exists."})
		if r.Collections != nil {
			t.Errorf("collections %+v", r.Collections)
		}
	})

	t.Run("SUCCESSFUL, and the states cannot be read: an error", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["GET "+statesPath(collJob)] = http.StatusForbidden
		r, _, err := watched(t, a)
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || r.Job == nil {
			t.Fatalf("CollectionRestores: %+v, %v; want the 403", r, err)
		}
		if !strings.HasPrefix(err.Error(), "collection restore job "+collJob+" ended SUCCESSFUL, but what became of its collections could not be read: 403") {
			t.Errorf("message %q", err)
		}
	})

	t.Run("a timeout: no states read", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.steps = []collStep{{state: "IN_PROGRESS", restored: 1, total: 10, indexState: "IN_PROGRESS"}}
		w, _ := watchFast()
		w.Timeout = 30 * time.Millisecond
		in := restoreTwo()
		in.Watch = &w
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		var timeout *jobs.TimeoutError
		if !errors.As(err, &timeout) || timeout.State != "IN_PROGRESS (1/10 documents)" || r.Job == nil {
			t.Fatalf("CollectionRestores: %+v, %v; want a *jobs.TimeoutError", r, err)
		}
		for _, l := range a.lines() {
			if strings.Contains(l, "/collections?") && strings.Contains(l, "collectionRestoreJobs") {
				t.Errorf("states read after a timeout: %s", l)
			}
		}
	})
}

func TestCollectionRestoreKind(t *testing.T) {
	t.Parallel()
	k := jobs.CollectionRestore
	for _, tt := range []struct {
		job  api.CollectionRestoreJob
		want string
		done bool
		ok   bool
		why  string
	}{
		{api.CollectionRestoreJob{State: "INITIALIZING"}, "INITIALIZING", false, false, "INITIALIZING"},
		{api.CollectionRestoreJob{State: "SUCCESSFUL", RestoredDocuments: 2, TotalDocuments: 2}, "SUCCESSFUL (2/2 documents)", true, true, "SUCCESSFUL"},
		{api.CollectionRestoreJob{State: "CANCELED"}, "CANCELED", true, false, "CANCELED"},
		{api.CollectionRestoreJob{State: "FAILED", ErrorMessage: "no\nspace"}, "FAILED", true, false, "FAILED: no space"},
	} {
		st, err := k.Judge(&tt.job)
		if err != nil || st.Label != tt.want || st.Done != tt.done || st.OK != tt.ok || k.Why(&tt.job) != tt.why {
			t.Errorf("%+v: judged %+v, %v; why %q", tt.job, st, err, k.Why(&tt.job))
		}
	}
	var unknown *api.UnknownJobStateError
	if st, err := k.Judge(&api.CollectionRestoreJob{State: "PAUSED"}); !errors.As(err, &unknown) || st.Done || st.Label != "PAUSED" {
		t.Errorf("an unknown state: %+v, %v", st, err)
	}
}

// TestCollectionRestoreUnknownState follows a job whose state the contract
// does not have (so the answer is served without its check): the watch
// stops on it at once, and reads no states.
func TestCollectionRestoreUnknownState(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", v2025)
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, `{"id":%q,"state":%q}`, collJob, map[string]string{"POST": "INITIALIZING", "GET": "PAUSED"}[r.Method])
	}))
	t.Cleanup(srv.Close)
	w, _ := watchFast()
	r, err := jobs.CollectionRestores(context.Background(), jobs.Deps{Client: newClient(t, srv.URL, "t0ken")}, jobs.CollectionRestoreInput{
		Scope: demoScope, Watch: &w, Request: api.CollectionRestoreRequest{Databases: []api.Namespace{{SourceNamespace: "sales"}}}})
	var unknown *api.UnknownJobStateError
	if !errors.As(err, &unknown) || unknown.State != "PAUSED" || r.Job == nil {
		t.Fatalf("CollectionRestores: %+v, %v; want an *api.UnknownJobStateError", r, err)
	}
	equal(t, "requests", got, []string{"POST " + crPath, "GET " + crPath + "/" + collJob})
}

func TestCollectionsFailedErrorNamesAFew(t *testing.T) {
	t.Parallel()
	var failed []api.CollectionState
	for i := range 5 {
		failed = append(failed, api.CollectionState{SourceNamespace: fmt.Sprintf("db.c%d", i), State: "FAILED"})
	}
	err := &jobs.CollectionsFailedError{Kind: "collection restore job", ID: collJob, Failed: failed, Of: 7}
	want := "collection restore job " + collJob + " ended SUCCESSFUL, but 5 of 7 collections did not: db.c0 (FAILED), db.c1 (FAILED), db.c2 (FAILED) and 2 more"
	if err.Error() != want {
		t.Errorf("message\n got %s\nwant %s", err, want)
	}
}

func TestCollectionRestoreErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("latest of a cluster without a completed snapshot", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.snapshots = []string{snapshotJSON(snapBusy, "inProgress", t0)}
		r, err := jobs.CollectionRestores(ctx, a.deps(), restoreTwo())
		var nf *api.NotFoundError
		if !errors.As(err, &nf) || r.Job != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want an *api.NotFoundError", r, err)
		}
		equal(t, "requests", a.lines(), pages("GET "+snapsPath, 1))
	})

	t.Run("a snapshot that is not there", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["GET "+dbsPath(snapNew)] = http.StatusNotFound
		in := restoreTwo()
		in.Request.SnapshotID = snapNew
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		var nf *api.NotFoundError
		if !errors.As(err, &nf) || nf.Kind != api.KindSnapshot || nf.Name != snapNew || r.Job != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want an *api.NotFoundError of the snapshot", r, err)
		}
		equal(t, "requests", a.lines(), pages("GET "+dbsPath(snapNew), 1))
	})

	t.Run("a database's collections cannot be read", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["GET "+collsPath(snapNew, "sales")] = http.StatusForbidden
		in := restoreTwo()
		in.Request.SnapshotID = snapNew
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || r.Job != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want the 403", r, err)
		}
		if n := len(a.posts()); n != 0 {
			t.Errorf("%d POSTs, want none", n)
		}
	})

	t.Run("a near database's collections cannot be read", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["GET "+collsPath(snapNew, "crm")] = http.StatusForbidden
		r, err := jobs.CollectionRestores(ctx, a.deps(), jobs.CollectionRestoreInput{Scope: demoScope,
			Request: api.CollectionRestoreRequest{SnapshotID: snapNew, Collections: []api.Namespace{{SourceNamespace: "crn.leads"}}}})
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || r.Job != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want the 403", r, err)
		}
	})

	t.Run("a 5xx to the create is not resent", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["POST "+crPath] = http.StatusInternalServerError
		r, err := jobs.CollectionRestores(ctx, a.deps(), restoreTwo())
		var unknown *api.OutcomeUnknownError
		if !errors.As(err, &unknown) || r.Job != nil {
			t.Fatalf("CollectionRestores: %+v, %v; want an *api.OutcomeUnknownError", r, err)
		}
		if n := len(a.posts()); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
	})

	t.Run("the running jobs cannot be listed", func(t *testing.T) {
		t.Parallel()
		a := newCollAtlas(t)
		a.fail["GET "+crPath] = http.StatusForbidden
		in := restoreTwo()
		in.Reuse = true
		r, err := jobs.CollectionRestores(ctx, a.deps(), in)
		if err == nil || r.Job != nil || len(a.posts()) != 0 {
			t.Fatalf("CollectionRestores: %+v, %v; want the 403 and nothing created", r, err)
		}
	})
}
