package cmd

import (
	"context"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// sandboxOptions runs `sandbox ARGS` with a runF that captures its options:
// nothing listens.
func sandboxOptions(t *testing.T, args ...string) *SandboxOptions {
	t.Helper()
	var got *SandboxOptions
	s, _, _, _ := output.Test()
	f := &Factory{IO: s, Getenv: func(string) string { return "" }, Now: time.Now}
	root := newRootCmd(f)
	for _, c := range root.Commands() {
		if c.Name() == "sandbox" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newSandboxCmd(f, func(_ context.Context, o *SandboxOptions) error { got = o; return nil }))
	root.SetArgs(append([]string{"sandbox"}, args...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	return got
}

// --snapshot-outcome sets how on-demand snapshots end; success by default.
func TestSandboxSnapshotOutcomeFlag(t *testing.T) {
	t.Parallel()
	if o := sandboxOptions(t); o.snapshotOutcome != sandbox.OutcomeSuccess {
		t.Errorf("default: %q", o.snapshotOutcome)
	}
	if o := sandboxOptions(t, "--snapshot-outcome", "failed"); o.snapshotOutcome != sandbox.OutcomeFailed || o.SnapshotOutcome != "failed" {
		t.Errorf("--snapshot-outcome failed: %q", o.snapshotOutcome)
	}
	a := newAtlas(t)
	for _, bad := range []string{"cancelled", "expired", "later"} {
		r := a.run("sandbox", "--snapshot-outcome", bad)
		r.check(t, 2, nil, []string{`^Error: --snapshot-outcome "` + bad + `": on-demand snapshots end success or failed$`})
	}
}
