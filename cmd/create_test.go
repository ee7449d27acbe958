package cmd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// parse runs a command built by build under a root (for the global flags and
// the camelCase aliases), with a runF that stops before any request.
func parse(t *testing.T, build func(*Factory) *cobra.Command, args ...string) error {
	t.Helper()
	configEnv(t, "")
	t.Setenv("MONGODB_ATLAS_PROJECT_ID", testProjectID)
	var out, errOut bytes.Buffer
	f := &Factory{IO: output.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: os.Getenv,
		Now:    func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }}
	root := &cobra.Command{Use: "atlas-backup", SilenceErrors: true, SilenceUsage: true}
	addGlobalFlags(root, f)
	root.SetGlobalNormalizationFunc(normalizeFlagName)
	root.AddCommand(build(f))
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	return root.ExecuteContext(context.Background())
}

func TestExportCreateFlags(t *testing.T) {
	var got *ExportCreateOptions
	err := parse(t, func(f *Factory) *cobra.Command {
		return newExportCreateCmd(f, func(_ context.Context, o *ExportCreateOptions) error { got = o; return nil })
	}, "create", "--clusterName", "demo", "--snapshotId", "latest", "--bucketId", "my-bucket",
		"--custom-data", "z=1", "--customData", "a=2=3", "-w", "--interval", "3s", "--watch-timeout", "1m")
	if err != nil {
		t.Fatal(err)
	}
	want := []api.Label{{Key: "z", Value: "1"}, {Key: "a", Value: "2=3"}}
	if len(got.Clusters) != 1 || got.Clusters[0] != "demo" || got.SnapshotID != "latest" || got.BucketID != "my-bucket" || got.ProjectID != testProjectID ||
		len(got.labels) != 2 || got.labels[0] != want[0] || got.labels[1] != want[1] ||
		!got.watch.watch || got.watch.interval != 3*time.Second || got.watch.timeout != time.Minute {
		t.Errorf("options %+v", got)
	}
}

func TestRestoreCreateFlags(t *testing.T) {
	tests := []struct {
		args []string
		want api.RestoreRequest
	}{
		{[]string{"--delivery-type", "download", "--snapshot-id", "65f0e0e0d0e0000000000001"},
			api.RestoreRequest{DeliveryType: "download", SnapshotID: "65f0e0e0d0e0000000000001"}},
		{[]string{"--deliveryType", "automated", "--snapshot-id", "latest", "--targetClusterName", "t"},
			api.RestoreRequest{DeliveryType: "automated", SnapshotID: "latest", TargetClusterName: "t", TargetGroupID: testProjectID}},
		{[]string{"--delivery-type", "pointInTime", "--target-cluster", "t", "--target-project-id", "65f0a1b2c3d4e5f601234568", "--pointInTimeUTCSeconds", "2026-11-24T11:00:00Z"},
			api.RestoreRequest{DeliveryType: "pointInTime", TargetClusterName: "t", TargetGroupID: "65f0a1b2c3d4e5f601234568", PointInTimeUTCSeconds: 1795518000}},
		{[]string{"--delivery-type", "pointInTime", "--target-cluster", "t", "--oplogTs", "1795518000", "--oplogInc", "9"},
			api.RestoreRequest{DeliveryType: "pointInTime", TargetClusterName: "t", TargetGroupID: testProjectID, OplogTs: 1795518000, OplogInc: 9}},
	}
	for _, tt := range tests {
		var got *RestoreCreateOptions
		err := parse(t, func(f *Factory) *cobra.Command {
			return newRestoreCreateCmd(f, func(_ context.Context, o *RestoreCreateOptions) error { got = o; return nil })
		}, append([]string{"create", "--cluster", "demo"}, tt.args...)...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got.request != tt.want {
			t.Errorf("%v:\n got %+v\nwant %+v", tt.args, got.request, tt.want)
		}
	}
}

func TestRestoreCreateRefusesBeforeRunning(t *testing.T) {
	ran := false
	err := parse(t, func(f *Factory) *cobra.Command {
		return newRestoreCreateCmd(f, func(context.Context, *RestoreCreateOptions) error { ran = true; return nil })
	}, "create", "--cluster", "demo", "--delivery-type", "pointInTime", "--target-cluster", "t", "--point-in-time", "2026-11-24T12:00:01Z")
	var usage *UsageError
	if !errors.As(err, &usage) || ran || !strings.Contains(err.Error(), "is in the future") {
		t.Errorf("err %v, ran %v", err, ran)
	}
}

// Ctrl-C at the type-the-cluster-name prompt ends it at once, and nothing is sent.
func TestConfirmInterrupted(t *testing.T) {
	r, w := io.Pipe() // a terminal on which nobody types
	defer w.Close()
	var errOut bytes.Buffer
	streams := output.Streams{In: r, Out: io.Discard, ErrOut: &errOut}
	streams.SetStdinTTY(true)
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- confirm(ctx, streams, confirmation{warning: "W", cluster: "demo"})
	}()
	cancel(&InterruptedError{Signal: syscall.SIGINT})
	select {
	case err := <-done:
		if exitCode(err) != 130 || !strings.Contains(err.Error(), "nothing was sent") {
			t.Errorf("err %v (exit %d), want an interruption (130)", err, exitCode(err))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("confirm still waits after Ctrl-C")
	}
}

// --cluster reads names one per line as well as comma-separated and
// repeated: none after the first line is lost.
func TestExportCreateClusterLines(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--cluster", "a\nb\nc"}, []string{"a", "b", "c"}},
		{[]string{"--cluster", "a\nb\n"}, []string{"a", "b"}},
		{[]string{"--cluster", "a\r\n\r\nb\r\n"}, []string{"a", "b"}},
		{[]string{"--cluster", "a, b,\n c"}, []string{"a", "b", "c"}},
		{[]string{"--cluster", "a\nb", "--cluster", "c,a"}, []string{"a", "b", "c"}},
		{[]string{"--clusterName", "a\nb"}, []string{"a", "b"}},
	} {
		var got *ExportCreateOptions
		err := parse(t, func(f *Factory) *cobra.Command {
			return newExportCreateCmd(f, func(_ context.Context, o *ExportCreateOptions) error { got = o; return nil })
		}, append([]string{"create", "--snapshot-id", "latest", "--bucket-id", "my-bucket"}, tt.args...)...)
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if !slices.Equal(got.Clusters, tt.want) {
			t.Errorf("%q: clusters %q, want %q", tt.args, got.Clusters, tt.want)
		}
	}
	for _, tt := range []struct {
		value, want string
	}{
		{"a\nmy_db\n", `--cluster "my_db": must match`},
		{"\n \n", "--cluster: names no cluster"},
	} {
		err := parse(t, func(f *Factory) *cobra.Command {
			return newExportCreateCmd(f, func(context.Context, *ExportCreateOptions) error { t.Error("ran"); return nil })
		}, "create", "--snapshot-id", "latest", "--bucket-id", "my-bucket", "--cluster", tt.value)
		var usage *UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--cluster %q: %v, want a usage error with %q", tt.value, err, tt.want)
		}
	}
}
