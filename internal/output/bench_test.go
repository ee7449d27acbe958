package output

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// tenThousandJobs is a list of 10,000 export jobs, typed and as JSON.
func tenThousandJobs(b *testing.B) ([]api.ExportJob, []byte) {
	b.Helper()
	jobs := make([]api.ExportJob, 10_000)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range jobs {
		created := now.Add(time.Duration(i) * time.Minute)
		jobs[i] = api.ExportJob{ID: fmt.Sprintf("6b05f41c%016x", i), State: api.ExportSuccessful, CreatedAt: &created, FinishedAt: &created,
			ExportRequest: api.ExportRequest{SnapshotID: "65f0e0e0d0e0000000000001", ExportBucketID: "65f0b0c0d0e0f00000000001"},
			ExportStatus:  &api.ExportStatus{ExportedCollections: 42, TotalCollections: 42}}
	}
	raw, err := json.Marshal(jobs)
	if err != nil {
		b.Fatal(err)
	}
	return jobs, raw
}

func BenchmarkRenderTable10k(b *testing.B) {
	jobs, raw := tenThousandJobs(b)
	p, _ := New("table")
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Print(io.Discard, Value{Raw: raw, Table: ExportJobsTable(jobs)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderJSON10k(b *testing.B) {
	_, raw := tenThousandJobs(b)
	p, _ := New("json")
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Print(io.Discard, Value{Raw: raw}); err != nil {
			b.Fatal(err)
		}
	}
}
