package output

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readAPI returns a recorded Atlas response body from testdata/api.
func readAPI(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "api", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// results returns a recorded list page's results array, byte for byte, as
// the API client hands it to the printers.
func results(t *testing.T, name string) []byte {
	t.Helper()
	var page struct{ Results json.RawMessage }
	if err := json.Unmarshal(readAPI(t, name), &page); err != nil {
		t.Fatal(err)
	}
	return page.Results
}

func render(t *testing.T, format string, v Value) (string, error) {
	t.Helper()
	p, err := New(format)
	if err != nil {
		t.Fatalf("New(%q): %v", format, err)
	}
	var out bytes.Buffer
	err = p.Print(&out, v)
	if err != nil && out.Len() > 0 {
		t.Errorf("Print failed (%v) but wrote %q", err, out.String())
	}
	return out.String(), err
}

func TestNew(t *testing.T) {
	tests := []struct {
		format  string
		wantErr string // "" means no error
	}{
		{"", ""},
		{"table", ""},
		{"json", ""},
		{"yaml", ""},
		{"go-template={{.id}}", ""},
		{"go-template={{range .}}{{.id}}\n{{end}}", ""},
		{"xml", `unknown output format "xml": use table, json, yaml or go-template=TEMPLATE`},
		{"JSON", `unknown output format "JSON": use table, json, yaml or go-template=TEMPLATE`},
		{"go-template", `unknown output format "go-template": use table, json, yaml or go-template=TEMPLATE`},
		{"template={{.id}}", `unknown output format "template={{.id}}": use table, json, yaml or go-template=TEMPLATE`},
		{"go-template=", "go-template= needs a template"},
		{"go-template={{.id", "unclosed action"},
		{"go-template={{nosuchfunc .id}}", `function "nosuchfunc" not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			p, err := New(tt.format)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr == "" && p == nil:
				t.Fatal("nil printer")
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{
			name: "object keeps unknown fields and key order",
			raw:  readAPI(t, "export_job.json"),
			want: `{
  "id": "65a1f0c2e4b0a1b2c3d4e5f6",
  "snapshotId": "65a1e0b1d3a0f1e2d3c4b5a6",
  "exportBucketId": "64f0a1b2c3d4e5f6a7b8c9d0",
  "state": "InProgress",
  "futureField": {
    "x": 1
  },
  "exportStatus": {
    "exportedCollections": 12,
    "totalCollections": 42
  },
  "createdAt": "2024-01-13T09:30:05Z",
  "prefix": "/exported_snapshots/acme/prod/cluster0/2024-01-13T0900/1705138205",
  "customData": [
    {
      "key": "ticket",
      "value": "1234"
    },
    {
      "key": "owner",
      "value": "data team"
    }
  ],
  "links": [
    {
      "href": "https://cloud.mongodb.com/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/clusters/cluster0/backup/exports/65a1f0c2e4b0a1b2c3d4e5f6",
      "rel": "self"
    }
  ]
}
`,
		},
		{
			name: "list",
			raw:  results(t, "export_jobs.json"),
			want: `[
  {
    "id": "65a1f0c2e4b0a1b2c3d4e5f6",
    "snapshotId": "65a1e0b1d3a0f1e2d3c4b5a6",
    "exportBucketId": "64f0a1b2c3d4e5f6a7b8c9d0",
    "state": "Successful",
    "exportStatus": {
      "exportedCollections": 42,
      "totalCollections": 42
    },
    "createdAt": "2024-01-13T09:30:05Z",
    "finishedAt": "2024-01-13T10:02:47Z"
  },
  {
    "id": "65a2a7d0e4b0a1b2c3d4e5f7",
    "snapshotId": "65a29f00d3a0f1e2d3c4b5a7",
    "exportBucketId": "64f0a1b2c3d4e5f6a7b8c9d0",
    "state": "Queued",
    "createdAt": "2024-01-14T08:00:00Z"
  }
]
`,
		},
		{
			name: "error body",
			raw:  readAPI(t, "error_404.json"),
			want: `{
  "detail": "No export job with ID 65a1f0c2e4b0a1b2c3d4e5f6 exists in group 5f1a2b3c4d5e6f7a8b9c0d1e.",
  "error": 404,
  "errorCode": "EXPORT_JOB_NOT_FOUND",
  "parameters": [
    "65a1f0c2e4b0a1b2c3d4e5f6",
    "5f1a2b3c4d5e6f7a8b9c0d1e"
  ],
  "reason": "Not Found"
}
`,
		},
		{name: "big integers stay as sent", raw: []byte(`{"oplogTs":1700000000,"n":12345678901234567890}`), want: "{\n  \"oplogTs\": 1700000000,\n  \"n\": 12345678901234567890\n}\n"},
		{name: "empty list", raw: results(t, "export_jobs_empty.json"), want: "[]\n"},
		{name: "nil list", raw: nil, want: "[]\n"},
		{name: "null list", raw: []byte("null"), want: "[]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, "json", Value{Raw: tt.raw})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestYAML(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{
			name: "object keeps unknown fields, key order and string types",
			raw:  readAPI(t, "export_job.json"),
			want: `id: 65a1f0c2e4b0a1b2c3d4e5f6
snapshotId: 65a1e0b1d3a0f1e2d3c4b5a6
exportBucketId: 64f0a1b2c3d4e5f6a7b8c9d0
state: InProgress
futureField:
  x: 1
exportStatus:
  exportedCollections: 12
  totalCollections: 42
createdAt: "2024-01-13T09:30:05Z"
prefix: /exported_snapshots/acme/prod/cluster0/2024-01-13T0900/1705138205
customData:
  - key: ticket
    value: "1234"
  - key: owner
    value: data team
links:
  - href: https://cloud.mongodb.com/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/clusters/cluster0/backup/exports/65a1f0c2e4b0a1b2c3d4e5f6
    rel: self
`,
		},
		{
			name: "integers stay integers",
			raw:  readAPI(t, "restore_job_pit.json"),
			want: `id: 65b0c1d2e3f4a5b6c7d8e9f0
deliveryType: pointInTime
targetClusterName: cluster1
targetGroupId: 5f1a2b3c4d5e6f7a8b9c0d1e
oplogTs: 1700000000
oplogInc: 1
cancelled: false
failed: false
expired: false
desiredTimestamp:
  date: "2023-11-14T22:13:20Z"
  increment: 1
links:
  - href: https://cloud.mongodb.com/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/clusters/cluster0/backup/restoreJobs/65b0c1d2e3f4a5b6c7d8e9f0
    rel: self
`,
		},
		{
			name: "scalars",
			raw:  []byte(`{"big":12345678901234567890,"f":2.5,"e":1e5,"t":true,"s":"true","n":null,"o":{},"multi":"a\nb"}`),
			want: "big: 12345678901234567890\nf: 2.5\ne: 1e5\nt: true\ns: \"true\"\nn: null\no: {}\nmulti: |-\n  a\n  b\n",
		},
		{
			name: "error body",
			raw:  readAPI(t, "error_404.json"),
			want: `detail: No export job with ID 65a1f0c2e4b0a1b2c3d4e5f6 exists in group 5f1a2b3c4d5e6f7a8b9c0d1e.
error: 404
errorCode: EXPORT_JOB_NOT_FOUND
parameters:
  - 65a1f0c2e4b0a1b2c3d4e5f6
  - 5f1a2b3c4d5e6f7a8b9c0d1e
reason: Not Found
`,
		},
		{name: "empty list", raw: results(t, "export_jobs_empty.json"), want: "[]\n"},
		{name: "nil list", raw: nil, want: "[]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, "yaml", Value{Raw: tt.raw})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	tests := []struct {
		name, template string
		raw            []byte
		want           string
	}{
		{"field", "{{.state}}", readAPI(t, "export_job.json"), "InProgress"},
		{"unknown field", "{{.futureField.x}}", readAPI(t, "export_job.json"), "1"},
		{"nested", "{{.exportStatus.exportedCollections}}/{{.exportStatus.totalCollections}}", readAPI(t, "export_job.json"), "12/42"},
		{"range over list", "{{range .}}{{.id}} {{end}}", results(t, "export_jobs.json"), "65a1f0c2e4b0a1b2c3d4e5f6 65a2a7d0e4b0a1b2c3d4e5f7 "},
		{"large integer", "{{.oplogTs}}", readAPI(t, "restore_job_pit.json"), "1700000000"},
		{"missing key", "{{.nope}}", readAPI(t, "export_job.json"), "<no value>"},
		{"no newline added", "{{.id}}\n", readAPI(t, "export_job.json"), "65a1f0c2e4b0a1b2c3d4e5f6\n"},
		{"empty list", "{{range .}}{{.id}}{{end}}", results(t, "export_jobs_empty.json"), ""},
		{"nil list", "{{len .}}", nil, "0"},
		{"error body", "{{.errorCode}}", readAPI(t, "error_404.json"), "EXPORT_JOB_NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, "go-template="+tt.template, Value{Raw: tt.raw})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPrintErrors(t *testing.T) {
	tests := []struct {
		name, format string
		v            Value
		wantErr      string
	}{
		// The template writes "before" first: nothing of it may reach the writer.
		{"template execution", "go-template=before{{.state.x}}", Value{Raw: readAPI(t, "export_job.json")}, "executing go-template"},
		{"template bad JSON", "go-template={{.}}", Value{Raw: []byte(`{"a":`)}, "unreadable JSON"},
		{"json bad JSON", "json", Value{Raw: []byte(`{"a":1`)}, "unreadable JSON"},
		{"yaml bad JSON", "yaml", Value{Raw: []byte(`{"a":1`)}, "unreadable JSON"},
		{"yaml trailing data", "yaml", Value{Raw: []byte(`{"a":1} {"b":2}`)}, "unreadable JSON"},
		{"table without table view", "table", Value{Raw: readAPI(t, "error_404.json")}, "no table view"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render(t, tt.format, tt.v) // render fails the test on partial output
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
