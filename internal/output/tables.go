package output

import (
	"fmt"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/download"
)

// Column definitions for the table printer, one pair per resource: a list
// form and a single-object form (a one-row table). Missing values print as
// "-"; times print as "2006-01-02 15:04:05" in UTC, under a header that says
// so (CREATED (UTC)), whatever the local time zone.

// The headers of time columns.
const (
	createdUTC  = "CREATED (UTC)"
	finishedUTC = "FINISHED (UTC)"
)

// ExportJobsTable shows export jobs as ID, STATE, PROGRESS (exported/total
// collections), CREATED (UTC) and FINISHED (UTC).
func ExportJobsTable(jobs []api.ExportJob) *Table {
	t := &Table{Header: []string{"ID", "STATE", "PROGRESS", createdUTC, finishedUTC}}
	for _, j := range jobs {
		progress := "-" // also while Atlas has not counted the collections (0/0)
		if s := j.ExportStatus; s != nil && s.TotalCollections > 0 {
			progress = fmt.Sprintf("%d/%d", s.ExportedCollections, s.TotalCollections)
		}
		t.Rows = append(t.Rows, []string{j.ID, j.State, progress, FormatTime(j.CreatedAt), FormatTime(j.FinishedAt)})
	}
	return t
}

// ExportJobTable is ExportJobsTable for one job.
func ExportJobTable(j api.ExportJob) *Table { return ExportJobsTable([]api.ExportJob{j}) }

// RestoreJobsTable shows restore jobs as ID, TYPE, STATUS (RestoreJob.Status),
// SNAPSHOT, TARGET (RestoreJob.Target, relative to projectID, the project
// the jobs were listed in; "-" for a download, which has no target) and
// FINISHED (UTC). Atlas records no creation time for a restore job (its
// timestamp is the snapshot's time), so there is no CREATED column. SNAPSHOT
// is "-" for point-in-time restores without a snapshot ID.
func RestoreJobsTable(jobs []api.RestoreJob, projectID string) *Table {
	t := &Table{Header: []string{"ID", "TYPE", "STATUS", "SNAPSHOT", "TARGET", finishedUTC}}
	for i := range jobs {
		j := &jobs[i]
		target := "-"
		if j.DeliveryType != api.DeliveryDownload && j.TargetClusterName != "" {
			target = j.Target(projectID)
		}
		t.Rows = append(t.Rows, []string{j.ID, j.DeliveryType, j.Status(), orDash(j.SnapshotID), target, FormatTime(j.FinishedAt)})
	}
	return t
}

// RestoreJobTable is RestoreJobsTable for one job.
func RestoreJobTable(j api.RestoreJob, projectID string) *Table {
	return RestoreJobsTable([]api.RestoreJob{j}, projectID)
}

// SnapshotsTable shows snapshots as ID, STATUS, TYPE (snapshotType), CREATED
// (UTC) and SIZE (storageSizeBytes in binary units, e.g. 26.2 GiB; "-" for
// a Flex snapshot, whose size Atlas does not give).
func SnapshotsTable(snapshots []api.Snapshot) *Table {
	t := &Table{Header: []string{"ID", "STATUS", "TYPE", createdUTC, "SIZE"}}
	for _, s := range snapshots {
		size := "-"
		if !s.Flex {
			size = formatSize(s.StorageSizeBytes)
		}
		t.Rows = append(t.Rows, []string{s.ID, s.Status, s.SnapshotType, FormatTime(s.CreatedAt), size})
	}
	return t
}

// SnapshotTable is SnapshotsTable for one snapshot.
func SnapshotTable(s api.Snapshot) *Table { return SnapshotsTable([]api.Snapshot{s}) }

// BucketsTable shows export buckets as ID, NAME and PROVIDER.
func BucketsTable(buckets []api.Bucket) *Table {
	t := &Table{Header: []string{"ID", "NAME", "PROVIDER"}}
	for _, b := range buckets {
		t.Rows = append(t.Rows, []string{b.ID, b.BucketName, b.CloudProvider})
	}
	return t
}

// FormatTime writes a time as the tables do: UTC, to the second, or "-".
func FormatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateTime)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// formatSize writes a byte count in binary units with one decimal: 512 B,
// 1.5 KiB, 26.2 GiB.
func formatSize(n int64) string { return download.Size(n) }

// DownloadsTable is the report of restore download: FILE, SIZE, SHARD and
// RESULT, one row a file (Table.Add).
func DownloadsTable() *Table { return &Table{Header: []string{"FILE", "SIZE", "SHARD", "RESULT"}} }

// Add appends a row; empty cells print as "-".
func (t *Table) Add(cells ...string) {
	for i, c := range cells {
		cells[i] = orDash(c)
	}
	t.Rows = append(t.Rows, cells)
}

// ClustersTable shows clusters as NAME, TYPE, STATE, BACKUP (on or off) and
// VERSION.
func ClustersTable(clusters []api.Cluster) *Table {
	t := &Table{Header: []string{"NAME", "TYPE", "STATE", "BACKUP", "VERSION"}}
	for _, c := range clusters {
		backup := "off"
		if c.BackupEnabled {
			backup = "on"
		}
		t.Add(c.Name, c.ClusterType, c.StateName, backup, c.MongoDBVersion)
	}
	return t
}

// FleetExportsTable is the report of an export of several clusters:
// CLUSTER, then the export job's columns, then ERROR (Table.Add a row).
func FleetExportsTable() *Table {
	return &Table{Header: []string{"CLUSTER", "ID", "STATE", "PROGRESS", createdUTC, finishedUTC, "ERROR"}}
}

// CollectionRestoreJobsTable shows collection restore jobs as ID, STATE
// (the API's own value, e.g. IN_PROGRESS), PROGRESS (restored/total
// documents; "-" before Atlas has counted any), NAMESPACES (the databases
// and collections requested), TARGET (the target cluster, as
// project/cluster when it is in another project than projectID), CREATED
// (UTC) and FINISHED (UTC).
func CollectionRestoreJobsTable(jobs []api.CollectionRestoreJob, projectID string) *Table {
	t := &Table{Header: []string{"ID", "STATE", "PROGRESS", "NAMESPACES", "TARGET", createdUTC, finishedUTC}}
	for i := range jobs {
		j := &jobs[i]
		progress := "-"
		if j.TotalDocuments > 0 || j.RestoredDocuments > 0 {
			progress = fmt.Sprintf("%d/%d", j.RestoredDocuments, j.TotalDocuments)
		}
		t.Add(j.ID, j.State, progress, fmt.Sprint(j.Namespaces()), j.Target(projectID), FormatTime(j.CreatedAt), FormatTime(j.FinishedAt))
	}
	return t
}

// CollectionRestoreJobTable is CollectionRestoreJobsTable for one job.
func CollectionRestoreJobTable(j api.CollectionRestoreJob, projectID string) *Table {
	return CollectionRestoreJobsTable([]api.CollectionRestoreJob{j}, projectID)
}

// CollectionStatesTable shows what became of each collection of a
// collection restore job: SOURCE, TARGET (where it was really restored:
// the effectiveTargetNamespace when Atlas gives one, else the
// targetNamespace), STATE, DOCUMENTS (restored/total) and INDEXES (the
// index build's state).
func CollectionStatesTable(states []api.CollectionState) *Table {
	t := &Table{Header: []string{"SOURCE", "TARGET", "STATE", "DOCUMENTS", "INDEXES"}}
	for i := range states {
		s := &states[i]
		indexes := ""
		if s.IndexStatus != nil {
			indexes = s.IndexStatus.State
		}
		t.Add(s.SourceNamespace, s.Target(), s.State, fmt.Sprintf("%d/%d", s.RestoredDocuments, s.TotalDocuments), indexes)
	}
	return t
}

// NamesTable shows what a snapshot holds (its databases, or a database's
// collections) as NAME.
func NamesTable(names []string) *Table {
	t := &Table{Header: []string{"NAME"}}
	for _, n := range names {
		t.Add(n)
	}
	return t
}
