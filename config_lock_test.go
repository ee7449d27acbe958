package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/config"
	"github.com/atlas-backup/atlas-backup/internal/safefile"
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
	t.Parallel()
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

// Ctrl-C while `config set` waits for another process's lock ends it at
// once: exit 130, nothing written.
func TestConfigLockWaitEndsOnCtrlC(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.yaml")
	const body = "default:\n  output: json\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	release, ok, err := safefile.TryLock(config.LockPath(path)) // another holder
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer release()
	r := startAtlasBackup(t, []string{config.EnvConfig + "=" + path}, "config", "set", "output", "yaml")
	time.Sleep(300 * time.Millisecond) // waiting for the lock by now
	began := time.Now()
	res := r.stop(syscall.SIGINT)
	if res.code != 130 || !strings.Contains(res.stderr, "stopped waiting for its lock file") || time.Since(began) > time.Second {
		t.Errorf("exit %d after %s\n%s", res.code, time.Since(began), res)
	}
	if b, _ := os.ReadFile(path); string(b) != body {
		t.Errorf("the file became %q", b)
	}
}
