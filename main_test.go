package main

import (
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"atlas-backup": func() {
			os.Exit(cmd.Main(os.Args[1:], output.System(), cmd.BuildInfo{Version: "test", Commit: "none", Date: "unknown"}))
		},
	})
}

// TestScript runs the end-to-end scripts in testdata/script against the real
// binary. ATLAS_BACKUP_UPDATE=1 rewrites their golden files.
func TestScript(t *testing.T) {
	spec := spectest.Load(t)
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("ATLAS_BACKUP_UPDATE") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "home", ".config"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sandbox-start": func(ts *testscript.TestScript, neg bool, args []string) { sandboxStart(t, spec, ts, neg, args) },
			"freeport":      freeport,
			"waitport":      waitport,
		},
	})
}

// sandboxStart starts a sandbox in the test process, on loopback, with its
// answers checked against the OpenAPI contract, and exports the environment
// that points atlas-backup at it. Arguments: [--job-duration D]
// [--export-outcome O] [--restore-outcome O] [--fault SPEC]...
func sandboxStart(t *testing.T, spec *spectest.Validator, ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sandbox-start")
	}
	opts := []sandbox.Option{sandbox.WithJobDuration(2 * time.Second)}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			ts.Fatalf("sandbox-start: %s needs a value", args[i])
		}
		val := args[i+1]
		switch args[i] {
		case "--job-duration":
			d, err := time.ParseDuration(val)
			ts.Check(err)
			opts = append(opts, sandbox.WithJobDuration(d))
		case "--export-outcome", "--restore-outcome":
			o, err := sandbox.ParseOutcome(val, args[i] == "--restore-outcome")
			ts.Check(err)
			if args[i] == "--export-outcome" {
				opts = append(opts, sandbox.WithExportOutcome(o))
			} else {
				opts = append(opts, sandbox.WithRestoreOutcome(o))
			}
		case "--fault":
			f, err := sandbox.ParseFault(val)
			ts.Check(err)
			opts = append(opts, sandbox.WithFaults(f))
		default:
			ts.Fatalf("sandbox-start: unknown option %s", args[i])
		}
	}
	sb := sandbox.New(opts...)
	srv := httptest.NewServer(spec.Middleware(t, sb))
	ts.Defer(srv.Close)
	c := sb.Credentials()
	ts.Setenv("SANDBOX_URL", srv.URL)
	ts.Setenv("MONGODB_ATLAS_BASE_URL", srv.URL)
	ts.Setenv("MONGODB_ATLAS_PROJECT_ID", sandbox.DemoProjectID)
	ts.Setenv("MONGODB_ATLAS_PUBLIC_API_KEY", c.PublicKey)
	ts.Setenv("MONGODB_ATLAS_PRIVATE_API_KEY", c.PrivateKey)
}

// freeport NAME sets $NAME to a free TCP port on 127.0.0.1.
func freeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ts.Check(ln.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}

// waitport PORT waits, for ten seconds at most, until 127.0.0.1:PORT accepts
// connections.
func waitport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitport PORT")
	}
	addr := net.JoinHostPort("127.0.0.1", args[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
