package cmd

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

func TestWordAPIError(t *testing.T) {
	const p = "65f0a1b2c3d4e5f601234567"
	missing := filepath.Join(t.TempDir(), "missing.pem")
	_, caErr := api.NetworkTransport(missing)
	if caErr == nil {
		t.Fatal("a missing CA file was accepted")
	}
	noLatest := func(cluster string) error {
		return &api.NotFoundError{Kind: api.KindSnapshot, Name: api.Latest, ProjectID: p, Cluster: cluster}
	}
	fleet := &FleetError{}
	fleet.add("demo", noLatest("demo"))
	fleet.add("analytics", &api.Error{Status: http.StatusConflict, ErrorCode: "CONFLICT", Detail: "busy"})
	fleet.add("legacy", noLatest("legacy"))
	// A fleet whose rows were worded before Main words it.
	wordedRows := &FleetError{}
	wordedRows.add("legacy", wordAPIError(noLatest("legacy")))
	notFound := func(detail string) *api.Error {
		return &api.Error{Status: http.StatusNotFound, ErrorCode: "RESOURCE_NOT_FOUND", Detail: detail}
	}
	const job, snap = "6b16289d0000000000000001", "65f0e0e0d0e0000000000009"
	exportConflict := &api.Error{Status: http.StatusConflict, ErrorCode: "EXPORT_ALREADY_IN_PROGRESS",
		Detail: "Snapshot S is already being exported to bucket B by export job " + job + "."}
	restoreConflict := &api.Error{Status: http.StatusConflict, ErrorCode: "CLUSTER_RESTORE_IN_PROGRESS",
		Detail: "Cluster staging is already the target of restore job " + job + "."}
	conflictFleet := &FleetError{}
	conflictFleet.add("demo", &api.ConflictError{Kind: api.KindExportJob, JobID: job, OfCluster: true, ProjectID: p, Cluster: "demo", Err: exportConflict})
	for _, tt := range []struct {
		name string
		err  error
		want string
		code int
	}{
		{
			name: "no completed snapshot", err: noLatest("demo"), code: exitNotFound,
			want: "--snapshot-id latest: cluster demo has no completed snapshot",
		},
		{
			name: "no bucket of that name", code: exitNotFound,
			err:  &api.NotFoundError{Kind: api.KindBucket, Name: "x", ProjectID: p, Known: []string{"a", "b\x1b[2J"}},
			want: `--bucket-id "x": no export bucket of that name in project ` + p + ` (known: a, b\x1b[2J)`,
		},
		{
			name: "no buckets at all", code: exitNotFound,
			err:  &api.NotFoundError{Kind: api.KindBucket, Name: "x", ProjectID: p},
			want: `--bucket-id "x": no export bucket of that name in project ` + p + ` (the project has no export buckets)`,
		},
		{
			name: "a bucket name several buckets share", code: exitUsage,
			err: &api.AmbiguousError{Kind: api.KindBucket, Name: "x", ProjectID: p, Matches: []api.Match{
				{ID: "65f0b0c0d0e0f00000000001", Provider: "AWS", Region: "us-east-1"},
				{ID: "65f0b0c0d0e0f00000000002", Provider: "AWS", Region: "eu-west-1"},
				{ID: "65f0b0c0d0e0f00000000003", Provider: "GCP"},
			}},
			want: `--bucket-id "x": 3 export buckets of project ` + p + ` have that name; give one's ID: ` +
				`65f0b0c0d0e0f00000000001 (AWS, us-east-1), 65f0b0c0d0e0f00000000002 (AWS, eu-west-1), 65f0b0c0d0e0f00000000003 (GCP)`,
		},
		{
			name: "a CA file that is not there", err: caErr, code: exitUsage,
			want: "--ca-cert " + missing + ": no such file or directory",
		},
		{
			name: "a CA file with no certificate, already a usage error", code: exitUsage,
			err:  &UsageError{Err: &api.CAFileError{Path: "ca.pem", Err: api.ErrNoCertificates}},
			want: "--ca-cert ca.pem: no PEM certificates in it",
		},
		{
			name: "wrapped", err: fmt.Errorf("restore: %w", noLatest("demo")), code: exitNotFound,
			want: "restore: --snapshot-id latest: cluster demo has no completed snapshot",
		},
		{
			name: "a fleet, each cluster's line", err: fleet, code: exitNotFound, // its first cluster's
			want: "demo: --snapshot-id latest: cluster demo has no completed snapshot\n" +
				"Error: analytics: 409 CONFLICT: busy\n" +
				"Error: legacy: --snapshot-id latest: cluster legacy has no completed snapshot",
		},
		{
			name: "a fleet whose rows are worded", err: wordedRows, code: exitNotFound,
			want: "legacy: --snapshot-id latest: cluster legacy has no completed snapshot",
		},
		{
			name: "a cluster with a name near", code: exitNotFound,
			err: &api.NotFoundError{Kind: api.KindCluster, Name: "dmeo", ProjectID: p, Known: []string{"analytics", "demo"},
				Err: notFound("Cannot find resource cluster dmeo.")},
			want: "404 RESOURCE_NOT_FOUND: Cannot find resource cluster dmeo.\n" +
				"Project " + p + " has no cluster named dmeo; did you mean demo? See its clusters with: atlas-backup cluster list --project-id " + p,
		},
		{
			name: "a cluster with names near", code: exitNotFound,
			err: &api.NotFoundError{Kind: api.KindCluster, Name: "DEMO", ProjectID: p, Known: []string{"demo2", "analytics", "demo", "Demo-1"},
				Err: notFound("Cannot find resource cluster DEMO.")},
			want: "404 RESOURCE_NOT_FOUND: Cannot find resource cluster DEMO.\n" +
				"Project " + p + " has no cluster named DEMO; did you mean demo, demo2 or Demo-1? See its clusters with: atlas-backup cluster list --project-id " + p,
		},
		{
			name: "a cluster with no name near", code: exitNotFound,
			err: &api.NotFoundError{Kind: api.KindCluster, Name: "payments", ProjectID: p, Known: []string{"demo"},
				Err: notFound("Cannot find resource cluster payments.")},
			want: "404 RESOURCE_NOT_FOUND: Cannot find resource cluster payments.\n" +
				"Project " + p + " has no cluster named payments; see its clusters with: atlas-backup cluster list --project-id " + p,
		},
		{
			name: "a snapshot of another cluster", code: exitNotFound,
			err: &api.NotFoundError{Kind: api.KindSnapshot, Name: snap, ProjectID: p, Cluster: "demo",
				Err: notFound("Cannot find resource snapshot " + snap + ".")},
			want: "404 RESOURCE_NOT_FOUND: Cannot find resource snapshot " + snap + ".\n" +
				"Cluster demo of project " + p + " has no snapshot " + snap + "; see its snapshots with: atlas-backup snapshot list --cluster demo --project-id " + p,
		},
		{
			name: "a job that is not there", code: exitNotFound,
			err: &api.NotFoundError{Kind: api.KindRestoreJob, Name: job, ProjectID: p, Cluster: "demo",
				Err: notFound("Cannot find resource restore job " + job + ".")},
			want: "404 RESOURCE_NOT_FOUND: Cannot find resource restore job " + job + ".\n" +
				"Cluster demo of project " + p + " has no restore job " + job + "; see its restore jobs with: atlas-backup restore list --cluster demo --project-id " + p,
		},
		{
			name: "an export in the way", code: exitRefused,
			err: &api.ConflictError{Kind: api.KindExportJob, JobID: job, OfCluster: true, ProjectID: p, Cluster: "demo", Err: exportConflict},
			want: exportConflict.Error() + "\nExport job " + job + " is in the way. Add --reuse to follow it instead of starting another, " +
				"or follow it with: atlas-backup export watch " + job + " --cluster demo --project-id " + p,
		},
		{
			name: "a restore of the cluster in the way", code: exitRefused,
			err: &api.ConflictError{Kind: api.KindRestoreJob, JobID: job, OfCluster: true, ProjectID: p, Cluster: "demo", Err: restoreConflict},
			want: restoreConflict.Error() + "\nRestore job " + job + " is in the way. If it is the same restore, add --reuse to follow it instead of starting another, " +
				"or follow it with: atlas-backup restore watch " + job + " --cluster demo --project-id " + p,
		},
		{
			name: "another cluster's restore in the way", code: exitRefused,
			err:  &api.ConflictError{Kind: api.KindRestoreJob, JobID: job, ProjectID: p, Cluster: "demo", Err: restoreConflict},
			want: restoreConflict.Error() + "\nRestore job " + job + ", which is not one of cluster demo's, is in the way: wait for it to end, then run this command again.",
		},
		{
			name: "a job in the way that Atlas does not name", code: exitRefused,
			err: &api.ConflictError{Kind: api.KindExportJob, ProjectID: p, Cluster: "demo",
				Err: &api.Error{Status: http.StatusConflict, ErrorCode: "CONFLICT", Detail: "Busy."}},
			want: "409 CONFLICT: Busy.\nAnother job is in the way. Add --reuse to follow a running export of the same snapshot and bucket instead of starting another, " +
				"or see the cluster's jobs with: atlas-backup export list --cluster demo --project-id " + p,
		},
		{
			name: "a fleet's cluster with an export in the way", err: conflictFleet, code: exitRefused,
			want: "demo: " + exportConflict.Error() + "\nExport job " + job + " is in the way. Add --reuse to follow it instead of starting another, " +
				"or follow it with: atlas-backup export watch " + job + " --cluster demo --project-id " + p,
		},
		{
			name: "credentials refused", code: exitAuth,
			err: &api.Error{Status: http.StatusUnauthorized, ErrorCode: "UNAUTHORIZED", Detail: "You are not authorized.",
				CredentialsSource: "Credentials used: API keys from MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY."},
			want: "401 UNAUTHORIZED: You are not authorized.\nCredentials used: API keys from MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY.",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := wordAPIError(tt.err)
			if got.Error() != tt.want {
				t.Errorf("message\n got %s\nwant %s", got, tt.want)
			}
			if c := exitCode(got); c != tt.code {
				t.Errorf("exit %d, want %d", c, tt.code)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("the worded error does not wrap the original")
			}
			if again := wordAPIError(got); again.Error() != tt.want || exitCode(again) != tt.code {
				t.Errorf("worded twice: %q, exit %d", again, exitCode(again))
			}
		})
	}
	if errors.As(wordAPIError(fleet), new(*FleetError)) == false {
		t.Error("a worded fleet error is no *FleetError")
	}
}

// Errors without the API's typed lookup errors pass as they are.
func TestWordAPIErrorLeavesOthers(t *testing.T) {
	for _, err := range []error{
		nil,
		&api.Error{Status: http.StatusNotFound, ErrorCode: "RESOURCE_NOT_FOUND", Detail: "no cluster named demo"},
		usageErrorf("--cluster %q: must match %s", "my_db", api.ClusterNamePattern().String()),
		api.ErrNoCredentials,
		&api.NotFoundError{Kind: "restore job", Name: "x", ProjectID: "p"}, // no flag for it: as the API says it
	} {
		if got := wordAPIError(err); got != err {
			t.Errorf("%v became %v", err, got)
		}
	}
}
