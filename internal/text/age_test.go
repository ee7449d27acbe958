package text

import (
	"testing"
	"time"
)

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour:                    "7d",
		26 * time.Hour:                        "1d2h",
		24*time.Hour + 5*time.Minute:          "1d",
		3 * time.Hour:                         "3h",
		2*time.Hour + 30*time.Minute:          "2h30m",
		45 * time.Minute:                      "45m",
		45*time.Minute + 29*time.Second:       "45m",
		59*time.Minute + 50*time.Second:       "1h",
		20 * time.Second:                      "20s",
		59*time.Second + 400*time.Millisecond: "59s",
		59*time.Second + 600*time.Millisecond: "1m",
		0:                                     "0s",
		-time.Hour:                            "0s",
		90*24*time.Hour + 23*time.Minute:      "90d",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%s) = %q, want %q", d, got, want)
		}
	}
}
