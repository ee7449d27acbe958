package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// cliResult is how a run of atlas-backup ended.
type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
}

// runAtlasBackup runs the test binary as atlas-backup with only env, PATH, a
// fresh HOME and XDG_CONFIG_HOME, and the Go resolver, so that no proxy
// setting or config of the developer's can leak in.
func runAtlasBackup(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, os.Args[0], args...)
	home := t.TempDir()
	c.Env = append([]string{
		runMainEnv + "=1",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"GODEBUG=netdns=go",
		"GORACE=" + raceNoExitSleep,
		"GOCOVERDIR=" + os.Getenv("GOCOVERDIR"), // go test -cover: where the child's counts go
	}, env...)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err := c.Run()
	res := cliResult{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ctx.Err() == nil:
		res.code = ee.ExitCode()
	default:
		t.Fatalf("atlas-backup %s: %v\n%s", strings.Join(args, " "), err, res)
	}
	return res
}

// runningCLI is atlas-backup started in the background, for tests that
// interrupt it.
type runningCLI struct {
	t           *testing.T
	cmd         *exec.Cmd
	out, errOut output.Buffer // read while the process writes
}

// startAtlasBackup starts the test binary as atlas-backup with the same
// environment as runAtlasBackup; kill it with stop.
func startAtlasBackup(t *testing.T, env []string, args ...string) *runningCLI {
	t.Helper()
	r := &runningCLI{t: t, cmd: exec.Command(os.Args[0], args...)}
	home := t.TempDir()
	r.cmd.Env = append([]string{runMainEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "GODEBUG=netdns=go", "GORACE=" + raceNoExitSleep,
		"GOCOVERDIR=" + os.Getenv("GOCOVERDIR")}, env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errOut
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			r.cmd.Wait()
		}
	})
	return r
}

// until waits, for ten seconds at most, for ready to hold.
func (r *runningCLI) until(what string, ready func() bool) {
	r.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ready(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s never happened", what)
		}
	}
}

// stop sends sig and returns how the run ended; it fails the test when
// that took more than five seconds.
func (r *runningCLI) stop(sig os.Signal) cliResult {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
	return r.wait()
}

// wait returns how the run ended; it fails the test when that took more
// than five seconds.
func (r *runningCLI) wait() cliResult {
	r.t.Helper()
	began := time.Now()
	err := r.cmd.Wait()
	res := cliResult{stdout: r.out.String(), stderr: r.errOut.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	if took := time.Since(began); took > 5*time.Second {
		r.t.Errorf("took %s to stop", took)
	}
	return res
}
