package cmd

// The other commands run in-process: the project's lists, config, version,
// the sandbox, shell completion; and the errors every command shares
// (usage, credentials, output format), with the requests they send.

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// snapshot, bucket and cluster list: each a table by default, or what
// Atlas sent.
func TestRunLists(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	for _, tt := range []struct {
		args   []string
		op     string
		stdout []string
	}{
		{[]string{"snapshot", "list", "--cluster", "demo"}, "listBackupSnapshots", []string{
			`^ID +STATUS +TYPE +CREATED \(UTC\) +SIZE$`,
			`^` + demoLatest + ` +completed +onDemand +2026-11-24 10:00:00 +26\.2 GiB$`,
			`^` + demoSnapshots[3] + ` +completed +scheduled +2026-11-17 12:00:00 `,
		}},
		{[]string{"snapshot", "ls", "--cluster", "demo", "--all", "--limit", "3", "-o", "go-template={{range .}}{{println .id}}{{end}}"}, "listBackupSnapshots",
			[]string{`^` + strings.Join(demoSnapshots, `\n`) + `\n\z`}},
		{[]string{"bucket", "list"}, "listExportBuckets", []string{
			`^ID +NAME +PROVIDER$`,
			`^` + sandbox.DemoBucketID + ` +demo-export-bucket +AWS$`,
			`^` + sandbox.DemoGCPBucketID + ` +demo-gcs-bucket +GCP$`,
		}},
		{[]string{"bucket", "list", "-o", "yaml"}, "listExportBuckets", []string{`^- _id: "?` + sandbox.DemoBucketID + `"?$`, `^  bucketName: demo-export-bucket$`, `^  cloudProvider: GCP$`}},
		{[]string{"cluster", "list"}, "listClusters", []string{
			`^NAME +TYPE +STATE +BACKUP +VERSION$`,
			`^demo-sharded +SHARDED +IDLE +on +8\.0\.4$`,
			`^legacy +REPLICASET +IDLE +off +7\.0\.15$`,
		}},
		{[]string{"cluster", "list", "--all", "-o", "json"}, "listClusters", []string{`^  \{$`, `^    "name": "analytics",?$`}},
	} {
		n := a.count(tt.op)
		r := a.run(tt.args...)
		r.check(t, 0, tt.stdout, nil)
		if r.stderr != "" || a.count(tt.op) == n {
			t.Errorf("%q: stderr %q, requests %q", tt.args, r.stderr, a.requests())
		}
	}
	if q := a.last("listBackupSnapshots").RawQuery; !strings.Contains(q, "itemsPerPage=3") {
		t.Errorf("--limit 3: query %q", q)
	}

	r := a.run("snapshot", "list", "--cluster", "nosuch")
	r.check(t, 4, nil, []string{`^Error: 404 `})
	// Atlas's error object is on stdout with -o json, as well as the line on
	// stderr.
	r = a.run("snapshot", "list", "--cluster", "nosuch", "-o", "json")
	r.check(t, 4, []string{`^  "error": 404,?$`}, []string{`^Error: 404 `})
}

// Mistakes in the command line are exit 2, one Error: line, and nothing is
// sent: not a lookup, not a token request.
func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	const id = "6b057c400000000000000001"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "create", "--snapshot-id", "latest", "--bucket-id", "b12"}, `--cluster is required \(or --all-clusters\)`},
		{[]string{"export", "create", "--cluster", "a", "--all-clusters", "--snapshot-id", "latest", "--bucket-id", "b12"}, `--cluster and --all-clusters: give one or the other`},
		{[]string{"export", "create", "--cluster", "my_db", "--snapshot-id", "latest", "--bucket-id", "b12"}, `--cluster "my_db": must match`},
		{[]string{"export", "create", "--cluster", "demo", "--bucket-id", "b12"}, `--snapshot-id is required`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "abc", "--bucket-id", "b12"}, `--snapshot-id "abc": must be a 24-character hexadecimal ID \(\^\[a-f0-9\]\{24\}\$\), latest, or new`},
		{[]string{"export", "create", "--cluster", "a,b", "--snapshot-id", demoLatest, "--bucket-id", "b12"}, `with several clusters it must be latest`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest"}, `--bucket-id is required`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "b"}, `--bucket-id "b": must be a 24-character hexadecimal ID or a bucket name of 3 to 63 characters`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "b12", "--parallel", "0"}, `--parallel 0: must be from 1 to 32`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "b12", "--custom-data", "novalue"}, `--custom-data "novalue": must be KEY=VALUE`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "b12", "--interval", "1s"}, `--interval: only with --watch`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "b12", "-w", "--interval", "0s"}, `--interval 0s: must be more than 0`},
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "b12", "-w", "--watch-timeout", "-1s"}, `--watch-timeout -1s: must be 0 \(no limit\) or more`},
		{[]string{"export", "create", "extra"}, `atlas-backup export create takes 0 argument\(s\), got 1`},
		{[]string{"export", "get", "ABC", "--cluster", "demo"}, `export job ID "ABC": must be a 24-character hexadecimal ID`},
		{[]string{"export", "get", id}, `--cluster is required`},
		{[]string{"export", "watch", id, "--cluster", "demo", "--interval", "-1s"}, `--interval -1s: must be more than 0`},
		{[]string{"export", "list", "--cluster", "demo", "--limit", "0"}, `--limit 0: must be from 1 to 500`},
		{[]string{"export", "list", "--cluster", "demo", "--page", "0"}, `--page 0: must be 1 or more`},
		{[]string{"export", "list", "--cluster", "demo", "--all", "--page", "2"}, `--all and --page: --all reads every page; give one or the other`},
		{[]string{"export", "list", "--clustr", "demo"}, `unknown flag: --clustr; did you mean --cluster\? \(see 'atlas-backup export list --help'\)`},
		{[]string{"exprot", "list"}, `unknown command "exprot" for "atlas-backup"; did you mean export\?`},
		{[]string{"help", "exprot"}, `unknown help topic "exprot"; did you mean export\? \(see 'atlas-backup --help'\)`},
		{[]string{"restore", "create", "--cluster", "demo"}, `--delivery-type is required: automated, download or pointInTime`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "copy"}, `--delivery-type "copy": must be automated, download or pointInTime`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "download"}, `--snapshot-id is required with --delivery-type download`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "--target-cluster", "x"}, `--target-cluster: not allowed with --delivery-type download`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--snapshot-id", "latest"}, `--target-cluster is required with --delivery-type automated`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--snapshot-id", "latest", "--target-cluster", "-x"}, `--target-cluster "-x": must match`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "automated", "--snapshot-id", "latest", "--target-cluster", "x", "--target-project-id", "p"}, `--target-project-id "p": must be a 24-character hexadecimal ID`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--snapshot-id", "latest"}, `--snapshot-id: not allowed with --delivery-type pointInTime`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "x"}, `--delivery-type pointInTime needs --point-in-time, or --oplog-ts with --oplog-inc`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "x", "--oplog-ts", "1795518000"}, `--oplog-ts and --oplog-inc go together: give both`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "x", "--oplog-ts", "1795518000", "--oplog-inc", "0"}, `--oplog-inc 0: must be from 1 to 2147483647`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "x", "--point-in-time", "1", "--oplog-inc", "1"}, `--point-in-time and --oplog-ts/--oplog-inc: give one or the other, not both`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "x", "--point-in-time", "yesterday"}, `--point-in-time "yesterday": must be Unix seconds, an RFC 3339 time such as 2026-11-24T10:00:00Z, or a time relative to now such as -90m or -1d12h`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "x", "--point-in-time", "1000"}, `--point-in-time "1000": must be 1199145600 \(2008-01-01T00:00:00Z\) or later`},
		{[]string{"restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "--download-dir", ""}, `--download-dir: give a directory`},
		{[]string{"restore", "cancel", "x", "--cluster", "demo", "--yes"}, `restore job ID "x": must be`},
		{[]string{"restore", "download", id}, `--cluster is required`},
		{[]string{"cluster", "list", "-o", "xml"}, `--output: `},
		{[]string{"bucket", "list", "-o", "go-template={{.id"}, `--output: `},
		{[]string{"bucket", "list", "--project-id", "p1"}, `--project-id "p1": must be a 24-character hexadecimal ID`},
		{[]string{"bucket", "list", "--max-retries", "21"}, `max-retries`},
		{[]string{"completion", "nope"}, `unknown command "nope" for "atlas-backup completion"`},
	} {
		r := a.run(tt.args...)
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "Error: ") ||
			strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "Error: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one Error: line", tt.args, r.code, r.stdout, r.stderr)
			continue
		}
		r.check(t, exitUsage, nil, []string{tt.want})
	}
	a.nothingSent()
}

// Where the settings come from shows in their errors: a project ID from the
// environment, an output format from the config file.
func TestRunSettingsErrors(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.env["MONGODB_ATLAS_PROJECT_ID"] = "p1"
	r := a.run("bucket", "list")
	r.check(t, 2, nil, []string{`^Error: project ID from MONGODB_ATLAS_PROJECT_ID "p1": must be a 24-character hexadecimal ID`})
	delete(a.env, "MONGODB_ATLAS_PROJECT_ID")
	r = a.run("bucket", "list")
	r.check(t, 2, nil, []string{`^Error: --project-id is required \(or set MONGODB_ATLAS_PROJECT_ID, or project_id in the config file\)$`})

	a.run("config", "set", "project_id", harnessProjectID)
	a.run("config", "set", "output", "json")
	r = a.run("bucket", "list")
	r.check(t, 0, []string{`^    "bucketName": "demo-export-bucket",?$`}, nil)
	path := a.env["ATLAS_BACKUP_CONFIG"]
	a.writeFile("bad-output.yaml", "default:\n  output: xml\n")
	a.env["ATLAS_BACKUP_CONFIG"] = filepath.Join(a.dir, "bad-output.yaml")
	r = a.run("bucket", "list")
	r.check(t, 2, nil, []string{`^Error: output from profile "default" in \S+bad-output\.yaml: `})
	a.writeFile("bad.yaml", "default: [\n")
	a.env["ATLAS_BACKUP_CONFIG"] = filepath.Join(a.dir, "bad.yaml")
	r = a.run("bucket", "list")
	r.check(t, 2, nil, []string{`bad\.yaml`})
	a.env["ATLAS_BACKUP_CONFIG"] = path
	if a.count("listExportBuckets") != 1 {
		t.Errorf("requests %q", a.requests())
	}
}

// Credentials: none is exit 3 before anything is sent; a refused one is
// exit 3 too; --debug shows the exchange with the token redacted; a retried
// request says so on stderr.
func TestRunCredentials(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	a.env["MONGODB_ATLAS_ACCESS_TOKEN"] = ""
	r := a.run("cluster", "list")
	if r.code != 3 || r.stdout != "" || !strings.HasPrefix(r.stderr, "Error: ") {
		t.Errorf("no credentials: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	a.nothingSent()

	a.env["MONGODB_ATLAS_ACCESS_TOKEN"] = "wrong"
	r = a.run("cluster", "list")
	r.check(t, 3, nil, []string{`^Error: 401 `})

	a.env["MONGODB_ATLAS_PUBLIC_API_KEY"], a.env["MONGODB_ATLAS_PRIVATE_API_KEY"] = a.sb.Credentials().PublicKey, a.sb.Credentials().PrivateKey
	delete(a.env, "MONGODB_ATLAS_ACCESS_TOKEN")
	r = a.run("cluster", "list", "--debug", "-o", "go-template={{len .}}")
	r.check(t, 0, []string{`^6$`}, []string{`^> GET ` + quoteRE(a.URL) + `/api/atlas/v2/groups/` + harnessProjectID + `/clusters\?itemsPerPage=500&pageNum=1$`, `^> Authorization: Digest REDACTED$`, `^< HTTP/1\.1 401 Unauthorized `, `^< HTTP/1\.1 200 OK `})
	if strings.Contains(r.stderr, a.sb.Credentials().PrivateKey) {
		t.Errorf("the private key is on stderr")
	}

	b := newAtlas(t, sandbox.WithFaults(sandbox.Fault{Operation: "listClusters", Status: 503, Times: 1}))
	r = b.run("cluster", "list", "-o", "go-template={{len .}}")
	r.check(t, 0, []string{`^6$`}, []string{`^retrying in 0s: 503 Service Unavailable \(attempt 2 of 5\)$`})
	r = b.run("cluster", "list", "-q")
	if r.code != 0 || r.stderr != "" || b.count("listClusters") != 3 {
		t.Errorf("exit %d, stderr %q, requests %q", r.code, r.stderr, b.requests())
	}
}

// A job created, then not printed: its ID and how to see it are on stderr,
// so that nobody starts a second one.
func TestRunCreatedNotPrinted(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run(append(exportDemo, "-o", `go-template={{template "x"}}`)...)
	r.check(t, 1, nil, []string{
		`^Error: .*template "x" not defined$`,
		`^export job ([0-9a-f]{24}) was created; see it with: atlas-backup export get [0-9a-f]{24} --cluster demo --project-id ` + harnessProjectID + `$`,
	})
	r = a.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "-o", `go-template={{template "x"}}`)
	r.check(t, 1, nil, []string{`^restore job [0-9a-f]{24} was created; see it with: atlas-backup restore get [0-9a-f]{24} --cluster demo --project-id ` + harnessProjectID + `$`})

	// The same after --watch: the job ended, printing it failed.
	b := newAtlas(t, sandbox.WithJobDuration(0))
	r = b.run(append(exportDemo, "-w", "-o", `go-template={{template "x"}}`)...)
	r.check(t, 1, nil, []string{`^export job [0-9a-f]{24}: Successful`, `^export job [0-9a-f]{24} was created; see it with: atlas-backup export get `})
	r = b.run("restore", "create", "--cluster", "demo", "--delivery-type", "download", "--snapshot-id", "latest", "-w", "-o", `go-template={{template "x"}}`)
	r.check(t, 1, nil, []string{`^restore job [0-9a-f]{24}: Succeeded$`, `^restore job [0-9a-f]{24} was created; see it with: atlas-backup restore get `})
	if r.stdout != "" || a.count("createBackupExport") != 1 || a.count("createBackupRestoreJob") != 1 || b.count("createBackupExport") != 1 {
		t.Errorf("stdout %q, requests %q, %q", r.stdout, a.requests(), b.requests())
	}
}

// config set, get, list and unset, in the file the environment names.
func TestRunConfig(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	path := a.env["ATLAS_BACKUP_CONFIG"]
	r := a.run("config", "set", "http_timeout", "45s")
	r.check(t, 0, nil, []string{`^Set http_timeout in profile default \(` + quoteRE(path) + `\)$`})
	r = a.runSpec(runSpec{stdin: "s3cret\n"}, "config", "set", "client_secret")
	r.check(t, 0, nil, []string{`^Set client_secret in profile default`})
	r = a.run("--profile", "prod", "config", "set", "output", "yaml")
	r.check(t, 0, nil, []string{`^Set output in profile prod \(`})

	r = a.run("config", "get", "http_timeout")
	r.check(t, 0, []string{`\A45s\n\z`}, nil)
	r = a.run("config", "get", "client_secret")
	r.check(t, 0, []string{`\AREDACTED\n\z`}, nil)
	r = a.run("config", "get", "client_secret", "--show-secrets")
	r.check(t, 0, []string{`\As3cret\n\z`}, nil)
	r = a.run("config", "get", "project_id")
	r.check(t, 4, nil, []string{`^Error: `})
	r = a.run("config", "get", "nosuch")
	r.check(t, 2, nil, []string{`^Error: .*nosuch`})

	r = a.run("config", "list")
	r.check(t, 0, []string{`\Aclient_secret=REDACTED\nhttp_timeout=45s\n\z`}, nil)
	r = a.run("config", "ls", "-o", "json", "--show-secrets")
	r.check(t, 0, []string{`^  "client_secret": "s3cret",?$`, `^  "http_timeout": "45s",?$`}, nil)
	r = a.run("config", "list", "-o", "bogus")
	r.check(t, 2, nil, []string{`^Error: `})

	r = a.run("config", "unset", "http_timeout")
	r.check(t, 0, nil, []string{`^Unset http_timeout in profile default`})
	r = a.run("config", "unset", "http_timeout")
	r.check(t, 0, nil, []string{`^http_timeout was not set in profile default`})
	r = a.run("config", "list", "--profile", "prod")
	r.check(t, 0, []string{`\Aoutput=yaml\n\z`}, nil)

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"config", "set", "client_secret", "x"}, `client_secret is a secret and is not taken as an argument`},
		{[]string{"config", "set", "output"}, `config set output needs a VALUE`},
		{[]string{"config", "set", "http_timeout", "soon"}, `http_timeout`},
		{[]string{"config", "set"}, `atlas-backup config set takes KEY \[VALUE\], got 0 argument\(s\)`},
		{[]string{"config", "set", "access_token"}, `access_token: no value given on stdin; nothing was written`},
	} {
		r := a.run(tt.args...)
		r.check(t, 2, nil, []string{`^Error: .*` + tt.want})
	}
	if got := readFileString(t, path); got != "default:\n  client_secret: s3cret\nprod:\n  output: yaml\n" {
		t.Errorf("file:\n%s", got)
	}
	a.nothingSent()
}

// version and --version print the build stamp; -o prints it as an object.
func TestRunVersion(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	r := a.run("version")
	r.check(t, 0, []string{`\Aatlas-backup 1\.2\.3 \(commit abc1234, built 2026-11-01, ` + quoteRE(runtime.Version()) + `\)\n\z`}, nil)
	r = a.run("--version")
	r.check(t, 0, []string{`\Aatlas-backup 1\.2\.3 \(commit abc1234, built 2026-11-01\)\n\z`}, nil)
	r = a.run("version", "-o", "json")
	var v map[string]string
	r.jsonOut(t, &v)
	if v["version"] != "1.2.3" || v["commit"] != "abc1234" || v["date"] != "2026-11-01" || v["go"] != runtime.Version() || len(v) != 4 {
		t.Errorf("version -o json: %v", v)
	}
	r = a.run("version", "-o", "table")
	r.check(t, 0, []string{`^VERSION +COMMIT +DATE +GO$`, `^1\.2\.3 +abc1234 +2026-11-01 +go`}, nil)
	r = a.run("version", "-o", "xml")
	r.check(t, 2, nil, []string{`^Error: --output: `})
	a.nothingSent()
}

// Shell completion looks IDs up in the API, with the flags given so far.
func TestRunCompletion(t *testing.T) {
	t.Parallel()
	a := newAtlas(t)
	export := a.newExport()
	restore := a.newRestore("demo", "download")
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"export", "create", "--cluster", "demo", "--snapshot-id", ""}, []string{`^latest\tthe newest completed snapshot$`, `^` + demoLatest + `\tcompleted 2026-11-24 10:00:00$`}},
		{[]string{"restore", "create", "--cluster", "demo", "--snapshot-id", ""}, []string{`^` + demoOlder + `\tcompleted `}},
		{[]string{"export", "create", "--bucket-id", ""}, []string{`^` + sandbox.DemoBucketID + `\tdemo-export-bucket \(AWS\)$`, `^demo-gcs-bucket\tGCP bucket$`}},
		{[]string{"export", "get", "--cluster", "demo", ""}, []string{`^` + export + `\tQueued 2026-11-24 12:00:00$`}},
		{[]string{"export", "watch", "--cluster", "demo", ""}, []string{`^` + export + `\t`}},
		{[]string{"restore", "get", "--cluster", "demo", ""}, []string{`^` + restore + `\tdownload Pending$`}},
		{[]string{"restore", "download", "--cluster", "demo", ""}, []string{`^` + restore + `\t`}},
		{[]string{"config", "get", ""}, []string{`^project_id$`, `^client_secret$`}},
	} {
		r := a.run(append([]string{"__complete"}, tt.args...)...)
		r.check(t, 0, append(tt.want, `^:4$`), nil)
	}
	// After the ID, and without a cluster: nothing, and nothing sent.
	n := len(a.requests())
	for _, args := range [][]string{
		{"export", "get", "--cluster", "demo", export, ""},
		{"export", "create", "--snapshot-id", ""},
		{"config", "get", "project_id", ""},
	} {
		r := a.run(append([]string{"__complete"}, args...)...)
		if r.code != 0 || strings.Contains(r.stdout, "\t") || strings.Contains(r.stdout, export) {
			t.Errorf("%q: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	if len(a.requests()) != n {
		t.Errorf("sent %q", a.requests()[n:])
	}
	// Atlas unreachable: no values, no error.
	a.env["MONGODB_ATLAS_BASE_URL"] = "http://127.0.0.1:1"
	r := a.run("__complete", "export", "get", "--cluster", "demo", "")
	if r.code != 0 || strings.Contains(r.stdout, export) || !strings.Contains(r.stdout, ":4") {
		t.Errorf("unreachable: exit %d, stdout %q", r.code, r.stdout)
	}
}

// --sandbox starts the simulator in-process for the run, with its demo
// project; its jobs end as the options say.
func TestRunSandboxFlag(t *testing.T) {
	t.Parallel()
	streams, _, out, errOut := output.Test()
	code := Main([]string{"--sandbox", "export", "create", "--cluster", "demo", "--snapshot-id", "latest", "--bucket-id", "demo-export-bucket", "--watch", "-o", "go-template={{.state}}"},
		streams, harnessBuild, WithSandboxOptions(sandbox.WithJobDuration(0)), func(f *Factory) {
			env := map[string]string{"ATLAS_BACKUP_CONFIG": filepath.Join(t.TempDir(), "config.yaml")}
			f.Getenv = func(k string) string { return env[k] }
		})
	if code != 0 || out.String() != "Successful" || !strings.Contains(errOut.String(), "Using export bucket demo-export-bucket") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

// The sandbox command serves until it is stopped, then says so; its flags
// are checked before it listens.
func TestRunSandboxCommand(t *testing.T) {
	t.Parallel()
	streams, _, out, errOut := output.Test()
	f := &Factory{IO: streams, Build: harnessBuild, Getenv: func(string) string { return "" }, Now: time.Now}
	root := newRootCmd(f)
	root.SetArgs([]string{"sandbox", "--addr", "127.0.0.1:0", "--archive-addr", "127.0.0.1:0", "--archive-size", "64KiB",
		"--fault", "getBackupExport:503:2", "--retry-after", "0", "--clusters", "2", "--job-duration", "1s", "-q"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stopped at once: it starts, prints its banner, and stops
	err := root.ExecuteContext(ctx)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{sandbox.DemoProjectID, "fleet-002", "Injecting fault getBackupExport:503:2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout does not hold %q:\n%s", want, out.String())
		}
	}
	if errOut.String() != "Sandbox stopped.\n" {
		t.Errorf("stderr %q", errOut.String())
	}

	a := newAtlas(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "nohost"}, `--addr "nohost": must be HOST:PORT`},
		{[]string{"--archive-addr", "x"}, `--archive-addr "x": must be HOST:PORT`},
		{[]string{"--addr", "127.0.0.1:9", "--archive-addr", "127.0.0.1:9"}, `--archive-addr "127\.0\.0\.1:9": must differ from --addr`},
		{[]string{"--archive-size", "lots"}, `--archive-size `},
		{[]string{"--archive-size", "1KiB"}, `--archive-size "1KiB": must be from 4KiB to `},
		{[]string{"--job-duration", "-1s"}, `--job-duration -1s: must not be negative`},
		{[]string{"--export-outcome", "expired"}, `--export-outcome "expired": export jobs end success, failed or cancelled`},
		{[]string{"--restore-outcome", "late"}, `--restore-outcome "late": restore jobs end`},
		{[]string{"--clusters", "1000"}, `--clusters 1000: must be from 0 to 999`},
		{[]string{"--retry-after", "-1"}, `--retry-after -1: must be 0 or more seconds`},
		{[]string{"--fault", "nosuchOp:503"}, `--fault "nosuchOp:503": unknown operation`},
	} {
		r := a.run(append([]string{"sandbox"}, tt.args...)...)
		r.check(t, 2, nil, []string{`^Error: ` + tt.want})
	}
}
