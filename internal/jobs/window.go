package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/shell"
)

// Window is how far back a cluster can be restored. Atlas has no field for
// it: with continuous cloud backup (pitEnabled) it is derived as the later
// of now minus the schedule's restoreWindowDays and the oldest completed
// snapshot, up to now; without it (and for a Flex cluster) only the
// completed snapshots can be restored, from the oldest to the newest.
// Atlas is the final judge. Times are UTC, to the second.
type Window struct {
	Cluster           string       `json:"cluster"`
	Type              string       `json:"type"` // REPLICASET, SHARDED, GEOSHARDED, FLEX
	PitEnabled        bool         `json:"pitEnabled"`
	RestoreWindowDays *int         `json:"restoreWindowDays"` // nil without continuous cloud backup
	Earliest          *time.Time   `json:"earliest"`          // nil when nothing can be restored
	Latest            *time.Time   `json:"latest"`
	OldestSnapshot    *SnapshotRef `json:"oldestSnapshot"`
	NewestSnapshot    *SnapshotRef `json:"newestSnapshot"`
	NextSnapshot      *time.Time   `json:"nextSnapshot"`
}

// SnapshotRef names a snapshot and the moment it holds.
type SnapshotRef struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// Contains says whether t is within the window.
func (w *Window) Contains(t time.Time) bool {
	return w.Earliest != nil && w.Latest != nil && !t.Before(*w.Earliest) && !t.After(*w.Latest)
}

// Span is the window as people read it: "2026-11-30T10:00:00Z to
// 2026-12-07T10:00:00Z", or that nothing can be restored.
func (w *Window) Span() string {
	if w.Earliest == nil {
		return "nothing to restore from (no completed snapshot)"
	}
	return w.Earliest.Format(time.RFC3339) + " to " + w.Latest.Format(time.RFC3339)
}

// RestoreWindow reads what a cluster's restore window is made of: the
// cluster (pitEnabled, and whether it is a Flex one), its backup schedule
// (dedicated clusters with backup on: restoreWindowDays, nextSnapshot) and
// every page of its snapshots. The cluster is returned too.
func RestoreWindow(ctx context.Context, d Deps, projectID, cluster string, now time.Time) (*Window, *api.Cluster, error) {
	cl, _, err := d.Client.GetCluster(ctx, projectID, cluster)
	if err != nil {
		return nil, nil, err
	}
	w := &Window{Cluster: cl.Name, Type: cl.ClusterType, PitEnabled: cl.PitEnabled && !cl.Flex}
	if !cl.Flex && !cl.BackupEnabled {
		return w, cl, nil // no schedule, no snapshots
	}
	var sched *api.Schedule
	if !cl.Flex {
		if sched, _, err = d.Client.GetSchedule(ctx, projectID, cluster); err != nil {
			return nil, nil, err
		}
		w.NextSnapshot = utc(sched.NextSnapshot)
	}
	snaps, err := d.Client.ListSnapshots(ctx, projectID, cluster, api.ListOptions{All: true})
	if err != nil {
		return nil, nil, err
	}
	for _, s := range snaps.Items {
		if !s.Completed() || s.CreatedAt == nil {
			continue
		}
		ref := &SnapshotRef{ID: s.ID, CreatedAt: *utc(s.CreatedAt)}
		if w.OldestSnapshot == nil || ref.CreatedAt.Before(w.OldestSnapshot.CreatedAt) {
			w.OldestSnapshot = ref
		}
		if w.NewestSnapshot == nil || ref.CreatedAt.After(w.NewestSnapshot.CreatedAt) {
			w.NewestSnapshot = ref
		}
	}
	if w.OldestSnapshot == nil {
		return w, cl, nil
	}
	oldest, newest := w.OldestSnapshot.CreatedAt, w.NewestSnapshot.CreatedAt
	w.Earliest, w.Latest = &oldest, &newest
	if w.PitEnabled && sched != nil && sched.RestoreWindowDays > 0 {
		days := sched.RestoreWindowDays
		w.RestoreWindowDays = &days
		from, to := *utc(&now), *utc(&now)
		from = from.AddDate(0, 0, -days)
		if from.Before(oldest) {
			from = oldest
		}
		w.Earliest, w.Latest = &from, &to
	}
	return w, cl, nil
}

// utc is t in UTC, to the second; nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

// PreflightError is a check before a restore that refused it: nothing was
// created (only reads were sent).
type PreflightError struct{ Msg string }

func (e *PreflightError) Error() string { return e.Msg }

// CheckPointInTime refuses a point in time the cluster cannot be restored
// to: continuous cloud backup off, or t outside the window.
func CheckPointInTime(w *Window, t time.Time) error {
	at := t.UTC().Format(time.RFC3339)
	switch {
	case w.Type == api.ClusterTypeFlex:
		return &api.FlexClusterError{Cluster: w.Cluster, What: "point-in-time restores"}
	case !w.PitEnabled:
		return &PreflightError{fmt.Sprintf("continuous cloud backup is off for cluster %s, so it cannot be restored to a point in time (%s); restore one of its snapshots instead (see atlas-backup snapshot list --cluster %s)", w.Cluster, at, shell.Quote(w.Cluster))}
	case !w.Contains(t):
		return &PreflightError{fmt.Sprintf("%s is outside cluster %s's restore window, %s (%s)", at, w.Cluster, w.Span(), w.Derivation())}
	}
	return nil
}

// Derivation says how the window was derived.
func (w *Window) Derivation() string {
	if w.RestoreWindowDays != nil {
		return fmt.Sprintf("derived: the later of now minus restoreWindowDays %d and the oldest completed snapshot; Atlas is the final judge", *w.RestoreWindowDays)
	}
	return "derived from its completed snapshots; Atlas is the final judge"
}
