package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/fleet"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// The backup status of a project's clusters (or of every project's): what
// each cluster's backup looks like now, read with as few requests as the
// API allows, and checked against what the caller requires.
//
// Requests: per project, its clusters (the dedicated and the Flex list,
// every page) and its backup compliance policy; per dedicated cluster with
// backup on, four: its backup schedule, one page of its snapshots, the
// first page of its export jobs and of its restore jobs; per Flex cluster
// two (snapshots, restore jobs: Flex clusters have no schedule to read and
// no exports); per cluster with backup off, none. With AllProjects, the
// project list (every page) first.

// FailureWindow is how far back a failed snapshot or job counts as the
// cluster's LastFailure.
const FailureWindow = 7 * 24 * time.Hour

// statusSnapshotPage is how many snapshots a status reads (one page,
// newest first): enough to find the newest completed one past a few that
// are running or failed.
const statusSnapshotPage = 20

// StatusInput says which clusters to look at, and what to require of them.
type StatusInput struct {
	// ProjectID is the project whose clusters to look at, unless
	// AllProjects.
	ProjectID string
	// Clusters, when set, are the only clusters of ProjectID to look at,
	// in this order; nil: every cluster of the project, in name order.
	Clusters []string
	// AllProjects looks at every cluster of every project the credentials
	// can read, in project name order, then cluster name order.
	AllProjects bool
	Now         time.Time // what ages are counted from
	Checks      StatusChecks
}

// StatusChecks are what a cluster must satisfy; the zero value requires
// nothing.
type StatusChecks struct {
	// MaxSnapshotAge, when set, is how old a cluster's newest completed
	// snapshot may be; no completed snapshot at all is a problem too.
	MaxSnapshotAge time.Duration
	RequirePIT     bool // continuous cloud backup (point in time) must be on
	RequireBackup  bool // a dedicated cluster's backup must be on
}

// StatusReport is the status of every cluster looked at, and of their
// projects.
type StatusReport struct {
	Projects []*ProjectStatus
	Clusters []ClusterStatus // project by project, in the order of Projects
}

// ProjectStatus is a project's side of the status: its backup compliance
// policy, or why its clusters could not be listed.
type ProjectStatus struct {
	ID, Name string
	// Compliance is the project's backup compliance policy; nil when it
	// has none (or it could not be read: ComplianceErr).
	Compliance    *api.CompliancePolicy
	ComplianceErr error
	// Err is why the project's clusters could not be listed (with
	// AllProjects; otherwise Status returns it).
	Err error
}

// ClusterStatus is one cluster's backup as it stands.
type ClusterStatus struct {
	Project *ProjectStatus
	Name    string
	Type    string // REPLICASET, SHARDED, GEOSHARDED, or FLEX
	Flex    bool
	// Listed says the cluster was in its project's list; a name given in
	// Clusters that is not is not listed, and Err says so.
	Listed            bool
	BackupEnabled     bool // a Flex cluster's always is
	PitEnabled        bool // a Flex cluster's never is
	RestoreWindowDays int  // from the schedule, when point in time is on; else 0
	// LastSnapshot is the newest completed snapshot (nil: none);
	// NextSnapshot, when the schedule takes the next one (nil: unknown).
	LastSnapshot *SnapshotRef
	NextSnapshot *time.Time
	// RunningExports and RunningRestores count the jobs that have not
	// ended, on the first page of each list.
	RunningExports, RunningRestores int
	// LastFailure is the newest snapshot or job that failed within
	// FailureWindow; nil when none did. It is no problem by itself.
	LastFailure *Failure
	// Problems are the checks the cluster fails, in words.
	Problems []string
	// Err is why the cluster (or some of what it shows) could not be
	// read: the first read that failed. What was read is kept.
	Err error
}

// Failure kinds.
const (
	FailedSnapshot = "snapshot"
	FailedExport   = "export job"
	FailedRestore  = "restore job"
)

// Failure is a snapshot or job that failed.
type Failure struct {
	Kind   string // FailedSnapshot, FailedExport or FailedRestore
	ID     string
	Status string // as Atlas words it: failed, FAILED, Failed
	// At is when it failed (or began), as Atlas says; nil when Atlas does
	// not say. Then After and Before bound it, as far as the lists tell:
	// a snapshot is listed between the snapshots taken before and after
	// it; a restore job began after the snapshot it restores was taken.
	// A zero bound is unknown.
	At            *time.Time
	After, Before time.Time
	Reason        string // why, when Atlas says
}

// When is the failure's time for ordering and for FailureWindow: At, else
// the latest it can have been (Before), else the earliest (After).
func (f *Failure) When() time.Time {
	switch {
	case f.At != nil:
		return *f.At
	case !f.Before.IsZero():
		return f.Before
	}
	return f.After
}

// Running is how many jobs of the cluster have not ended.
func (c *ClusterStatus) Running() int { return c.RunningExports + c.RunningRestores }

// Status reads the backup status of the clusters in, and checks them. Its
// error is for what comes before any cluster: listing the projects, or
// the one project's clusters. Each cluster's own failures are its Err.
func Status(ctx context.Context, d Deps, in StatusInput) (*StatusReport, error) {
	var projects []*ProjectStatus
	if in.AllProjects {
		list, err := d.Client.ListProjects(ctx, api.ListOptions{All: true})
		if err != nil {
			return nil, err
		}
		for _, p := range list.Items {
			projects = append(projects, &ProjectStatus{ID: p.ID, Name: p.Name})
		}
		slices.SortStableFunc(projects, func(a, b *ProjectStatus) int { return strings.Compare(a.Name, b.Name) })
	} else {
		projects = []*ProjectStatus{{ID: in.ProjectID}}
	}
	// Each project's clusters and compliance policy, all projects at once.
	lists := make([][]ClusterStatus, len(projects))
	fleet.Run(ctx, len(projects), 0, func(ctx context.Context, i int) {
		lists[i] = projectClusters(ctx, d, projects[i], in)
	})
	if !in.AllProjects && projects[0].Err != nil {
		return nil, projects[0].Err
	}
	report := &StatusReport{Projects: projects}
	for _, l := range lists {
		report.Clusters = append(report.Clusters, l...)
	}
	// Every cluster's reads at once: the client's limiter bounds the
	// requests in flight.
	fleet.Run(ctx, len(report.Clusters), 0, func(ctx context.Context, i int) {
		c := &report.Clusters[i]
		if c.Listed {
			readCluster(api.WithLabel(ctx, c.Name), d, c, in.Now)
		}
		c.check(in.Checks, in.Now)
	})
	return report, nil
}

// projectClusters lists a project's clusters (those of in.Clusters, when
// given) and reads its compliance policy, both at once.
func projectClusters(ctx context.Context, d Deps, p *ProjectStatus, in StatusInput) []ClusterStatus {
	var wg sync.WaitGroup
	wg.Go(func() {
		p.Compliance, _, p.ComplianceErr = d.Client.GetCompliancePolicy(ctx, p.ID)
	})
	list, err := d.Client.ListAllClusters(ctx, p.ID, api.ListOptions{All: true})
	wg.Wait()
	if err != nil {
		p.Err = err
		return nil
	}
	status := func(cl api.Cluster) ClusterStatus {
		return ClusterStatus{Project: p, Name: cl.Name, Type: cl.ClusterType, Flex: cl.Flex, Listed: true,
			BackupEnabled: cl.BackupEnabled || cl.Flex, PitEnabled: cl.PitEnabled && !cl.Flex}
	}
	var out []ClusterStatus
	if in.Clusters == nil {
		for _, cl := range list.Items {
			out = append(out, status(cl))
		}
		return out
	}
	var names []string
	for _, cl := range list.Items {
		names = append(names, cl.Name)
	}
	for _, name := range in.Clusters {
		i := slices.IndexFunc(list.Items, func(cl api.Cluster) bool { return cl.Name == name })
		if i < 0 {
			out = append(out, ClusterStatus{Project: p, Name: name,
				Err: &api.NotFoundError{Kind: api.KindCluster, Name: name, ProjectID: p.ID, Known: names}})
			continue
		}
		out = append(out, status(list.Items[i]))
	}
	return out
}

// readCluster reads what a cluster's status shows, each read at once; the
// first that fails is c.Err, and the others still count.
func readCluster(ctx context.Context, d Deps, c *ClusterStatus, now time.Time) {
	if !c.BackupEnabled {
		return // Atlas has no backup of it to read
	}
	projectID := c.Project.ID
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if c.Err == nil {
			c.Err = err
		}
	}
	var failures [3]*Failure // snapshots, exports, restores
	var wg sync.WaitGroup
	if !c.Flex {
		wg.Go(func() {
			s, _, err := d.Client.GetSchedule(ctx, projectID, c.Name)
			if err != nil {
				fail(err)
				return
			}
			c.NextSnapshot = s.NextSnapshot
			if c.PitEnabled {
				c.RestoreWindowDays = s.RestoreWindowDays
			}
		})
		wg.Go(func() {
			exports, err := d.Client.ListExports(ctx, projectID, c.Name, api.ListOptions{})
			if err != nil {
				fail(err)
				return
			}
			c.RunningExports, failures[1] = exportJobs(exports.Items, now)
		})
	}
	wg.Go(func() {
		snaps, err := d.Client.ListSnapshots(ctx, projectID, c.Name, api.ListOptions{Limit: statusSnapshotPage})
		if err != nil {
			fail(err)
			return
		}
		c.LastSnapshot, failures[0] = snapshots(snaps.Items, now)
	})
	wg.Go(func() {
		restores, err := d.Client.ListRestores(ctx, projectID, c.Name, api.ListOptions{})
		if err != nil {
			fail(err)
			return
		}
		c.RunningRestores, failures[2] = restoreJobs(restores, now)
	})
	wg.Wait()
	for _, f := range failures {
		if f != nil && (c.LastFailure == nil || f.When().After(c.LastFailure.When())) {
			c.LastFailure = f
		}
	}
}

// recent says whether t is within FailureWindow of now.
func recent(t, now time.Time) bool { return !t.IsZero() && now.Sub(t) <= FailureWindow }

// snapshots finds the newest completed snapshot of a page (newest first),
// and the newest that failed within FailureWindow. A failed snapshot
// without a createdAt (Atlas gives none to some) is bounded by the
// snapshots listed around it that have one.
func snapshots(items []api.Snapshot, now time.Time) (last *SnapshotRef, failed *Failure) {
	for i, s := range items {
		if s.Completed() && s.CreatedAt != nil && (last == nil || s.CreatedAt.After(last.CreatedAt)) {
			last = &SnapshotRef{ID: s.ID, CreatedAt: *s.CreatedAt}
		}
		if !strings.EqualFold(s.Status, api.SnapshotFailed) {
			continue
		}
		f := &Failure{Kind: FailedSnapshot, ID: s.ID, Status: s.Status, At: s.CreatedAt}
		if f.At == nil {
			for _, older := range items[i+1:] {
				if older.CreatedAt != nil {
					f.After = *older.CreatedAt
					break
				}
			}
			for j := i - 1; j >= 0; j-- {
				if items[j].CreatedAt != nil {
					f.Before = *items[j].CreatedAt
					break
				}
			}
		}
		if recent(f.When(), now) && (failed == nil || f.When().After(failed.When())) {
			failed = f
		}
	}
	return last, failed
}

// exportJobs counts the export jobs that have not ended (an unknown state
// counts as running: only Successful, Failed and Cancelled are ends), and
// finds the newest that failed within FailureWindow.
func exportJobs(items []api.ExportJob, now time.Time) (running int, failed *Failure) {
	for _, j := range items {
		ended, _, _ := j.Ended()
		if !ended {
			running++
			continue
		}
		if !strings.EqualFold(j.State, api.ExportFailed) {
			continue
		}
		at := j.FinishedAt
		if at == nil {
			at = j.CreatedAt
		}
		f := &Failure{Kind: FailedExport, ID: j.ID, Status: j.State, At: at, Reason: j.Reason()}
		if recent(f.When(), now) && (failed == nil || f.When().After(failed.When())) {
			failed = f
		}
	}
	return running, failed
}

// restoreJobs counts the restore jobs that have not ended, and finds the
// newest that failed within FailureWindow. Atlas gives a failed restore
// job no time of its own (a Flex job may have its restoreFinishedDate):
// it began after the time of the snapshot it restores (its timestamp;
// a Flex job's restoreScheduledDate), and counts when that is recent.
func restoreJobs(l *api.List[api.RestoreJob], now time.Time) (running int, failed *Failure) {
	for i := range l.Items {
		j := &l.Items[i]
		ended, _ := j.Ended()
		if !ended {
			running++
			continue
		}
		if j.Status() != api.RestoreFailed {
			continue
		}
		status := "failed"
		f := &Failure{Kind: FailedRestore, ID: j.ID, At: j.FinishedAt}
		if j.Timestamp != nil {
			f.After = *j.Timestamp
		} else if j.PointInTimeUTCSeconds > 0 {
			f.After = time.Unix(j.PointInTimeUTCSeconds, 0).UTC()
		}
		if j.FlexStatus != "" { // its FinishedAt is its restoreFinishedDate
			status = j.FlexStatus
			if j.ScheduledAt != nil {
				f.After = *j.ScheduledAt
			}
		}
		f.Status = status
		if recent(f.When(), now) && (failed == nil || f.When().After(failed.When())) {
			failed = f
		}
	}
	return running, failed
}

// check fills in the cluster's problems: the checks it fails, judged on
// what could be read (a read that failed is the cluster's Err, and judges
// nothing).
func (c *ClusterStatus) check(k StatusChecks, now time.Time) {
	if !c.Listed {
		return
	}
	if k.RequireBackup && !c.BackupEnabled {
		c.Problems = append(c.Problems, "backup is off")
	}
	if k.RequirePIT && !c.PitEnabled {
		if c.Flex {
			c.Problems = append(c.Problems, "point in time is off (Flex clusters have none)")
		} else {
			c.Problems = append(c.Problems, "point in time is off")
		}
	}
	if k.MaxSnapshotAge > 0 {
		switch {
		case c.LastSnapshot != nil:
			if age := now.Sub(c.LastSnapshot.CreatedAt); age > k.MaxSnapshotAge {
				c.Problems = append(c.Problems, fmt.Sprintf("newest completed snapshot is %s old (more than %s)", text.Age(age), text.Age(k.MaxSnapshotAge)))
			}
		case !c.BackupEnabled:
			c.Problems = append(c.Problems, "no completed snapshot (backup is off)")
		case c.Err == nil:
			c.Problems = append(c.Problems, "no completed snapshot")
		}
	}
}
