package cmd

// --point-in-time as the user writes it (parseTime) and the durations of
// its relative form (parseDuration), against a fixed now.

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// timeNow is the now of these tests: 2026-12-07T10:00:00Z.
var timeNow = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func TestParseTime(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value string
		want  time.Time
	}{
		{"1796635200", time.Date(2026, 12, 7, 9, 20, 0, 0, time.UTC)},
		{"1199145600", time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)}, // the earliest Atlas takes
		{"2026-12-07T09:30:00Z", time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)},
		{"2026-12-07T10:00:00Z", timeNow}, // now is not the future
		{"2026-12-07T09:30:00+01:00", time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)},
		{"2026-12-07T04:30:00-05:30", time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)},
		{"2026-12-07T09:30:00.9Z", time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)}, // whole seconds
		{"-90m", timeNow.Add(-90 * time.Minute)},
		{"-2h", timeNow.Add(-2 * time.Hour)},
		{"-1d12h", timeNow.Add(-36 * time.Hour)},
		{"-45s", timeNow.Add(-45 * time.Second)},
		{"-1h30m15s", timeNow.Add(-(time.Hour + 30*time.Minute + 15*time.Second))},
		{"-7d", timeNow.Add(-7 * 24 * time.Hour)},
	} {
		got, err := parseTime("point-in-time", tt.value, timeNow)
		if err != nil || got != tt.want.Unix() {
			t.Errorf("parseTime(%q) = %d (%s), %v; want %d (%s)", tt.value, got, time.Unix(got, 0).UTC(), err, tt.want.Unix(), tt.want)
		}
	}
}

// Each refusal is a usage error (exit 2) naming the flag and the value,
// and saying what to write instead.
func TestParseTimeRefused(t *testing.T) {
	t.Parallel()
	const relative = `a time relative to now is a minus sign and a duration of s, m, h and d units, such as -90m, -2h or -1d12h`
	for _, tt := range []struct {
		value string
		want  string // the whole message
	}{
		{"2026-12-07T09:30:00", `--point-in-time "2026-12-07T09:30:00": has no time zone; add Z for UTC (2026-12-07T09:30:00Z) or an offset such as +01:00`},
		{"2026-12-07 09:30:00", `--point-in-time "2026-12-07 09:30:00": has no time zone; add Z for UTC (2026-12-07T09:30:00Z) or an offset such as +01:00`},
		{"1796637600000", `--point-in-time 1796637600000: looks like milliseconds since the epoch; give seconds (1796637600) or an RFC 3339 time such as 2026-11-24T10:00:00Z`},
		{"-0m", `--point-in-time "-0m": ` + relative},
		{"-1x", `--point-in-time "-1x": ` + relative},
		{"-", `--point-in-time "-": ` + relative},
		{"--", `--point-in-time "--": ` + relative},
		{"-90", `--point-in-time "-90": ` + relative},
		{"-m", `--point-in-time "-m": ` + relative},
		{"-1h-30m", `--point-in-time "-1h-30m": ` + relative},
		{"-1234567890d", `--point-in-time "-1234567890d": ` + relative},
		{"2026-12-07T10:00:01Z", `--point-in-time "2026-12-07T10:00:01Z": is in the future (now is 2026-12-07T10:00:00Z)`},
		{"1796637601", `--point-in-time "1796637601": is in the future (now is 2026-12-07T10:00:00Z)`},
		{"2007-12-31T23:59:59Z", `--point-in-time "2007-12-31T23:59:59Z": must be 1199145600 (2008-01-01T00:00:00Z) or later`},
		{"1199145599", `--point-in-time "1199145599": must be 1199145600 (2008-01-01T00:00:00Z) or later`},
		{"0", `--point-in-time "0": must be 1199145600 (2008-01-01T00:00:00Z) or later`},
		{"-7000d", `--point-in-time "-7000d": must be 1199145600 (2008-01-01T00:00:00Z) or later`},
		{"yesterday", `--point-in-time "yesterday": must be Unix seconds, an RFC 3339 time such as 2026-11-24T10:00:00Z, or a time relative to now such as -90m or -1d12h`},
		{"", `--point-in-time "": must be Unix seconds, an RFC 3339 time such as 2026-11-24T10:00:00Z, or a time relative to now such as -90m or -1d12h`},
		{"+90m", `--point-in-time "+90m": must be Unix seconds, an RFC 3339 time such as 2026-11-24T10:00:00Z, or a time relative to now such as -90m or -1d12h`},
	} {
		got, err := parseTime("point-in-time", tt.value, timeNow)
		var usage *UsageError
		if !errors.As(err, &usage) {
			t.Errorf("parseTime(%q) = %d, %v: want a usage error", tt.value, got, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("parseTime(%q):\n got %s\nwant %s", tt.value, err, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value string
		want  time.Duration
		err   string // in the error; "" when accepted
	}{
		{"90m", 90 * time.Minute, ""},
		{"2h", 2 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"45s", 45 * time.Second, ""},
		{"26h", 26 * time.Hour, ""},
		{"2d", 48 * time.Hour, ""},
		{"1h1m1s", time.Hour + time.Minute + time.Second, ""},
		{"0m", 0, ""}, // a duration of nothing; parseTime refuses it as a time
		{"1d1d", 48 * time.Hour, ""},
		{"", 0, "empty"},
		{"1", 0, "a number, then a unit"},
		{"m", 0, "a number, then a unit"},
		{"1x", 0, `unknown unit 'x'`},
		{"1H", 0, `unknown unit 'H'`},
		{"1.5h", 0, `unknown unit '.'`},
		{"1h30", 0, "a number, then a unit"},
		{"-1h", 0, "a number, then a unit"},
		{"1234567890s", 0, "a number, then a unit"}, // at most 9 digits: no overflow
	} {
		got, err := parseDuration(tt.value)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("parseDuration(%q) = %s, %v; want %s", tt.value, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseDuration(%q) = %s, %v; want an error saying %q", tt.value, got, err, tt.err)
		}
	}
}
