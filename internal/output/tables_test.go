package output

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// decode decodes JSON into a value of type T, as the API client does.
func decode[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

const projectID = "5f1a2b3c4d5e6f7a8b9c0d1e"

func TestTables(t *testing.T) {
	tests := []struct {
		name  string
		table *Table
		want  string
	}{
		{
			name:  "export jobs",
			table: ExportJobsTable(decode[[]api.ExportJob](t, results(t, "export_jobs.json"))),
			want: "" +
				"ID                         STATE        PROGRESS   CREATED (UTC)         FINISHED (UTC)\n" +
				"65a1f0c2e4b0a1b2c3d4e5f6   Successful   42/42      2024-01-13 09:30:05   2024-01-13 10:02:47\n" +
				"65a2a7d0e4b0a1b2c3d4e5f7   Queued       -          2024-01-14 08:00:00   -\n",
		},
		{
			name:  "one export job",
			table: ExportJobTable(decode[api.ExportJob](t, readAPI(t, "export_job.json"))),
			want: "" +
				"ID                         STATE        PROGRESS   CREATED (UTC)         FINISHED (UTC)\n" +
				"65a1f0c2e4b0a1b2c3d4e5f6   InProgress   12/42      2024-01-13 09:30:05   -\n",
		},
		{
			name:  "no export jobs",
			table: ExportJobsTable(decode[[]api.ExportJob](t, results(t, "export_jobs_empty.json"))),
			want:  "ID   STATE   PROGRESS   CREATED (UTC)   FINISHED (UTC)\n",
		},
		{
			name:  "restore jobs",
			table: RestoreJobsTable(decode[[]api.RestoreJob](t, results(t, "restore_jobs.json")), projectID),
			want: "" +
				"ID                         TYPE          STATUS      SNAPSHOT                   TARGET                             FINISHED (UTC)\n" +
				"65b0c1d2e3f4a5b6c7d8e9f1   automated     Succeeded   65a1e0b1d3a0f1e2d3c4b5a6   cluster1                           2024-01-13 11:15:00\n" +
				"65b0c1d2e3f4a5b6c7d8e9f2   download      Succeeded   65a1e0b1d3a0f1e2d3c4b5a6   -                                  -\n" +
				"65b0c1d2e3f4a5b6c7d8e9f3   automated     Cancelled   65a29f00d3a0f1e2d3c4b5a7   6a7b8c9d0e1f2a3b4c5d6e7f/staging   -\n" +
				"65b0c1d2e3f4a5b6c7d8e9f0   pointInTime   Pending     -                          cluster1                           -\n",
		},
		{
			name:  "one restore job",
			table: RestoreJobTable(decode[api.RestoreJob](t, readAPI(t, "restore_job_pit.json")), projectID),
			want: "" +
				"ID                         TYPE          STATUS    SNAPSHOT   TARGET     FINISHED (UTC)\n" +
				"65b0c1d2e3f4a5b6c7d8e9f0   pointInTime   Pending   -          cluster1   -\n",
		},
		{
			name:  "snapshots",
			table: SnapshotsTable(decode[[]api.Snapshot](t, results(t, "snapshots.json"))),
			want: "" +
				"ID                         STATUS       TYPE        CREATED (UTC)         SIZE\n" +
				"65a29f00d3a0f1e2d3c4b5a7   inProgress   scheduled   2024-01-14 09:00:00   512 B\n" +
				"65a1e0b1d3a0f1e2d3c4b5a6   completed    onDemand    2024-01-13 09:00:00   26.2 GiB\n",
		},
		{
			name:  "one snapshot",
			table: SnapshotsTable([]api.Snapshot{{ID: "65a1e0b1d3a0f1e2d3c4b5a6", Status: "queued", SnapshotType: "onDemand"}}),
			want: "" +
				"ID                         STATUS   TYPE       CREATED (UTC)   SIZE\n" +
				"65a1e0b1d3a0f1e2d3c4b5a6   queued   onDemand   -               0 B\n",
		},
		{
			name:  "buckets",
			table: BucketsTable(decode[[]api.Bucket](t, results(t, "buckets.json"))),
			want: "" +
				"ID                         NAME                 PROVIDER\n" +
				"64f0a1b2c3d4e5f6a7b8c9d0   acme-atlas-exports   AWS\n" +
				"64f0a1b2c3d4e5f6a7b8c9d2   acme-exports-eu      GCP\n",
		},
		{
			name:  "one bucket",
			table: BucketsTable([]api.Bucket{{ID: "64f0a1b2c3d4e5f6a7b8c9d0", BucketName: "b", CloudProvider: "AZURE"}}),
			want: "" +
				"ID                         NAME   PROVIDER\n" +
				"64f0a1b2c3d4e5f6a7b8c9d0   b      AZURE\n",
		},
		{
			name:  "header is upper-cased, cells are not",
			table: &Table{Header: []string{"id", "Name"}, Rows: [][]string{{"a", "mixedCase"}}},
			want:  "ID   NAME\na    mixedCase\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, "table", Value{Table: tt.table})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if strings.ContainsRune(got, '\x1b') {
				t.Errorf("output has ANSI escapes: %q", got)
			}
			if strings.ContainsFunc(got, func(r rune) bool { return r >= 0x2500 && r <= 0x257f || r == '|' || r == '+' }) {
				t.Errorf("output has border characters: %q", got)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	at := time.Date(2024, 1, 13, 11, 30, 5, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		in   *time.Time
		want string
	}{
		{nil, "-"},
		{&time.Time{}, "-"},
		{&at, "2024-01-13 09:30:05"}, // shown in UTC
	}
	for _, tt := range tests {
		if got := FormatTime(tt.in); got != tt.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{512, "512 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{5 << 20, "5.0 MiB"},
		{28132035788, "26.2 GiB"},
		{1 << 40, "1.0 TiB"},
		{math.MaxInt64, "8.0 EiB"},
	}
	for _, tt := range tests {
		if got := formatSize(tt.in); got != tt.want {
			t.Errorf("formatSize(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every column of times says that they are in UTC: a user in New York
// must not read them as local times.
func TestTimeColumnsSayUTC(t *testing.T) {
	for name, table := range map[string]*Table{
		"export jobs":  ExportJobsTable(nil),
		"restore jobs": RestoreJobsTable(nil, projectID),
		"snapshots":    SnapshotsTable(nil),
		"fleet":        FleetExportsTable(),
	} {
		times := 0
		for _, h := range table.Header {
			if strings.Contains(h, "CREATED") || strings.Contains(h, "FINISHED") {
				times++
				if !strings.HasSuffix(h, " (UTC)") {
					t.Errorf("%s: column %q does not say UTC", name, h)
				}
			}
		}
		if times == 0 {
			t.Errorf("%s: no time column in %q", name, table.Header)
		}
	}
}
