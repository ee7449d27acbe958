package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// A cached token that Atlas refuses is dropped: one new token, the request
// once more, and the new token cached. A cache file others can read, or
// one that is not a token, is ignored and replaced.
func TestTokenCacheRefusedAndBadFiles(t *testing.T) {
	t.Parallel()
	sb, env, file := warmTokenCache(t)
	files := []string{file}
	c := sb.Credentials()
	info, _ := os.Stat(files[0])
	data, _ := os.ReadFile(files[0])
	if info.Mode().Perm() != 0o600 || strings.Contains(string(data), c.ClientSecret) || strings.Contains(files[0], c.ClientID) {
		t.Errorf("cache file %s (mode %s): %s", files[0], info.Mode().Perm(), data)
	}
	for _, tt := range []struct {
		name    string
		content string
		mode    os.FileMode
		tokens  int // token requests
		buckets int // bucket list requests
	}{
		{"revoked", `{"access_token":"sbx_revoked","expires":"` + time.Now().Add(time.Hour).Format(time.RFC3339) + `"}`, 0o600, 1, 2},
		{"corrupt", `{"access_tok`, 0o600, 1, 1},
		{"readable by others", string(data), 0o644, 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(files[0], []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(files[0], tt.mode)
			before := sb.Requests()
			res := runAtlasBackup(t, env, "bucket", "list", "--debug")
			if res.code != 0 {
				t.Fatalf("exit %d\n%s", res.code, res)
			}
			tokens, buckets := 0, 0
			for _, r := range sb.Requests()[len(before):] {
				switch r.Operation {
				case "createToken":
					tokens++
				case "listExportBuckets":
					buckets++
				}
			}
			if tokens != tt.tokens || buckets != tt.buckets {
				t.Errorf("%d token requests and %d bucket lists, want %d and %d\n%s", tokens, buckets, tt.tokens, tt.buckets, res)
			}
			if strings.Contains(res.stderr, "sbx_") {
				t.Errorf("a token was printed\n%s", res.stderr)
			}
			var fresh struct {
				AccessToken string `json:"access_token"`
			}
			after, _ := os.ReadFile(files[0])
			if info, _ := os.Stat(files[0]); json.Unmarshal(after, &fresh) != nil || fresh.AccessToken == "sbx_revoked" || info.Mode().Perm() != 0o600 {
				t.Errorf("the cache was not replaced: %s (%s)", after, info.Mode().Perm())
			}
		})
	}
}

// Requests that send a refused cached token at the same time each get
// their one retry, with the one new token the first of them fetched.
func TestTokenCacheRefusedByConcurrentRequests(t *testing.T) {
	t.Parallel()
	sb, env, file := warmTokenCache(t, sandbox.WithClusters(6))
	stale := `{"access_token":"sbx_revoked","expires":"` + time.Now().Add(time.Hour).Format(time.RFC3339) + `"}`
	if err := os.WriteFile(file, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	before := len(sb.Requests())
	res := runAtlasBackup(t, env, "export", "create", "--cluster", fleetClusters(6), "--snapshot-id", "latest",
		"--bucket-id", sandbox.DemoBucketID, "--dry-run", "--parallel", "6")
	tokens := 0
	for _, r := range sb.Requests()[before:] {
		if r.Operation == "createToken" {
			tokens++
		}
	}
	if res.code != 0 || tokens != 1 {
		t.Errorf("exit %d after %d token requests, want 0 after 1\n%s", res.code, tokens, res)
	}
}

// warmTokenCache serves a sandbox, runs one service-account command with a
// cache of its own, and returns the environment and the one cache file.
func warmTokenCache(t *testing.T, opts ...sandbox.Option) (*testSandbox, []string, string) {
	t.Helper()
	sb, env := startSandbox(t, "sa", opts...)
	cache := t.TempDir()
	env = append(env, "XDG_CACHE_HOME="+cache)
	if res := runAtlasBackup(t, env, "bucket", "list"); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "atlas-backup", "token-*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	return sb, env, files[0]
}
