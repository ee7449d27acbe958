package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/config"
)

// configRun runs atlas-backup with the config file at path, and nothing to
// talk to: no request may be sent.
func configRun(t *testing.T, path string, args ...string) cliResult {
	return runAtlasBackup(t, []string{config.EnvConfig + "=" + path,
		"MONGODB_ATLAS_PROJECT_ID=65f0a1b2c3d4e5f601234567", "MONGODB_ATLAS_BASE_URL=http://127.0.0.1:1"}, args...)
}

// Eight `config set` processes started together, each with its own key or
// profile, all keep their value: they take turns through the lock file.
func TestConfigConcurrentSetsKeepEveryValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "atlas-backup", "config.yaml")
	sets := []struct{ profile, key, value string }{
		{"default", "project_id", "65f0a1b2c3d4e5f601234567"},
		{"default", "output", "json"},
		{"default", "base_url", "https://one.example"},
		{"default", "api_version", "2024-08-05"},
		{"prod", "http_timeout", "2m"},
		{"prod", "client_id", "mdb_sa_id_1"},
		{"lab", "public_api_key", "abcdefgh"},
		{"lab", "base_url", "https://lab.example"},
	}
	var wg sync.WaitGroup
	for _, s := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := configRun(t, path, "--profile", s.profile, "config", "set", s.key, s.value); res.code != 0 {
				t.Errorf("config set %s %s (profile %s): exit %d\n%s", s.key, s.value, s.profile, res.code, res)
			}
		}()
	}
	wg.Wait()
	for _, s := range sets {
		if v, err := config.Get(path, s.profile, s.key); err != nil || v != s.value {
			t.Errorf("profile %s: %s = %q, %v; want %q", s.profile, s.key, v, err, s.value)
		}
	}
	if entries, err := os.ReadDir(filepath.Dir(path)); err != nil || len(entries) > 2 { // the file, and on Windows its lock file
		t.Errorf("%s holds %v, %v; want no temporary files left", filepath.Dir(path), entries, err)
	}
}

// An API command and the config command give a config file that cannot be
// used the same exit code: 2 when it is not valid, 1 when it cannot be
// read; the message names the file.
func TestConfigFileErrorsSameExitCodeEverywhere(t *testing.T) {
	invalid := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(invalid, []byte("default: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(t.TempDir(), "config.yaml") // a directory: root cannot read it either
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, want string
		code             int
	}{
		{"unparsable", invalid, "Error: config file " + invalid + " is invalid: line 1: did not find expected node content; fix it in an editor", 2},
		{"unreadable", unreadable, "Error: cannot read config file " + unreadable + ": it is a directory, not a file", 1},
	} {
		for _, args := range [][]string{{"bucket", "list"}, {"config", "list"}} {
			t.Run(fmt.Sprintf("%s/%s", tt.name, strings.Join(args, "_")), func(t *testing.T) {
				res := configRun(t, tt.path, args...)
				if res.code != tt.code || res.stdout != "" || !strings.HasPrefix(res.stderr, tt.want) {
					t.Errorf("exit %d, want %d and stderr starting %q\n%s", res.code, tt.code, tt.want, res)
				}
			})
		}
	}
}
