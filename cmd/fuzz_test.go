package cmd

// Fuzz targets for the flag → payload code: what validate builds from the
// flag values, and the KEY=VALUE and time parsers it uses. Plain `go test`
// runs the f.Add seeds and testdata/fuzz/<FuzzName>/ as regression cases.

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// The rules of CLI.md ("Validation before anything is sent"), written out
// again here rather than taken from the code under test.
var (
	fuzzIDRule      = regexp.MustCompile(`^[a-f0-9]{24}$`)
	fuzzClusterRule = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
)

const (
	fuzzProjectID = "65f0a1b2c3d4e5f601234567"
	fuzzMinEpoch  = 1199145600 // 2008-01-01T00:00:00Z
)

var fuzzNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// fuzzEntries splits one fuzzed string into repeated flag values. NUL is the
// separator: no command-line argument can hold one.
func fuzzEntries(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// checkUsage asserts that err is a one-line *UsageError naming one of flags.
func checkUsage(t *testing.T, err error, flags ...string) {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("error %T %q: want a *UsageError", err, err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("usage error is not one line: %q", msg)
	}
	for _, f := range flags {
		if strings.Contains(msg, "--"+f) {
			return
		}
	}
	t.Fatalf("usage error names none of the flags %v: %q", flags, msg)
}

// checkLabels asserts that labels are entries, in order, each a non-empty
// KEY before the first "=", and that they survive JSON.
func checkLabels(t *testing.T, entries []string, labels []api.Label) {
	t.Helper()
	if len(labels) != len(entries) {
		t.Fatalf("%d entries gave %d labels: %q → %+v", len(entries), len(labels), entries, labels)
	}
	for i, l := range labels {
		if l.Key == "" || strings.Contains(l.Key, "=") {
			t.Fatalf("entry %q gave key %q", entries[i], l.Key)
		}
		if l.Key+"="+l.Value != entries[i] {
			t.Fatalf("entry %d %q gave %q=%q: joined again it differs", i, entries[i], l.Key, l.Value)
		}
	}
	raw, err := json.Marshal(labels)
	if err != nil {
		t.Fatalf("labels do not marshal: %v", err)
	}
	var back []api.Label
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("labels marshal to %s, which does not unmarshal: %v", raw, err)
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD, so only valid text
	// comes back byte for byte.
	if utf8.ValidString(strings.Join(entries, "")) && len(labels) > 0 && !reflect.DeepEqual(back, labels) {
		t.Fatalf("labels changed through JSON: %+v → %s → %+v", labels, raw, back)
	}
}

var exportFlags = []string{"cluster", "snapshot-id", "bucket-id", "custom-data"}

func FuzzExportCreateValidate(f *testing.F) {
	f.Add("demo", "latest", "demo-export-bucket", "team=payments\x00ticket=OPS-12")
	f.Add("Cluster0", "65f0e0e0d0e0000000000001", "65f0b0c0d0e0f00000000001", "")
	f.Add("my_db", "latest", "b", "")
	f.Add("demo", "65F0E0E0D0E0000000000001", "demo-export-bucket", "")
	f.Add("demo", "latest", "demo-export-bucket", "=value\x00k=v")
	f.Add("demo", "latest", "demo-export-bucket", "path=a=b\x00empty=")
	f.Fuzz(func(t *testing.T, cluster, snapshotID, bucketID, customData string) {
		o := &ExportCreateOptions{apiScope: apiScope{ProjectID: fuzzProjectID}, Clusters: []string{cluster}, SnapshotID: snapshotID,
			BucketID: bucketID, CustomData: fuzzEntries(customData), Parallel: 4}
		if err := o.check(); err != nil {
			checkUsage(t, err, exportFlags...)
			return
		}
		if len(o.Clusters) != 1 || !fuzzClusterRule.MatchString(o.Clusters[0]) {
			t.Fatalf("accepted --cluster %q", o.Clusters)
		}
		if o.SnapshotID != api.Latest && !fuzzIDRule.MatchString(o.SnapshotID) {
			t.Fatalf("accepted --snapshot-id %q", o.SnapshotID)
		}
		if !fuzzIDRule.MatchString(o.BucketID) && (len(o.BucketID) < 3 || len(o.BucketID) > 63) {
			t.Fatalf("accepted --bucket-id %q: neither an ID nor a bucket name of 3 to 63 characters", o.BucketID)
		}
		checkLabels(t, o.CustomData, o.labels)
		req := api.ExportRequest{SnapshotID: o.SnapshotID, ExportBucketID: o.BucketID, CustomData: o.labels}
		if _, err := json.Marshal(req); err != nil {
			t.Fatalf("request does not marshal: %v", err)
		}
	})
}

var restoreFlags = []string{"cluster", "delivery-type", "snapshot-id", "target-cluster", "target-project-id",
	"point-in-time", "oplog-ts", "oplog-inc"}

func FuzzRestoreCreateValidate(f *testing.F) {
	f.Add("demo", "download", "latest", "", "", "", "", "")
	f.Add("demo", "automated", "65f0e0e0d0e0000000000001", "staging", "65f0a1b2c3d4e5f601234568", "", "", "")
	f.Add("demo", "automated", "latest", "staging", "", "", "", "")
	f.Add("demo", "pointInTime", "", "demo", "", "2026-11-24T09:30:00Z", "", "")
	f.Add("demo", "pointInTime", "", "demo", "", "1700000000", "", "")
	f.Add("demo", "pointInTime", "", "demo", "", "", "1700000000", "1")
	f.Add("demo", "pointInTime", "", "demo", "", "", "1700000000", "0")
	f.Add("demo", "pointInTime", "latest", "demo", "", "1700000000", "1700000000", "1")
	f.Add("demo", "download", "latest", "staging", "", "1700000000", "", "")
	f.Add("demo", "PointInTime", "", "demo", "", "1199145599", "", "")
	f.Fuzz(func(t *testing.T, cluster, deliveryType, snapshotID, targetCluster, targetProjectID, pointInTime, oplogTs, oplogInc string) {
		given := map[string]bool{
			"cluster": cluster != "", "delivery-type": deliveryType != "", "snapshot-id": snapshotID != "",
			"target-cluster": targetCluster != "", "target-project-id": targetProjectID != "",
			"point-in-time": pointInTime != "", "oplog-ts": oplogTs != "", "oplog-inc": oplogInc != "",
			// Not a collection-level restore.
			"collection": false, "database": false, "write-strategy": false, "index-strategy": false,
			"database-suffix": false, "collection-suffix": false,
		}
		var ts, inc int64
		if oplogTs != "" {
			var err error
			if ts, err = strconv.ParseInt(oplogTs, 0, 64); err != nil {
				t.Skip("pflag refuses a non-integer --oplog-ts before validate runs")
			}
		}
		if oplogInc != "" {
			var err error
			if inc, err = strconv.ParseInt(oplogInc, 0, 64); err != nil {
				t.Skip("pflag refuses a non-integer --oplog-inc before validate runs")
			}
		}
		o := &RestoreCreateOptions{
			Now:      func() time.Time { return fuzzNow },
			apiScope: apiScope{ProjectID: fuzzProjectID}, Cluster: cluster, DeliveryType: deliveryType, SnapshotID: snapshotID,
			TargetCluster: targetCluster, TargetProjectID: targetProjectID,
			PointInTime: pointInTime, OplogTs: ts, OplogInc: inc,
			set: func(name string) bool {
				g, ok := given[name]
				if !ok {
					t.Fatalf("validate asked about an unknown flag %q", name)
				}
				return g
			},
		}
		if err := o.check(); err != nil {
			checkUsage(t, err, restoreFlags...)
			return
		}
		r := o.request
		if !fuzzClusterRule.MatchString(cluster) {
			t.Fatalf("accepted --cluster %q", cluster)
		}
		if r.DeliveryType != deliveryType {
			t.Fatalf("deliveryType %q from --delivery-type %q", r.DeliveryType, deliveryType)
		}
		gave := func(names ...string) bool { return slices.ContainsFunc(names, func(n string) bool { return given[n] }) }
		checkTarget := func() {
			want := targetProjectID
			if want == "" {
				want = fuzzProjectID
			}
			if r.TargetClusterName != targetCluster || !fuzzClusterRule.MatchString(r.TargetClusterName) {
				t.Fatalf("targetClusterName %q from --target-cluster %q", r.TargetClusterName, targetCluster)
			}
			if r.TargetGroupID != want || !fuzzIDRule.MatchString(r.TargetGroupID) {
				t.Fatalf("targetGroupId %q from --target-project-id %q", r.TargetGroupID, targetProjectID)
			}
		}
		switch deliveryType {
		case api.DeliveryAutomated, api.DeliveryDownload:
			if r.SnapshotID != snapshotID || (r.SnapshotID != api.Latest && !fuzzIDRule.MatchString(r.SnapshotID)) {
				t.Fatalf("snapshotId %q from --snapshot-id %q", r.SnapshotID, snapshotID)
			}
			if gave("point-in-time", "oplog-ts", "oplog-inc") || r.PointInTimeUTCSeconds != 0 || r.OplogTs != 0 || r.OplogInc != 0 {
				t.Fatalf("%s restore accepted point-in-time flags: %+v", deliveryType, r)
			}
			if deliveryType == api.DeliveryDownload {
				if gave("target-cluster", "target-project-id") || r.TargetClusterName != "" || r.TargetGroupID != "" {
					t.Fatalf("download restore accepted target flags: %+v", r)
				}
			} else {
				checkTarget()
			}
		case api.DeliveryPointInTime:
			if gave("snapshot-id") || r.SnapshotID != "" {
				t.Fatalf("pointInTime restore accepted --snapshot-id: %+v", r)
			}
			checkTarget()
			byTime := r.PointInTimeUTCSeconds != 0
			byOplog := r.OplogTs != 0 || r.OplogInc != 0
			if byTime == byOplog {
				t.Fatalf("pointInTime restore needs exactly one of pointInTime or oplog: %+v", r)
			}
			secs := r.PointInTimeUTCSeconds
			if byOplog {
				secs = r.OplogTs
				if gave("point-in-time") || !gave("oplog-ts") || !gave("oplog-inc") {
					t.Fatalf("oplog restore from flags %v: %+v", given, r)
				}
				if r.OplogInc < 1 || r.OplogInc != inc {
					t.Fatalf("oplogInc %d from --oplog-inc %q", r.OplogInc, oplogInc)
				}
			} else if gave("oplog-ts", "oplog-inc") {
				t.Fatalf("point-in-time restore from flags %v: %+v", given, r)
			}
			if secs < fuzzMinEpoch || secs > fuzzNow.Unix() {
				t.Fatalf("time %d is before 2008 or after now (%d)", secs, fuzzNow.Unix())
			}
		default:
			t.Fatalf("accepted --delivery-type %q", deliveryType)
		}
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("request does not marshal: %v", err)
		}
		var back api.RestoreRequest
		if err := json.Unmarshal(raw, &back); err != nil || back != r {
			t.Fatalf("request changed through JSON: %+v → %s → %+v (%v)", r, raw, back, err)
		}
	})
}

func FuzzParseCustomData(f *testing.F) {
	f.Add("team=payments\x00ticket=OPS-12")
	f.Add("k=")
	f.Add("=v")
	f.Add("noequals")
	f.Add("url=https://example.com/?a=b&c=d")
	f.Add("ключ=значение\x00emoji=🙂")
	f.Fuzz(func(t *testing.T, s string) {
		entries := fuzzEntries(s)
		labels, err := parseCustomData(entries)
		if err != nil {
			checkUsage(t, err, "custom-data")
			for _, e := range entries {
				if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
					return
				}
			}
			t.Fatalf("refused %q, though every entry is KEY=VALUE with a KEY: %v", entries, err)
		}
		checkLabels(t, entries, labels)
	})
}

func FuzzParseTime(f *testing.F) {
	f.Add("1700000000")
	f.Add("2026-11-24T09:30:00Z")
	f.Add("2026-11-24T10:30:00+01:00")
	f.Add("2026-11-24T12:00:00.999999999Z")
	f.Add("2026-11-24T12:00:01Z")
	f.Add("1199145599")
	f.Add("1199145600")
	f.Add("+1700000000")
	f.Add("-1")
	f.Add("99999999999999999999")
	f.Add("2008-01-01T00:00:00Z")
	f.Add("yesterday")
	f.Fuzz(func(t *testing.T, value string) {
		secs, err := parseTime("point-in-time", value, fuzzNow)
		if err != nil {
			checkUsage(t, err, "point-in-time")
			return
		}
		if secs < fuzzMinEpoch || secs > fuzzNow.Unix() {
			t.Fatalf("parseTime(%q) = %d: before 2008 or after now (%d)", value, secs, fuzzNow.Unix())
		}
		// The same instant, to the second, as the input says.
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			if n != secs {
				t.Fatalf("parseTime(%q) = %d", value, secs)
			}
		} else if tm, err := time.Parse(time.RFC3339, value); err != nil {
			t.Fatalf("parseTime accepted %q, which is neither Unix seconds nor RFC 3339", value)
		} else if tm.Unix() != secs {
			t.Fatalf("parseTime(%q) = %d, want %d", value, secs, tm.Unix())
		}
		// Formatted back, either way, it parses to the same value.
		for _, back := range []string{strconv.FormatInt(secs, 10), time.Unix(secs, 0).UTC().Format(time.RFC3339)} {
			if again, err := parseTime("point-in-time", back, fuzzNow); err != nil || again != secs {
				t.Fatalf("parseTime(%q) = %d, but parseTime(%q) = %d, %v", value, secs, back, again, err)
			}
		}
	})
}
