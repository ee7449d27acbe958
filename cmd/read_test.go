package cmd

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

func TestJobCommandFlags(t *testing.T) {
	const id = "6b05f41c0000000000000001"
	var watched *WatchOptions
	if err := parse(t, func(f *Factory) *cobra.Command {
		return newExportWatchCmd(f, func(_ context.Context, o *WatchOptions) error { watched = o; return nil })
	}, "watch", id, "--clusterName", "demo", "--interval", "2s", "--watch-timeout", "1m"); err != nil {
		t.Fatal(err)
	}
	if watched.ID != id || watched.Cluster != "demo" || watched.ProjectID != testProjectID || watched.watch.interval != 2*time.Second || watched.watch.timeout != time.Minute {
		t.Errorf("export watch options %+v", watched)
	}

	var cancelled *CancelOptions
	if err := parse(t, func(f *Factory) *cobra.Command {
		return newRestoreCancelCmd(f, func(_ context.Context, o *CancelOptions) error { cancelled = o; return nil })
	}, "cancel", id, "--cluster", "demo", "--yes"); err != nil {
		t.Fatal(err)
	}
	if cancelled.ID != id || !cancelled.Yes {
		t.Errorf("restore cancel options %+v", cancelled)
	}

	var got *RestoreGetOptions
	capture := func(_ context.Context, o *RestoreGetOptions) error { got = o; return nil }
	err := parse(t, func(f *Factory) *cobra.Command { return newRestoreGetCmd(f, capture) }, "get", "ABC", "--cluster", "demo")
	var usage *UsageError
	if !errors.As(err, &usage) || got != nil {
		t.Errorf("a bad ID: err %v, ran %v", err, got != nil)
	}
}

func TestListCommandFlags(t *testing.T) {
	var got *ListOptions
	capture := func(_ context.Context, o *ListOptions) error { got = o; return nil }
	if err := parse(t, func(f *Factory) *cobra.Command { return newSnapshotListCmd(f, capture) },
		"list", "--cluster", "demo", "--all", "--limit", "50"); err != nil {
		t.Fatal(err)
	}
	if got.Options != (api.ListOptions{Limit: 50, All: true}) || got.Cluster != "demo" {
		t.Errorf("snapshot list options %+v", got.Options)
	}
	if err := parse(t, func(f *Factory) *cobra.Command { return newExportListCmd(f, capture) },
		"list", "--cluster", "demo", "--page", "3"); err != nil {
		t.Fatal(err)
	}
	if got.Options != (api.ListOptions{Page: 3}) {
		t.Errorf("export list options %+v", got.Options)
	}
}
