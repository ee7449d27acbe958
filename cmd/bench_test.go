package cmd

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// BenchmarkBuildExportPayload: flags to the export create body.
func BenchmarkBuildExportPayload(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		o := &ExportCreateOptions{Clusters: []string{"demo"}, SnapshotID: "65f0e0e0d0e0000000000001", BucketID: "65f0b0c0d0e0f00000000001",
			CustomData: []string{"team=payments", "ticket=OPS-12"}, Parallel: 4}
		if err := o.check(); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(api.ExportRequest{SnapshotID: o.SnapshotID, ExportBucketID: o.BucketID, CustomData: o.labels}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildRestorePayloads: flags to each delivery type's body.
func BenchmarkBuildRestorePayloads(b *testing.B) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		o   RestoreCreateOptions
		set []string
	}{
		{RestoreCreateOptions{DeliveryType: "download", SnapshotID: "65f0e0e0d0e0000000000001"}, []string{"snapshot-id"}},
		{RestoreCreateOptions{DeliveryType: "automated", SnapshotID: "latest", TargetCluster: "staging"}, []string{"snapshot-id", "target-cluster"}},
		{RestoreCreateOptions{DeliveryType: "pointInTime", TargetCluster: "demo", PointInTime: "2026-11-24T09:30:00Z"}, []string{"target-cluster", "point-in-time"}},
		{RestoreCreateOptions{DeliveryType: "pointInTime", TargetCluster: "demo", OplogTs: 1764000000, OplogInc: 3}, []string{"target-cluster", "oplog-ts", "oplog-inc"}},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range cases {
			o := c.o
			o.Cluster, o.ProjectID, o.Now = "demo", "65f0a1b2c3d4e5f601234567", func() time.Time { return now }
			o.set = func(name string) bool {
				for _, s := range c.set {
					if s == name {
						return true
					}
				}
				return false
			}
			if err := o.check(); err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(o.request); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkVersion: --version in-process, the whole of a run past the
// package inits (the command tree, the flags, the answer).
func BenchmarkVersion(b *testing.B) {
	s, _, _, _ := output.Test()
	b.ReportAllocs()
	for b.Loop() {
		if code := Main([]string{"--version"}, s, BuildInfo{Version: "v1"}); code != 0 {
			b.Fatal(code)
		}
	}
}
