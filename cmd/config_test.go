package cmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

const testProjectID = "65f0a1b2c3d4e5f601234567"

// configEnv points ATLAS_BACKUP_CONFIG at a file in a fresh directory,
// optionally with body, and returns its path.
func configEnv(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "atlas-backup", "config.yaml")
	if body != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("ATLAS_BACKUP_CONFIG", path)
	t.Setenv("ATLAS_BACKUP_PROFILE", "")
	return path
}

// runConfig runs `config ARGS...` with stdin and returns what it printed.
func runConfig(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := newConfigCmd(&Factory{IO: output.Streams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}})
	c.SilenceErrors, c.SilenceUsage = true, true
	c.SetArgs(args)
	err = c.Execute()
	return out.String(), errOut.String(), err
}

func readFileString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConfigSetGetListUnset(t *testing.T) {
	path := configEnv(t, "")

	stdout, stderr, err := runConfig(t, "", "set", "project_id", testProjectID)
	if err != nil || stdout != "" || stderr != "Set project_id in profile default ("+path+")\n" {
		t.Fatalf("set project_id: err=%v stdout=%q stderr=%q", err, stdout, stderr)
	}
	if _, stderr, err := runConfig(t, "s3cret\n", "set", "client_secret"); err != nil || !strings.HasPrefix(stderr, "Set client_secret") {
		t.Fatalf("set client_secret: err=%v stderr=%q", err, stderr)
	}
	if got, want := readFileString(t, path), "default:\n  project_id: "+testProjectID+"\n  client_secret: s3cret\n"; got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v, want mode %#o", p, fi, want)
			}
		}
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "project_id"}, testProjectID + "\n"},
		{[]string{"get", "client_secret"}, "REDACTED\n"},
		{[]string{"get", "client_secret", "--show-secrets"}, "s3cret\n"},
		{[]string{"list"}, "client_secret=REDACTED\nproject_id=" + testProjectID + "\n"},
		{[]string{"ls", "--show-secrets"}, "client_secret=s3cret\nproject_id=" + testProjectID + "\n"},
	} {
		if stdout, stderr, err := runConfig(t, "", tt.args...); err != nil || stdout != tt.want || stderr != "" {
			t.Errorf("config %v: err=%v stdout=%q stderr=%q; want stdout %q", tt.args, err, stdout, stderr, tt.want)
		}
	}

	if _, stderr, err := runConfig(t, "", "unset", "client_secret"); err != nil || stderr != "Unset client_secret in profile default ("+path+")\n" {
		t.Errorf("unset: err=%v stderr=%q", err, stderr)
	}
	if _, stderr, err := runConfig(t, "", "unset", "client_secret"); err != nil || !strings.Contains(stderr, "client_secret was not set") {
		t.Errorf("second unset: err=%v stderr=%q", err, stderr)
	}
	_, _, err = runConfig(t, "", "get", "client_secret")
	var nf *NotFoundError
	if !errors.As(err, &nf) || err.Error() != "client_secret is not set in profile default ("+path+")" {
		t.Errorf("get after unset: err=%v, want *NotFoundError", err)
	}
	if got, want := readFileString(t, path), "default:\n  project_id: "+testProjectID+"\n"; got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
}

func TestConfigRefusesSecretArgument(t *testing.T) {
	path := configEnv(t, "")
	for _, key := range []string{"access_token", "client_secret", "private_api_key"} {
		stdout, stderr, err := runConfig(t, "", "set", key, "s3cret")
		var usage *UsageError
		if !errors.As(err, &usage) {
			t.Fatalf("set %s s3cret: err=%v, want *UsageError", key, err)
		}
		for _, want := range []string{key, "omit VALUE", "pipe"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if strings.Contains(err.Error()+stdout+stderr, "s3cret") {
			t.Errorf("the secret was echoed: err=%q stdout=%q stderr=%q", err, stdout, stderr)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused secret wrote the file: %v", err)
	}
}

func TestConfigUsageErrors(t *testing.T) {
	path := configEnv(t, "prod:\n  output: json\n")
	tests := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"set", "project_id", "xyz"}, `project_id "xyz": must be a 24-character hexadecimal ID (^[a-f0-9]{24}$)`},
		{"", []string{"set", "output", "xml"}, `output "xml": must be one of table, json, yaml, go-template=TEMPLATE`},
		{"", []string{"set", "output", "go-template={{.id"}, `output "go-template={{.id": go-template= needs a valid Go template`},
		{"", []string{"set", "http_timeout", "30"}, `http_timeout "30": must be a duration greater than 0`},
		{"", []string{"set", "base_url", "cloud.mongodb.com"}, `base_url "cloud.mongodb.com": must be an absolute http or https URL`},
		{"", []string{"set", "projectid", testProjectID}, `unknown config key "projectid"; known keys: project_id, output, base_url`},
		{"", []string{"get", "nope"}, `unknown config key "nope"`},
		{"", []string{"unset", "nope"}, `unknown config key "nope"`},
		{"", []string{"set", "project_id"}, "config set project_id needs a VALUE"},
		{"", []string{"set", "project_id", "a", "b"}, "config set takes KEY [VALUE], got 3 argument(s)"},
		{"", []string{"set", "client_id", ""}, `client_id "": must not be empty`},
		{"\n", []string{"set", "client_secret"}, "client_secret: no value given on stdin"},
		{"", []string{"set", "access_token"}, "access_token: no value given on stdin"},
		{"", []string{"get"}, "config get takes 1 argument(s) (KEY), got 0"},
		{"", []string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		_, _, err := runConfig(t, tt.stdin, tt.args...)
		var usage *UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("config %q: err=%v, want *UsageError containing %q", tt.args, err, tt.want)
		}
	}
	if got := readFileString(t, path); got != "prod:\n  output: json\n" {
		t.Errorf("usage errors changed the file: %q", got)
	}

	t.Setenv("ATLAS_BACKUP_PROFILE", "staging")
	_, _, err := runConfig(t, "", "list")
	var usage *UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), `profile "staging" not found in `+path+" (profiles: prod)") {
		t.Errorf("list in a missing profile: err=%v", err)
	}
}

func TestConfigProfileFromEnv(t *testing.T) {
	path := configEnv(t, "default:\n  output: json\n")
	t.Setenv("ATLAS_BACKUP_PROFILE", "prod")
	if _, stderr, err := runConfig(t, "", "set", "output", "yaml"); err != nil || stderr != "Set output in profile prod ("+path+")\n" {
		t.Fatalf("set: err=%v stderr=%q", err, stderr)
	}
	if stdout, _, err := runConfig(t, "", "get", "output"); err != nil || stdout != "yaml\n" {
		t.Errorf("get: err=%v stdout=%q", err, stdout)
	}
	if got, want := readFileString(t, path), "default:\n  output: json\nprod:\n  output: yaml\n"; got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
}

func TestConfigSetOptions(t *testing.T) {
	path := configEnv(t, "")
	var got *ConfigSetOptions
	c := newConfigSetCmd(&Factory{}, func(_ context.Context, o *ConfigSetOptions) error { got = o; return nil })
	c.SetArgs([]string{"private_api_key"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Key != "private_api_key" || got.HasValue || got.Path != path || got.Profile != "default" {
		t.Errorf("options = %+v", got)
	}
}

// TestConfigThroughMain checks the root's --config and --profile flags and
// the exit codes.
func TestConfigThroughMain(t *testing.T) {
	configEnv(t, "")
	path := filepath.Join(t.TempDir(), "other.yaml")
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(args, output.Streams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, BuildInfo{})
		return code, out.String(), errOut.String()
	}
	if code, _, stderr := run("tok\n", "--config", path, "--profile", "lab", "config", "set", "access_token"); code != 0 || stderr != "Set access_token in profile lab ("+path+")\n" {
		t.Fatalf("set: exit %d, stderr %q", code, stderr)
	}
	if code, stdout, _ := run("", "config", "get", "access_token", "--config", path, "--profile", "lab"); code != 0 || stdout != "REDACTED\n" {
		t.Errorf("get: exit %d, stdout %q", code, stdout)
	}
	if code, _, stderr := run("", "config", "set", "access_token", "tok", "--config", path); code != 2 || !strings.HasPrefix(stderr, "Error: access_token is a secret") {
		t.Errorf("secret argument: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := run("", "config", "get", "project_id", "--config", path, "--profile", "lab"); code != 4 {
		t.Errorf("get of a key not set: exit %d, want 4", code)
	}
}

// TestConfigFileErrorExitCodes checks that every command gives a config file
// that cannot be used the same exit code: 2 for one that is not valid, 1 for
// one that cannot be read, each with a message naming the file.
func TestConfigFileErrorExitCodes(t *testing.T) {
	const secret = "s3cr3t-v4lue-that-is-long"
	invalid := configEnv(t, "private_api_key: "+secret+"\n")
	unreadable := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MONGODB_ATLAS_PROJECT_ID", testProjectID)
	t.Setenv("MONGODB_ATLAS_BASE_URL", "http://127.0.0.1:1") // nothing may be sent
	commands := [][]string{
		{"bucket", "list"},
		{"snapshot", "list", "--cluster", "demo"},
		{"config", "list"},
		{"config", "get", "project_id"},
		{"config", "set", "output", "json"},
		{"config", "unset", "output"},
	}
	for _, tt := range []struct {
		path, want string
		code       int
	}{
		{invalid, "Error: config file " + invalid + " is invalid: line 1: found a single value where a profile's map of KEY: VALUE should be; fix it in an editor", 2},
		{unreadable, "Error: cannot read config file " + unreadable + ": it is a directory, not a file; remove or rename that directory", 1},
	} {
		for _, args := range commands {
			var out, errOut bytes.Buffer
			code := Main(append([]string{"--config", tt.path}, args...), output.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, BuildInfo{})
			if code != tt.code || !strings.HasPrefix(errOut.String(), tt.want) || out.Len() != 0 {
				t.Errorf("%v with %s: exit %d, stdout %q, stderr %q; want exit %d and %q", args, tt.path, code, out.String(), errOut.String(), tt.code, tt.want)
			}
			if strings.Contains(errOut.String(), secret[:7]) {
				t.Errorf("%v: the secret shows in %q", args, errOut.String())
			}
		}
	}
	if got := readFileString(t, invalid); got != "private_api_key: "+secret+"\n" {
		t.Errorf("the invalid file was changed: %q", got)
	}
}

func TestConfigSetRefusesReadOnlyFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	const body = "default:\n  output: json\n"
	path := configEnv(t, body)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Main([]string{"config", "set", "output", "yaml"}, output.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, BuildInfo{})
	want := "Error: config file " + path + " is read-only: mode -r--r--r--; nothing was written. To let atlas-backup change it, run: chmod u+w " + path + " (or edit it by hand)\n"
	if code != 1 || errOut.String() != want {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errOut.String(), want)
	}
	if got := readFileString(t, path); got != body {
		t.Errorf("file = %q, want it unchanged", got)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o444 {
		t.Errorf("mode = %v, %v; want 0444 kept", fi, err)
	}
}
