package cmd

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// The patterns the API states, checked before anything is sent.
var (
	idPattern      = api.IDPattern
	clusterPattern = api.ClusterNamePattern
)

// legacyFlagNames maps the official atlas CLI's camelCase spellings to ours,
// so old scripts keep working. They are accepted but never shown in help.
var legacyFlagNames = map[string]string{
	"projectId":             "project-id",
	"clusterName":           "cluster",
	"snapshotId":            "snapshot-id",
	"bucketId":              "bucket-id",
	"exportBucketId":        "bucket-id",
	"deliveryType":          "delivery-type",
	"targetClusterName":     "target-cluster",
	"targetProjectId":       "target-project-id",
	"pointInTimeUTCSeconds": "point-in-time",
	"oplogTs":               "oplog-ts",
	"oplogInc":              "oplog-inc",
}

// normalizeFlagName applies legacyFlagNames; set on the root, it reaches
// every command.
func normalizeFlagName(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if n, ok := legacyFlagNames[name]; ok {
		return pflag.NormalizedName(n)
	}
	return pflag.NormalizedName(name)
}

// nameList is a flag that takes several names: repeated, comma-separated,
// or one per line, so that --cluster "$(cat clusters.txt)" reads the whole
// file. (pflag's StringSlice reads its value as one CSV record: it stops at
// the first newline and drops every line after it.) Blanks around a name
// and empty items (a trailing newline, a blank line, a CRLF's CR) are
// dropped; any other item is kept, for the validation to accept or refuse
// by name.
type nameList struct {
	names *[]string
	set   bool // given at least once: later values add to it
}

func newNameList(names *[]string) *nameList { return &nameList{names: names} }

func (l *nameList) Set(value string) error {
	items := splitNames(value)
	if !l.set {
		*l.names = items
	} else {
		*l.names = append(*l.names, items...)
	}
	l.set = true
	return nil
}

// Type is the name help shows, as for a StringSlice.
func (l *nameList) Type() string { return "strings" }

// String is "" for no names, so that help shows no default.
func (l *nameList) String() string {
	if len(*l.names) == 0 {
		return ""
	}
	return "[" + strings.Join(*l.names, ",") + "]"
}

// Append, Replace and GetSlice make it a pflag.SliceValue, as a StringSlice
// is.
func (l *nameList) Append(value string) error {
	*l.names = append(*l.names, splitNames(value)...)
	return nil
}

func (l *nameList) Replace(values []string) error {
	var names []string
	for _, v := range values {
		names = append(names, splitNames(v)...)
	}
	*l.names = names
	return nil
}

func (l *nameList) GetSlice() []string { return *l.names }

// splitNames splits a value on commas and line breaks, trims blanks, and
// drops empty items.
func splitNames(value string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == '\n' }) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// checkID checks a 24-hex ID flag value.
func checkID(flag, value string) error {
	if !idPattern().MatchString(value) {
		return usageErrorf("--%s %q: must be a 24-character hexadecimal ID (^[a-f0-9]{24}$)", flag, value)
	}
	return nil
}

// checkCluster checks a cluster name flag value.
func checkCluster(flag, value string) error {
	if value == "" {
		return usageErrorf("--%s is required", flag)
	}
	if !clusterPattern().MatchString(value) {
		return usageErrorf("--%s %q: must match ^[a-zA-Z0-9][a-zA-Z0-9-]*$ (letters, digits and hyphens, not starting with a hyphen)", flag, value)
	}
	return nil
}

// checkProject checks the project ID, which may come from the flag, the
// environment or the config file: origin names which (config.Origin).
func checkProject(origin, value string) error {
	if value == "" {
		return usageErrorf("--project-id is required (or set MONGODB_ATLAS_PROJECT_ID, or project_id in the config file)")
	}
	if !idPattern().MatchString(value) {
		if origin == "" || strings.HasPrefix(origin, "--") {
			origin = "--project-id"
		} else {
			origin = "project ID from " + origin
		}
		return usageErrorf("%s %q: must be a 24-character hexadecimal ID (^[a-f0-9]{24}$)", origin, value)
	}
	return nil
}

// checkSnapshot checks a --snapshot-id value: an ID or "latest".
func checkSnapshot(value string) error {
	if value == api.Latest || value == api.NewSnapshot {
		return nil
	}
	if !idPattern().MatchString(value) {
		return usageErrorf("--snapshot-id %q: must be a 24-character hexadecimal ID (^[a-f0-9]{24}$), latest, or new (an on-demand snapshot taken first)", value)
	}
	return nil
}

// parseCustomData reads repeated KEY=VALUE entries, in order.
func parseCustomData(entries []string) ([]api.Label, error) {
	var out []api.Label
	for _, e := range entries {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--custom-data %q: must be KEY=VALUE with a non-empty KEY", e)
		}
		out = append(out, api.Label{Key: k, Value: v})
	}
	return out, nil
}

// minEpoch is the earliest time Atlas accepts: 2008-01-01T00:00:00Z.
const minEpoch = 1199145600

// parseTime reads a point in time: Unix seconds, an RFC 3339 time with Z
// or an offset, or a time relative to now (-90m, -2h, -1d12h). It must be
// from 2008 on and not in the future. A time without a zone, and a number
// of milliseconds, are refused with what to write instead.
func parseTime(flag, value string, now time.Time) (int64, error) {
	var secs int64
	switch {
	case strings.HasPrefix(value, "-"):
		d, err := parseDuration(value[1:])
		if err != nil || d <= 0 {
			return 0, usageErrorf("--%s %q: a time relative to now is a minus sign and a duration of s, m, h and d units, such as -90m, -2h or -1d12h", flag, value)
		}
		secs = now.Add(-d).Unix()
	case value != "" && strings.Trim(value, "0123456789") == "":
		if len(value) == 13 {
			return 0, usageErrorf("--%s %s: looks like milliseconds since the epoch; give seconds (%s) or an RFC 3339 time such as 2026-11-24T10:00:00Z",
				flag, value, value[:len(value)-3])
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return 0, usageErrorf("--%s %s: not a number of seconds", flag, value)
		}
		secs = n
	default:
		t, err := time.Parse(time.RFC3339, value)
		if err != nil {
			if _, zerr := time.Parse("2006-01-02T15:04:05", strings.Replace(value, " ", "T", 1)); zerr == nil {
				return 0, usageErrorf("--%s %q: has no time zone; add Z for UTC (%sZ) or an offset such as +01:00", flag, value, strings.Replace(value, " ", "T", 1))
			}
			return 0, usageErrorf("--%s %q: must be Unix seconds, an RFC 3339 time such as 2026-11-24T10:00:00Z, or a time relative to now such as -90m or -1d12h", flag, value)
		}
		secs = t.Unix()
	}
	return secs, checkEpoch("--"+flag, strconv.Quote(value), secs, now)
}

// maxDuration is the longest duration parseDuration reads: a century, far
// past any restore window or snapshot age, and far from overflowing.
const maxDuration = 100 * 365 * 24 * time.Hour

// parseDuration reads a duration of s, m, h and d (24h) units, such as
// 90m, 26h or 1d12h, of at most a century.
func parseDuration(s string) (time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	var total time.Duration
	for s != "" {
		n := len(s) - len(strings.TrimLeft(s, "0123456789"))
		if n == 0 || n == len(s) || n > 9 {
			return 0, fmt.Errorf("%q: a number, then a unit (s, m, h or d)", s)
		}
		unit, ok := units[s[n]]
		if !ok {
			return 0, fmt.Errorf("%q: unknown unit %q (s, m, h or d)", s, s[n])
		}
		v, _ := strconv.Atoi(s[:n]) // at most 9 digits
		if time.Duration(v) > (maxDuration-total)/unit {
			return 0, fmt.Errorf("more than a century")
		}
		total += time.Duration(v) * unit
		s = s[n+1:]
	}
	return total, nil
}

// checkEpoch checks a time in Unix seconds: from 2008 on, not in the
// future. The message names flag and the value as shown.
func checkEpoch(flag, shown string, secs int64, now time.Time) error {
	if secs < minEpoch {
		return usageErrorf("%s %s: must be %d (2008-01-01T00:00:00Z) or later", flag, shown, minEpoch)
	}
	if secs > now.Unix() {
		return usageErrorf("%s %s: is in the future (now is %s)", flag, shown, now.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkClusters checks --cluster's names, and drops the repeats (the
// first of each kept, in order).
func checkClusters(names []string) ([]string, error) {
	var clusters []string
	for _, c := range names {
		if err := checkCluster("cluster", c); err != nil {
			return nil, err
		}
		if !slices.Contains(clusters, c) {
			clusters = append(clusters, c)
		}
	}
	return clusters, nil
}

// checkParallel checks --parallel: requests in flight at once, 1 to 32.
func checkParallel(n int) error {
	if n < 1 || n > 32 {
		return usageErrorf("--parallel %d: must be from 1 to 32", n)
	}
	return nil
}
