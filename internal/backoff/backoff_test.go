package backoff

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffFullJitter(t *testing.T) {
	for n := 1; n <= 8; n++ {
		bound := min(Cap, Base<<(n-1))
		var most time.Duration
		for range 200 {
			d := Delay(n, nil)
			if d < 0 || d > bound {
				t.Fatalf("retry %d: waited %s, want 0 to %s", n, d, bound)
			}
			most = max(most, d)
		}
		if most < bound/2 { // 200 draws all in the lower half: 2^-200
			t.Errorf("retry %d: the longest of 200 waits was %s, of at most %s: no jitter over the whole range", n, most, bound)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{"Tue, 01 Dec 2026 10:00:07 GMT", 7 * time.Second, true},
		{"Tue, 01 Dec 2026 09:59:00 GMT", 0, true}, // in the past: at once
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		resp := &http.Response{Header: http.Header{}}
		if tt.header != "" {
			resp.Header.Set("Retry-After", tt.header)
		}
		got, ok := RetryAfter(resp, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Retry-After %q: got %s %v, want %s %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
	if d, ok := RetryAfter(nil, now); ok || d != 0 {
		t.Errorf("no answer: %s %v", d, ok)
	}
	// A Retry-After wins over the backoff.
	resp := &http.Response{Header: http.Header{"Retry-After": {"2"}}}
	if d := Delay(5, resp); d != 2*time.Second {
		t.Errorf("backoff with Retry-After 2: %s", d)
	}
}

func TestRound(t *testing.T) {
	for d, want := range map[time.Duration]string{
		2 * time.Second:         "2s",
		1540 * time.Millisecond: "1.5s",
		350 * time.Millisecond:  "350ms",
		0:                       "0s",
	} {
		if got := Round(d); got != want {
			t.Errorf("Round(%s) = %q, want %q", d, got, want)
		}
	}
}
