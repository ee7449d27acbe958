package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// bucketsServer answers the demo project's export bucket list with
// buckets, on one page; any other request fails the test. It counts the
// lists served.
func bucketsServer(t *testing.T, buckets []map[string]any) (*api.Client, *atomic.Int64) {
	t.Helper()
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/atlas/v2/groups/"+sandbox.DemoProjectID+"/backup/exportBuckets" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		lists.Add(1)
		results := []map[string]any{}
		results = append(results, buckets...)
		w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json")
		json.NewEncoder(w).Encode(map[string]any{"results": results, "totalCount": len(results), "links": []any{}})
	}))
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: "t0ken"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &lists
}

func awsBucket(id, name, region string) map[string]any {
	return map[string]any{"_id": id, "bucketName": name, "cloudProvider": "AWS", "iamRoleId": "65f0c0c0d0e0f00000000001", "region": region}
}

func TestResolveBucket(t *testing.T) {
	const (
		id1 = "65f0b0c0d0e0f00000000001"
		id2 = "65f0b0c0d0e0f00000000002"
		id3 = "65f0b0c0d0e0f00000000003"
		p   = sandbox.DemoProjectID
	)
	for _, tt := range []struct {
		name    string
		buckets []map[string]any
		arg     string
		wantID  string
		lists   int64 // requests the lookup makes
		wantErr error // compared field by field
		wantMsg string
	}{
		{name: "an ID is taken as it is", arg: id2, wantID: id2, lists: 0},
		{
			name:    "one bucket of that name",
			buckets: []map[string]any{awsBucket(id1, "a", "us-east-1"), awsBucket(id2, "b", "us-east-1")},
			arg:     "b", wantID: id2, lists: 1,
		},
		{
			name:    "no bucket of that name",
			buckets: []map[string]any{awsBucket(id1, "a", "us-east-1"), {"_id": id2, "bucketName": "b", "cloudProvider": "GCP"}},
			arg:     "x", lists: 1,
			wantErr: &api.NotFoundError{Kind: api.KindBucket, Name: "x", ProjectID: p, Known: []string{"a", "b"}},
			wantMsg: `no export bucket named "x" in project ` + p + ` (known: a, b)`,
		},
		{
			name: "a project without buckets", arg: "x", lists: 1,
			wantErr: &api.NotFoundError{Kind: api.KindBucket, Name: "x", ProjectID: p},
			wantMsg: `no export bucket named "x" in project ` + p + ` (the project has no export buckets)`,
		},
		{
			name:    "known names from Atlas escaped",
			buckets: []map[string]any{awsBucket(id1, "a\x1b[2J\nFAKE", "us-east-1")},
			arg:     "x", lists: 1,
			wantErr: &api.NotFoundError{Kind: api.KindBucket, Name: "x", ProjectID: p, Known: []string{"a\x1b[2J\nFAKE"}},
			wantMsg: `no export bucket named "x" in project ` + p + ` (known: a\x1b[2J\nFAKE)`,
		},
		{
			name: "two buckets of that name",
			buckets: []map[string]any{
				awsBucket(id1, "x", "us-east-1"), awsBucket(id2, "y", "us-east-1"), awsBucket(id3, "x", "eu-west-1"),
			},
			arg: "x", lists: 1,
			wantErr: &api.AmbiguousError{Kind: api.KindBucket, Name: "x", ProjectID: p, Matches: []api.Match{
				{ID: id1, Provider: "AWS", Region: "us-east-1"}, {ID: id3, Provider: "AWS", Region: "eu-west-1"},
			}},
			wantMsg: `2 export buckets named "x" in project ` + p + `: ` + id1 + ` (AWS, us-east-1), ` + id3 + ` (AWS, eu-west-1)`,
		},
		{
			name: "a name shared across providers",
			buckets: []map[string]any{
				awsBucket(id1, "x", "us-east-1"), {"_id": id2, "bucketName": "x", "cloudProvider": "GCP", "roleId": "r"},
				{"_id": id3, "bucketName": "x", "cloudProvider": "AZURE", "serviceUrl": "https://x.blob.core.windows.net"},
			},
			arg: "x", lists: 1,
			wantErr: &api.AmbiguousError{Kind: api.KindBucket, Name: "x", ProjectID: p, Matches: []api.Match{
				{ID: id1, Provider: "AWS", Region: "us-east-1"}, {ID: id2, Provider: "GCP"}, {ID: id3, Provider: "AZURE"},
			}},
			wantMsg: `3 export buckets named "x" in project ` + p + `: ` + id1 + ` (AWS, us-east-1), ` + id2 + ` (GCP), ` + id3 + ` (AZURE)`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, lists := bucketsServer(t, tt.buckets)
			id, bucket, err := c.ResolveBucket(context.Background(), p, tt.arg)
			if n := lists.Load(); n != tt.lists {
				t.Errorf("%d bucket lists, want %d", n, tt.lists)
			}
			if tt.wantErr == nil {
				if err != nil || id != tt.wantID {
					t.Fatalf("got %q, %v; want %q", id, err, tt.wantID)
				}
				if tt.lists > 0 && (bucket == nil || bucket.ID != tt.wantID || bucket.BucketName != tt.arg) {
					t.Errorf("bucket %+v", bucket)
				}
				return
			}
			if id != "" || bucket != nil {
				t.Errorf("got %q, %+v with the error", id, bucket)
			}
			switch want := tt.wantErr.(type) {
			case *api.NotFoundError:
				var got *api.NotFoundError
				if !errors.As(err, &got) || !reflect.DeepEqual(got, want) {
					t.Fatalf("error %#v, want %#v", err, want)
				}
			case *api.AmbiguousError:
				var got *api.AmbiguousError
				if !errors.As(err, &got) || !reflect.DeepEqual(got, want) {
					t.Fatalf("error %#v, want %#v", err, want)
				}
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("message\n got %s\nwant %s", err, tt.wantMsg)
			}
			assertNoFlag(t, err)
		})
	}
}

// The sandbox's buckets resolve by name, and an unknown name lists them.
func TestResolveBucketSandbox(t *testing.T) {
	c, _ := newClient(t, apiKeys, api.Options{})
	id, bucket, err := c.ResolveBucket(context.Background(), sandbox.DemoProjectID, sandbox.DemoGCPBucketName)
	if err != nil || id != sandbox.DemoGCPBucketID || bucket == nil || bucket.CloudProvider != "GCP" {
		t.Fatalf("got %q, %+v, %v", id, bucket, err)
	}
	_, _, err = c.ResolveBucket(context.Background(), sandbox.DemoProjectID, "no-such-bucket")
	want := &api.NotFoundError{Kind: api.KindBucket, Name: "no-such-bucket", ProjectID: sandbox.DemoProjectID,
		Known: []string{sandbox.DemoBucketName, sandbox.DemoGCPBucketName, sandbox.DemoSharedBucketName}}
	var got *api.NotFoundError
	if !errors.As(err, &got) || !reflect.DeepEqual(got, want) {
		t.Fatalf("error %#v, want %#v", err, want)
	}
	// Two of its buckets share a name, as Atlas allows: neither is taken.
	_, _, err = c.ResolveBucket(context.Background(), sandbox.DemoProjectID, sandbox.DemoSharedBucketName)
	var amb *api.AmbiguousError
	if !errors.As(err, &amb) || len(amb.Matches) != 2 || amb.Matches[0].ID != sandbox.DemoSharedBucketID || amb.Matches[1].ID != sandbox.DemoSharedBucketID2 {
		t.Fatalf("error %#v, want an ambiguous name with two matches", err)
	}
	// The list has no regions; a read of each match gives them.
	if amb.Matches[0].Region != "us-east-1" || amb.Matches[1].Region != "eu-west-1" {
		t.Errorf("matches %+v, want their regions", amb.Matches)
	}
}

func TestResolveSnapshot(t *testing.T) {
	c, _ := newClient(t, apiKeys, api.Options{})
	for _, tt := range []struct {
		cluster, arg string
		wantErr      *api.NotFoundError
		wantMsg      string
	}{
		{cluster: sandbox.DemoCluster, arg: api.Latest},
		{cluster: sandbox.DemoCluster, arg: "65f0e0e0d0e0000000000001"},
		{
			cluster: sandbox.DemoNoBackupCluster, arg: api.Latest,
			wantErr: &api.NotFoundError{Kind: api.KindSnapshot, Name: api.Latest, ProjectID: sandbox.DemoProjectID, Cluster: sandbox.DemoNoBackupCluster},
			wantMsg: "cluster legacy has no completed snapshot",
		},
	} {
		t.Run(tt.cluster+"/"+tt.arg, func(t *testing.T) {
			id, snap, err := c.ResolveSnapshot(context.Background(), sandbox.DemoProjectID, tt.cluster, tt.arg)
			if tt.wantErr == nil {
				switch {
				case err != nil:
					t.Fatal(err)
				case tt.arg == api.Latest && (snap == nil || id != snap.ID || id != sandbox.SeedSnapshotIDs(tt.cluster)[0]):
					t.Errorf("latest: %q, %+v; want %s", id, snap, sandbox.SeedSnapshotIDs(tt.cluster)[0])
				case tt.arg != api.Latest && (id != tt.arg || snap != nil):
					t.Errorf("an ID: %q, %+v", id, snap)
				}
				return
			}
			var got *api.NotFoundError
			if !errors.As(err, &got) || !reflect.DeepEqual(got, tt.wantErr) {
				t.Fatalf("error %#v, want %#v", err, tt.wantErr)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("message %q, want %q", err, tt.wantMsg)
			}
			assertNoFlag(t, err)
		})
	}
}

func TestCAFileError(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	notPEM := filepath.Join(dir, "key.txt")
	for file, data := range map[string]string{empty: "", notPEM: "-----BEGIN NOTHING-----\nxyz\n"} {
		if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tt := range []struct {
		name, path string
		is         error
		wantMsg    string
	}{
		{"missing", missing, fs.ErrNotExist, "CA bundle " + missing + ": no such file or directory"},
		{"a directory", dir, syscall.EISDIR, "CA bundle " + dir + ": is a directory"},
		{"empty", empty, api.ErrNoCertificates, "CA bundle " + empty + ": no PEM certificates in it"},
		{"no certificate", notPEM, api.ErrNoCertificates, "CA bundle " + notPEM + ": no PEM certificates in it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, build := range []func() error{
				func() error { _, err := api.NetworkTransport(tt.path); return err },
				func() error {
					_, err := api.New(api.Options{Credentials: api.Credentials{AccessToken: "t0ken"}, CACertFile: tt.path})
					return err
				},
			} {
				err := build()
				var caErr *api.CAFileError
				if !errors.As(err, &caErr) || caErr.Path != tt.path || !errors.Is(err, tt.is) {
					t.Fatalf("error %#v, want a *api.CAFileError for %s that is %v", err, tt.path, tt.is)
				}
				if err.Error() != tt.wantMsg {
					t.Errorf("message %q, want %q", err, tt.wantMsg)
				}
				assertNoFlag(t, err)
			}
		})
	}
}

// assertNoFlag fails when an error of internal/api names a flag: cmd puts
// the flags in.
func assertNoFlag(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "--") {
		t.Errorf("the API's error names a flag: %s", err)
	}
}

// One job ID finds either kind of restore job; an ID of neither is the
// restore job's not-found.
func TestFindRestore(t *testing.T) {
	c, _ := newClient(t, apiKeys, api.Options{})
	ctx := context.Background()
	snap := sandbox.SeedSnapshotIDs(sandbox.DemoCluster)[0]
	r, _, err := c.CreateRestore(ctx, sandbox.DemoProjectID, sandbox.DemoCluster, api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: snap})
	if err != nil {
		t.Fatal(err)
	}
	cr, _, err := c.CreateCollectionRestore(ctx, sandbox.DemoProjectID, sandbox.DemoCluster, api.CollectionRestoreRequest{SnapshotID: snap,
		TargetClusterName: sandbox.DemoCluster, TargetGroupID: sandbox.DemoProjectID, IndexStrategy: "ALL", WriteStrategy: "CREATE_NEW",
		Collections: []api.Namespace{{SourceNamespace: "sales.orders"}}})
	if err != nil {
		t.Fatal(err)
	}
	if job, coll, raw, err := c.FindRestore(ctx, sandbox.DemoProjectID, sandbox.DemoCluster, r.ID); err != nil || job == nil || job.ID != r.ID || coll != nil || len(raw) == 0 {
		t.Errorf("restore job: %v %v %v", job, coll, err)
	}
	if job, coll, raw, err := c.FindRestore(ctx, sandbox.DemoProjectID, sandbox.DemoCluster, cr.ID); err != nil || coll == nil || coll.ID != cr.ID || job != nil || len(raw) == 0 {
		t.Errorf("collection restore job: %v %v %v", job, coll, err)
	}
	var nf *api.NotFoundError
	if _, _, _, err := c.FindRestore(ctx, sandbox.DemoProjectID, sandbox.DemoCluster, "6b05e9390000000000000fff"); !errors.As(err, &nf) || nf.Kind != api.KindRestoreJob {
		t.Errorf("neither: %v, want the restore job's not-found", err)
	}
}
