package output

import (
	"slices"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// Collection restore jobs: PROGRESS is "-" before Atlas counts documents,
// TARGET names another project; the per-collection states show where each
// collection really went.
func TestCollectionRestoreTables(t *testing.T) {
	jobs := decode[[]api.CollectionRestoreJob](t, []byte(`[
		{"id":"6b0000000000000000000001","state":"IN_PROGRESS","restoredDocuments":500,"totalDocuments":2000,
		 "collections":[{"sourceNamespace":"a.b"}],"databases":[{"sourceNamespace":"c"}],
		 "targetClusterName":"demo","targetGroupId":"`+projectID+`","createdAt":"2026-11-24T12:00:00Z"},
		{"id":"6b0000000000000000000002","state":"INITIALIZING","targetClusterName":"staging","targetGroupId":"65f0a1b2c3d4e5f601234568",
		 "collections":[{"sourceNamespace":"a.b"}],"finishedAt":"2026-11-24T13:00:00Z"}]`))
	tbl := CollectionRestoreJobsTable(jobs, projectID)
	want := [][]string{
		{"6b0000000000000000000001", "IN_PROGRESS", "500/2000", "2", "demo", "2026-11-24 12:00:00", "-"},
		{"6b0000000000000000000002", "INITIALIZING", "-", "1", "65f0a1b2c3d4e5f601234568/staging", "-", "2026-11-24 13:00:00"},
	}
	if !slices.Equal(tbl.Header, []string{"ID", "STATE", "PROGRESS", "NAMESPACES", "TARGET", "CREATED (UTC)", "FINISHED (UTC)"}) {
		t.Errorf("header %q", tbl.Header)
	}
	for i := range want {
		if !slices.Equal(tbl.Rows[i], want[i]) {
			t.Errorf("row %d: %q, want %q", i, tbl.Rows[i], want[i])
		}
	}

	states := decode[[]api.CollectionState](t, []byte(`[
		{"sourceNamespace":"sales.orders","targetNamespace":"sales.orders","effectiveTargetNamespace":"sales.orders_restored_1",
		 "state":"SUCCESSFUL","restoredDocuments":10,"totalDocuments":10,"indexStatus":{"state":"SUCCESSFUL"}},
		{"sourceNamespace":"sales.nope","targetNamespace":"sales.nope","state":"NOT_FOUND"}]`))
	st := CollectionStatesTable(states)
	wantStates := [][]string{
		{"sales.orders", "sales.orders_restored_1", "SUCCESSFUL", "10/10", "SUCCESSFUL"},
		{"sales.nope", "sales.nope", "NOT_FOUND", "0/0", "-"},
	}
	for i := range wantStates {
		if !slices.Equal(st.Rows[i], wantStates[i]) {
			t.Errorf("state row %d: %q, want %q", i, st.Rows[i], wantStates[i])
		}
	}
	if n := NamesTable([]string{"sales"}); !slices.Equal(n.Header, []string{"NAME"}) || n.Rows[0][0] != "sales" {
		t.Errorf("names %+v", n)
	}
}
