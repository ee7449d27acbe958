package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// RestoreWindowOptions are the options of restore window.
type RestoreWindowOptions struct {
	runEnv
	clusterScope
	Now func() time.Time
}

func newRestoreWindowCmd(f *Factory, runF func(context.Context, *RestoreWindowOptions) error) *cobra.Command {
	opts := &RestoreWindowOptions{runEnv: f.env(), Now: f.Now}
	c := &cobra.Command{
		Use:   "window",
		Short: "Show how far back a cluster can be restored, and from what",
		Long: `Show how far back a cluster can be restored: whether continuous cloud backup
(point in time) is on, the restore window in days from its backup schedule,
the earliest and latest times a point-in-time restore can go to, its newest
completed snapshot and when the next is due.

Atlas has no field for the earliest restorable time: it is derived, as the
later of now minus restoreWindowDays and the oldest completed snapshot, and
Atlas is the final judge. Without continuous cloud backup (and for a Flex
cluster, which has none) only snapshots can be restored: EARLIEST and
LATEST are then the oldest and newest completed snapshots.

-o json prints {"cluster", "type", "pitEnabled", "restoreWindowDays",
"earliest", "latest", "oldestSnapshot", "newestSnapshot", "nextSnapshot"},
times in RFC 3339 UTC.`,
		Example: `  atlas-backup restore window --cluster demo
  atlas-backup restore window --cluster demo -o json
  atlas-backup restore window --cluster demo -o 'go-template={{.earliest}}'`,
		Args: exactArgs(0, "none"),
	}
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreWindowRun, runF)
	opts.addFlags(c, "restore window to show")
	return c
}

func (o *RestoreWindowOptions) prepare(_ *cobra.Command, _ []string) error {
	return o.resolve(o.runEnv)
}

func (o *RestoreWindowOptions) validate() error { return nil }

func restoreWindowRun(ctx context.Context, o *RestoreWindowOptions) error {
	client, err := o.Client()
	if err != nil {
		return err
	}
	now := o.Now()
	w, cl, err := jobs.RestoreWindow(ctx, jobs.Deps{Client: client, Note: o.note}, o.ProjectID, o.Cluster, now)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(w)
	if err != nil {
		return err
	}
	switch {
	case o.format != "table":
	case !cl.Flex && !cl.BackupEnabled:
		o.notef("Cloud backup is off for cluster %s: there is nothing to restore it from.", w.Cluster)
	case w.Earliest == nil:
		o.notef("Cluster %s has no completed snapshot yet: there is nothing to restore it from.", w.Cluster)
	default:
		o.notef("EARLIEST is %s.", w.Derivation())
	}
	return o.Printer.Print(o.IO.Out, output.Value{Raw: raw, Table: windowTable(w, now)})
}

// windowTable shows a restore window as one row: CLUSTER, PIT, WINDOW,
// EARLIEST, LATEST, NEWEST SNAPSHOT (with its age) and NEXT SNAPSHOT.
func windowTable(w *jobs.Window, now time.Time) *output.Table {
	t := &output.Table{Header: []string{"CLUSTER", "PIT", "WINDOW", "EARLIEST (UTC)", "LATEST (UTC)", "NEWEST SNAPSHOT", "NEXT SNAPSHOT (UTC)"}}
	pit, window := "off", ""
	if w.PitEnabled {
		pit = "on"
	}
	if w.RestoreWindowDays != nil {
		window = fmt.Sprintf("%dd", *w.RestoreWindowDays)
	}
	newest := ""
	if s := w.NewestSnapshot; s != nil {
		newest = fmt.Sprintf("%s (%s ago)", s.ID, text.Age(now.Sub(s.CreatedAt)))
	}
	t.Add(w.Cluster, pit, window, output.FormatTime(w.Earliest), output.FormatTime(w.Latest), newest, output.FormatTime(w.NextSnapshot))
	return t
}
