// Package backoff holds the arithmetic of waiting between attempts, shared
// by the API client's retry policy and the archive downloader: capped
// exponential backoff with full jitter, and Retry-After.
package backoff

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// The backoff's first bound and its cap.
const (
	Base = time.Second
	Cap  = 30 * time.Second
)

// Budget is the most time spent waiting between the attempts of one
// request (or one archive), however long the server asks for.
const Budget = 2 * time.Minute

// Delay is the wait before retry n (from 1): the answer's Retry-After when
// it has one, else a random time up to min(Cap, Base·2ⁿ⁻¹) (full jitter).
func Delay(n int, resp *http.Response) time.Duration {
	if d, ok := RetryAfter(resp, time.Now()); ok {
		return d
	}
	return rand.N(min(Cap, Base<<min(max(n-1, 0), 16)) + 1)
}

// RetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func RetryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, 1<<20)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Round shows a wait as a person reads it: 2s, 1.5s, 350ms.
func Round(d time.Duration) string {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// Sleep waits d, or until done is closed; it reports whether the whole wait
// passed.
func Sleep(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}
