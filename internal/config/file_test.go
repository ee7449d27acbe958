package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/safefile"
)

// assertFileError checks that err is a *FileError of class kind that names
// path and quotes none of the secrets.
func assertFileError(t *testing.T, err error, kind error, path string, secrets ...string) *FileError {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, kind) {
		t.Fatalf("error = %v (%T), want a *FileError of class %q", err, err, kind)
	}
	if fe.Path != path || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q (Path %q) does not name %s", err, fe.Path, path)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q quotes the secret %q", err, s)
		}
	}
	for _, other := range []error{ErrInvalid, ErrUnreadable, ErrReadOnly, ErrUnwritable, ErrLocked} {
		if other != kind && errors.Is(err, other) {
			t.Errorf("error %q is also of class %q", err, other)
		}
	}
	return fe
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Errorf("%s = %q, %v; want %q", path, got, err, want)
	}
}

func TestSetThroughSymlinkToItsTarget(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	tests := []struct {
		name   string
		body   string // target's content; "" for a link to a file not made yet
		want   string
		rel    bool
		target string // where the link points, relative to a fresh directory
	}{
		{name: "absolute", body: "default:\n  output: json\n", want: "default:\n  output: yaml\n"},
		{name: "relative", body: "# mine\ndefault:\n  output: json\n", want: "# mine\ndefault:\n  output: yaml\n", rel: true},
		{name: "dangling", want: "default:\n  output: yaml\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dotfiles := t.TempDir()
			target := filepath.Join(dotfiles, "atlas-backup.yaml")
			if tt.body != "" {
				if err := os.WriteFile(target, []byte(tt.body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			link := filepath.Join(dir, "config.yaml")
			dest := target
			if tt.rel {
				var err error
				if dest, err = filepath.Rel(dir, target); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(dest, link); err != nil {
				t.Fatal(err)
			}
			if err := Set(context.Background(), link, "default", KeyOutput, "yaml"); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("the link was replaced: %v, %v", fi, err)
			}
			if got, _ := os.Readlink(link); got != dest {
				t.Errorf("link points to %q, want %q", got, dest)
			}
			assertContent(t, target, tt.want)
			assertMode(t, target, 0o600)
			for d, want := range map[string]int{dir: 1, dotfiles: 1} { // no temp or lock file left
				if entries, _ := os.ReadDir(d); len(entries) != want {
					t.Errorf("%s holds %v, want %d entries", d, entries, want)
				}
			}
			if err := Unset(context.Background(), link, "default", KeyOutput); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("Unset replaced the link: %v, %v", fi, err)
			}
		})
	}
}

func TestWriteRefusesReadOnlyFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	const body = "default:\n  output: json\n"
	for _, mode := range []os.FileMode{0o400, 0o444, 0o440} {
		t.Run(mode.String(), func(t *testing.T) {
			path := writeConfig(t, body, mode)
			for name, write := range map[string]func() error{
				"set":        func() error { return Set(context.Background(), path, "default", KeyOutput, "yaml") },
				"set secret": func() error { return Set(context.Background(), path, "default", KeyClientSecret, "s3cr3t-v4lue") },
				"unset":      func() error { return Unset(context.Background(), path, "default", KeyOutput) },
			} {
				err := write()
				assertFileError(t, err, ErrReadOnly, path, "s3cr3t-v4lue")
				want := "config file " + path + " is read-only: mode " + mode.String() + "; nothing was written. To let atlas-backup change it, run: chmod u+w " + path
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("%s: error =\n%s\nwant prefix\n%s", name, err, want)
				}
			}
			assertContent(t, path, body)
			assertMode(t, path, mode)
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("directory holds %v, want only the config file", entries)
			}
			// Reading it is fine.
			if v, err := Get(path, "default", KeyOutput); err != nil || v != "json" {
				t.Errorf("Get = %q, %v", v, err)
			}
		})
	}

	t.Run("through a symlink", func(t *testing.T) {
		target := writeConfig(t, body, 0o444)
		link := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		err := Set(context.Background(), link, "default", KeyOutput, "yaml")
		assertFileError(t, err, ErrReadOnly, link)
		if want := "config file " + link + " (a link to " + target + ") is read-only: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error = %s\nwant prefix %s", err, want)
		}
		assertContent(t, target, body)
		assertMode(t, target, 0o444)
	})
}

func TestUnparsableFileIsInvalid(t *testing.T) {
	const secret = "s3cr3t-v4lue-that-is-long"
	tests := map[string]struct{ body, detail string }{
		"syntax":        {"default: [\n", "line 1: did not find expected node content"},
		"list":          {"- a\n", "line 1: found a list where the map of profiles should be"},
		"nested value":  {"default:\n  project_id:\n    x: 1\n", "line 3: found a map where a single value should be"},
		"top value":     {"private_api_key: " + secret + "\n", "line 1: found a single value where a profile's map of KEY: VALUE should be"},
		"secret tagged": {"default:\n  private_api_key: !!int " + secret + "\n", "cannot decode !!str as a !!int"},
		"duplicate key": {"default:\n  private_api_key: " + secret + "\n  private_api_key: x\n", `line 3: mapping key "private_api_key" already defined at line 2`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, tt.body, 0o600)
			want := "config file " + path + " is invalid: " + tt.detail + "; fix it in an editor: "
			for op, run := range map[string]func() error{
				"Load":   func() error { _, err := Load(LoadOptions{Path: path, Getenv: env(nil)}); return err },
				"Stored": func() error { _, err := Stored(path, "default"); return err },
				"Get":    func() error { _, err := Get(path, "default", KeyOutput); return err },
				"Set":    func() error { return Set(context.Background(), path, "default", KeyOutput, "json") },
				"Unset":  func() error { return Unset(context.Background(), path, "default", KeyOutput) },
			} {
				err := run()
				assertFileError(t, err, ErrInvalid, path, secret[:7])
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("%s error =\n%s\nwant prefix\n%s", op, err, want)
				}
			}
			assertContent(t, path, tt.body)
		})
	}
}

func TestUnreadableFile(t *testing.T) {
	// Tests run as root, whom chmod 000 does not stop: a directory where
	// the file should be cannot be read by anyone.
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	want := "cannot read config file " + path + ": it is a directory, not a file; remove or rename that directory, or choose another file with --config or ATLAS_BACKUP_CONFIG"
	for op, run := range map[string]func() error{
		"Load":  func() error { _, err := Load(LoadOptions{Path: path, Getenv: env(nil)}); return err },
		"Get":   func() error { _, err := Get(path, "default", KeyOutput); return err },
		"Set":   func() error { return Set(context.Background(), path, "default", KeyOutput, "json") },
		"Unset": func() error { return Unset(context.Background(), path, "default", KeyOutput) },
	} {
		err := run()
		assertFileError(t, err, ErrUnreadable, path)
		if err.Error() != want {
			t.Errorf("%s error =\n%s\nwant\n%s", op, err, want)
		}
	}
	if entries, _ := os.ReadDir(path); len(entries) != 0 {
		t.Errorf("something was written into the directory: %v", entries)
	}

	t.Run("permission denied", func(t *testing.T) {
		if runtime.GOOS == "windows" || os.Geteuid() == 0 {
			t.Skip("needs Unix permissions that bind the user (not root)")
		}
		path := writeConfig(t, "default: {}\n", 0o000)
		_, err := Load(LoadOptions{Path: path, Getenv: env(nil)})
		assertFileError(t, err, ErrUnreadable, path)
		if want := "cannot read config file " + path + ": permission denied; check its permissions, or choose another file"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error = %s\nwant prefix %s", err, want)
		}
	})
}

func TestWriteErrorsNameTheConfigFile(t *testing.T) {
	// A regular file where the config file's directory should be.
	parent := filepath.Join(t.TempDir(), "atlas-backup")
	if err := os.WriteFile(parent, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(parent, "config.yaml"), filepath.Join(parent, "sub", "config.yaml")} {
		err := Set(context.Background(), path, "default", KeyOutput, "json")
		assertFileError(t, err, ErrUnwritable, path)
		if want := "cannot write config file " + path + ": cannot create its directory " + filepath.Dir(path) + ": "; !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "; nothing was written") {
			t.Errorf("error = %s\nwant prefix %s", err, want)
		}
	}

	// The rename onto the config file fails: errors name it, never the
	// temporary file, which is removed.
	dir := t.TempDir()
	target := filepath.Join(dir, "config.yaml")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := writeFileAtomic(target, []byte("default: {}\n"))
	if err == nil {
		t.Fatal("writeFileAtomic onto a directory succeeded")
	}
	werr := unwritableError(target, "", err)
	assertFileError(t, werr, ErrUnwritable, target)
	if want := "cannot write config file " + target + ": "; !strings.HasPrefix(werr.Error(), want) || strings.Contains(werr.Error(), ".config.yaml.") {
		t.Errorf("error = %s\nwant prefix %s and no temporary file", werr, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%s holds %v, want the temporary file removed", dir, entries)
	}
}

// shortLockWait makes lock waits d long for one test.
func shortLockWait(t *testing.T, d time.Duration) {
	old := lockWait
	lockWait = d
	t.Cleanup(func() { lockWait = old })
}

func TestLockTimesOut(t *testing.T) {
	shortLockWait(t, 300*time.Millisecond)
	const body = "default:\n  output: json\n"
	path := writeConfig(t, body, 0o600)

	unlock, err := lock(context.Background(), path, path) // another holder
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	err = Set(context.Background(), path, "default", KeyClientSecret, "s3cr3t-v4lue")
	took := time.Since(began)
	assertFileError(t, err, ErrLocked, path, "s3cr3t-v4lue")
	want := "config file " + path + " is busy: another process (most likely another atlas-backup config set or unset) held its lock file " + path + ".lock for 300ms; nothing was written, try again when it has finished"
	if !safefile.LockDiesWithProcess {
		want += " (if none is running, remove " + path + ".lock)"
	}
	if err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
	if took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("gave up after %s, want about 300ms", took)
	}
	assertContent(t, path, body)

	// Once the holder lets go, a waiting writer goes ahead.
	shortLockWait(t, 5*time.Second)
	done := make(chan error)
	go func() { done <- Set(context.Background(), path, "default", KeyOutput, "yaml") }()
	time.Sleep(50 * time.Millisecond)
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "default:\n  output: yaml\n")
	if _, err := os.Stat(LockPath(path)); runtime.GOOS != "windows" && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left behind: %v", err)
	}
}

func TestConcurrentSetsAllLand(t *testing.T) {
	shortLockWait(t, time.Minute) // a slow disk makes the turns long, not lost
	path := filepath.Join(t.TempDir(), "atlas-backup", "config.yaml")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Set(context.Background(), path, fmt.Sprintf("p%d", i%4), KeyNames()[i%8], validValue(KeyNames()[i%8]))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for i := range 16 {
		key := KeyNames()[i%8]
		if v, err := Get(path, fmt.Sprintf("p%d", i%4), key); err != nil || v != validValue(key) {
			t.Errorf("p%d %s = %q, %v", i%4, key, v, err)
		}
	}
}

// validValue is a value key accepts.
func validValue(key string) string {
	switch key {
	case KeyProjectID:
		return fileProject
	case KeyOutput:
		return "json"
	case KeyBaseURL:
		return "https://example.com"
	case KeyAPIVersion:
		return "2024-08-05"
	case KeyHTTPTimeout:
		return "1m"
	case KeyCACert:
		return "/etc/ca.pem"
	case KeyTokenCache:
		return "false"
	}
	if err := Validate(key, "5"); err == nil {
		return "5"
	}
	return "v-" + key
}

func TestSetRefusesAliasedProfile(t *testing.T) {
	const body = "base: &b\n  output: json\ndefault: *b\n"
	path := writeConfig(t, body, 0o600)
	if v, err := Get(path, "default", KeyOutput); err != nil || v != "json" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	err := Set(context.Background(), path, "default", KeyOutput, "yaml")
	assertFileError(t, err, ErrUnwritable, path)
	if want := "cannot change config file " + path + `: profile "default" (line 3) is not a plain map (an alias?), which atlas-backup cannot edit; edit it by hand. Nothing was written`; err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
	assertContent(t, path, body)
}

func TestSetRefusesNonRegularFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix sockets and /dev/null")
	}
	// A socket stands in for /dev/null, which a failing test as root
	// would replace.
	path := filepath.Join(t.TempDir(), "config.yaml")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	err = Set(context.Background(), path, "default", KeyOutput, "json")
	assertFileError(t, err, ErrUnwritable, path)
	if want := "cannot write config file " + path + ": " + path + " is not a regular file (mode S"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %s\nwant prefix %s", err, want)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("the socket was replaced: %v, %v", fi, err)
	}
	// Reading /dev/null (a way to ignore the config file) is fine.
	if _, err := Load(LoadOptions{Path: os.DevNull, Getenv: env(nil)}); err != nil {
		t.Errorf("Load(%s) = %v, want an empty config", os.DevNull, err)
	}
}
