package output

import (
	"bytes"
	"testing"
	"time"
)

func TestStatusTable(t *testing.T) {
	last := time.Date(2026, 12, 7, 3, 0, 0, 0, time.FixedZone("CET", 3600))
	next := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	rows := []StatusRow{
		{Project: "ops", Cluster: "orders", Type: "REPLICASET", Backup: true, PIT: true, Read: true, RestoreWindowDays: 7,
			LastSnapshot: &last, LastSnapshotAge: "2h", NextSnapshot: &next, RunningExports: 1, RunningRestores: 2},
		{Project: "ops", Cluster: "billing", Type: "REPLICASET", Backup: true, Read: true, RunningRestores: 1,
			Problems: []string{"point in time is off", "no completed snapshot"}, Error: "500 UNEXPECTED_ERROR"},
		{Project: "ops", Cluster: "legacy", Type: "REPLICASET", Problems: []string{"backup is off"}},
		{Project: "ops", Cluster: "gone", Error: "no such cluster"},
	}
	var out bytes.Buffer
	if err := (tablePrinter{}).Print(&out, Value{Table: StatusTable(rows, true)}); err != nil {
		t.Fatal(err)
	}
	want := `PROJECT   CLUSTER   TYPE         BACKUP   PIT   WINDOW   LAST SNAPSHOT (UTC)            NEXT (UTC)            RUNNING                PROBLEMS
ops       orders    REPLICASET   on       on    7d       2026-12-07 02:00:00 (2h ago)   2026-12-08 03:00:00   1 export, 2 restores   -
ops       billing   REPLICASET   on       off   -        none                           -                     1 restore              point in time is off; no completed snapshot; error: 500 UNEXPECTED_ERROR
ops       legacy    REPLICASET   off      off   -        -                              -                     -                      backup is off
ops       gone      -            -        -     -        -                              -                     -                      error: no such cluster
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	if h := StatusTable(nil, false).Header; h[0] != "CLUSTER" || len(h) != 9 {
		t.Errorf("header without projects: %q", h)
	}
	if got := runningJobs(0, 0); got != "0" {
		t.Errorf("no jobs: %q", got)
	}
}
