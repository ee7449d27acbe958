package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
)

// A state Atlas does not document ends a watch at once (an error, exit 1
// for the commands), rather than wait for an end that may never come: a
// snapshot's status, a Flex restore job's.
func TestFollowUnknownState(t *testing.T) {
	t.Parallel()
	const id = "65f0e0e0d0e0000000000777"
	s := script(t, map[string]route{
		"GET /api/atlas/v2/groups/" + project + "/clusters/demo/backup/snapshots/" + id:       {200, `{"id":"` + id + `","status":"paused"}`},
		"GET /api/atlas/v2/groups/" + project + "/clusters/tiny/backup/restoreJobs/" + id:     {400, `{"error":400,"errorCode":"CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API","detail":"Cannot use flex cluster tiny in the cluster API.","reason":"Bad Request","parameters":["tiny"]}`},
		"GET /api/atlas/v2/groups/" + project + "/flexClusters/tiny":                          {200, `{"id":"65f0f1f10000000000000004","name":"tiny","stateName":"IDLE"}`},
		"GET /api/atlas/v2/groups/" + project + "/flexClusters/tiny/backup/restoreJobs/" + id: {200, `{"id":"` + id + `","status":"PAUSED","deliveryType":"RESTORE"}`},
	})
	d := jobs.Deps{Client: newClient(t, s.srv.URL, "t0ken")}
	w := jobs.Watch{Interval: time.Millisecond, Timeout: time.Minute}
	var unknown *api.UnknownJobStateError
	if _, err := jobs.Follow(context.Background(), d, jobs.Snapshot, jobs.Scope{ProjectID: project, Cluster: "demo"}, id, w); !errors.As(err, &unknown) || unknown.State != "paused" {
		t.Errorf("snapshot: %v, want an unknown state", err)
	}
	if _, err := jobs.Follow(context.Background(), d, jobs.Restore, jobs.Scope{ProjectID: project, Cluster: "tiny"}, id, w); !errors.As(err, &unknown) || unknown.State != "PAUSED" {
		t.Errorf("Flex restore job: %v, want an unknown state", err)
	}
}
