package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// Flex clusters: recognised from Atlas's answer on the dedicated route,
// remembered per client, read and restored through their own routes; what
// they do not support is a *FlexClusterError.

var flexNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const (
	flexProject  = sandbox.DemoProjectID
	flexDedPath  = "/api/atlas/v2/groups/" + flexProject + "/clusters/"
	flexPathBase = "/api/atlas/v2/groups/" + flexProject + "/flexClusters/"
	flexAccept   = "application/vnd.atlas.2024-11-13+json"
)

func flexBearer(c sandbox.Credentials) api.Credentials {
	return api.Credentials{AccessToken: c.AccessToken}
}

// flexSandbox is a client of a sandbox whose clock stands at flexNow and
// whose jobs take an hour.
func flexSandbox(t *testing.T, opts ...sandbox.Option) (*api.Client, *sandbox.Server) {
	t.Helper()
	return newClient(t, flexBearer, api.Options{}, append([]sandbox.Option{
		sandbox.WithClock(func() time.Time { return flexNow }), sandbox.WithJobDuration(time.Hour),
	}, opts...)...)
}

// flexSent are the requests from the n-th on, as "METHOD path status".
func flexSent(sb *sandbox.Server, n int) []string {
	var out []string
	for _, r := range sb.Requests()[n:] {
		out = append(out, r.Method+" "+r.Path+" "+http.StatusText(r.Status))
	}
	return out
}

func flexSameRequests(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s sent\n got %q\nwant %q", what, got, want)
	}
}

// The first call about a Flex cluster asks the dedicated route once (400
// CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API), then the Flex cluster, then
// the Flex route; every later call of the same client goes to the Flex
// route at once, in the Flex API's version.
func TestFlexRecognisedOnce(t *testing.T) {
	ctx := context.Background()
	c, sb := flexSandbox(t)
	dev := sandbox.DemoFlexCluster
	snaps := sandbox.SeedSnapshotIDs(dev)
	if c.IsFlex(flexProject, dev) {
		t.Fatal("known as a Flex cluster before anything was asked")
	}
	s, raw, err := c.GetSnapshot(ctx, flexProject, dev, snaps[0])
	if err != nil {
		t.Fatal(err)
	}
	flexSameRequests(t, "the first call", flexSent(sb, 0),
		"GET "+flexDedPath+dev+"/backup/snapshots/"+snaps[0]+" Bad Request",
		"GET "+flexPathBase+dev+" OK",
		"GET "+flexPathBase+dev+"/backup/snapshots/"+snaps[0]+" OK")
	if !c.IsFlex(flexProject, dev) || c.IsFlex(flexProject, "demo") || c.IsFlex(sandbox.DemoStagingID, dev) {
		t.Error("IsFlex: want flex-dev of the demo project only")
	}

	// The Flex snapshot as any snapshot: scheduled, created when it
	// finished, no size; raw is Atlas's object as it is.
	var atlas struct {
		FinishTime time.Time `json:"finishTime"`
		StartTime  time.Time `json:"startTime"`
	}
	if err := json.Unmarshal(raw, &atlas); err != nil {
		t.Fatal(err)
	}
	if s.ID != snaps[0] || s.Status != "COMPLETED" || s.SnapshotType != "scheduled" || !s.Flex || s.StorageSizeBytes != 0 ||
		s.CreatedAt == nil || !s.CreatedAt.Equal(atlas.FinishTime) || !s.Completed() {
		t.Errorf("snapshot %+v (finishTime %s)", s, atlas.FinishTime)
	}
	if ended, ok := s.Ended(); !ended || !ok {
		t.Errorf("a COMPLETED Flex snapshot: ended %v, ok %v", ended, ok)
	}
	keys := flexKeys(t, raw)
	if !slices.Equal(keys, []string{"expiration", "finishTime", "id", "links", "mongoDBVersion", "scheduledTime", "startTime", "status"}) {
		t.Errorf("raw keys %q: not the Flex object as Atlas sent it", keys)
	}

	// RUNNING: created at its startTime, not ended.
	n := len(sb.Requests())
	running, raw, err := c.GetSnapshot(ctx, flexProject, dev, sandbox.DemoFlexRunningSnapshotID)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(raw, &atlas)
	if running.CreatedAt == nil || !running.CreatedAt.Equal(atlas.StartTime) || running.Completed() {
		t.Errorf("running snapshot %+v (startTime %s)", running, atlas.StartTime)
	}
	if ended, _ := running.Ended(); ended {
		t.Error("a RUNNING Flex snapshot has ended")
	}

	// Straight to the Flex routes, for every operation.
	list, err := c.ListSnapshots(ctx, flexProject, dev, api.ListOptions{})
	if err != nil || len(list.Items) != 4 || list.Items[0].ID != sandbox.DemoFlexRunningSnapshotID {
		t.Fatalf("snapshots %+v, %v", list, err)
	}
	id, _, err := c.ResolveSnapshot(ctx, flexProject, dev, api.Latest)
	if err != nil || id != snaps[0] {
		t.Errorf("latest: %s, %v; want the newest COMPLETED one, %s", id, err, snaps[0])
	}
	job, _, err := c.CreateRestore(ctx, flexProject, dev, api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: snaps[1]})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetRestore(ctx, flexProject, dev, job.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListRestores(ctx, flexProject, dev, api.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	flexSameRequests(t, "the calls after", flexSent(sb, n),
		"GET "+flexPathBase+dev+"/backup/snapshots/"+sandbox.DemoFlexRunningSnapshotID+" OK",
		"GET "+flexPathBase+dev+"/backup/snapshots OK",
		"GET "+flexPathBase+dev+"/backup/snapshots OK",
		"POST "+flexPathBase+dev+"/backup/download OK",
		"GET "+flexPathBase+dev+"/backup/restoreJobs/"+job.ID+" OK",
		"GET "+flexPathBase+dev+"/backup/restoreJobs OK")
	// The cluster itself: as Atlas described it, from the Flex route (or
	// from what the client read of it already).
	n = len(sb.Requests())
	cl, clRaw, err := c.GetCluster(ctx, flexProject, dev)
	if err != nil || !cl.Flex || cl.ClusterType != api.ClusterTypeFlex || cl.Name != dev || !cl.BackupEnabled {
		t.Errorf("cluster %+v, %v", cl, err)
	}
	if keys := flexKeys(t, clRaw); !slices.Contains(keys, "providerSettings") || slices.Contains(keys, "replicationSpecs") {
		t.Errorf("cluster raw keys %q: not the Flex object", keys)
	}
	for _, r := range flexSent(sb, n) {
		if r != "GET "+flexPathBase+dev+" OK" {
			t.Errorf("the cluster's read sent %s", r)
		}
	}
	for _, r := range sb.Requests()[1:] {
		if got := r.Header.Get("Accept"); got != flexAccept {
			t.Errorf("%s %s: Accept %q, want %q", r.Method, r.Path, got, flexAccept)
		}
	}
}

// flexKeys are an object's keys, sorted.
func flexKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// A 404 about the cluster on the dedicated route (Atlas's other answer for
// a name it does not know there) is asked about too.
func TestFlexRecognisedFrom404(t *testing.T) {
	ctx := context.Background()
	const tiny = "tiny"
	base := "/api/atlas/v2/groups/" + xProject
	c := serveAnswers(t, map[string]answer{
		"GET " + base + "/clusters/tiny/backup/snapshots": atlasError(404, "CLUSTER_NOT_FOUND", "No cluster named tiny exists in group "+xProject+"."),
		"GET " + base + "/flexClusters/tiny":              {http.StatusOK, map[string]any{"id": "65f0f1f10000000000000042", "name": tiny, "stateName": "IDLE"}},
		"GET " + base + "/flexClusters/tiny/backup/snapshots": {http.StatusOK, map[string]any{"totalCount": 1, "results": []any{
			map[string]any{"id": xSnapshot, "status": "COMPLETED", "startTime": "2026-11-23T13:57:00Z", "finishTime": "2026-11-23T14:00:00Z", "unknownField": 7},
		}}},
		// Known now: the next call goes to the Flex route at once.
		"GET " + base + "/flexClusters/tiny/backup/restoreJobs/" + xJob: {http.StatusOK, map[string]any{
			"id": xJob, "deliveryType": "RESTORE", "status": "RUNNING", "snapshotId": xSnapshot, "targetDeploymentItemName": "demo", "targetProjectId": xProject}},
	}, api.Credentials{})
	list, err := c.ListSnapshots(ctx, xProject, tiny, api.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || !list.Items[0].Flex || list.Items[0].CreatedAt.Format(time.RFC3339) != "2026-11-23T14:00:00Z" {
		t.Errorf("snapshots %+v", list.Items)
	}
	if !strings.Contains(string(list.RawAt(0)), `"unknownField":7`) {
		t.Errorf("raw item %s: not Atlas's object", list.RawAt(0))
	}
	job, _, err := c.GetRestore(ctx, xProject, tiny, xJob)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status() != api.RestorePending || job.Progress() != "RUNNING" || job.TargetClusterName != "demo" || job.DeliveryType != api.DeliveryAutomated {
		t.Errorf("job %+v", job)
	}
}

// Other refusals are not about the cluster's kind: no Flex question is
// asked (any request not listed fails the test), and the answer stays
// Atlas's.
func TestFlexNotAskedOtherwise(t *testing.T) {
	ctx := context.Background()
	c := serveAnswers(t, map[string]answer{
		"GET " + xJobs + "demo/backup/snapshots/" + xSnapshot: atlasError(404, "RESOURCE_NOT_FOUND", "Cannot find resource snapshot "+xSnapshot+"."),
		"POST " + xJobs + "demo/backup/restoreJobs":           atlasError(400, "INVALID_ATTRIBUTE", "Invalid attribute snapshotId specified."),
		"GET " + xJobs + "demo/backup/restoreJobs/" + xJob:    atlasError(404, "RESOURCE_NOT_FOUND", "Cannot find resource restore job "+xJob+"."),
		"DELETE " + xJobs + "demo/backup/restoreJobs/" + xJob: atlasError(400, "RESTORE_JOB_NOT_CANCELLABLE", "The restore job cannot be cancelled."),
	}, api.Credentials{})
	_, _, snapErr := c.GetSnapshot(ctx, xProject, "demo", xSnapshot)
	_, _, createErr := c.CreateRestore(ctx, xProject, "demo", api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: xSnapshot})
	_, _, getErr := c.GetRestore(ctx, xProject, "demo", xJob)
	cancelErr := c.CancelRestore(ctx, xProject, "demo", xJob)
	for _, err := range []error{snapErr, createErr, getErr, cancelErr} {
		var fe *api.FlexClusterError
		var apiErr *api.Error
		if errors.As(err, &fe) || !errors.As(err, &apiErr) {
			t.Errorf("got %#v, want Atlas's answer", err)
		}
	}
	if c.IsFlex(xProject, "demo") {
		t.Error("demo taken for a Flex cluster")
	}
}

// Atlas says the name is a Flex cluster's, but the Flex cluster cannot be
// read: the dedicated route's answer stands (exit 5), and nothing is
// remembered.
func TestFlexRefusalUnconfirmed(t *testing.T) {
	ctx := context.Background()
	base := "/api/atlas/v2/groups/" + xProject
	c := serveAnswers(t, map[string]answer{
		"GET " + base + "/clusters/gone/backup/restoreJobs": atlasError(400, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API", "Cannot use flex cluster gone in the cluster API."),
		"GET " + base + "/flexClusters/gone":                atlasError(404, "CLUSTER_NOT_FOUND", "No cluster named gone exists in group "+xProject+"."),
	}, api.Credentials{})
	_, err := c.ListRestores(ctx, xProject, "gone", api.ListOptions{})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.ErrorCode != "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API" || errors.As(err, new(*api.FlexClusterError)) {
		t.Errorf("got %#v, want the 400 as it was", err)
	}
	if c.IsFlex(xProject, "gone") {
		t.Error("remembered as a Flex cluster")
	}
}

// A Flex restore job as any restore job: pending at PENDING, QUEUED and
// RUNNING (its progress Atlas's word), succeeded at COMPLETED (a download
// once it has its snapshotUrl, its one archive), failed at FAILED; the
// target deployment, the finish date; raw as Atlas sent it.
func TestFlexRestoreJobs(t *testing.T) {
	ctx := context.Background()
	base := "/api/atlas/v2/groups/" + xProject
	finished := "2026-11-24T13:00:00Z"
	const link = "https://download.example/restore-x.tar.gz?sig=1"
	items := []map[string]any{
		{"id": "6b0000000000000000000001", "deliveryType": "RESTORE", "status": "PENDING", "snapshotId": xSnapshot, "targetDeploymentItemName": "flex-qa", "targetProjectId": xProject},
		{"id": "6b0000000000000000000002", "deliveryType": "RESTORE", "status": "QUEUED", "snapshotId": xSnapshot, "targetDeploymentItemName": "demo", "targetProjectId": "65f0a1b2c3d4e5f601234568"},
		{"id": "6b0000000000000000000003", "deliveryType": "DOWNLOAD", "status": "RUNNING", "snapshotId": xSnapshot, "targetProjectId": xProject},
		{"id": "6b0000000000000000000004", "deliveryType": "RESTORE", "status": "COMPLETED", "snapshotId": xSnapshot, "targetDeploymentItemName": "flex-qa", "targetProjectId": xProject, "restoreFinishedDate": finished},
		{"id": "6b0000000000000000000005", "deliveryType": "DOWNLOAD", "status": "COMPLETED", "snapshotId": xSnapshot, "targetProjectId": xProject},
		{"id": "6b0000000000000000000006", "deliveryType": "DOWNLOAD", "status": "COMPLETED", "snapshotId": xSnapshot, "targetProjectId": xProject, "snapshotUrl": link, "restoreFinishedDate": finished},
		{"id": "6b0000000000000000000007", "deliveryType": "RESTORE", "status": "FAILED", "snapshotId": xSnapshot, "targetDeploymentItemName": "flex-qa", "targetProjectId": xProject, "restoreFinishedDate": finished},
	}
	results := make([]any, len(items))
	for i := range items {
		results[i] = items[i]
	}
	c := serveAnswers(t, map[string]answer{
		"GET " + base + "/clusters/flexy/backup/restoreJobs":     atlasError(400, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API", "Cannot use flex cluster flexy in the cluster API."),
		"GET " + base + "/flexClusters/flexy":                    {http.StatusOK, map[string]any{"id": "65f0f1f10000000000000042", "name": "flexy"}},
		"GET " + base + "/flexClusters/flexy/backup/restoreJobs": {http.StatusOK, map[string]any{"totalCount": len(items), "results": results}},
	}, api.Credentials{})
	list, err := c.ListRestores(ctx, xProject, "flexy", api.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range []struct {
		status, progress, delivery, target string
		ended, ok, finished                bool
		archives                           []string
	}{
		{api.RestorePending, "PENDING", api.DeliveryAutomated, "flex-qa", false, false, false, nil},
		{api.RestorePending, "QUEUED", api.DeliveryAutomated, "65f0a1b2c3d4e5f601234568/demo", false, false, false, nil},
		{api.RestorePending, "RUNNING", api.DeliveryDownload, api.DeliveryDownload, false, false, false, nil},
		{api.RestoreSucceeded, api.RestoreSucceeded, api.DeliveryAutomated, "flex-qa", true, true, true, nil},
		{api.RestorePending, "COMPLETED", api.DeliveryDownload, api.DeliveryDownload, false, false, false, nil}, // no link yet
		{api.RestoreSucceeded, api.RestoreSucceeded, api.DeliveryDownload, api.DeliveryDownload, true, true, true, []string{link}},
		{api.RestoreFailed, api.RestoreFailed, api.DeliveryAutomated, "flex-qa", true, false, true, nil}, // ended: its restoreFinishedDate
	} {
		j := list.Items[i]
		ended, ok := j.Ended()
		var archives []string
		for _, a := range j.Archives("") {
			archives = append(archives, a.URL)
		}
		if j.ID != items[i]["id"] || j.Status() != tt.status || j.Progress() != tt.progress || j.DeliveryType != tt.delivery ||
			j.Target(xProject) != tt.target || ended != tt.ended || ok != tt.ok || (j.FinishedAt != nil) != tt.finished ||
			!slices.Equal(archives, tt.archives) || j.SnapshotID != xSnapshot {
			t.Errorf("%s (%s): %+v; ended %v ok %v, archives %q", items[i]["id"], items[i]["status"], j, ended, ok, archives)
		}
		if tt.finished && j.FinishedAt.Format(time.RFC3339) != finished {
			t.Errorf("%s: finished %s, want %s", j.ID, j.FinishedAt, finished)
		}
		var got, want any
		json.Unmarshal(list.RawAt(i), &got)
		b, _ := json.Marshal(items[i])
		json.Unmarshal(b, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("raw %d: %s", i, list.RawAt(i))
		}
	}
	var all []any
	if err := json.Unmarshal(list.Raw, &all); err != nil || len(all) != len(items) {
		t.Errorf("raw list %s: %v", list.Raw, err)
	}
}

// restore create on a Flex cluster: an automated restore is POST
// …/backup/restoreJobs {snapshotId, targetDeploymentItemName,
// targetProjectId}, a download POST …/backup/download {snapshotId}; a point
// in time is a *FlexClusterError, and nothing is sent for it.
func TestFlexCreateRestore(t *testing.T) {
	ctx := context.Background()
	c, sb := flexSandbox(t)
	dev := sandbox.DemoFlexCluster
	snaps := sandbox.SeedSnapshotIDs(dev)
	job, raw, err := c.CreateRestore(ctx, flexProject, dev, api.RestoreRequest{
		DeliveryType: api.DeliveryAutomated, SnapshotID: snaps[0], TargetClusterName: "demo", TargetGroupID: flexProject})
	if err != nil {
		t.Fatal(err)
	}
	reqs := sb.Requests()
	flexSameRequests(t, "the first create", flexSent(sb, 0),
		"POST "+flexDedPath+dev+"/backup/restoreJobs Bad Request", // refused: nothing created there
		"GET "+flexPathBase+dev+" OK",
		"POST "+flexPathBase+dev+"/backup/restoreJobs OK")
	if got := string(reqs[2].Body); got != `{"snapshotId":"`+snaps[0]+`","targetDeploymentItemName":"demo","targetProjectId":"`+flexProject+`"}` {
		t.Errorf("body %s", got)
	}
	if ct := reqs[2].Header.Get("Content-Type"); ct != flexAccept {
		t.Errorf("Content-Type %q", ct)
	}
	if job.DeliveryType != api.DeliveryAutomated || job.FlexStatus != "PENDING" || job.TargetClusterName != "demo" || job.SnapshotID != snaps[0] ||
		!strings.Contains(string(raw), `"deliveryType":"RESTORE"`) && !strings.Contains(string(raw), `"deliveryType": "RESTORE"`) {
		t.Errorf("job %+v\n%s", job, raw)
	}

	n := len(sb.Requests())
	dl, _, err := c.CreateRestore(ctx, flexProject, dev, api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: snaps[1]})
	if err != nil {
		t.Fatal(err)
	}
	flexSameRequests(t, "a download", flexSent(sb, n), "POST "+flexPathBase+dev+"/backup/download OK")
	if got := string(sb.Requests()[n].Body); got != `{"snapshotId":"`+snaps[1]+`"}` {
		t.Errorf("body %s", got)
	}
	if dl.DeliveryType != api.DeliveryDownload || dl.Status() != api.RestorePending {
		t.Errorf("download %+v", dl)
	}

	n = len(sb.Requests())
	for _, r := range []api.RestoreRequest{
		{DeliveryType: api.DeliveryPointInTime, PointInTimeUTCSeconds: flexNow.Add(-time.Hour).Unix(), TargetClusterName: "demo", TargetGroupID: flexProject},
		{DeliveryType: api.DeliveryPointInTime, OplogTs: flexNow.Add(-time.Hour).Unix(), OplogInc: 1, TargetClusterName: "demo", TargetGroupID: flexProject},
	} {
		_, _, err := c.CreateRestore(ctx, flexProject, dev, r)
		var fe *api.FlexClusterError
		if !errors.As(err, &fe) || fe.Cluster != dev || fe.ProjectID != flexProject || fe.What != "point-in-time restores" {
			t.Errorf("got %#v, want a *FlexClusterError", err)
		}
		if _, err := c.RestoreCall(flexProject, dev, r); !errors.As(err, &fe) {
			t.Errorf("RestoreCall: %v", err)
		}
	}
	flexSameRequests(t, "point-in-time restores", flexSent(sb, n))

	// A dry run of the Flex route, once the cluster is known.
	k, err := c.RestoreCall(flexProject, dev, api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: snaps[0]})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DryRun(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(d); !strings.Contains(string(b), "/flexClusters/"+dev+"/backup/download") {
		t.Errorf("dry run %s", b)
	}
}

// What Flex clusters do not support: exports, cancelling a restore job,
// on-demand snapshots. The first call's refusal by Atlas is found to be
// about a Flex cluster (and kept inside); once the client knows, nothing
// is sent.
func TestFlexUnsupported(t *testing.T) {
	ctx := context.Background()
	c, sb := flexSandbox(t)
	dev := sandbox.DemoFlexCluster
	snap := sandbox.SeedSnapshotIDs(dev)[0]
	_, _, err := c.CreateExport(ctx, flexProject, dev, api.ExportRequest{SnapshotID: snap, ExportBucketID: sandbox.DemoBucketID})
	var fe *api.FlexClusterError
	var apiErr *api.Error
	if !errors.As(err, &fe) || fe.What != "exports" || !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.ErrorCode != "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API" {
		t.Fatalf("got %#v", err)
	}
	if want := "cluster flex-dev is a Flex cluster, and Flex clusters do not support exports"; err.Error() != want && fe.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	flexSameRequests(t, "an export", flexSent(sb, 0),
		"POST "+flexDedPath+dev+"/backup/exports Bad Request",
		"GET "+flexPathBase+dev+" OK")

	n := len(sb.Requests())
	for _, tt := range []struct {
		what string
		call func() error
	}{
		{"exports", func() error {
			_, _, err := c.CreateExport(ctx, flexProject, dev, api.ExportRequest{SnapshotID: snap, ExportBucketID: sandbox.DemoBucketID})
			return err
		}},
		{"cancelling a restore job", func() error { return c.CancelRestore(ctx, flexProject, dev, xJob) }},
		{"on-demand snapshots", func() error {
			_, _, err := c.TakeSnapshot(ctx, flexProject, dev, api.SnapshotRequest{Description: "x", RetentionInDays: 1})
			return err
		}},
	} {
		err := tt.call()
		if !errors.As(err, &fe) || fe.What != tt.what || fe.Cluster != dev || fe.Err != nil {
			t.Errorf("%s: got %#v", tt.what, err)
		}
	}
	flexSameRequests(t, "calls about a known Flex cluster", flexSent(sb, n))

	// A fresh client's cancel: Atlas refuses the DELETE, and says why.
	c2, sb2 := flexSandbox(t)
	err = c2.CancelRestore(ctx, flexProject, dev, xJob)
	if !errors.As(err, &fe) || fe.What != "cancelling a restore job" {
		t.Errorf("cancel: got %#v", err)
	}
	flexSameRequests(t, "a cancel", flexSent(sb2, 0),
		"DELETE "+flexDedPath+dev+"/backup/restoreJobs/"+xJob+" Bad Request",
		"GET "+flexPathBase+dev+" OK")
}

// A name that is neither kind: the dedicated route, the Flex question
// (404), then one read of each list for the names near it.
func TestFlexNeitherKind(t *testing.T) {
	c, sb := flexSandbox(t)
	_, _, err := c.GetSnapshot(context.Background(), flexProject, "flex-de", xSnapshot)
	var nf *api.NotFoundError
	if !errors.As(err, &nf) || nf.Kind != api.KindCluster || nf.Name != "flex-de" || nf.ProjectID != flexProject {
		t.Fatalf("got %#v", err)
	}
	if near := nf.Near(); len(near) == 0 || near[0] != "flex-dev" {
		t.Errorf("near %q", near)
	}
	if !slices.Contains(nf.Known, "flex-qa") || !slices.Contains(nf.Known, "demo") {
		t.Errorf("known %q: want both kinds", nf.Known)
	}
	flexSameRequests(t, "flex-de", flexSent(sb, 0),
		"GET "+flexDedPath+"flex-de/backup/snapshots/"+xSnapshot+" Not Found",
		"GET "+flexPathBase+"flex-de Not Found",
		"GET /api/atlas/v2/groups/"+flexProject+"/clusters OK",
		"GET /api/atlas/v2/groups/"+flexProject+"/flexClusters OK")
	if c.IsFlex(flexProject, "flex-de") {
		t.Error("flex-de taken for a Flex cluster")
	}
}

// A dedicated cluster costs one request per call, as before: nothing is
// asked about its kind.
func TestFlexDedicatedUnchanged(t *testing.T) {
	ctx := context.Background()
	c, sb := flexSandbox(t)
	snap := sandbox.SeedSnapshotIDs("demo")[0]
	calls := []func() error{
		func() error { _, err := c.ListSnapshots(ctx, flexProject, "demo", api.ListOptions{}); return err },
		func() error { _, _, err := c.GetSnapshot(ctx, flexProject, "demo", snap); return err },
		func() error { _, _, err := c.GetCluster(ctx, flexProject, "demo"); return err },
		func() error { _, err := c.ListRestores(ctx, flexProject, "demo", api.ListOptions{}); return err },
		func() error {
			j, _, err := c.CreateRestore(ctx, flexProject, "demo", api.RestoreRequest{DeliveryType: api.DeliveryDownload, SnapshotID: snap})
			if err == nil {
				_, _, err = c.GetRestore(ctx, flexProject, "demo", j.ID)
			}
			if err == nil {
				err = c.CancelRestore(ctx, flexProject, "demo", j.ID)
			}
			return err
		},
		func() error {
			_, _, err := c.CreateExport(ctx, flexProject, "demo", api.ExportRequest{SnapshotID: snap, ExportBucketID: sandbox.DemoBucketID})
			return err
		},
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	got := flexSent(sb, 0)
	if len(got) != 8 {
		t.Errorf("%d requests, want 8:\n%q", len(got), got)
	}
	for _, r := range got {
		if !strings.Contains(r, "/clusters/demo") || strings.Contains(r, "flexClusters") {
			t.Errorf("%s", r)
		}
	}
}

// The project's clusters of both kinds: in name order, the Flex ones TYPE
// FLEX with backup on, raw one array of Atlas's objects of both kinds; the
// Flex ones are known from then on.
func TestListAllClusters(t *testing.T) {
	ctx := context.Background()
	c, sb := flexSandbox(t)
	list, err := c.ListAllClusters(ctx, flexProject, api.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cl := range list.Items {
		names = append(names, cl.Name)
		isFlex := strings.HasPrefix(cl.Name, "flex-")
		if cl.Flex != isFlex || (cl.ClusterType == api.ClusterTypeFlex) != isFlex || isFlex && !cl.BackupEnabled {
			t.Errorf("%+v", cl)
		}
	}
	if !slices.Equal(names, []string{"analytics", "demo", "demo-sharded", "flex-dev", "flex-qa", "legacy"}) {
		t.Errorf("names %q", names)
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(list.Raw, &raw); err != nil || len(raw) != len(names) {
		t.Fatalf("raw %s: %v", list.Raw, err)
	}
	for i, obj := range raw {
		_, flexShape := obj["providerSettings"]
		_, dedicatedShape := obj["replicationSpecs"]
		if flexShape != list.Items[i].Flex || dedicatedShape == list.Items[i].Flex || string(obj["name"]) != `"`+names[i]+`"` {
			t.Errorf("raw %d (%s): not Atlas's object of its kind", i, names[i])
		}
		var one, fromRaw any
		json.Unmarshal(list.RawAt(i), &one)
		b, _ := json.Marshal(obj)
		json.Unmarshal(b, &fromRaw)
		if !reflect.DeepEqual(one, fromRaw) {
			t.Errorf("RawAt(%d) differs from Raw's", i)
		}
	}
	if !c.IsFlex(flexProject, "flex-dev") || !c.IsFlex(flexProject, "flex-qa") || c.IsFlex(flexProject, "demo") {
		t.Error("the listed Flex clusters are not known as such")
	}
	n := len(sb.Requests())
	if _, err := c.ListSnapshots(ctx, flexProject, "flex-qa", api.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	flexSameRequests(t, "flex-qa's snapshots", flexSent(sb, n), "GET "+flexPathBase+"flex-qa/backup/snapshots OK")
}
