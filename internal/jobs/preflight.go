package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// PreflightInput is a restore that overwrites, before anything is asked or
// sent: where it comes from (a snapshot, a new one, or a point in time of
// the source cluster) and the cluster it overwrites.
type PreflightInput struct {
	Scope             // the source cluster
	SnapshotID string // an ID, api.Latest or api.NewSnapshot; "" for a point in time
	// PointInTime is the moment restored to (an oplog timestamp's
	// seconds too); zero for a snapshot.
	PointInTime                    time.Time
	TargetProjectID, TargetCluster string
	Now                            time.Time
}

// Preflight is what the lookups found: the source snapshot (nil for a point
// in time or a new snapshot), the source cluster and its restore window
// (read for a point in time or a new snapshot), the target, and warnings
// (Atlas decides on those).
type Preflight struct {
	Snapshot *api.Snapshot
	Source   *api.Cluster
	Window   *Window
	Target   *api.Cluster
	Warnings []string
}

// RunPreflight looks up everything an overwriting restore depends on, and
// refuses what would fail: a snapshot or target that is not there
// (*api.NotFoundError), a point in time outside the window, a target that
// is paused or busy (*PreflightError). It only reads.
func RunPreflight(ctx context.Context, d Deps, in PreflightInput) (*Preflight, error) {
	p := &Preflight{}
	var err error
	switch {
	case in.SnapshotID == "":
		// A point in time: the source cluster's window must hold it.
		if p.Window, p.Source, err = RestoreWindow(ctx, d, in.ProjectID, in.Cluster, in.Now); err != nil {
			return nil, err
		}
		if err := CheckPointInTime(p.Window, in.PointInTime); err != nil {
			return nil, err
		}
	case in.SnapshotID == api.NewSnapshot:
		// The source cluster must be able to take one.
		if p.Source, _, err = d.Client.GetCluster(ctx, in.ProjectID, in.Cluster); err != nil {
			return nil, err
		}
		switch {
		case p.Source.Flex:
			return nil, &api.FlexClusterError{ProjectID: in.ProjectID, Cluster: in.Cluster, What: "on-demand snapshots"}
		case !p.Source.BackupEnabled:
			return nil, &PreflightError{fmt.Sprintf("cloud backup is off for cluster %s: it cannot take a snapshot", in.Cluster)}
		}
	case in.SnapshotID == api.Latest:
		if _, p.Snapshot, err = d.Client.ResolveSnapshot(ctx, in.ProjectID, in.Cluster, in.SnapshotID); err != nil {
			return nil, err
		}
	default:
		if p.Snapshot, _, err = d.Client.GetSnapshot(ctx, in.ProjectID, in.Cluster, in.SnapshotID); err != nil {
			return nil, err
		}
		if !p.Snapshot.Completed() {
			return nil, &PreflightError{fmt.Sprintf("snapshot %s of cluster %s is %s, not completed: only a completed snapshot can be restored", p.Snapshot.ID, in.Cluster, p.Snapshot.Status)}
		}
	}
	if p.Target, _, err = d.Client.GetCluster(ctx, in.TargetProjectID, in.TargetCluster); err != nil {
		return nil, err
	}
	t := p.Target
	switch {
	case t.Paused:
		return nil, &PreflightError{fmt.Sprintf("target cluster %s (project %s) is paused: resume it before restoring into it", t.Name, in.TargetProjectID)}
	case t.StateName != "" && !strings.EqualFold(t.StateName, "IDLE"):
		return nil, &PreflightError{fmt.Sprintf("target cluster %s (project %s) is %s, not IDLE: wait until Atlas has finished with it", t.Name, in.TargetProjectID, t.StateName)}
	}
	p.Warnings = p.warnings()
	return p, nil
}

// warnings are the mismatches between source and target that Atlas may
// refuse: a sharded cluster's snapshot into a replica set (or the
// reverse), and a snapshot of a newer MongoDB than the target runs.
func (p *Preflight) warnings() []string {
	var out []string
	sourceSharded, sourceKnown := false, false
	version := ""
	switch {
	case p.Snapshot != nil && !p.Snapshot.Flex:
		sourceSharded, sourceKnown = p.Snapshot.Type == "shardedCluster", p.Snapshot.Type != ""
		version = p.Snapshot.MongodVersion
	case p.Source != nil && !p.Source.Flex:
		sourceSharded, sourceKnown = sharded(p.Source.ClusterType), true
		version = p.Source.MongoDBVersion
	}
	t := p.Target
	if sourceKnown && !t.Flex && sourceSharded != sharded(t.ClusterType) {
		from, to := "a replica set", "a sharded cluster"
		if sourceSharded {
			from, to = to, from
		}
		out = append(out, fmt.Sprintf("the source is %s and target cluster %s is %s (%s): Atlas may refuse the restore", from, t.Name, to, t.ClusterType))
	}
	if newer(version, t.MongoDBVersion) {
		out = append(out, fmt.Sprintf("the source was taken with MongoDB %s, newer than target cluster %s's %s: Atlas may refuse the restore", version, t.Name, t.MongoDBVersion))
	}
	return out
}

func sharded(clusterType string) bool { return clusterType == "SHARDED" || clusterType == "GEOSHARDED" }

// newer says whether version a's major.minor is newer than b's; false when
// either cannot be read.
func newer(a, b string) bool {
	am, an, ok1 := majorMinor(a)
	bm, bn, ok2 := majorMinor(b)
	return ok1 && ok2 && (am > bm || am == bm && an > bn)
}

func majorMinor(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}
