package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// Collection-level restore jobs and snapshot namespaces (version
// 2025-03-12). The test server checks every answer against the OpenAPI
// contract and its key order; jobs take 10s (start).

const v3 = "application/vnd.atlas.2025-03-12+json"

var (
	demoCluster = groups + sandbox.DemoProjectID + "/clusters/demo"
	collJobs    = demoCluster + "/collectionRestoreJobs"
)

// get3 and post3 send with the 2025-03-12 media type.
func (e *env) get3(path string) response {
	e.t.Helper()
	return e.send(req{path: path, accept: v3})
}

func (e *env) post3(path, body string) response {
	e.t.Helper()
	return e.send(req{method: http.MethodPost, path: path, body: body, accept: v3, header: map[string]string{"Content-Type": v3}})
}

// crBody is a collection restore create body: from the demo cluster's
// newest snapshot into the demo cluster, CREATE_NEW, indexes ALL, with
// over's fields added or replaced (a nil value removes the field).
func crBody(t *testing.T, over map[string]any) string {
	t.Helper()
	m := map[string]any{
		"snapshotId":        sandbox.SeedSnapshotIDs("demo")[0],
		"targetClusterName": "demo",
		"targetGroupId":     sandbox.DemoProjectID,
		"indexStrategy":     "ALL",
		"writeStrategy":     "CREATE_NEW",
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ns is a namespaces array: "src" or "src=dst" each.
func ns(specs ...string) []any {
	out := []any{}
	for _, s := range specs {
		src, dst, ok := strings.Cut(s, "=")
		if ok {
			out = append(out, map[string]any{"sourceNamespace": src, "targetNamespace": dst})
		} else {
			out = append(out, map[string]any{"sourceNamespace": src})
		}
	}
	return out
}

// createCR creates a collection restore job of the demo cluster and
// returns its ID.
func (e *env) createCR(body string) string {
	e.t.Helper()
	r := e.post3(collJobs, body)
	wantStatus(e.t, r, http.StatusCreated, "")
	return r.str("id")
}

// crState is a collection restore job as a poll sees it.
func (e *env) crState(id string) response {
	e.t.Helper()
	r := e.get3(collJobs + "/" + id)
	wantStatus(e.t, r, 200, "")
	return r
}

// collState is one per-collection state, decoded.
type collState struct {
	Source    string `json:"sourceNamespace"`
	Target    string `json:"targetNamespace"`
	Effective string `json:"effectiveTargetNamespace"`
	State     string `json:"state"`
	Total     int64  `json:"totalDocuments"`
	Restored  int64  `json:"restoredDocuments"`
	Index     struct {
		State         string           `json:"state"`
		ErrorMessage  string           `json:"errorMessage"`
		FailedIndexes []map[string]any `json:"failedIndexes"`
	} `json:"indexStatus"`
}

// crCollections lists a job's per-collection states (one page of up to 500).
func (e *env) crCollections(id string) []collState {
	e.t.Helper()
	r := e.get3(collJobs + "/" + id + "/collections?itemsPerPage=500")
	wantStatus(e.t, r, 200, "")
	var l struct{ Results []collState }
	if err := json.Unmarshal(r.raw, &l); err != nil {
		e.t.Fatal(err)
	}
	return l.Results
}

func num(r response, key string) int64 { f, _ := r.body[key].(float64); return int64(f) }

func indexState(r response) (string, int64) {
	m, _ := r.body["indexStatus"].(map[string]any)
	s, _ := m["state"].(string)
	n, _ := m["failedCollectionCount"].(float64)
	return s, int64(n)
}

func TestSnapshotNamespaces(t *testing.T) {
	e := start(t)
	snaps := sandbox.SeedSnapshotIDs("demo")
	newest := demo + "/snapshots/" + snaps[0] + "/databases"
	older := demo + "/snapshots/" + snaps[1] + "/databases"
	names := func(r response) string {
		var out []string
		for _, x := range r.results() {
			out = append(out, x.(map[string]any)["name"].(string))
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name   string
		path   string
		accept string
		status int
		code   string
		check  func(t *testing.T, r response)
	}{
		{name: "databases, in name order", path: newest, status: 200, check: func(t *testing.T, r response) {
			if names(r) != "analytics,inventory,sales" || r.body["totalCount"] != float64(3) {
				t.Errorf("databases %s", r.raw)
			}
			first := rawResults(t, r)[0]
			wantShape(t, first, shape{has: []string{"links", "name"}, check: func(t *testing.T, d response) {
				if hrefOf(d, "self") != e.srv.URL+newest+"/analytics" || !strings.HasSuffix(hrefOf(d, "https://cloud.mongodb.com/collections"), "/analytics/collections") {
					t.Errorf("links %s", d.raw)
				}
			}})
		}},
		{name: "collections of the newest snapshot", path: newest + "/sales/collections", status: 200, check: func(t *testing.T, r response) {
			if names(r) != "customers,invoices,orders,returns" || r.body["totalCount"] != float64(4) {
				t.Errorf("collections %s", r.raw)
			}
		}},
		{name: "an older snapshot lacks sales.returns", path: older + "/sales/collections", status: 200, check: func(t *testing.T, r response) {
			if names(r) != "customers,invoices,orders" {
				t.Errorf("collections %s", r.raw)
			}
		}},
		{name: "second page", path: newest + "/sales/collections?itemsPerPage=3&pageNum=2", status: 200, check: func(t *testing.T, r response) {
			if names(r) != "returns" || r.body["totalCount"] != float64(4) || !slices.Equal(rels(r), []string{"previous", "self"}) {
				t.Errorf("page 2 %s", r.raw)
			}
		}},
		{name: "first page links next", path: newest + "?itemsPerPage=2", status: 200, check: func(t *testing.T, r response) {
			if names(r) != "analytics,inventory" || !slices.Equal(rels(r), []string{"self", "next"}) {
				t.Errorf("page 1 %s", r.raw)
			}
		}},
		{name: "includeCount=false", path: newest + "?includeCount=false", status: 200, check: func(t *testing.T, r response) {
			if _, ok := r.body["totalCount"]; ok {
				t.Errorf("totalCount with includeCount=false: %s", r.raw)
			}
		}},
		{name: "one database", path: newest + "/inventory", status: 200, check: func(t *testing.T, r response) {
			if r.str("name") != "inventory" || hrefOf(r, "self") != e.srv.URL+newest+"/inventory" {
				t.Errorf("database %s", r.raw)
			}
		}},
		{name: "one collection", path: newest + "/sales/collections/orders", status: 200, check: func(t *testing.T, r response) {
			wantShape(t, r.raw, shape{raw: map[string]string{"name": `"orders"`}, lacks: []string{"database"}})
			if hrefOf(r, "self") != e.srv.URL+newest+"/sales/collections/orders" {
				t.Errorf("collection %s", r.raw)
			}
		}},
		{name: "unknown database", path: newest + "/sale", status: 404, code: "RESOURCE_NOT_FOUND", check: func(t *testing.T, r response) {
			if !strings.Contains(r.str("detail"), "database sale") {
				t.Errorf("detail %s", r.raw)
			}
		}},
		{name: "collections of an unknown database", path: newest + "/sale/collections", status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "unknown collection", path: newest + "/sales/collections/ordres", status: 404, code: "RESOURCE_NOT_FOUND", check: func(t *testing.T, r response) {
			if !strings.Contains(r.str("detail"), "collection sales.ordres") {
				t.Errorf("detail %s", r.raw)
			}
		}},
		{name: "collection only in the newest", path: older + "/sales/collections/returns", status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "unknown snapshot", path: demo + "/snapshots/65f0e0e0d0e0000000000fff/databases", status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "snapshot of another cluster", path: groups + sandbox.DemoProjectID + "/clusters/analytics/backup/snapshots/" + snaps[0] + "/databases", status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "unknown cluster", path: groups + sandbox.DemoProjectID + "/clusters/gone/backup/snapshots/" + snaps[0] + "/databases", status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "snapshot still in progress", path: demo + "/snapshots/" + sandbox.DemoInProgressSnapshotID + "/databases", status: 400, code: "SNAPSHOT_NOT_COMPLETED"},
		{name: "bad snapshot ID", path: demo + "/snapshots/latest/databases", status: 400, code: "VALIDATION_ERROR"},
		{name: "bad itemsPerPage", path: newest + "?itemsPerPage=0", status: 400, code: "VALIDATION_ERROR"},
		{name: "version 2023-01-01 does not exist", path: newest, accept: v1, status: 406, code: "INVALID_VERSION_DATE"},
		{name: "version 2024-11-13 does not exist", path: newest + "/sales/collections/orders", accept: "application/vnd.atlas.2024-11-13+json", status: 406, code: "INVALID_VERSION_DATE"},
		{name: "a later date serves 2025-03-12", path: newest + "/sales", accept: "application/vnd.atlas.2026-01-01+json", status: 200, check: func(t *testing.T, r response) {
			if ct := r.header.Get("Content-Type"); ct != v3+";charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send(req{path: tt.path, accept: cmpOr(tt.accept, v3)})
			wantStatus(t, r, tt.status, tt.code)
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	// Every seeded cluster's completed snapshots hold them, fleet ones too.
	f := start(t, sandbox.WithClusters(2))
	for _, c := range []string{"staging", "demo-sharded", "fleet-002"} {
		p := groups + sandbox.DemoProjectID
		if c == "staging" {
			p = groups + sandbox.DemoStagingID
		}
		r := f.get3(p + "/clusters/" + c + "/backup/snapshots/" + sandbox.SeedSnapshotIDs(c)[0] + "/databases")
		wantStatus(t, r, 200, "")
		if names(r) != "analytics,inventory,sales" {
			t.Errorf("%s: %s", c, r.raw)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// An on-demand snapshot holds nothing until it completes, then the newest
// namespaces.
func TestOnDemandSnapshotNamespaces(t *testing.T) {
	e := start(t)
	id := e.post(demo+"/snapshots", `{}`).str("id")
	wantStatus(t, e.get3(demo+"/snapshots/"+id+"/databases"), 400, "SNAPSHOT_NOT_COMPLETED")
	e.clock.Advance(10 * time.Second)
	r := e.get3(demo + "/snapshots/" + id + "/databases/sales/collections/returns")
	wantStatus(t, r, 200, "")
}

func TestCollectionRestoreShapes(t *testing.T) {
	e := start(t)
	snap := sandbox.SeedSnapshotIDs("demo")[0]
	created := e.post3(collJobs, crBody(t, map[string]any{
		"collections": ns("sales.orders", "inventory.items=archive.items"),
	}))
	wantStatus(t, created, http.StatusCreated, "")
	// Keys in alphabetical order (send checks it), the request echoed, an
	// estimate of the total while INITIALIZING.
	wantShape(t, created.raw, shape{
		has:   []string{"createdAt", "id", "indexStatus", "restoredDocuments", "totalDocuments"},
		lacks: []string{"errorMessage", "finishedAt", "links", "oplogInc", "oplogTs", "pointInTimeUtcSeconds"},
		raw: map[string]string{
			"collectionSuffix":  `""`,
			"collections":       `[{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders"},{"sourceNamespace":"inventory.items","targetNamespace":"archive.items"}]`,
			"createdAt":         `"2026-11-24T12:00:00Z"`,
			"databaseSuffix":    `""`,
			"databases":         `[]`,
			"indexStatus":       `{"failedCollectionCount":0,"state":"NOT_STARTED"}`,
			"indexStrategy":     `"ALL"`,
			"restoredDocuments": `0`,
			"snapshotId":        `"` + snap + `"`,
			"state":             `"INITIALIZING"`,
			"targetClusterName": `"demo"`,
			"targetGroupId":     `"` + sandbox.DemoProjectID + `"`,
			"totalDocuments":    `14000`, // 12480 + 1240, rounded up to the thousand
			"writeStrategy":     `"CREATE_NEW"`,
		},
		match: map[string]string{"id": `^[a-f0-9]{24}$`},
	})
	if ct := created.header.Get("Content-Type"); ct != v3+";charset=utf-8" || created.header.Get("RateLimit-Limit") != "1200" {
		t.Errorf("headers %v", created.header)
	}
	id := created.str("id")
	if r := e.get3(collJobs); len(r.results()) != 1 || r.body["totalCount"] != float64(1) {
		t.Errorf("list %s", r.raw)
	}
	e.clock.Advance(10 * time.Second)
	done := e.crState(id)
	wantShape(t, done.raw, shape{
		lacks: []string{"errorMessage"},
		raw: map[string]string{
			"state": `"SUCCESSFUL"`, "finishedAt": `"2026-11-24T12:00:10Z"`,
			"restoredDocuments": `13720`, "totalDocuments": `13720`,
			"indexStatus": `{"failedCollectionCount":0,"state":"SUCCESSFUL"}`,
		},
	})
	states := rawResults(t, e.get3(collJobs+"/"+id+"/collections"))
	if len(states) != 2 {
		t.Fatalf("%d states", len(states))
	}
	// sales.orders exists on the target: CREATE_NEW renames it.
	wantShape(t, states[0], shape{raw: map[string]string{
		"effectiveTargetNamespace": `"sales.orders_restored_1"`,
		"indexStatus":              `{"state":"SUCCESSFUL"}`,
		"restoredDocuments":        `12480`,
		"sourceNamespace":          `"sales.orders"`,
		"state":                    `"SUCCESSFUL"`,
		"targetNamespace":          `"sales.orders"`,
		"totalDocuments":           `12480`,
	}})
	wantShape(t, states[1], shape{raw: map[string]string{"effectiveTargetNamespace": `"archive.items"`, "targetNamespace": `"archive.items"`}})
	one := e.get3(collJobs + "/" + id + "/collections/inventory.items")
	wantStatus(t, one, 200, "")
	if string(one.raw) != string(states[1])+"\n" {
		t.Errorf("GET one %s, list's %s", one.raw, states[1])
	}
	// envelope and pretty, as everywhere.
	env := e.send(req{path: collJobs + "/" + id + "?envelope=true&pretty=true", accept: v3})
	if env.status != 200 || env.body["status"] != float64(200) || !strings.Contains(string(env.raw), "\n  ") {
		t.Errorf("envelope %s", env.raw)
	}
}

// TestCollectionRestoreLifecycle follows a job of two collections over its
// 10s: INITIALIZING to 2s, IN_PROGRESS to 8s (each collection a 3s slot:
// restoring 2.25s, finalizing 0.75s), FINALIZING to 10s, SUCCESSFUL.
func TestCollectionRestoreLifecycle(t *testing.T) {
	e := start(t)
	id := e.createCR(crBody(t, map[string]any{"collections": ns("sales.orders=restored.orders", "inventory.stock=restored.stock")}))
	type want struct {
		at            time.Duration // since creation
		job           string
		restored      int64
		total         int64
		index         string
		states        string // per-collection state,restored;...
		collIndex     string // per-collection index states
		listAvailable bool
	}
	steps := []want{
		{0, "INITIALIZING", 0, 19000, "NOT_STARTED", "", "", false},
		{1900 * time.Millisecond, "INITIALIZING", 0, 19000, "NOT_STARTED", "", "", false},
		{2 * time.Second, "IN_PROGRESS", 0, 18080, "IN_PROGRESS", "IN_PROGRESS,0;NOT_STARTED,0", "NOT_STARTED;NOT_STARTED", true},
		{3125 * time.Millisecond, "IN_PROGRESS", 6240, 18080, "IN_PROGRESS", "IN_PROGRESS,6240;NOT_STARTED,0", "NOT_STARTED;NOT_STARTED", true},
		{4500 * time.Millisecond, "IN_PROGRESS", 12480, 18080, "IN_PROGRESS", "FINALIZING,12480;NOT_STARTED,0", "IN_PROGRESS;NOT_STARTED", true},
		{5 * time.Second, "IN_PROGRESS", 12480, 18080, "IN_PROGRESS", "SUCCESSFUL,12480;IN_PROGRESS,0", "SUCCESSFUL;NOT_STARTED", true},
		{6125 * time.Millisecond, "IN_PROGRESS", 15280, 18080, "IN_PROGRESS", "SUCCESSFUL,12480;IN_PROGRESS,2800", "SUCCESSFUL;NOT_STARTED", true},
		{7500 * time.Millisecond, "IN_PROGRESS", 18080, 18080, "IN_PROGRESS", "SUCCESSFUL,12480;FINALIZING,5600", "SUCCESSFUL;IN_PROGRESS", true},
		{8 * time.Second, "FINALIZING", 18080, 18080, "IN_PROGRESS", "SUCCESSFUL,12480;SUCCESSFUL,5600", "SUCCESSFUL;SUCCESSFUL", true},
		{10 * time.Second, "SUCCESSFUL", 18080, 18080, "SUCCESSFUL", "SUCCESSFUL,12480;SUCCESSFUL,5600", "SUCCESSFUL;SUCCESSFUL", true},
	}
	var elapsed time.Duration
	for _, w := range steps {
		e.clock.Advance(w.at - elapsed)
		elapsed = w.at
		r := e.crState(id)
		idx, _ := indexState(r)
		if r.str("state") != w.job || num(r, "restoredDocuments") != w.restored || num(r, "totalDocuments") != w.total || idx != w.index {
			t.Errorf("at %s: state %s, %d/%d, index %s; want %s, %d/%d, index %s", w.at, r.str("state"),
				num(r, "restoredDocuments"), num(r, "totalDocuments"), idx, w.job, w.restored, w.total, w.index)
		}
		if _, ok := r.body["finishedAt"]; ok != (w.job == "SUCCESSFUL") {
			t.Errorf("at %s: finishedAt present %v", w.at, ok)
		}
		var got, gotIdx []string
		for _, c := range e.crCollections(id) {
			got = append(got, fmt.Sprintf("%s,%d", c.State, c.Restored))
			gotIdx = append(gotIdx, c.Index.State)
			if c.Total != map[string]int64{"sales.orders": 12480, "inventory.stock": 5600}[c.Source] {
				t.Errorf("at %s: %s total %d", w.at, c.Source, c.Total)
			}
		}
		if strings.Join(got, ";") != w.states || strings.Join(gotIdx, ";") != w.collIndex {
			t.Errorf("at %s: collections %q index %q, want %q index %q", w.at, strings.Join(got, ";"), strings.Join(gotIdx, ";"), w.states, w.collIndex)
		}
		one := e.get3(collJobs + "/" + id + "/collections/sales.orders")
		if w.listAvailable {
			wantStatus(t, one, 200, "")
		} else {
			wantStatus(t, one, 404, "RESOURCE_NOT_FOUND")
		}
	}
}

// TestCollectionRestoreTargets pins where each collection goes and which
// end NOT_FOUND.
func TestCollectionRestoreTargets(t *testing.T) {
	older := sandbox.SeedSnapshotIDs("demo")[1] // no sales.returns
	tests := []struct {
		name string
		over map[string]any
		want []string // source→target→effective state total, one per collection
	}{
		{"CREATE_NEW renames a collection that exists", map[string]any{"collections": ns("sales.orders", "sales.returns=sales.refunds")}, []string{
			"sales.orders→sales.orders→sales.orders_restored_1 SUCCESSFUL 12480",
			"sales.returns→sales.refunds→sales.refunds SUCCESSFUL 320",
		}},
		{"suffixes apply to every target, renamed only on a clash", map[string]any{
			"collections": ns("sales.orders", "inventory.items=archive.things"), "databaseSuffix": "_old", "collectionSuffix": "_v2",
		}, []string{
			"sales.orders→sales_old.orders_v2→sales_old.orders_v2 SUCCESSFUL 12480",
			"inventory.items→archive_old.things_v2→archive_old.things_v2 SUCCESSFUL 1240",
		}},
		{"a collection suffix alone keeps the database", map[string]any{"collections": ns("sales.orders"), "collectionSuffix": "_v2"}, []string{
			"sales.orders→sales.orders_v2→sales.orders_v2 SUCCESSFUL 12480",
		}},
		{"OVERWRITE_EXISTING replaces", map[string]any{"collections": ns("sales.orders"), "writeStrategy": "OVERWRITE_EXISTING"}, []string{
			"sales.orders→sales.orders→sales.orders SUCCESSFUL 12480",
		}},
		{"a database expands to its collections; an existing one is renamed", map[string]any{"databases": ns("inventory")}, []string{
			"inventory.items→inventory.items→inventory_restored_1.items SUCCESSFUL 1240",
			"inventory.stock→inventory.stock→inventory_restored_1.stock SUCCESSFUL 5600",
		}},
		{"a database into a new name is not renamed", map[string]any{"databases": ns("inventory=inv2")}, []string{
			"inventory.items→inv2.items→inv2.items SUCCESSFUL 1240",
			"inventory.stock→inv2.stock→inv2.stock SUCCESSFUL 5600",
		}},
		{"a database with OVERWRITE_EXISTING", map[string]any{"databases": ns("analytics"), "writeStrategy": "OVERWRITE_EXISTING"}, []string{
			"analytics.events→analytics.events→analytics.events SUCCESSFUL 48000",
		}},
		{"collections first; a database skips a collection listed on its own", map[string]any{
			"databases": ns("inventory=inv2"), "collections": ns("inventory.stock=side.stock"),
		}, []string{
			"inventory.stock→side.stock→side.stock SUCCESSFUL 5600",
			"inventory.items→inv2.items→inv2.items SUCCESSFUL 1240",
		}},
		{"missing sources end NOT_FOUND; the job still succeeds", map[string]any{
			"collections": ns("sales.ordrs", "sales.orders=x.orders"), "databases": ns("billing"),
		}, []string{
			"sales.ordrs→sales.ordrs→ NOT_FOUND 0",
			"sales.orders→x.orders→x.orders SUCCESSFUL 12480",
			"billing→billing→ NOT_FOUND 0",
		}},
		{"an older snapshot lacks sales.returns and has fewer documents", map[string]any{
			"snapshotId": older, "collections": ns("sales.returns=x.returns", "sales.orders=x.orders"),
		}, []string{
			"sales.returns→x.returns→ NOT_FOUND 0",
			"sales.orders→x.orders→x.orders SUCCESSFUL 12105",
		}},
		{"a point in time restores from the snapshot before it", map[string]any{
			"snapshotId": nil, "pointInTimeUtcSeconds": time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).Unix(),
			"collections": ns("sales.returns=x.returns", "sales.orders=x.orders"),
		}, []string{
			"sales.returns→x.returns→ NOT_FOUND 0",
			"sales.orders→x.orders→x.orders SUCCESSFUL 12105",
		}},
		{"an oplog timestamp likewise", map[string]any{
			"snapshotId": nil, "oplogTs": time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC).Unix(), "oplogInc": 3,
			"collections": ns("sales.returns=x.returns"),
		}, []string{
			"sales.returns→x.returns→x.returns SUCCESSFUL 320",
		}},
		{"null suffixes and points in time count as absent", map[string]any{
			"collections": ns("sales.orders=x.orders"), "databaseSuffix": json.RawMessage(`null`), "pointInTimeUtcSeconds": json.RawMessage(`null`),
		}, []string{
			"sales.orders→x.orders→x.orders SUCCESSFUL 12480",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t)
			id := e.createCR(crBody(t, tt.over))
			e.clock.Advance(10 * time.Second)
			if s := e.crState(id).str("state"); s != "SUCCESSFUL" {
				t.Errorf("job %s", s)
			}
			var got []string
			for _, c := range e.crCollections(id) {
				got = append(got, fmt.Sprintf("%s→%s→%s %s %d", c.Source, c.Target, c.Effective, c.State, c.Total))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("collections\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// What an earlier job restored exists afterwards: the next CREATE_NEW of it
// takes the next free name; a failed job restored nothing.
func TestCollectionRestoreRenamesCount(t *testing.T) {
	e := start(t)
	body := crBody(t, map[string]any{"collections": ns("sales.orders")})
	for n := 1; n <= 3; n++ {
		id := e.createCR(body)
		e.clock.Advance(10 * time.Second)
		if c := e.crCollections(id); c[0].Effective != fmt.Sprintf("sales.orders_restored_%d", n) {
			t.Errorf("job %d went to %s", n, c[0].Effective)
		}
	}
	e = start(t, sandbox.WithRestoreOutcome(sandbox.OutcomeFailed))
	for range 2 {
		id := e.createCR(body)
		e.clock.Advance(10 * time.Second)
		if c := e.crCollections(id); c[0].Effective != "sales.orders_restored_1" {
			t.Errorf("after a failed job: %s", c[0].Effective)
		}
	}
}

func TestCollectionRestoreOutcomes(t *testing.T) {
	three := map[string]any{"collections": ns("sales.orders=x.orders", "sales.gone=x.gone", "inventory.items=x.items"), "databases": ns("analytics=x2")}
	tests := []struct {
		outcome sandbox.Outcome
		state   string
		index   string
		message string
		end     string // per-collection state,restored
	}{
		{sandbox.OutcomeSuccess, "SUCCESSFUL", "SUCCESSFUL", "", "SUCCESSFUL,12480;NOT_FOUND,0;SUCCESSFUL,1240;SUCCESSFUL,48000"},
		{sandbox.OutcomeExpired, "SUCCESSFUL", "SUCCESSFUL", "", "SUCCESSFUL,12480;NOT_FOUND,0;SUCCESSFUL,1240;SUCCESSFUL,48000"},
		{sandbox.OutcomeFailed, "FAILED", "NOT_RESTORED", "restoring analytics.events into x2.events failed", "ROLLBACK,12480;NOT_FOUND,0;ROLLBACK,1240;FAILED,24000"},
		{sandbox.OutcomeCancelled, "CANCELED", "NOT_RESTORED", "canceled by MongoDB Cloud while restoring analytics.events", "ROLLBACK,12480;NOT_FOUND,0;ROLLBACK,1240;NOT_RESTORED,24000"},
	}
	for _, tt := range tests {
		t.Run(string(tt.outcome), func(t *testing.T) {
			e := start(t, sandbox.WithRestoreOutcome(tt.outcome))
			id := e.createCR(crBody(t, three))
			e.clock.Advance(3 * time.Second) // orders restoring; the last (analytics.events) not started
			if c := e.crCollections(id); c[0].State != "IN_PROGRESS" || c[3].State != "NOT_STARTED" || c[3].Restored != 0 {
				t.Errorf("at 3s: %+v", c)
			}
			e.clock.Advance(6 * time.Second)
			r := e.crState(id)
			if tt.state == "SUCCESSFUL" && r.str("state") != "FINALIZING" || tt.state != "SUCCESSFUL" && r.str("state") != "IN_PROGRESS" {
				t.Errorf("at 9s: %s", r.str("state"))
			}
			if tt.state != "SUCCESSFUL" { // the last collection is stuck at half
				c := e.crCollections(id)
				if last := c[len(c)-1]; last.State != "IN_PROGRESS" || last.Restored != 24000 {
					t.Errorf("at 9s the last collection is %s, %d", last.State, last.Restored)
				}
			}
			_, errorMessage := r.body["errorMessage"]
			if errorMessage {
				t.Errorf("errorMessage before the end: %s", r.raw)
			}
			e.clock.Advance(time.Second)
			r = e.crState(id)
			idx, _ := indexState(r)
			if r.str("state") != tt.state || idx != tt.index || r.str("finishedAt") != "2026-11-24T12:00:10Z" {
				t.Errorf("end: %s", r.raw)
			}
			if msg := r.str("errorMessage"); tt.message == "" && msg != "" || !strings.Contains(msg, tt.message) {
				t.Errorf("errorMessage %q, want one with %q", msg, tt.message)
			}
			var got []string
			for _, c := range e.crCollections(id) {
				got = append(got, fmt.Sprintf("%s,%d", c.State, c.Restored))
			}
			if strings.Join(got, ";") != tt.end {
				t.Errorf("collections %s, want %s", strings.Join(got, ";"), tt.end)
			}
		})
	}
}

func TestCollectionRestoreIndexBuildFailed(t *testing.T) {
	tests := []struct {
		name     string
		over     map[string]any
		job      string // job indexStatus state/failedCollectionCount
		states   string // per-collection state/index state
		failedAt int    // the collection whose indexes fail, or -1
	}{
		{"a target named *_badindex", map[string]any{"collections": ns("sales.orders=sales.orders_badindex", "inventory.items=x.items")},
			"FAILED/1", "INDEX_BUILD_FAILED/FAILED;SUCCESSFUL/SUCCESSFUL", 0},
		{"a collection suffix makes them all fail", map[string]any{"collections": ns("sales.orders=x.orders"), "databases": ns("inventory=y"), "collectionSuffix": sandbox.BadIndexSuffix},
			"FAILED/3", "INDEX_BUILD_FAILED/FAILED;INDEX_BUILD_FAILED/FAILED;INDEX_BUILD_FAILED/FAILED", 2},
		{"no index built with NONE", map[string]any{"collections": ns("sales.orders=sales.orders_badindex", "sales.nope"), "indexStrategy": "NONE"},
			"NOT_RESTORED/0", "SUCCESSFUL/NOT_RESTORED;NOT_FOUND/NOT_RESTORED", -1},
		{"ALL_EXCEPT_TTL builds them", map[string]any{"collections": ns("sales.orders=sales.orders_badindex"), "indexStrategy": "ALL_EXCEPT_TTL"},
			"FAILED/1", "INDEX_BUILD_FAILED/FAILED", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t)
			id := e.createCR(crBody(t, tt.over))
			e.clock.Advance(10 * time.Second)
			r := e.crState(id)
			st, n := indexState(r)
			if r.str("state") != "SUCCESSFUL" || fmt.Sprintf("%s/%d", st, n) != tt.job {
				t.Errorf("job %s", r.raw)
			}
			var got []string
			cs := e.crCollections(id)
			for _, c := range cs {
				got = append(got, c.State+"/"+c.Index.State)
				if c.State == "INDEX_BUILD_FAILED" && c.Restored != c.Total {
					t.Errorf("%s: its data is restored all the same: %d/%d", c.Source, c.Restored, c.Total)
				}
			}
			if strings.Join(got, ";") != tt.states {
				t.Errorf("collections %s, want %s", strings.Join(got, ";"), tt.states)
			}
			if tt.failedAt >= 0 {
				c := cs[tt.failedAt]
				if !strings.Contains(c.Index.ErrorMessage, "E11000") || !strings.Contains(c.Index.ErrorMessage, c.Effective) ||
					len(c.Index.FailedIndexes) != 1 || c.Index.FailedIndexes[0]["name"] != "externalId_1" {
					t.Errorf("index status %+v", c.Index)
				}
			}
		})
	}
	// NONE: the total is an estimate while INITIALIZING all the same.
	e := start(t)
	r := e.post3(collJobs, crBody(t, map[string]any{"collections": ns("sales.orders=x.orders"), "indexStrategy": "NONE"}))
	if st, _ := indexState(r); num(r, "totalDocuments") != 13000 || st != "NOT_RESTORED" {
		t.Errorf("new NONE job %s", r.raw)
	}
	// The job counts failed collections as they fail.
	e = start(t)
	id := e.createCR(crBody(t, map[string]any{"collections": ns("sales.orders=x.a_badindex", "inventory.items=x.items")}))
	e.clock.Advance(5 * time.Second) // the first one done, the second restoring
	if st, n := indexState(e.crState(id)); st != "IN_PROGRESS" || n != 1 {
		t.Errorf("at 5s: index %s, %d failed", st, n)
	}
}

func TestCollectionRestoreValidation(t *testing.T) {
	e := start(t)
	snaps := sandbox.SeedSnapshotIDs("demo")
	long := strings.Repeat("x", 64)
	hundred := func(prefix string) []any {
		var specs []string
		for i := range 101 {
			specs = append(specs, fmt.Sprintf("%s%d", prefix, i))
		}
		return ns(specs...)
	}
	tests := []struct {
		name   string
		path   string // default: the demo cluster's jobs
		body   string
		status int
		code   string
		fields []string // badRequestDetail fields, in order
	}{
		{name: "required fields", body: `{"collections":[{"sourceNamespace":"sales.orders"}],"snapshotId":"` + snaps[0] + `"}`, status: 400, code: "VALIDATION_ERROR",
			fields: []string{"targetClusterName", "targetGroupId", "indexStrategy", "writeStrategy"}},
		{name: "enums", body: crBody(t, map[string]any{"collections": ns("sales.orders"), "indexStrategy": "all", "writeStrategy": "MERGE"}), status: 400, code: "VALIDATION_ERROR",
			fields: []string{"indexStrategy", "writeStrategy"}},
		{name: "no namespace", body: crBody(t, nil), status: 400, code: "VALIDATION_ERROR", fields: []string{"collections"}},
		{name: "empty lists", body: crBody(t, map[string]any{"collections": []any{}, "databases": []any{}}), status: 400, code: "VALIDATION_ERROR", fields: []string{"collections"}},
		{name: "no source", body: crBody(t, map[string]any{"snapshotId": nil, "collections": ns("sales.orders")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"snapshotId"}},
		{name: "two sources", body: crBody(t, map[string]any{"pointInTimeUtcSeconds": 1795000000, "collections": ns("sales.orders")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"snapshotId"}},
		{name: "oplogTs without oplogInc", body: crBody(t, map[string]any{"snapshotId": nil, "oplogTs": 1795000000, "collections": ns("sales.orders")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"oplogTs"}},
		{name: "a point in time in the future", body: crBody(t, map[string]any{"snapshotId": nil, "pointInTimeUtcSeconds": 2000000000, "collections": ns("sales.orders")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"pointInTimeUtcSeconds"}},
		{name: "not int32", body: crBody(t, map[string]any{"snapshotId": nil, "pointInTimeUtcSeconds": 1 << 40, "collections": ns("sales.orders")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"pointInTimeUtcSeconds"}},
		{name: "before the restore window", body: crBody(t, map[string]any{"snapshotId": nil, "pointInTimeUtcSeconds": 1700000000, "collections": ns("sales.orders")}), status: 400, code: "INVALID_POINT_IN_TIME"},
		{name: "bad snapshotId", body: crBody(t, map[string]any{"snapshotId": "latest", "collections": ns("sales.orders")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"snapshotId"}},
		{name: "more than 100 collections", body: crBody(t, map[string]any{"collections": hundred("sales.c")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"collections"}},
		{name: "more than 100 databases", body: crBody(t, map[string]any{"databases": hundred("db")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"databases"}},
		{name: "a source twice", body: crBody(t, map[string]any{"collections": ns("sales.orders", "sales.orders=x.y")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"collections[1].sourceNamespace"}},
		{name: "names", body: crBody(t, map[string]any{
			"collections": ns("sales", "sales.system.views", "sa$les.orders", "sales.", "sales.orders=bad/db.orders"),
			"databases":   ns("sales.orders", long, "ok=a b"),
		}), status: 400, code: "VALIDATION_ERROR", fields: []string{
			"collections[0].sourceNamespace", "collections[1].sourceNamespace", "collections[2].sourceNamespace", "collections[3].sourceNamespace",
			"collections[4].targetNamespace", "databases[0].sourceNamespace", "databases[1].sourceNamespace", "databases[2].targetNamespace",
		}},
		{name: "entries", body: crBody(t, map[string]any{"collections": []any{"sales.orders", map[string]any{"targetNamespace": "a.b"}, map[string]any{"sourceNamespace": "sales.orders", "foo": 1}}}), status: 400, code: "VALIDATION_ERROR",
			fields: []string{"collections[0]", "collections[1].sourceNamespace", "collections[2].foo"}},
		{name: "not an array", body: crBody(t, map[string]any{"collections": "sales.orders"}), status: 400, code: "VALIDATION_ERROR", fields: []string{"collections"}},
		{name: "suffixes", body: crBody(t, map[string]any{"collections": ns("sales.orders"), "databaseSuffix": ".x", "collectionSuffix": "$x"}), status: 400, code: "VALIDATION_ERROR",
			fields: []string{"databaseSuffix", "collectionSuffix"}},
		{name: "a suffix that makes a name too long", body: crBody(t, map[string]any{"databases": ns("sales"), "databaseSuffix": strings.Repeat("s", 60)}), status: 400, code: "VALIDATION_ERROR",
			fields: []string{"databaseSuffix"}},
		{name: "two collections into one target", body: crBody(t, map[string]any{"collections": ns("sales.orders=x.y", "sales.invoices=x.y")}), status: 400, code: "VALIDATION_ERROR", fields: []string{"collections"}},
		{name: "unknown attribute", body: crBody(t, map[string]any{"collections": ns("sales.orders"), "deliveryType": "automated"}), status: 400, code: "VALIDATION_ERROR", fields: []string{"deliveryType"}},
		{name: "read-only attributes are ignored", body: crBody(t, map[string]any{"collections": ns("sales.orders=x.orders"), "state": "SUCCESSFUL", "id": "x"}), status: 201},
		{name: "not JSON", body: `[1]`, status: 400, code: "VALIDATION_ERROR"},
		{name: "null body", body: `null`, status: 400, code: "VALIDATION_ERROR"},
		{name: "unknown snapshot", body: crBody(t, map[string]any{"snapshotId": "65f0e0e0d0e0000000000fff", "collections": ns("sales.orders")}), status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "snapshot in progress", body: crBody(t, map[string]any{"snapshotId": sandbox.DemoInProgressSnapshotID, "collections": ns("sales.orders")}), status: 400, code: "SNAPSHOT_NOT_COMPLETED"},
		{name: "unknown target cluster", body: crBody(t, map[string]any{"targetClusterName": "gone", "collections": ns("sales.orders")}), status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "unknown target project", body: crBody(t, map[string]any{"targetGroupId": "65f0a1b2c3d4e5f6012345ff", "collections": ns("sales.orders")}), status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "unknown source cluster", path: groups + sandbox.DemoProjectID + "/clusters/gone/collectionRestoreJobs", body: crBody(t, map[string]any{"collections": ns("sales.orders")}), status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "backup off", path: groups + sandbox.DemoProjectID + "/clusters/legacy/collectionRestoreJobs", body: crBody(t, map[string]any{"collections": ns("sales.orders")}), status: 400, code: "BACKUP_NOT_ENABLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post3(cmpOr(tt.path, collJobs), tt.body)
			wantStatus(t, r, tt.status, tt.code)
			if tt.fields != nil {
				var got []string
				detail, _ := r.body["badRequestDetail"].(map[string]any)
				fs, _ := detail["fields"].([]any)
				for _, f := range fs {
					got = append(got, f.(map[string]any)["field"].(string))
				}
				if !slices.Equal(got, tt.fields) {
					t.Errorf("fields %v, want %v\n%s", got, tt.fields, r.raw)
				}
			}
			if tt.status == 201 {
				e.clock.Advance(10 * time.Second) // let it end, for the next case
			}
		})
	}
	if n := len(e.get3(collJobs).results()); n != 1 {
		t.Errorf("%d jobs made; want only the one accepted", n)
	}
	// The media type: a POST in plain text is refused.
	r := e.send(req{method: http.MethodPost, path: collJobs, body: crBody(t, map[string]any{"collections": ns("sales.orders")}), accept: v3, header: map[string]string{"Content-Type": "text/plain"}})
	wantStatus(t, r, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE")
}

// Another project is a valid target; the job is the source cluster's.
func TestCollectionRestoreAcrossProjects(t *testing.T) {
	e := start(t)
	id := e.createCR(crBody(t, map[string]any{"collections": ns("sales.orders"), "targetClusterName": "staging", "targetGroupId": sandbox.DemoStagingID}))
	r := e.crState(id)
	if r.str("targetClusterName") != "staging" || r.str("targetGroupId") != sandbox.DemoStagingID {
		t.Errorf("job %s", r.raw)
	}
	staging := groups + sandbox.DemoStagingID + "/clusters/staging/collectionRestoreJobs"
	if n := len(e.get3(staging).results()); n != 0 {
		t.Errorf("the target lists %d jobs", n)
	}
	wantStatus(t, e.get3(staging+"/"+id), 404, "RESOURCE_NOT_FOUND")
}

func TestCollectionRestoreConflicts(t *testing.T) {
	e := start(t)
	body := crBody(t, map[string]any{"collections": ns("sales.orders")})
	first := e.createCR(body)
	staging := groups + sandbox.DemoStagingID + "/clusters/staging/collectionRestoreJobs"
	intoDemo := crBody(t, map[string]any{"collections": ns("sales.orders"), "snapshotId": sandbox.SeedSnapshotIDs("staging")[0]})
	for _, tt := range []struct {
		name, path, body string
	}{
		{"the same source", collJobs, body},
		{"the same source, another target", collJobs, crBody(t, map[string]any{"collections": ns("sales.orders"), "targetClusterName": "analytics"})},
		{"another source into the same target", staging, intoDemo},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post3(tt.path, tt.body)
			wantStatus(t, r, http.StatusConflict, "COLLECTION_RESTORE_ALREADY_IN_PROGRESS")
			if !strings.Contains(r.str("detail"), first) || !strings.Contains(r.str("detail"), "INITIALIZING") {
				t.Errorf("detail %s", r.raw)
			}
		})
	}
	// An automated restore into a cluster a collection restore writes to.
	automated := `{"deliveryType":"automated","snapshotId":"` + sandbox.SeedSnapshotIDs("demo")[1] + `","targetClusterName":"demo","targetGroupId":"` + sandbox.DemoProjectID + `"}`
	wantStatus(t, e.post(demo+"/restoreJobs", automated), http.StatusConflict, "CLUSTER_RESTORE_IN_PROGRESS")
	// Other clusters are free.
	other := groups + sandbox.DemoProjectID + "/clusters/analytics/collectionRestoreJobs"
	wantStatus(t, e.post3(other, crBody(t, map[string]any{"collections": ns("sales.orders"), "targetClusterName": "analytics", "snapshotId": sandbox.SeedSnapshotIDs("analytics")[0]})), 201, "")

	e.clock.Advance(10 * time.Second) // the first has ended
	wantStatus(t, e.post(demo+"/restoreJobs", automated), 200, "")
	// A collection restore into a cluster an automated restore writes to.
	wantStatus(t, e.post3(collJobs, body), http.StatusConflict, "CLUSTER_RESTORE_IN_PROGRESS")
	e.clock.Advance(10 * time.Second)
	wantStatus(t, e.post3(collJobs, body), 201, "")
}

func TestCollectionRestoreStateList(t *testing.T) {
	e := start(t)
	id := e.createCR(crBody(t, map[string]any{
		"collections": ns("sales.orders=x.orders", "sales.nope"), "databases": ns("inventory=inv2", "analytics"),
	}))
	list := collJobs + "/" + id + "/collections"
	// INITIALIZING: no states yet.
	r := e.get3(list)
	wantStatus(t, r, 200, "")
	if len(r.results()) != 0 || r.body["totalCount"] != float64(0) {
		t.Errorf("while INITIALIZING: %s", r.raw)
	}
	e.clock.Advance(4500 * time.Millisecond) // 4 collections in slots of 1.5s: orders done, items restoring
	sources := func(r response) string {
		var out []string
		for _, x := range r.results() {
			out = append(out, x.(map[string]any)["sourceNamespace"].(string))
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		query string
		want  string
		total float64
	}{
		{"", "sales.orders,sales.nope,inventory.items,inventory.stock,analytics.events", 5},
		{"?itemsPerPage=2&pageNum=2", "inventory.items,inventory.stock", 5},
		{"?itemsPerPage=2&pageNum=4", "", 5},
		{"?state=NOT_FOUND", "sales.nope", 1},
		{"?state=SUCCESSFUL", "sales.orders", 1},
		{"?state=NOT_STARTED", "inventory.stock,analytics.events", 2},
		{"?state=ROLLBACK", "", 0},
		{"?sourceNamespace=inventory.items", "inventory.items", 1},
		{"?targetNamespace=inv2.stock", "inventory.stock", 1},
		{"?targetNamespace=analytics.events&state=NOT_STARTED", "analytics.events", 1},
		{"?targetNamespace=analytics_restored_1.events", "", 0}, // the requested target, not the effective one
	} {
		r := e.get3(list + tt.query)
		wantStatus(t, r, 200, "")
		if sources(r) != tt.want || r.body["totalCount"] != tt.total {
			t.Errorf("%s: %s (totalCount %v), want %s (%v)", cmpOr(tt.query, "all"), sources(r), r.body["totalCount"], tt.want, tt.total)
		}
	}
	wantStatus(t, e.get3(list+"?state=DONE"), 400, "VALIDATION_ERROR")
	wantStatus(t, e.get3(list+"?itemsPerPage=501"), 400, "VALIDATION_ERROR")
	wantStatus(t, e.get3(list+"/sales.nope"), 200, "")
	wantStatus(t, e.get3(list+"/sales.customers"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.get3(collJobs+"/65f0e0e0d0e0000000000fff/collections"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.get3(collJobs+"/not-an-id/collections"), 400, "VALIDATION_ERROR")
}

func TestCollectionRestoreList(t *testing.T) {
	e := start(t)
	var ids []string
	for range 3 {
		ids = append(ids, e.createCR(crBody(t, map[string]any{"collections": ns("sales.orders")})))
		e.clock.Advance(10 * time.Second)
	}
	r := e.get3(collJobs + "?itemsPerPage=2")
	wantStatus(t, r, 200, "")
	var got []string
	for _, x := range r.results() {
		got = append(got, x.(map[string]any)["id"].(string))
	}
	if !slices.Equal(got, []string{ids[2], ids[1]}) || r.body["totalCount"] != float64(3) || !slices.Equal(rels(r), []string{"self", "next"}) {
		t.Errorf("page 1 (newest first) %s", r.raw)
	}
	r = e.get3(collJobs + "?itemsPerPage=2&pageNum=2")
	if len(r.results()) != 1 || r.results()[0].(map[string]any)["id"] != ids[0] {
		t.Errorf("page 2 %s", r.raw)
	}
	if r := e.get3(groups + sandbox.DemoProjectID + "/clusters/analytics/collectionRestoreJobs"); len(r.results()) != 0 {
		t.Errorf("another cluster lists %s", r.raw)
	}
	wantStatus(t, e.get3(collJobs+"/65f0e0e0d0e0000000000fff"), 404, "RESOURCE_NOT_FOUND")
	wantStatus(t, e.get3(groups+sandbox.DemoProjectID+"/clusters/gone/collectionRestoreJobs"), 404, "RESOURCE_NOT_FOUND")
	// Not under /backup.
	wantStatus(t, e.get3(demo+"/collectionRestoreJobs"), 404, "RESOURCE_NOT_FOUND")
}

// One version, 2025-03-12; no DELETE; faults and the request log reach the
// operations by their names.
func TestCollectionRestoreVersionsMethodsFaults(t *testing.T) {
	e := start(t)
	id := e.createCR(crBody(t, map[string]any{"collections": ns("sales.orders")}))
	job := collJobs + "/" + id
	for _, path := range []string{collJobs, job, job + "/collections", job + "/collections/sales.orders"} {
		for _, accept := range []string{v1, "application/vnd.atlas.2024-11-13+json", "application/json"} {
			wantStatus(t, e.send(req{path: path, accept: accept}), 406, "INVALID_VERSION_DATE")
		}
	}
	r := e.send(req{method: http.MethodPost, path: collJobs, body: crBody(t, map[string]any{"collections": ns("sales.orders")}), accept: v1})
	wantStatus(t, r, 406, "INVALID_VERSION_DATE")

	r = e.send(req{method: http.MethodDelete, path: job, accept: v3})
	wantStatus(t, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
	if r.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
	r = e.send(req{method: http.MethodPatch, path: collJobs, accept: v3})
	if r.status != 405 || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("PATCH: %d Allow %q", r.status, r.header.Get("Allow"))
	}

	var lines []string
	f := start(t,
		sandbox.WithFaults(mustFault(t, "createCollectionRestoreJob:409:1"), mustFault(t, "getGroupClusterCollectionRestoreJob:503:1"),
			mustFault(t, "listSnapshotDatabaseCollections:500:1")),
		sandbox.WithLog(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }))
	body := crBody(t, map[string]any{"collections": ns("sales.orders")})
	wantStatus(t, f.post3(collJobs, body), http.StatusConflict, "CONFLICT")
	if n := len(f.get3(collJobs).results()); n != 0 {
		t.Errorf("a faulted create made %d jobs", n)
	}
	id = f.createCR(body)
	wantStatus(t, f.get3(collJobs+"/"+id), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	wantStatus(t, f.get3(collJobs+"/"+id), 200, "")
	colls := demo + "/snapshots/" + sandbox.SeedSnapshotIDs("demo")[0] + "/databases/sales/collections"
	wantStatus(t, f.get3(colls), 500, "UNEXPECTED_ERROR")
	wantStatus(t, f.get3(colls), 200, "")
	for _, op := range []string{"createCollectionRestoreJob", "getCollectionRestoreJob", "listCollectionRestoreJobs", "listSnapshotDatabaseCollections"} {
		found := false
		for _, q := range f.sb.Requests() {
			found = found || q.Operation == op
		}
		if !found {
			t.Errorf("no %s in the request log", op)
		}
	}
	if want := "POST " + collJobs + " 201 createCollectionRestoreJob"; !slices.Contains(lines, want) {
		t.Errorf("no log line %q in %q", want, lines)
	}
	for _, name := range []string{"getRestoreJobCollection", "getGroupClusterCollectionRestoreJobCollection", "listBackupSnapshotDatabases",
		"getBackupSnapshotDatabase", "getSnapshotDatabaseCollection", "listRestoreJobCollections"} {
		if _, err := sandbox.ParseFault(name + ":503"); err != nil {
			t.Errorf("ParseFault(%s): %v", name, err)
		}
	}
}

// Advance moves collection restore jobs on as it does the others.
func TestCollectionRestoreAdvance(t *testing.T) {
	srv := start(t, sandbox.WithJobDuration(time.Hour))
	id := srv.createCR(crBody(t, map[string]any{"collections": ns("sales.orders")}))
	srv.sb.Advance(time.Hour)
	if s := srv.crState(id).str("state"); s != "SUCCESSFUL" {
		t.Errorf("after Advance(1h): %s", s)
	}
}
