package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// StatusOptions are what `status` was given.
type StatusOptions struct {
	runEnv
	apiScope
	Now func() time.Time

	Clusters       []string // --cluster, repeated, comma-separated or one a line
	AllProjects    bool
	MaxSnapshotAge string // as given; maxAge once checked
	RequirePIT     bool
	RequireBackup  bool
	Parallel       int

	maxAge time.Duration
	set    func(name string) bool
}

func newStatusCmd(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{runEnv: f.env(), Now: f.Now}
	opts.Client = f.ClientLimited(&opts.Parallel) // --parallel bounds the requests in flight
	c := &cobra.Command{
		Use:   "status",
		Short: "Show whether every cluster of a project (or of every project) is backed up, with checks for CI",
		Long: `Show the backup status of every cluster of the project, dedicated and Flex
(or of the clusters --cluster names, or with --all-projects of every project
the credentials can read), one row a cluster:

  BACKUP    backup on or off (a Flex cluster's is always on)
  PIT       continuous cloud backup (point in time) on or off (Flex: off)
  WINDOW    the restore window of point in time, from the backup schedule
  LAST SNAPSHOT (UTC)  the newest completed snapshot, and how old it is
  NEXT (UTC)  when the schedule takes the next snapshot
  RUNNING   export and restore jobs that have not ended (first page of each list)
  PROBLEMS  the checks the cluster fails, and why it could not be read

Each project's backup compliance policy (its state, or that it has none) is
named on stderr, not in the table, so that stdout stays one table. So is the
newest snapshot or job of each cluster that failed in the last 7 days: it is
shown (in -o json as lastFailure) but is no problem by itself.

Checks: --require-backup (on by default: a dedicated cluster with backup off
is a problem; --require-backup=false turns it off), --require-pit (point in
time must be on), --max-snapshot-age DURATION (the newest completed snapshot
must be younger: 26h, 2d, 1d12h; no completed snapshot is a problem too).
Each problem is named in the row and on stderr as "CLUSTER: problem".

Exit codes: 0 when no cluster has a problem; 8 when one has; 1 when a
cluster could not be read (its row says why; the others are still shown),
whatever the problems; 4 when a cluster --cluster names is not in the
project.

-o json prints an array with an object per cluster: projectId, projectName
(with --all-projects), cluster, type, backupEnabled, pitEnabled,
restoreWindowDays, lastSnapshot {id, createdAt, ageSeconds} or null,
nextSnapshot, runningJobs (and runningExports, runningRestores), lastFailure
{kind, id, status, at, after, before, reason} or null, problems, compliancePolicy
{state, pitEnabled, restoreWindowDays} or null, and error when the cluster
could not be read. Times are RFC 3339 in UTC.

Requests: per project, its two cluster lists and its compliance policy; per
dedicated cluster with backup on, four (schedule, one page of snapshots, the
first page of export jobs and of restore jobs); per Flex cluster two; none
for a cluster with backup off. --parallel bounds the requests in flight, and
a 429 pauses them all.`,
		Example: `  atlas-backup status
  atlas-backup status --cluster demo,analytics --require-pit
  atlas-backup status --all-projects --max-snapshot-age 26h -o json

  # CI: fail the job when a cluster has a problem (exit 8) or cannot be
  # read (exit 1), and keep the report as an artifact
  atlas-backup status --all-projects --max-snapshot-age 26h -o json > backup-status.json`,
		Args: exactArgs(0, "none"),
	}
	c.RunE = runCmd(opts, &opts.format, opts.prepare, statusRun, runF)
	fl := c.Flags()
	fl.Var(newNameList(&opts.Clusters), "cluster", "only these clusters of the project: repeat it or give a comma-separated list")
	fl.BoolVar(&opts.AllProjects, "all-projects", false, "every cluster of every project the credentials can read (no project ID needed)")
	fl.StringVar(&opts.MaxSnapshotAge, "max-snapshot-age", "", "a problem when the newest completed snapshot is older than DURATION (26h, 2d, 1d12h), or there is none")
	fl.BoolVar(&opts.RequirePIT, "require-pit", false, "a problem when point in time (continuous cloud backup) is off")
	fl.BoolVar(&opts.RequireBackup, "require-backup", true, "a problem when a dedicated cluster's backup is off (--require-backup=false: none)")
	fl.IntVar(&opts.Parallel, "parallel", 4, "requests in flight at once across all clusters, 1 to 32")
	return c
}

// prepare resolves the printer and, unless --all-projects, the project.
func (o *StatusOptions) prepare(c *cobra.Command, _ []string) error {
	o.set = c.Flags().Changed
	if !o.AllProjects {
		return o.resolveAPI(&o.apiScope)
	}
	var err error
	o.Printer, o.format, err = o.printer()
	return err
}

func (o *StatusOptions) validate() error {
	given := o.set != nil && o.set("cluster")
	switch {
	case o.AllProjects && (len(o.Clusters) > 0 || given):
		return usageErrorf("--cluster and --all-projects: give one or the other (--cluster names clusters of one project)")
	case o.AllProjects && o.set != nil && o.set("project-id"):
		return usageErrorf("--project-id and --all-projects: give one or the other")
	case len(o.Clusters) == 0 && given:
		return usageErrorf("--cluster: names no cluster (give names separated by commas or line breaks)")
	}
	var err error
	if o.Clusters, err = checkClusters(o.Clusters); err != nil {
		return err
	}
	if err := checkParallel(o.Parallel); err != nil {
		return err
	}
	if o.MaxSnapshotAge != "" || (o.set != nil && o.set("max-snapshot-age")) {
		if o.maxAge, err = parseAge("max-snapshot-age", o.MaxSnapshotAge); err != nil {
			return err
		}
	}
	return nil
}

// parseAge reads a duration of s, m, h and d units (26h, 90m, 2d, 1d12h)
// that must be more than zero.
func parseAge(flag, given string) (time.Duration, error) {
	value := strings.TrimSpace(given)
	if strings.HasPrefix(value, "-") || (value != "" && strings.Trim(value, "0") == "") {
		return 0, usageErrorf("--%s %q: must be more than zero", flag, value)
	}
	d, err := parseDuration(value)
	if err != nil {
		return 0, usageErrorf("--%s %q: must be a duration such as 26h, 90m, 2d or 1d12h (units s, m, h and d)", flag, value)
	}
	if d <= 0 {
		return 0, usageErrorf("--%s %q: must be more than zero", flag, value)
	}
	return d, nil
}

// statusRun reads and checks the clusters (jobs.Status), prints one row
// each, names each problem on stderr, and ends with the exit code they
// call for.
func statusRun(ctx context.Context, o *StatusOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	now := o.Now()
	in := jobs.StatusInput{ProjectID: o.ProjectID, Clusters: o.Clusters, AllProjects: o.AllProjects, Now: now,
		Checks: jobs.StatusChecks{MaxSnapshotAge: o.maxAge, RequirePIT: o.RequirePIT, RequireBackup: o.RequireBackup}}
	report, err := jobs.Status(ctx, jobs.Deps{Client: client, Note: o.note}, in)
	if err != nil {
		return err
	}
	if err := o.Printer.Print(o.IO.Out, statusValue(report, now, o.AllProjects)); err != nil {
		return err
	}
	if len(report.Clusters) == 0 && o.format == "table" {
		if o.AllProjects {
			o.notef("No clusters in the projects these credentials can read.")
		} else {
			o.notef("No clusters in project %s.", o.ProjectID)
		}
	}
	return o.report(report, now)
}

// label names a cluster in stderr's lines: with --all-projects, its
// project's name too.
func (o *StatusOptions) label(c *jobs.ClusterStatus) string {
	if o.AllProjects {
		return c.Project.Name + "/" + c.Name
	}
	return c.Name
}

// report writes, on stderr, each project's compliance policy and each
// cluster's recent failure (unless --quiet), then each problem and each
// cluster that could not be read, and returns the error that gives the
// exit code: a read that failed (1), else a cluster that is not there (4),
// else a problem (8).
func (o *StatusOptions) report(r *jobs.StatusReport, now time.Time) error {
	var readErrs, missing []string
	for _, p := range r.Projects {
		name := p.ID
		if p.Name != "" {
			name = p.Name + " (" + p.ID + ")"
		}
		switch {
		case p.Err != nil:
			readErrs = append(readErrs, fmt.Sprintf("project %s: %s", name, oneLineErr(p.Err)))
			continue
		case p.ComplianceErr != nil && isAuthErr(p.ComplianceErr):
			o.notef("Project %s: the backup compliance policy could not be read with these credentials (it needs the Project Owner role): %s", name, api.Summary(p.ComplianceErr))
		case p.ComplianceErr != nil:
			readErrs = append(readErrs, fmt.Sprintf("project %s: backup compliance policy: %s", name, oneLineErr(p.ComplianceErr)))
		case p.Compliance == nil:
			o.notef("Project %s has no backup compliance policy.", name)
		default:
			o.notef("Project %s: backup compliance policy %s%s.", name, p.Compliance.State, complianceDetail(p.Compliance))
		}
	}
	var failing []string
	for i := range r.Clusters {
		c := &r.Clusters[i]
		label := o.label(c)
		if f := c.LastFailure; f != nil {
			o.notef("%s: %s", label, failureText(f, now))
		}
		for _, p := range c.Problems {
			fmt.Fprintln(o.IO.ErrOut, text.Escape(label+": "+p))
		}
		if len(c.Problems) > 0 {
			failing = append(failing, label)
		}
		var nf *api.NotFoundError
		switch {
		case c.Err == nil:
		case !c.Listed && errors.As(c.Err, &nf):
			missing = append(missing, "--cluster "+nf.Where())
		default:
			readErrs = append(readErrs, label+": "+oneLineErr(c.Err))
		}
	}
	switch {
	case len(readErrs) > 0:
		return &StatusReadError{Lines: readErrs}
	case len(missing) > 0:
		return &NotFoundError{Err: errors.New(strings.Join(missing, "\nError: "))}
	case len(failing) > 0:
		return &StatusProblemsError{Clusters: failing, Of: len(r.Clusters)}
	}
	return nil
}

// StatusProblemsError is a status whose clusters failed the checks asked
// for: exit code 8.
type StatusProblemsError struct {
	Clusters []string // the clusters with a problem, in output order
	Of       int      // how many clusters were looked at
}

func (e *StatusProblemsError) Error() string {
	what := "clusters"
	if e.Of == 1 {
		what = "cluster"
	}
	return fmt.Sprintf("%d of %d %s failed the checks: %s", len(e.Clusters), e.Of, what, strings.Join(e.Clusters, ", "))
}

// StatusReadError is a status with clusters (or projects) that could not
// be read: exit code 1, whatever the API said (a read that failed is not
// the answer about the backup the command was asked for). It holds the
// lines only, so that no API error in it picks another code.
type StatusReadError struct{ Lines []string }

// Error is one line per cluster; Main puts "Error: " before the first.
func (e *StatusReadError) Error() string { return strings.Join(e.Lines, "\nError: ") }

// isAuthErr says whether Atlas refused the credentials (401, 403).
func isAuthErr(err error) bool {
	var e *api.Error
	return errors.As(err, &e) && e.IsAuth()
}

// oneLineErr is an error's first line.
func oneLineErr(err error) string { return strings.SplitN(err.Error(), "\n", 2)[0] }

// complianceDetail is what a compliance policy requires of point in time.
func complianceDetail(p *api.CompliancePolicy) string {
	switch {
	case p.PitEnabled && p.RestoreWindowDays > 0:
		return fmt.Sprintf(" (point in time required, restore window %dd)", p.RestoreWindowDays)
	case p.PitEnabled:
		return " (point in time required)"
	}
	return ""
}

// failureText says what failed and when: "export job ID Failed 3d ago:
// reason", "snapshot ID failed between 2026-11-21 09:00:00 UTC and …".
func failureText(f *jobs.Failure, now time.Time) string {
	s := fmt.Sprintf("%s %s %s", f.Kind, f.ID, f.Status)
	switch utc := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }; {
	case f.At != nil:
		s += fmt.Sprintf(" %s ago", text.Age(now.Sub(*f.At)))
	case !f.After.IsZero() && !f.Before.IsZero():
		s += fmt.Sprintf(" between %s and %s", utc(f.After), utc(f.Before))
	case !f.Before.IsZero():
		s += " before " + utc(f.Before)
	case !f.After.IsZero():
		s += " after " + utc(f.After)
	}
	if f.Reason != "" {
		s += ": " + f.Reason
	}
	return s + " (in the last 7 days; no problem by itself)"
}

// statusValue is the report as a table (output.StatusTable) and as a JSON
// array of one object per cluster.
func statusValue(r *jobs.StatusReport, now time.Time, allProjects bool) output.Value {
	var rows []output.StatusRow
	items := []statusJSON{}
	for _, p := range r.Projects {
		if p.Err != nil { // with --all-projects: a row for the project
			rows = append(rows, output.StatusRow{Project: p.Name, Error: api.Summary(p.Err)})
			items = append(items, statusJSON{ProjectID: p.ID, ProjectName: p.Name, Problems: []string{}, Error: errorValue(p.Err)})
		}
		for i := range r.Clusters {
			if c := &r.Clusters[i]; c.Project == p {
				rows = append(rows, statusRow(c, now))
				items = append(items, clusterJSON(c, now))
			}
		}
	}
	raw, _ := json.Marshal(items) // of plain values: cannot fail
	return output.Value{Raw: raw, Table: output.StatusTable(rows, allProjects)}
}

func statusRow(c *jobs.ClusterStatus, now time.Time) output.StatusRow {
	r := output.StatusRow{Project: c.Project.Name, Cluster: c.Name, Type: c.Type, Backup: c.BackupEnabled, PIT: c.PitEnabled,
		Read: c.Listed && c.BackupEnabled, RestoreWindowDays: c.RestoreWindowDays, NextSnapshot: c.NextSnapshot,
		RunningExports: c.RunningExports, RunningRestores: c.RunningRestores, Problems: c.Problems}
	if s := c.LastSnapshot; s != nil {
		r.LastSnapshot, r.LastSnapshotAge = &s.CreatedAt, text.Age(now.Sub(s.CreatedAt))
	}
	if c.Err != nil {
		r.Error = api.Summary(c.Err)
		var nf *api.NotFoundError
		if errors.As(c.Err, &nf) && nf.Kind == api.KindCluster && nf.Err == nil {
			r.Error = nf.Where()
		}
	}
	return r
}

// statusJSON is one cluster's object in -o json.
type statusJSON struct {
	ProjectID         string           `json:"projectId"`
	ProjectName       string           `json:"projectName,omitempty"`
	Cluster           *string          `json:"cluster"`
	Type              *string          `json:"type"`
	BackupEnabled     *bool            `json:"backupEnabled"`
	PitEnabled        *bool            `json:"pitEnabled"`
	RestoreWindowDays *int             `json:"restoreWindowDays"`
	LastSnapshot      *snapshotJSON    `json:"lastSnapshot"`
	NextSnapshot      *string          `json:"nextSnapshot"`
	RunningJobs       *int             `json:"runningJobs"`
	RunningExports    *int             `json:"runningExports"`
	RunningRestores   *int             `json:"runningRestores"`
	LastFailure       *failureJSON     `json:"lastFailure"`
	Problems          []string         `json:"problems"`
	CompliancePolicy  *complianceJSON  `json:"compliancePolicy"`
	Error             *json.RawMessage `json:"error,omitempty"`
}

type snapshotJSON struct {
	ID         string `json:"id"`
	CreatedAt  string `json:"createdAt"`
	AgeSeconds int64  `json:"ageSeconds"`
}

type failureJSON struct {
	Kind   string  `json:"kind"` // snapshot, exportJob, restoreJob
	ID     string  `json:"id"`
	Status string  `json:"status"`
	At     *string `json:"at"`               // when Atlas says
	After  string  `json:"after,omitempty"`  // else the earliest it can have been
	Before string  `json:"before,omitempty"` // and the latest
	Reason string  `json:"reason,omitempty"`
}

type complianceJSON struct {
	State             *string `json:"state"`
	PitEnabled        *bool   `json:"pitEnabled,omitempty"`
	RestoreWindowDays *int    `json:"restoreWindowDays,omitempty"`
	Error             string  `json:"error,omitempty"` // it could not be read
}

// failureKinds are the failure kinds as -o json names them.
var failureKinds = map[string]string{jobs.FailedSnapshot: "snapshot", jobs.FailedExport: "exportJob", jobs.FailedRestore: "restoreJob"}

func clusterJSON(c *jobs.ClusterStatus, now time.Time) statusJSON {
	v := statusJSON{ProjectID: c.Project.ID, ProjectName: c.Project.Name, Cluster: &c.Name, Problems: c.Problems}
	if v.Problems == nil {
		v.Problems = []string{}
	}
	if c.Err != nil {
		v.Error = errorValue(c.Err)
	}
	v.CompliancePolicy = compliance(c.Project)
	if !c.Listed {
		return v
	}
	v.Type, v.BackupEnabled, v.PitEnabled = &c.Type, &c.BackupEnabled, &c.PitEnabled
	if c.RestoreWindowDays > 0 {
		v.RestoreWindowDays = &c.RestoreWindowDays
	}
	if s := c.LastSnapshot; s != nil {
		v.LastSnapshot = &snapshotJSON{ID: s.ID, CreatedAt: rfc3339(s.CreatedAt), AgeSeconds: int64(now.Sub(s.CreatedAt) / time.Second)}
	}
	if c.NextSnapshot != nil {
		t := rfc3339(*c.NextSnapshot)
		v.NextSnapshot = &t
	}
	if c.BackupEnabled { // (a cluster with backup off is not read: its jobs are not known)
		running := c.Running()
		v.RunningJobs, v.RunningExports, v.RunningRestores = &running, &c.RunningExports, &c.RunningRestores
	}
	if f := c.LastFailure; f != nil {
		fj := &failureJSON{Kind: failureKinds[f.Kind], ID: f.ID, Status: f.Status, Reason: f.Reason}
		if f.At != nil {
			t := rfc3339(*f.At)
			fj.At = &t
		} else {
			if !f.After.IsZero() {
				fj.After = rfc3339(f.After)
			}
			if !f.Before.IsZero() {
				fj.Before = rfc3339(f.Before)
			}
		}
		v.LastFailure = fj
	}
	return v
}

// compliance is a project's compliance policy as -o json shows it.
func compliance(p *jobs.ProjectStatus) *complianceJSON {
	switch {
	case p.ComplianceErr != nil:
		return &complianceJSON{Error: oneLineErr(p.ComplianceErr)}
	case p.Compliance == nil:
		return nil
	}
	c := p.Compliance
	return &complianceJSON{State: &c.State, PitEnabled: &c.PitEnabled, RestoreWindowDays: &c.RestoreWindowDays}
}

// errorValue is an error as the API's error object when Atlas sent one,
// else {"message": …}.
func errorValue(err error) *json.RawMessage {
	var nf *api.NotFoundError
	var raw json.RawMessage
	if errors.As(err, &nf) && nf.Kind == api.KindCluster && nf.Err == nil {
		raw = json.RawMessage(`{"message":` + jsonString(nf.Where()) + `}`)
	} else {
		raw = json.RawMessage(errorJSON(err))
	}
	return &raw
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
