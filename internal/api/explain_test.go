package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

const (
	xProject  = "65f0a1b2c3d4e5f601234567"
	xSnapshot = "65f0e0e0d0e0000000000001"
	xBucket   = "65f0b0c0d0e0f00000000001"
	xJob      = "6b16289d0000000000000001"
	xJobs     = "/api/atlas/v2/groups/" + xProject + "/clusters/"
)

// answers is an Atlas of fixed answers, by "METHOD PATH": each is served
// once; any other request fails the test, and so does an answer never
// asked for.
type answers struct {
	t    *testing.T
	mu   sync.Mutex
	left map[string]answer
}

type answer struct {
	status int
	body   any
}

func serveAnswers(t *testing.T, a map[string]answer, creds api.Credentials) *api.Client {
	t.Helper()
	s := &answers{t: t, left: a}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		for k := range s.left {
			t.Errorf("never asked: %s", k)
		}
	})
	if creds == (api.Credentials{}) {
		creds = api.Credentials{AccessToken: "t0ken"}
	}
	c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *answers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := r.Method + " " + r.URL.Path
	a, ok := s.left[key]
	delete(s.left, key)
	s.mu.Unlock()
	if !ok {
		dump, _ := httputil.DumpRequest(r, true)
		s.t.Errorf("unexpected request:\n%s", dump)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	json.NewEncoder(w).Encode(a.body)
}

func atlasError(status int, code, detail string) answer {
	return answer{status, map[string]any{"error": status, "errorCode": code, "detail": detail, "reason": http.StatusText(status), "parameters": []any{}}}
}

// notFlex are the answers of a project whose Flex clusters do not include
// cluster (asked when a dedicated route does not know it), and that lists
// none.
func notFlex(cluster string) map[string]answer {
	return map[string]answer{
		"GET /api/atlas/v2/groups/" + xProject + "/flexClusters/" + cluster: atlasError(404, "CLUSTER_NOT_FOUND", "No cluster named "+cluster+" exists."),
		"GET /api/atlas/v2/groups/" + xProject + "/flexClusters":            clusterList(),
	}
}

// with adds more answers to a.
func with(a map[string]answer, more map[string]answer) map[string]answer {
	for k, v := range more {
		a[k] = v
	}
	return a
}

func clusterList(names ...string) answer {
	items := []any{}
	for _, n := range names {
		items = append(items, map[string]any{"name": n, "clusterType": "REPLICASET", "stateName": "IDLE"})
	}
	return answer{http.StatusOK, map[string]any{"results": items, "totalCount": len(items)}}
}

// A 404 that speaks of the cluster is a *NotFoundError naming the project
// and the names near the one given, found with one read of the project's
// clusters; Atlas's answer is kept inside it.
func TestNotFoundCluster(t *testing.T) {
	clusters := []string{"demo", "analytics", "demo-sharded", "Prod", "demo2"}
	sorted := slices.Sorted(slices.Values(clusters)) // Known is in name order
	for _, tt := range []struct {
		name, cluster, code, detail string
		near                        []string
	}{
		{"a typo", "dmeo", "RESOURCE_NOT_FOUND", "Cannot find resource cluster dmeo.", []string{"demo"}},
		{"another case, the closest first", "DEMO", "RESOURCE_NOT_FOUND", "Cannot find resource cluster DEMO.", []string{"demo", "demo2"}},
		{"another case and a typo", "prd", "RESOURCE_NOT_FOUND", "Cannot find resource cluster prd.", []string{"Prod"}},
		{"one letter short", "demo-sharde", "RESOURCE_NOT_FOUND", "Cannot find resource cluster demo-sharde.", []string{"demo-sharded"}},
		{"Atlas's own code", "analytic", "CLUSTER_NOT_FOUND", "No cluster named analytic exists in group " + xProject + ".", []string{"analytics"}},
		{"nothing near", "payments", "CLUSTER_NAME_NOT_FOUND", `No cluster with name "payments" exists.`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := serveAnswers(t, with(map[string]answer{
				"GET " + xJobs + tt.cluster + "/backup/exports/" + xJob: atlasError(404, tt.code, tt.detail),
				"GET /api/atlas/v2/groups/" + xProject + "/clusters":    clusterList(clusters...),
			}, notFlex(tt.cluster)), api.Credentials{})
			_, _, err := c.GetExport(context.Background(), xProject, tt.cluster, xJob)
			var nf *api.NotFoundError
			var apiErr *api.Error
			if !errors.As(err, &nf) || !errors.As(err, &apiErr) || apiErr.Status != 404 {
				t.Fatalf("got %#v, want a *NotFoundError holding the 404", err)
			}
			if nf.Kind != api.KindCluster || nf.Name != tt.cluster || nf.ProjectID != xProject || !reflect.DeepEqual(nf.Known, sorted) {
				t.Errorf("got %+v", nf)
			}
			if got := nf.Near(); !reflect.DeepEqual(got, tt.near) {
				t.Errorf("near %q, want %q", got, tt.near)
			}
			if !strings.Contains(err.Error(), "project "+xProject+" has no cluster named "+tt.cluster) {
				t.Errorf("message %q", err)
			}
			if s, want := api.Summary(err), "no cluster "+tt.cluster+" (404 "+tt.code+")"; s != want {
				t.Errorf("Summary %q, want %q", s, want)
			}
		})
	}
}

// When the project's clusters cannot be read, Atlas's code alone says the
// cluster is not there (no names near known); a detail alone does not.
func TestNotFoundClusterUnlisted(t *testing.T) {
	for _, tt := range []struct {
		cluster, code, detail, kind string
	}{
		{"dmeo", "CLUSTER_NOT_FOUND", "No cluster named dmeo exists.", api.KindCluster},
		{"demo", "RESOURCE_NOT_FOUND", "No export job for cluster demo.", api.KindExportJob},
	} {
		answers := map[string]answer{
			"GET " + xJobs + tt.cluster + "/backup/exports/" + xJob: atlasError(404, tt.code, tt.detail),
			"GET /api/atlas/v2/groups/" + xProject + "/clusters":    atlasError(403, "FORBIDDEN", "No list for you."),
		}
		// Asked whether it is a Flex cluster: not one either.
		answers["GET /api/atlas/v2/groups/"+xProject+"/flexClusters/"+tt.cluster] = notFlex(tt.cluster)["GET /api/atlas/v2/groups/"+xProject+"/flexClusters/"+tt.cluster]
		c := serveAnswers(t, answers, api.Credentials{})
		_, _, err := c.GetExport(context.Background(), xProject, tt.cluster, xJob)
		var nf *api.NotFoundError
		if !errors.As(err, &nf) || nf.Kind != tt.kind || nf.Known != nil {
			t.Errorf("%s: got %#v, want a %s not found", tt.cluster, err, tt.kind)
		}
	}
}

// A 404 for a cluster that the project has after all is about something
// else: the job asked for.
func TestNotFoundClusterThereAfterAll(t *testing.T) {
	c := serveAnswers(t, with(map[string]answer{
		"GET " + xJobs + "demo/backup/restoreJobs/" + xJob:   atlasError(404, "CLUSTER_NOT_FOUND", "odd"),
		"GET /api/atlas/v2/groups/" + xProject + "/clusters": clusterList("demo"),
	}, notFlex("demo")), api.Credentials{})
	_, _, err := c.GetRestore(context.Background(), xProject, "demo", xJob)
	var nf *api.NotFoundError
	if !errors.As(err, &nf) || nf.Kind != api.KindRestoreJob || nf.Name != xJob || nf.Cluster != "demo" {
		t.Fatalf("got %#v", err)
	}
}

// A 404 for a job or a snapshot names the cluster and the project, with no
// extra read.
func TestNotFoundJobOrSnapshot(t *testing.T) {
	ctx := context.Background()
	c := serveAnswers(t, map[string]answer{
		"GET " + xJobs + "demo/backup/exports/" + xJob:     atlasError(404, "RESOURCE_NOT_FOUND", "Cannot find resource export job "+xJob+"."),
		"GET " + xJobs + "demo/backup/restoreJobs/" + xJob: atlasError(404, "RESOURCE_NOT_FOUND", "Cannot find resource restore job "+xJob+"."),
		"POST " + xJobs + "analytics/backup/exports":       atlasError(404, "RESOURCE_NOT_FOUND", "Cannot find resource snapshot "+xSnapshot+"."),
		"POST " + xJobs + "analytics/backup/restoreJobs":   atlasError(404, "SNAPSHOT_NOT_FOUND", "No such backup."),
	}, api.Credentials{})
	_, _, exportErr := c.GetExport(ctx, xProject, "demo", xJob)
	_, _, restoreErr := c.GetRestore(ctx, xProject, "demo", xJob)
	_, _, snapErr := c.CreateExport(ctx, xProject, "analytics", api.ExportRequest{SnapshotID: xSnapshot, ExportBucketID: xBucket})
	_, _, snapErr2 := c.CreateRestore(ctx, xProject, "analytics", api.RestoreRequest{DeliveryType: "download", SnapshotID: xSnapshot})
	for _, tt := range []struct {
		err                 error
		kind, name, cluster string
		where               string
	}{
		{exportErr, api.KindExportJob, xJob, "demo", "cluster demo of project " + xProject + " has no export job " + xJob},
		{restoreErr, api.KindRestoreJob, xJob, "demo", "cluster demo of project " + xProject + " has no restore job " + xJob},
		{snapErr, api.KindSnapshot, xSnapshot, "analytics", "cluster analytics of project " + xProject + " has no snapshot " + xSnapshot},
		{snapErr2, api.KindSnapshot, xSnapshot, "analytics", "cluster analytics of project " + xProject + " has no snapshot " + xSnapshot},
	} {
		var nf *api.NotFoundError
		if !errors.As(tt.err, &nf) || nf.Err == nil || nf.Kind != tt.kind || nf.Name != tt.name || nf.Cluster != tt.cluster || nf.ProjectID != xProject {
			t.Errorf("got %#v, want a %s %s of cluster %s", tt.err, tt.kind, tt.name, tt.cluster)
			continue
		}
		if nf.Where() != tt.where {
			t.Errorf("Where %q, want %q", nf.Where(), tt.where)
		}
	}
}

// A 409 to a create names the job in the way, from Atlas's detail; a
// restore's is looked up among the cluster's own jobs.
func TestConflictNamesTheJob(t *testing.T) {
	ctx := context.Background()
	const other = "6b16289d0000000000000002"
	c := serveAnswers(t, map[string]answer{
		"POST " + xJobs + "demo/backup/exports": atlasError(409, "EXPORT_ALREADY_IN_PROGRESS",
			"Snapshot "+xSnapshot+" is already being exported to bucket "+xBucket+" by export job "+xJob+"."),
		"POST " + xJobs + "demo/backup/restoreJobs": atlasError(409, "CLUSTER_RESTORE_IN_PROGRESS",
			"Cluster staging is already the target of restore job "+xJob+"."),
		"GET " + xJobs + "demo/backup/restoreJobs/" + xJob: {http.StatusOK, map[string]any{"id": xJob, "deliveryType": "automated"}},
		"POST " + xJobs + "analytics/backup/restoreJobs": atlasError(409, "CLUSTER_RESTORE_IN_PROGRESS",
			"Cluster staging is already the target of restore job "+other+"."),
		"GET " + xJobs + "analytics/backup/restoreJobs/" + other: atlasError(404, "RESOURCE_NOT_FOUND", "Cannot find resource restore job "+other+"."),
		"POST " + xJobs + "demo-sharded/backup/exports":          atlasError(409, "CONFLICT", "Busy."),
	}, api.Credentials{})
	req := api.RestoreRequest{DeliveryType: "automated", SnapshotID: xSnapshot, TargetClusterName: "staging", TargetGroupID: xProject}
	_, _, exportErr := c.CreateExport(ctx, xProject, "demo", api.ExportRequest{SnapshotID: xSnapshot, ExportBucketID: xBucket})
	_, _, restoreErr := c.CreateRestore(ctx, xProject, "demo", req)
	_, _, elsewhereErr := c.CreateRestore(ctx, xProject, "analytics", req)
	_, _, unnamedErr := c.CreateExport(ctx, xProject, "demo-sharded", api.ExportRequest{SnapshotID: xSnapshot, ExportBucketID: xBucket})
	for _, tt := range []struct {
		err  error
		want api.ConflictError
	}{
		{exportErr, api.ConflictError{Kind: api.KindExportJob, JobID: xJob, OfCluster: true, ProjectID: xProject, Cluster: "demo"}},
		{restoreErr, api.ConflictError{Kind: api.KindRestoreJob, JobID: xJob, OfCluster: true, ProjectID: xProject, Cluster: "demo"}},
		{elsewhereErr, api.ConflictError{Kind: api.KindRestoreJob, JobID: other, ProjectID: xProject, Cluster: "analytics"}},
		{unnamedErr, api.ConflictError{Kind: api.KindExportJob, ProjectID: xProject, Cluster: "demo-sharded"}},
	} {
		var ce *api.ConflictError
		if !errors.As(tt.err, &ce) || ce.Err == nil || ce.Err.Status != 409 {
			t.Errorf("got %#v, want a *ConflictError", tt.err)
			continue
		}
		got := *ce
		got.Err = nil
		if got != tt.want {
			t.Errorf("got %+v\nwant %+v", got, tt.want)
		}
		if ce.Error() != ce.Err.Error() {
			t.Errorf("text %q is not Atlas's %q", ce.Error(), ce.Err.Error())
		}
		if errors.As(tt.err, new(*api.OutcomeUnknownError)) {
			t.Errorf("a 409 is a definite refusal, not an unknown outcome: %v", tt.err)
		}
	}
	if s := api.Summary(exportErr); s != "export job "+xJob+" is in the way (409 EXPORT_ALREADY_IN_PROGRESS)" {
		t.Errorf("Summary %q", s)
	}
	if s := api.Summary(unnamedErr); s != "409 CONFLICT" {
		t.Errorf("Summary %q", s)
	}
}

// An answer that refuses the credentials carries where they came from: an
// API answer, and the OAuth token endpoint's.
func TestAuthFailureNamesTheSource(t *testing.T) {
	ctx := context.Background()
	const source = "Credentials used: API keys from X and Y."
	c := serveAnswers(t, map[string]answer{
		"GET " + xJobs + "demo/backup/exports/" + xJob:     atlasError(401, "UNAUTHORIZED", "You are not authorized."),
		"GET " + xJobs + "demo/backup/restoreJobs/" + xJob: atlasError(403, "FORBIDDEN", "Missing role."),
		"POST " + xJobs + "demo/backup/exports":            atlasError(400, "VALIDATION_ERROR", "Bad."),
	}, api.Credentials{AccessToken: "t0ken", Source: source})
	_, _, unauthorized := c.GetExport(ctx, xProject, "demo", xJob)
	_, _, forbidden := c.GetRestore(ctx, xProject, "demo", xJob)
	_, _, invalid := c.CreateExport(ctx, xProject, "demo", api.ExportRequest{SnapshotID: xSnapshot, ExportBucketID: xBucket})
	for _, err := range []error{unauthorized, forbidden} {
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.CredentialsSource != source {
			t.Errorf("%v: source %q", err, apiErr.CredentialsSource)
		}
	}
	var apiErr *api.Error
	if !errors.As(invalid, &apiErr) || apiErr.CredentialsSource != "" {
		t.Errorf("a 400 names the credentials: %#v", invalid)
	}

	token := serveAnswers(t, map[string]answer{
		"POST /api/oauth/token": atlasError(401, "INVALID_CLIENT", "Invalid client."),
	}, api.Credentials{ClientID: "mdb_sa_id_x", ClientSecret: "mdb_sa_sk_x", Source: source})
	_, _, err := token.GetExport(ctx, xProject, "demo", xJob)
	if !errors.As(err, &apiErr) || !apiErr.TokenEndpoint || apiErr.CredentialsSource != source {
		t.Errorf("token endpoint: %#v", err)
	}
}
