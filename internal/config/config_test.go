package config

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

const (
	fileProject = "65f0a1b2c3d4e5f601234567"
	envProject  = "aaaaaaaaaaaaaaaaaaaaaaaa"
	flagProject = "bbbbbbbbbbbbbbbbbbbbbbbb"
)

// writeConfig writes body to a config file in a fresh directory.
func writeConfig(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// rootFlags mimics the root command's persistent flags.
func rootFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("atlas-backup", pflag.ContinueOnError)
	fs.String("project-id", "", "")
	fs.StringP("output", "o", "table", "")
	fs.String("base-url", "", "")
	fs.Duration("http-timeout", 30*time.Second, "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestLoadPrecedence(t *testing.T) {
	file := writeConfig(t, "default:\n  project_id: "+fileProject+"\n  base_url: https://file.example\n", 0o600)
	tests := []struct {
		name       string
		path       string
		args       []string
		env        map[string]string
		wantProj   string
		wantBase   string
		wantSource Source
	}{
		{name: "defaults", path: filepath.Join(t.TempDir(), "none.yaml"),
			wantBase: DefaultBaseURL, wantSource: Source{}},
		{name: "profile", path: file,
			wantProj: fileProject, wantBase: "https://file.example", wantSource: Source{SourceProfile, "default"}},
		{name: "env over profile", path: file,
			env:      map[string]string{"MONGODB_ATLAS_PROJECT_ID": envProject, "MONGODB_ATLAS_BASE_URL": "https://env.example"},
			wantProj: envProject, wantBase: "https://env.example", wantSource: Source{SourceEnv, "MONGODB_ATLAS_PROJECT_ID"}},
		{name: "empty env is unset", path: file,
			env:      map[string]string{"MONGODB_ATLAS_PROJECT_ID": ""},
			wantProj: fileProject, wantBase: "https://file.example", wantSource: Source{SourceProfile, "default"}},
		{name: "flag over env", path: file,
			args:     []string{"--project-id", flagProject, "--base-url", "https://flag.example"},
			env:      map[string]string{"MONGODB_ATLAS_PROJECT_ID": envProject, "MONGODB_ATLAS_BASE_URL": "https://env.example"},
			wantProj: flagProject, wantBase: "https://flag.example", wantSource: Source{SourceFlag, "--project-id"}},
		{name: "OPS_MANAGER_URL over BASE_URL", path: file,
			env:      map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": "https://om.example", "MONGODB_ATLAS_BASE_URL": "https://env.example"},
			wantProj: fileProject, wantBase: "https://om.example", wantSource: Source{SourceProfile, "default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(LoadOptions{Path: tt.path, Flags: rootFlags(t, tt.args...), Getenv: env(tt.env)})
			if err != nil {
				t.Fatal(err)
			}
			if c.ProjectID != tt.wantProj || c.BaseURL != tt.wantBase {
				t.Errorf("project_id, base_url = %q, %q; want %q, %q", c.ProjectID, c.BaseURL, tt.wantProj, tt.wantBase)
			}
			if got := c.Sources[KeyProjectID]; got != tt.wantSource {
				t.Errorf("Sources[project_id] = %v, want %v", got, tt.wantSource)
			}
			if c.Output != DefaultOutput || c.HTTPTimeout != DefaultHTTPTimeout || c.Profile != DefaultProfile || c.Path != tt.path {
				t.Errorf("Load = %+v, want defaults for output, http_timeout, profile and path %s", c, tt.path)
			}
		})
	}
}

func TestLoadOpsManagerSourceAndFlagDefaults(t *testing.T) {
	c, err := Load(LoadOptions{
		Path:   filepath.Join(t.TempDir(), "none.yaml"),
		Flags:  rootFlags(t, "-o", "json", "--http-timeout", "1m"),
		Getenv: env(map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": "https://om.example", "MONGODB_ATLAS_BASE_URL": "https://env.example"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Output != "json" || c.HTTPTimeout != time.Minute {
		t.Errorf("output, http_timeout = %q, %v; want json, 1m", c.Output, c.HTTPTimeout)
	}
	if got, want := c.Sources[KeyBaseURL], (Source{SourceEnv, "MONGODB_ATLAS_OPS_MANAGER_URL"}); got != want {
		t.Errorf("Sources[base_url] = %v, want %v", got, want)
	}
}

func TestLoadProfiles(t *testing.T) {
	path := writeConfig(t, `default:
  project_id: `+fileProject+`
  output: json
prod:
  base_url: https://prod.example
  client_id: mdb_sa_id_1
  client_secret: mdb_sa_sk_1
  http_timeout: 2m
`, 0o600)

	c, err := Load(LoadOptions{Path: path, Profile: "prod", Getenv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Profile: "prod", Path: path, Output: DefaultOutput, BaseURL: "https://prod.example",
		HTTPTimeout: 2 * time.Minute, MaxRetries: 4, TokenCache: true, ClientID: "mdb_sa_id_1", ClientSecret: "mdb_sa_sk_1"}
	c.Sources = nil
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Load(prod) = %+v\nwant %+v", *c, want)
	}

	_, err = Load(LoadOptions{Path: path, Profile: "staging", Getenv: env(nil)})
	var nf *ProfileNotFoundError
	if !errors.As(err, &nf) || err.Error() != `profile "staging" not found in `+path+` (profiles: default, prod)` {
		t.Errorf("Load(staging) error = %v, want profile not found listing default, prod", err)
	}

	// A missing file, or a file without a default profile, is fine.
	if _, err := Load(LoadOptions{Path: filepath.Join(t.TempDir(), "none.yaml"), Profile: "staging", Getenv: env(nil)}); err != nil {
		t.Errorf("Load(missing file) error = %v", err)
	}
	if _, err := Load(LoadOptions{Path: writeConfig(t, "prod: {}\n", 0o600), Getenv: env(nil)}); err != nil {
		t.Errorf("Load(no default profile) error = %v", err)
	}
}

func TestLoadBadFiles(t *testing.T) {
	for name, body := range map[string]string{
		"syntax":    "default: [\n",
		"list":      "- a\n",
		"nested":    "default:\n  project_id:\n    x: 1\n",
		"top value": "project_id: 65f0a1b2c3d4e5f601234567\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, body, 0o600)
			_, err := Load(LoadOptions{Path: path, Getenv: env(nil)})
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("Load error = %v, want one naming %s", err, path)
			}
		})
	}
}

func TestLoadBadValues(t *testing.T) {
	tests := []struct {
		name, file string
		args       []string
		want       string
	}{
		{name: "http_timeout not a duration", file: "default:\n  http_timeout: 30\n",
			want: `http_timeout "30" (from profile "default" in FILE): must be a duration greater than 0`},
		{name: "http_timeout zero", args: []string{"--http-timeout", "0s"},
			want: `--http-timeout "0s": must be a duration greater than 0`},
		{name: "http_timeout negative", file: "default:\n  http_timeout: -5s\n",
			want: `http_timeout "-5s" (from profile "default" in FILE): must be a duration greater than 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.file, 0o600)
			_, err := Load(LoadOptions{Path: path, Flags: rootFlags(t, tt.args...), Getenv: env(nil)})
			var iv *InvalidValueError
			want := strings.ReplaceAll(tt.want, "FILE", path)
			if !errors.As(err, &iv) || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Load error = %v\nwant prefix %s", err, want)
			}
		})
	}
}

func TestLoadWarnsAboutReadableSecrets(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	tests := []struct {
		name     string
		body     string
		mode     os.FileMode
		wantWarn bool
	}{
		{"secret, world readable", "other:\n  private_api_key: k\n", 0o644, true},
		{"secret, group readable", "default:\n  access_token: t\n", 0o640, true},
		{"secret, 0600", "default:\n  access_token: t\n", 0o600, false},
		{"no secret, world readable", "default:\n  client_id: id\n  public_api_key: p\n", 0o644, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body, tt.mode)
			var warn bytes.Buffer
			if _, err := Load(LoadOptions{Path: path, Getenv: env(nil), Warn: &warn}); err != nil {
				t.Fatal(err)
			}
			want := "Warning: " + path + " holds secrets and is readable by others; run: chmod 600 " + path + "\n"
			if !tt.wantWarn {
				want = ""
			}
			if warn.String() != want {
				t.Errorf("warning = %q, want %q", warn.String(), want)
			}
		})
	}
}

func TestSetWritesPrivateFileAndKeepsTheRest(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	path := writeConfig(t, `# my profiles
default:
  output: json # pretty
prod:
  client_id: mdb_sa_id_1
`, 0o644)
	if err := Set(context.Background(), path, "default", KeyProjectID, fileProject); err != nil {
		t.Fatal(err)
	}
	if err := Set(context.Background(), path, "prod", KeyClientID, "mdb_sa_id_2"); err != nil {
		t.Fatal(err)
	}
	if err := Set(context.Background(), path, "lab", KeyAPIVersion, "2024-08-05"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := `# my profiles
default:
  output: json # pretty
  project_id: 65f0a1b2c3d4e5f601234567
prod:
  client_id: mdb_sa_id_2
lab:
  api_version: "2024-08-05"
`
	if string(got) != want {
		t.Errorf("file =\n%s\nwant\n%s", got, want)
	}
	assertMode(t, path, 0o600)
	if v, err := Get(path, "lab", KeyAPIVersion); v != "2024-08-05" || err != nil {
		t.Errorf("Get(lab, api_version) = %q, %v", v, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the config file", len(entries))
	}
}

func TestSetCreatesFileAndDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "atlas-backup")
	path := filepath.Join(dir, "config.yaml")
	if err := Set(context.Background(), path, "default", KeyClientSecret, "mdb_sa_sk_1"); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)
	assertMode(t, dir, 0o700)
	if got, _ := os.ReadFile(path); string(got) != "default:\n  client_secret: mdb_sa_sk_1\n" {
		t.Errorf("file = %q", got)
	}
}

func TestSetThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	target := writeConfig(t, "default:\n  output: json\n", 0o600)
	link := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Set(context.Background(), link, "default", KeyOutput, "yaml"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link replaced: %v, %v", fi, err)
	}
	if v, _ := Get(target, "default", KeyOutput); v != "yaml" {
		t.Errorf("target output = %q, want yaml", v)
	}
}

func TestSetRefusesUnknownKeysAndBadValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	err := Set(context.Background(), path, "default", "projectid", fileProject)
	var uk *UnknownKeyError
	if !errors.As(err, &uk) || !strings.Contains(err.Error(), "known keys: project_id, output, base_url,") {
		t.Errorf("Set(context.Background(), projectid) error = %v, want unknown key listing the known keys", err)
	}
	for key, value := range map[string]string{
		KeyProjectID:   "65F0A1B2C3D4E5F601234567",
		KeyOutput:      "xml",
		KeyHTTPTimeout: "30",
		KeyBaseURL:     "ftp://cloud.mongodb.com",
		KeyAPIVersion:  "v2",
		KeyClientID:    "",
	} {
		err := Set(context.Background(), path, "default", key, value)
		var iv *InvalidValueError
		if !errors.As(err, &iv) || !strings.HasPrefix(err.Error(), key+` "`+value+`": must`) {
			t.Errorf("Set(context.Background(), %s, %q) error = %v, want invalid value", key, value, err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused Set wrote the file: %v", err)
	}
	for _, value := range []string{"table", "json", "yaml", "go-template={{.id}}"} {
		if err := Validate(KeyOutput, value); err != nil {
			t.Errorf("Validate(output, %q) = %v", value, err)
		}
	}
}

func TestUnset(t *testing.T) {
	path := writeConfig(t, "default:\n  output: json\n  projectid: typo\nprod:\n  client_id: x\n", 0o600)
	if err := Unset(context.Background(), path, "default", KeyOutput); err != nil {
		t.Fatal(err)
	}
	if err := Unset(context.Background(), path, "default", "projectid"); err != nil { // stored, though unknown
		t.Fatal(err)
	}
	if err := Unset(context.Background(), path, "default", KeyOutput); !errors.Is(err, ErrNotSet) {
		t.Errorf("second Unset error = %v, want ErrNotSet", err)
	}
	var uk *UnknownKeyError
	if err := Unset(context.Background(), path, "default", "nope"); !errors.As(err, &uk) {
		t.Errorf("Unset(context.Background(), nope) error = %v, want unknown key", err)
	}
	var nf *ProfileNotFoundError
	if err := Unset(context.Background(), path, "staging", KeyOutput); !errors.As(err, &nf) {
		t.Errorf("Unset(context.Background(), staging) error = %v, want profile not found", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "default: {}\nprod:\n  client_id: x\n" {
		t.Errorf("file = %q", got)
	}
	missing := filepath.Join(t.TempDir(), "config.yaml")
	if err := Unset(context.Background(), missing, "default", KeyOutput); !errors.Is(err, ErrNotSet) {
		t.Errorf("Unset(context.Background(), missing file) error = %v, want ErrNotSet", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Unset created the file: %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ATLAS_BACKUP_CONFIG": "/etc/ab.yaml", "XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}, "/etc/ab.yaml"},
		{map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}, filepath.Join("/xdg", "atlas-backup", "config.yaml")},
		{map[string]string{"HOME": "/home/u"}, filepath.Join("/home/u", ".config", "atlas-backup", "config.yaml")},
	}
	for _, tt := range tests {
		if got := DefaultPath(env(tt.env)); got != tt.want {
			t.Errorf("DefaultPath(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestKeys(t *testing.T) {
	k, ok := Lookup(KeyBaseURL)
	if !ok || strings.Join(k.Env, " ") != "MONGODB_ATLAS_OPS_MANAGER_URL MONGODB_ATLAS_BASE_URL" || k.Default != DefaultBaseURL {
		t.Errorf("Lookup(base_url) = %+v, %v", k, ok)
	}
	var secrets []string
	for _, k := range Keys() {
		if k.Secret {
			secrets = append(secrets, k.Name)
		}
	}
	if got := strings.Join(secrets, " "); got != "access_token client_secret private_api_key" {
		t.Errorf("secret keys = %s", got)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %#o, want %#o", path, got, want)
	}
}
