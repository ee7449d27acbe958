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
