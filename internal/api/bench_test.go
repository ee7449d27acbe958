package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// BenchmarkDecodeList10k reads one page of 10,000 export jobs over loopback
// HTTP and decodes it: typed items and the raw array for -o json.
func BenchmarkDecodeList10k(b *testing.B) {
	var page strings.Builder
	page.WriteString(`{"links":[],"totalCount":10000,"results":[`)
	for i := range 10_000 {
		if i > 0 {
			page.WriteByte(',')
		}
		fmt.Fprintf(&page, `{"id":"6b05f41c%016x","snapshotId":"65f0e0e0d0e0000000000001","exportBucketId":"65f0b0c0d0e0f00000000001",`+
			`"state":"Successful","exportStatus":{"exportedCollections":42,"totalCollections":42},`+
			`"createdAt":"2026-12-01T00:00:00Z","finishedAt":"2026-12-01T00:10:00Z","customData":[],"links":[]}`, i)
	}
	page.WriteString(`]}`)
	body := page.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.Write([]byte(body))
	}))
	b.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: "t"}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := c.ListExports(context.Background(), "65f0a1b2c3d4e5f601234567", "demo", api.ListOptions{})
		if err != nil || len(l.Items) != 10_000 {
			b.Fatalf("%d items, %v", len(l.Items), err)
		}
	}
}
