package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// Atlas does not keep export bucket names unique: a --bucket-id name that
// two buckets share is a usage error (exit 2) listing their IDs, and no
// export is created with either.
func TestExportCreateAmbiguousBucketName(t *testing.T) {
	t.Parallel()
	bucketsPath := "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/backup/exportBuckets"
	var mu sync.Mutex
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.Method != http.MethodGet || r.URL.Path != bucketsPath {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json")
		json.NewEncoder(w).Encode(map[string]any{"totalCount": 3, "links": []any{}, "results": []any{
			map[string]any{"_id": "65f0b0c0d0e0f00000000001", "bucketName": "shared", "cloudProvider": "AWS", "region": "us-east-1"},
			map[string]any{"_id": "65f0b0c0d0e0f00000000002", "bucketName": "other", "cloudProvider": "AWS", "region": "us-east-1"},
			map[string]any{"_id": "65f0b0c0d0e0f00000000003", "bucketName": "shared", "cloudProvider": "AWS", "region": "eu-west-1"},
		}})
	}))
	t.Cleanup(srv.Close)
	env := []string{"MONGODB_ATLAS_BASE_URL=" + srv.URL, "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID, "MONGODB_ATLAS_ACCESS_TOKEN=t0ken"}

	res := runAtlasBackup(t, env, "export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "shared")
	want := `Error: --bucket-id "shared": 2 export buckets of project ` + sandbox.DemoProjectID + ` have that name; give one's ID: ` +
		`65f0b0c0d0e0f00000000001 (AWS, us-east-1), 65f0b0c0d0e0f00000000003 (AWS, eu-west-1)` + "\n"
	if res.code != 2 || res.stderr != want || res.stdout != "" {
		t.Errorf("exit %d, want 2; stderr\n got %s\nwant %s%s", res.code, res.stderr, want, res)
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.ContainsFunc(requests, func(r string) bool { return !strings.HasPrefix(r, "GET ") }) || len(requests) != 1 {
		t.Errorf("requests %q, want the one bucket list and no create", requests)
	}
}
