package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// endlessPages answers every page with one result and a next link, forever;
// self gives the pageNum its self link claims, next its next link's query.
func endlessPages(t *testing.T, total *int, self func(page int) int, next func(page, n int) string) (*api.Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/atlas/v2/groups/"+sandbox.DemoProjectID+"/backup/exportBuckets" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		count := int(n.Add(1))
		page, _ := strconv.Atoi(r.URL.Query().Get("pageNum"))
		base := "http://" + r.Host + r.URL.Path
		body := map[string]any{
			"results": []any{map[string]any{"_id": fmt.Sprintf("%024x", count), "bucketName": "b", "cloudProvider": "AWS"}},
			"links": []any{
				map[string]any{"rel": "self", "href": base + "?pageNum=" + strconv.Itoa(self(page))},
				map[string]any{"rel": "next", "href": base + "?" + next(page, count)},
			},
		}
		if total != nil {
			body["totalCount"] = *total
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: "t0ken"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func TestPagingBounds(t *testing.T) {
	same := func(page int) int { return page }
	following := func(page, _ int) string { return "pageNum=" + strconv.Itoa(page+1) }
	huge := 1 << 30
	for _, tt := range []struct {
		name  string
		total *int
		self  func(int) int
		next  func(page, n int) string
		pages int64
		want  string
	}{
		{"no totalCount", nil, same, following, 300,
			"paging GET /api/atlas/v2/groups/" + sandbox.DemoProjectID + "/backup/exportBuckets stopped after page 300: it still links to a next page, and without a totalCount at most 300 pages are followed; the list is incomplete"},
		{"a totalCount past any list", &huge, same, following, 1,
			"paging GET /api/atlas/v2/groups/" + sandbox.DemoProjectID + "/backup/exportBuckets stopped after page 1: its totalCount 1073741824 makes 2147484 pages of 500, more than the 10000 pages followed at most; the list is incomplete"},
		// Next links that differ every time (a nonce), on a page that says
		// it is page 1 again.
		{"self link repeats", nil, func(int) int { return 1 }, func(page, n int) string { return "pageNum=" + strconv.Itoa(page+1) + "&nonce=" + strconv.Itoa(n) }, 2,
			"paging GET /api/atlas/v2/groups/" + sandbox.DemoProjectID + "/backup/exportBuckets stopped after page 2: its self link says pageNum 1, as page 1's did (the pages repeat); the list is incomplete"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.total == nil && tt.pages > 2 {
				api.SetMaxPages(t, int(tt.pages)) // not the 10,000 a list follows at most
			}
			c, n := endlessPages(t, tt.total, tt.self, tt.next)
			_, err := c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{All: true})
			var pe *api.PagingError
			if !errors.As(err, &pe) || err.Error() != tt.want || n.Load() != tt.pages {
				t.Errorf("after %d pages: %v\nwant after %d: %s", n.Load(), err, tt.pages, tt.want)
			}
		})
	}
}
