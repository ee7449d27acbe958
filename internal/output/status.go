package output

import (
	"fmt"
	"strings"
	"time"
)

// StatusRow is one cluster's line of the backup status, as its cells
// need it.
type StatusRow struct {
	Project, Cluster, Type string
	Backup, PIT            bool
	// Read says whether the cluster's backup was looked at (backup on,
	// and the cluster listed): else its snapshot and schedule cells are
	// "-".
	Read              bool
	RestoreWindowDays int        // 0: none shown
	LastSnapshot      *time.Time // the newest completed snapshot's time; nil: none
	LastSnapshotAge   string     // how old it is, e.g. 2h ("2h ago")
	NextSnapshot      *time.Time
	RunningExports    int
	RunningRestores   int
	Problems          []string
	Error             string // why the cluster could not be read (all or some of it)
}

// StatusTable shows the backup status of clusters as PROJECT (with
// withProject), CLUSTER, TYPE, BACKUP, PIT, WINDOW (the restore window,
// 7d), LAST SNAPSHOT (UTC) with its age ("2026-12-07 03:00:00 (2h ago)";
// none when the cluster has no completed snapshot), NEXT (UTC), RUNNING
// (the jobs that have not ended: "1 export, 2 restores", or 0) and
// PROBLEMS (the checks it fails, then "error: …" when it could not be
// read).
func StatusTable(rows []StatusRow, withProject bool) *Table {
	header := []string{"CLUSTER", "TYPE", "BACKUP", "PIT", "WINDOW", "LAST SNAPSHOT (UTC)", "NEXT (UTC)", "RUNNING", "PROBLEMS"}
	if withProject {
		header = append([]string{"PROJECT"}, header...)
	}
	t := &Table{Header: header}
	for _, r := range rows {
		window, last, running := "", "", ""
		if r.RestoreWindowDays > 0 {
			window = fmt.Sprintf("%dd", r.RestoreWindowDays)
		}
		if r.Read {
			last = "none"
			if r.LastSnapshot != nil {
				last = fmt.Sprintf("%s (%s ago)", FormatTime(r.LastSnapshot), r.LastSnapshotAge)
			}
			running = runningJobs(r.RunningExports, r.RunningRestores)
		}
		problems := strings.Join(r.Problems, "; ")
		if r.Error != "" {
			problems = strings.TrimPrefix(problems+"; error: "+r.Error, "; ")
		}
		cells := []string{r.Cluster, r.Type, onOff(r.Backup, r.Type != ""), onOff(r.PIT, r.Type != ""), window, last, FormatTime(r.NextSnapshot), running, problems}
		if withProject {
			cells = append([]string{r.Project}, cells...)
		}
		t.Add(cells...)
	}
	return t
}

// onOff is on or off; "" when unknown.
func onOff(on, known bool) string {
	switch {
	case !known:
		return ""
	case on:
		return "on"
	}
	return "off"
}

// runningJobs says how many jobs are running: 0, "1 export", "2
// restores", "1 export, 1 restore".
func runningJobs(exports, restores int) string {
	var parts []string
	if exports > 0 {
		parts = append(parts, plural(exports, "export"))
	}
	if restores > 0 {
		parts = append(parts, plural(restores, "restore"))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
