package cmd

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/config"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
)

// A watch stopped by a 404 ends with the not-found message alone (exit
// 4): a job that is not there does not keep running, and there is nothing
// to resume.
func TestWatchEndNotFound(t *testing.T) {
	const p, id = "65f0a1b2c3d4e5f601234567", "6b16289d0000000000000001"
	scope := scopeOf(p, "demo")
	atlas404 := &api.Error{Status: http.StatusNotFound, ErrorCode: "RESOURCE_NOT_FOUND", Detail: "Cannot find resource restore job " + id + "."}
	for _, tt := range []struct {
		name string
		kind func(error) error
		err  error
		want string
	}{
		{
			name: "a restore job", kind: restoreJobKind(scope).watchEnd,
			err: &api.NotFoundError{Kind: api.KindRestoreJob, Name: id, ProjectID: p, Cluster: "demo", Err: atlas404},
			want: atlas404.Error() + "\nCluster demo of project " + p + " has no restore job " + id +
				"; see its restore jobs with: atlas-backup restore list --cluster demo --project-id " + p,
		},
		{
			name: "a cluster", kind: exportJobKind(scope).watchEnd,
			err: &api.NotFoundError{Kind: api.KindCluster, Name: "dmeo", ProjectID: p, Known: []string{"demo"},
				Err: &api.Error{Status: http.StatusNotFound, ErrorCode: "CLUSTER_NOT_FOUND", Detail: "No cluster named dmeo."}},
			want: "404 CLUSTER_NOT_FOUND: No cluster named dmeo.\nProject " + p + " has no cluster named dmeo; did you mean demo? " +
				"See its clusters with: atlas-backup cluster list --project-id " + p,
		},
		{
			name: "a 404 internal/api could not place", kind: exportJobKind(scope).watchEnd,
			err:  atlas404,
			want: atlas404.Error(),
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := wordAPIError(tt.kind(&jobs.StoppedError{Kind: "restore job", ID: id, Err: tt.err}))
			if got.Error() != tt.want {
				t.Errorf("message\n got %s\nwant %s", got, tt.want)
			}
			if strings.Contains(got.Error(), "keeps running") || strings.Contains(got.Error(), "Resume") {
				t.Errorf("a job that is not there is resumed: %s", got)
			}
			if c := exitCode(got); c != exitNotFound {
				t.Errorf("exit %d, want %d", c, exitNotFound)
			}
		})
	}
	// Another stop still says how to resume.
	other := restoreJobKind(scope).watchEnd(&jobs.StoppedError{Kind: "restore job", ID: id, Err: &api.Error{Status: http.StatusBadRequest, ErrorCode: "INVALID"}})
	if !strings.Contains(other.Error(), "it keeps running. Resume with: atlas-backup restore watch "+id) {
		t.Errorf("a 400 stop: %s", other)
	}
}

// The credentials' source names the environment variables, or the keys
// with the profile and file, and the complete credentials left unused; no
// secret.
func TestDescribeCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	body := "default:\n  client_id: mdb_sa_id_x\n  client_secret: secret-1\n  public_api_key: pub\n" +
		"prod:\n  private_api_key: secret-2\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(t.TempDir(), "none.yaml")
	for _, tt := range []struct {
		name, path, profile string
		env                 map[string]string
		sandbox             bool
		want                string
	}{
		{
			name: "the profile's service account before the environment's API keys", path: path, profile: "default",
			env: map[string]string{"MONGODB_ATLAS_PUBLIC_API_KEY": "pub2", "MONGODB_ATLAS_PRIVATE_API_KEY": "secret-3"},
			want: `Credentials used: a service account, client_id and client_secret from profile "default" in ` + path + ".\n" +
				"Also set, but not used (a service account comes first): API keys from MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY.",
		},
		{
			name: "the environment", path: none, profile: "default",
			env:  map[string]string{"MONGODB_ATLAS_CLIENT_ID": "mdb_sa_id_y", "MONGODB_ATLAS_CLIENT_SECRET": "secret-4"},
			want: "Credentials used: a service account from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET.",
		},
		{
			name: "an access token first", path: path, profile: "default",
			env: map[string]string{"MONGODB_ATLAS_ACCESS_TOKEN": "secret-5"},
			want: "Credentials used: an access token from MONGODB_ATLAS_ACCESS_TOKEN.\n" +
				`Also set, but not used (an access token comes first): a service account, client_id and client_secret from profile "default" in ` + path + ".",
		},
		{
			name: "key by key", path: path, profile: "prod",
			env:  map[string]string{"MONGODB_ATLAS_PUBLIC_API_KEY": "pub3"},
			want: `Credentials used: API keys, public_api_key from MONGODB_ATLAS_PUBLIC_API_KEY and private_api_key from profile "prod" in ` + path + ".",
		},
		{
			name: "the sandbox", path: path, profile: "default", sandbox: true,
			want: "Credentials used: the sandbox's own API keys (--sandbox).",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(config.LoadOptions{Path: tt.path, Profile: tt.profile, Getenv: func(k string) string { return tt.env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			cr := api.Credentials{AccessToken: cfg.AccessToken, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
				PublicKey: cfg.PublicAPIKey, PrivateKey: cfg.PrivateAPIKey}
			got := describeCredentials(cfg, cr, tt.sandbox)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if strings.Contains(got, "secret-") {
				t.Errorf("a secret in the message: %s", got)
			}
		})
	}
}
