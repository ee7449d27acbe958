package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// The habits users bring from the official atlas CLI and from other tools
// get messages that say what to do (issue 17, items 10 and 12 to 17).

const habitsProject = "65f0a1b2c3d4e5f601234567"

// wantUsage checks that a run ended with exit 2 and the one Error line.
func wantUsage(t *testing.T, res cliResult, line string) {
	t.Helper()
	if res.code != 2 || res.stderr != "Error: "+line+"\n" || res.stdout != "" {
		t.Errorf("exit %d, want 2 with stderr %q\n%s", res.code, "Error: "+line+"\n", res)
	}
}

// A cluster name given as an argument, as `atlas backups exports jobs list
// demo` takes it, gets the flag that takes it; a word that names no command
// is reported before the flags that only a command would know; a flag
// abbreviated or spelled another way gets the flag it means.
func TestHabitsOfficialCLI(t *testing.T) {
	for _, tt := range []struct {
		args []string
		line string
	}{
		{[]string{"export", "list", "demo"},
			`atlas-backup export list takes 0 argument(s), got 1; did you mean --cluster demo?`},
		{[]string{"snapshot", "list", "demo", "--project-id", habitsProject},
			`atlas-backup snapshot list takes 0 argument(s), got 1; did you mean --cluster demo?`},
		{[]string{"export", "get", "demo", "6b05e9390000000000000001"},
			`atlas-backup export get takes 1 argument(s) (EXPORT_ID), got 2; did you mean --cluster demo?`},
		// Nothing to suggest: --cluster given, no --cluster, not a cluster name.
		{[]string{"export", "list", "demo", "--cluster", "demo"}, `atlas-backup export list takes 0 argument(s), got 1`},
		{[]string{"bucket", "list", "demo"}, `atlas-backup bucket list takes 0 argument(s), got 1`},
		{[]string{"export", "list", "my_db"}, `atlas-backup export list takes 0 argument(s), got 1`},

		{[]string{"exprot", "list", "--cluster", "demo"},
			`unknown command "exprot" for "atlas-backup"; did you mean export? (see 'atlas-backup --help')`},
		{[]string{"exprot", "--cluster", "demo", "list"},
			`unknown command "exprot" for "atlas-backup"; did you mean export? (see 'atlas-backup --help')`},
		{[]string{"restore", "lsit", "--cluster", "demo"},
			`unknown command "lsit" for "atlas-backup restore"; did you mean list? (see 'atlas-backup restore --help')`},

		{[]string{"export", "create", "--cluster", "demo", "--snapshot", "latest"},
			`unknown flag: --snapshot; did you mean --snapshot-id or --snapshot-retention? (see 'atlas-backup export create --help')`},
		{[]string{"restore", "create", "--target", "staging"},
			`unknown flag: --target; did you mean --target-cluster or --target-project-id? (see 'atlas-backup restore create --help')`},
		{[]string{"export", "create", "--snapshotID", "latest"},
			`unknown flag: --snapshotID; did you mean --snapshot-id? (see 'atlas-backup export create --help')`},
		{[]string{"export", "create", "--bucket", "b"},
			`unknown flag: --bucket; did you mean --bucket-id? (see 'atlas-backup export create --help')`},
		{[]string{"export", "list", "--clustr", "demo"},
			`unknown flag: --clustr; did you mean --cluster? (see 'atlas-backup export list --help')`},
		{[]string{"export", "list", "--xyzzy"}, `unknown flag: --xyzzy (see 'atlas-backup export list --help')`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			wantUsage(t, runAtlasBackup(t, nil, tt.args...), tt.line)
		})
	}
}

// A request file without a field that the request needs names the file
// and the field, and the flag that may give it instead, as every other
// error about the file does. Without --file the messages name the flags.
func TestHabitsFileMissingField(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	env := []string{"MONGODB_ATLAS_PROJECT_ID=" + habitsProject, "MONGODB_ATLAS_BASE_URL=" + refuseAll(t)}
	for _, tt := range []struct {
		args []string
		line string
	}{
		{[]string{"export", "create", "--cluster", "demo", "--file", file("export.yaml", "snapshotId: latest\n")},
			`--file export.yaml: exportBucketId is required (or --bucket-id)`},
		{[]string{"export", "create", "--cluster", "demo", "--file", file("bucket.json", `{"exportBucketId": "demo-export-bucket"}`)},
			`--file bucket.json: snapshotId is required: an ID, or latest (or --snapshot-id)`},
		{[]string{"restore", "create", "--cluster", "demo", "--file", file("automated.yaml", "deliveryType: automated\nsnapshotId: latest\n")},
			`--file automated.yaml: targetClusterName is required with deliveryType automated (or --target-cluster)`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--file", file("snapshot.yaml", "snapshotId: latest\n")},
			`--file snapshot.yaml: targetClusterName is required with --delivery-type automated (or --target-cluster)`},
		{[]string{"restore", "create", "--cluster", "demo", "--file", "snapshot.yaml"},
			`--file snapshot.yaml: deliveryType is required: automated, download or pointInTime (or --delivery-type)`},
		{[]string{"restore", "create", "--cluster", "demo", "--file", file("download.yaml", "deliveryType: download\n")},
			`--file download.yaml: snapshotId is required with deliveryType download: an ID, or latest (or --snapshot-id)`},
		{[]string{"restore", "create", "--cluster", "demo", "--file", file("pit.yaml", "deliveryType: pointInTime\ntargetClusterName: demo\n")},
			`--file pit.yaml: pointInTimeUTCSeconds, or oplogTs with oplogInc, is required with deliveryType pointInTime (or --point-in-time, or --oplog-ts with --oplog-inc)`},
		{[]string{"restore", "create", "--cluster", "demo", "--file", file("oplog.yaml", "deliveryType: pointInTime\ntargetClusterName: demo\noplogTs: 1764000000\n")},
			`--file oplog.yaml: oplogInc is required with oplogTs (or --oplog-inc)`},
		{[]string{"restore", "create", "--cluster", "demo", "--file", "pit.yaml", "--oplog-inc", "3"},
			`--file pit.yaml: oplogTs is required with --oplog-inc (or --oplog-ts)`},
		// Without a file, as before.
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest"},
			`--bucket-id is required (a bucket ID or name; see atlas-backup bucket list)`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--snapshot-id", "latest"},
			`--target-cluster is required with --delivery-type automated`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{}, tt.args...)
			for i, a := range args {
				if i > 0 && args[i-1] == "--file" {
					args[i] = filepath.Join(dir, a)
				}
			}
			res := runAtlasBackup(t, env, args...)
			wantUsage(t, cliResult{res.code, res.stdout, strings.ReplaceAll(res.stderr, dir+string(filepath.Separator), "")}, tt.line)
		})
	}
}

// refuseAll is the URL of a server that fails the test on any request.
func refuseAll(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Tables say that their times are UTC, and show them in UTC whatever the
// local zone; a download restore has no target; an empty list is its header
// on stdout and a line on stderr that says there is none, and exit 0 (-o json
// stays []).
func TestHabitsTables(t *testing.T) {
	_, env := startSandbox(t, "keys", sandbox.WithJobDuration(time.Millisecond))
	env = append(env, "TZ=America/New_York")

	res := runAtlasBackup(t, env, "export", "list", "--cluster", "demo")
	if res.code != 0 || res.stdout != "ID   STATE   PROGRESS   CREATED (UTC)   FINISHED (UTC)\n" || res.stderr != "No export jobs for cluster demo.\n" {
		t.Errorf("empty export list:\n%s", res)
	}
	res = runAtlasBackup(t, env, "restore", "list", "--cluster", "demo", "--page", "2")
	if res.code != 0 || res.stderr != "No restore jobs for cluster demo on page 2.\n" {
		t.Errorf("empty restore list, page 2:\n%s", res)
	}
	for _, format := range []string{"json", "yaml", "go-template={{len .}}"} {
		res = runAtlasBackup(t, env, "export", "list", "--cluster", "demo", "-o", format)
		if res.code != 0 || res.stderr != "" || res.stdout == "" || strings.Contains(res.stdout, "ID") {
			t.Errorf("empty export list -o %s:\n%s", format, res)
		}
	}
	if res = runAtlasBackup(t, env, "export", "list", "--cluster", "demo", "-o", "json"); res.stdout != "[]\n" {
		t.Errorf("empty export list -o json:\n%s", res)
	}
	if res = runAtlasBackup(t, env, "-q", "export", "list", "--cluster", "demo"); res.code != 0 || res.stderr != "" {
		t.Errorf("empty export list -q:\n%s", res)
	}

	// Snapshot times: the table's are the JSON's, in UTC.
	res = runAtlasBackup(t, env, "snapshot", "list", "--cluster", "demo", "-o", "json")
	var snaps []struct {
		CreatedAt time.Time `json:"createdAt"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &snaps); err != nil {
		t.Fatalf("snapshot list -o json: %v\n%s", err, res)
	}
	var created []string
	for _, sn := range snaps {
		if !sn.CreatedAt.IsZero() {
			created = append(created, sn.CreatedAt.UTC().Format(time.DateTime))
		}
	}
	if len(created) == 0 {
		t.Fatalf("no snapshot with a creation time:\n%s", res)
	}
	res = runAtlasBackup(t, env, "snapshot", "list", "--cluster", "demo")
	for _, c := range created {
		if !strings.Contains(res.stdout, "CREATED (UTC)") || !strings.Contains(res.stdout, "   "+c+"   ") {
			t.Errorf("snapshot list with TZ=America/New_York: want UTC times under CREATED (UTC), as %s\n%s", c, res)
		}
	}

	res = runAtlasBackup(t, env, "restore", "create", "--delivery-type", "download", "--cluster", "demo", "--snapshot-id", "latest", "-o", "go-template={{.id}}")
	if res.code != 0 {
		t.Fatalf("restore create:\n%s", res)
	}
	id := strings.TrimSpace(res.stdout)
	res = runAtlasBackup(t, env, "restore", "get", id, "--cluster", "demo")
	if !regexp.MustCompile(`(?m)^ID +TYPE +STATUS +SNAPSHOT +TARGET +FINISHED \(UTC\)\n` + id + ` +download +\S+ +[0-9a-f]{24} +- +`).MatchString(res.stdout) {
		t.Errorf("a download restore's TARGET: want -\n%s", res)
	}
}

// --version of a binary that go install …@VERSION built shows the module
// version, and the revision when the build info has one; dev only when
// neither is known. What -ldflags set wins.
func TestHabitsVersionFromBuildInfo(t *testing.T) {
	unset := cmd.BuildInfo{Version: "dev", Commit: "none", Date: "unknown"}
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		build cmd.BuildInfo
		info  *debug.BuildInfo
		want  string
	}{
		{"go install @v1.4.0", unset, &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			"v1.4.0 (commit none, built unknown)"},
		{"go install @commit", unset, &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260107123456-0123456789ab"}},
			"v0.0.0-20260107123456-0123456789ab (commit 0123456789ab, built unknown)"},
		{"go install @commit after a tag", unset, &debug.BuildInfo{Main: debug.Module{Version: "v1.4.1-0.20260107123456-0123456789ab"}},
			"v1.4.1-0.20260107123456-0123456789ab (commit 0123456789ab, built unknown)"},
		{"go build in a checkout", unset, &debug.BuildInfo{
			Main:     debug.Module{Version: "v1.4.1-0.20260107123456-0123456789ab+dirty"},
			Settings: vcs("vcs", "git", "vcs.revision", "0123456789abcdef0123456789abcdef01234567", "vcs.time", "2026-01-07T12:34:56Z", "vcs.modified", "true")},
			"v1.4.1-0.20260107123456-0123456789ab+dirty (commit 0123456789abcdef0123456789abcdef01234567, built 2026-01-07T12:34:56Z)"},
		{"revision only", unset, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "abc123")},
			"dev (commit abc123, built unknown)"},
		{"nothing known", unset, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			"dev (commit none, built unknown)"},
		{"no build info", unset, nil, "dev (commit none, built unknown)"},
		{"ldflags win", cmd.BuildInfo{Version: "1.4.0", Commit: "fedcba9", Date: "2026-01-08T00:00:00Z"},
			&debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}, Settings: vcs("vcs.revision", "abc123", "vcs.time", "2026-01-07T12:34:56Z")},
			"1.4.0 (commit fedcba9, built 2026-01-08T00:00:00Z)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := cmd.StampBuild(tt.build, tt.info)
			// Both ways of asking agree: the fast path of exactly --version,
			// and the version command.
			for _, args := range [][]string{{"--version"}, {"version"}} {
				streams, _, out, _ := output.Test()
				if code := cmd.Main(args, streams, b); code != 0 {
					t.Fatalf("%v: exit %d", args, code)
				}
				if got := out.String(); !strings.HasPrefix(got, "atlas-backup "+strings.TrimSuffix(tt.want, ")")) {
					t.Errorf("%v: got %q, want atlas-backup %s", args, got, tt.want)
				}
			}
		})
	}
}

// Help shows numbers as numbers; restore cancel explains itself.
func TestHabitsHelp(t *testing.T) {
	res := runAtlasBackup(t, nil, "restore", "create", "--help")
	for _, want := range []string{
		`(?m)^ +--max-retries int +.*\(default 4\)$`,
		`(?m)^ +--oplog-ts int +`,
		`(?m)^ +--oplog-inc int +`,
	} {
		if !regexp.MustCompile(want).MatchString(res.stdout) {
			t.Errorf("restore create --help: no %s\n%s", want, res.stdout)
		}
	}
	res = runAtlasBackup(t, nil, "restore", "cancel", "--help")
	if !strings.Contains(res.stdout, "Ctrl-D") || !strings.Contains(res.stdout, "--yes is required") {
		t.Errorf("restore cancel --help says nothing of what it asks:\n%s", res.stdout)
	}
	// --max-retries keeps its place in the precedence, and its rule.
	res = runAtlasBackup(t, []string{"MONGODB_ATLAS_PROJECT_ID=" + habitsProject}, "--max-retries", "21", "bucket", "list")
	wantUsage(t, res, `--max-retries "21": must be a whole number from 0 (never retry) to 20`)
}

// Ctrl-D at the question of a restore or a cancel is a "no": exit 2,
// nothing sent, and the message says it was cancelled.
func TestHabitsConfirmEndOfInput(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("ATLAS_BACKUP_CONFIG", "")
	for _, args := range [][]string{
		{"restore", "cancel", "6b05e9390000000000000002", "--cluster", "demo"},
		{"restore", "create", "--delivery-type", "automated", "--cluster", "demo", "--snapshot-id", "65f0e0e0d0e0000000000001", "--target-cluster", "staging", "--no-preflight"},
	} {
		t.Run(args[1], func(t *testing.T) {
			streams, _, out, errOut := output.Test()
			streams.SetStdinTTY(true) // and its input ends at once: Ctrl-D
			code := cmd.Main(append(args, "--base-url", srv.URL, "--project-id", habitsProject), streams, cmd.BuildInfo{Version: "test"})
			want := "Type the cluster name to continue: \nError: cancelled at the confirmation prompt (end of input): nothing was sent\n"
			if code != 2 || !strings.HasSuffix(errOut.String(), want) || out.Len() != 0 {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// The sandbox's banner gives snapshot ages as a person says them.
func TestHabitsSandboxBannerAges(t *testing.T) {
	var b bytes.Buffer
	sandbox.New().WriteBanner(&b, "http://127.0.0.1:8484")
	ages := regexp.MustCompile(`\((\S+) old\)`).FindAllStringSubmatch(b.String(), -1)
	if len(ages) == 0 {
		t.Fatalf("no ages in the banner:\n%s", b.String())
	}
	for _, m := range ages {
		if !regexp.MustCompile(`^(\d+d(\d+h)?|\d+h(\d+m)?|\d+m|\d+s)$`).MatchString(m[1]) {
			t.Errorf("age %q in the banner:\n%s", m[1], b.String())
		}
	}
}

// --debug shows Atlas's own links (links[].href, such as the next page)
// whole; only archive links are redacted (internal/api tests those).
func TestHabitsDebugKeepsLinks(t *testing.T) {
	_, env := startSandbox(t, "keys")
	res := runAtlasBackup(t, env, "--debug", "snapshot", "list", "--cluster", "demo", "--limit", "1")
	if res.code != 0 {
		t.Fatalf("snapshot list --debug:\n%s", res)
	}
	hrefs := regexp.MustCompile(`"href"\s*:\s*"([^"]*)"`).FindAllStringSubmatch(res.stderr, -1)
	withQuery := 0
	for _, m := range hrefs {
		if strings.Contains(m[1], "REDACTED") {
			t.Errorf("href redacted: %s", m[1])
		}
		if strings.Contains(m[1], "?") {
			withQuery++
		}
	}
	if withQuery == 0 {
		t.Errorf("no href with a query in the trace:\n%s", res.stderr)
	}
}
