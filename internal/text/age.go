package text

import (
	"fmt"
	"time"
)

// Age writes how old something is in its two largest units, as a person
// says it: 7d, 1d2h, 3h, 2h30m, 45m, to the minute; under a minute, the
// seconds (45s). A negative age (a clock ahead of another) is 0s.
func Age(d time.Duration) string {
	if d < time.Minute-time.Second/2 {
		return fmt.Sprintf("%ds", int64(max(d, 0).Round(time.Second)/time.Second))
	}
	d = d.Round(time.Minute)
	days, hours, mins := int64(d/(24*time.Hour)), int64(d/time.Hour)%24, int64(d/time.Minute)%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case mins > 0 && hours > 0:
		return fmt.Sprintf("%dh%dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}
