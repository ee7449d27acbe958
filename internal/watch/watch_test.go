package watch

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Every test that waits runs inside a synctest bubble: time.Now and timers
// are fake and advance only when every goroutine in the bubble is blocked, so
// nothing sleeps for real and durations can be compared exactly. The bubble
// also fails the test if Poll leaves a goroutine blocked behind it.

// job is one observation. N is the index of the Fetch call that made it, so
// a test can tell which observation Poll returned.
type job struct {
	State string
	N     int
}

var (
	errTransient = errors.New("503 Service Unavailable")
	errFatal     = errors.New("404 Not Found")
	errUnknown   = errors.New("unknown state")
	errSignal    = errors.New("interrupted by SIGINT")
)

// judgeExport is an export job's judge: Queued/InProgress pending,
// Successful a good end, Failed/Cancelled a bad one, anything else an error.
func judgeExport(j job) (State, error) {
	switch j.State {
	case "Queued", "InProgress":
		return State{Label: j.State}, nil
	case "Successful":
		return State{Label: j.State, Done: true, OK: true}, nil
	case "Failed", "Cancelled":
		return State{Label: j.State, Done: true}, nil
	}
	return State{Label: j.State}, fmt.Errorf("%w %q", errUnknown, j.State)
}

func isTransient(err error) bool { return errors.Is(err, errTransient) }

// step is one scripted answer of Fetch: a state, or an error, or (block) a
// Fetch that waits until its context is done, like a request in flight.
type step struct {
	state string
	err   error
	block bool
}

func st(state string) step { return step{state: state} }
func fail(err error) step  { return step{err: err} }

// script drives Fetch from a fixed sequence (Terraform's state_test.go trick)
// and records when each Fetch started, as fake time since the script was made.
type script struct {
	t      *testing.T
	start  time.Time
	steps  []step
	at     []time.Duration // start of each Fetch
	ctxErr []error         // context.Cause of each Fetch's ctx when it returned
}

func newScript(t *testing.T, steps ...step) *script {
	return &script{t: t, start: time.Now(), steps: steps}
}

func (s *script) fetch(ctx context.Context) (job, error) {
	n := len(s.at)
	s.at = append(s.at, time.Since(s.start))
	if n >= len(s.steps) {
		s.t.Fatalf("Fetch #%d at %v: the script has only %d steps", n, time.Since(s.start), len(s.steps))
	}
	stp := s.steps[n]
	if stp.block {
		<-ctx.Done()
		s.ctxErr = append(s.ctxErr, context.Cause(ctx))
		return job{}, fmt.Errorf("GET job: %w", ctx.Err())
	}
	s.ctxErr = append(s.ctxErr, context.Cause(ctx))
	if stp.err != nil {
		return job{}, stp.err
	}
	return job{State: stp.state, N: n}, nil
}

func secs(ss ...int) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = time.Duration(s) * time.Second
	}
	return out
}

func checkAt(t *testing.T, s *script, want []time.Duration) {
	t.Helper()
	if !reflect.DeepEqual(s.at, want) {
		t.Errorf("fetches at %v, want %v", s.at, want)
	}
}

func checkElapsed(t *testing.T, start time.Time, want time.Duration) {
	t.Helper()
	if got := time.Since(start); got != want {
		t.Errorf("Poll returned after %v, want %v", got, want)
	}
}

func TestPollSucceedsAfterThreeIntervals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("Queued"), st("InProgress"), st("InProgress"), st("Successful"))
		var labels []string
		got, state, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second,
			Timeout:  time.Hour,
			Fetch:    s.fetch,
			Judge:    judgeExport,
			OnChange: func(j job, st State) { labels = append(labels, st.Label) },
		})
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if want := (job{State: "Successful", N: 3}); got != want {
			t.Errorf("last observation = %+v, want %+v", got, want)
		}
		if want := (State{Label: "Successful", Done: true, OK: true}); state != want {
			t.Errorf("state = %+v, want %+v", state, want)
		}
		checkElapsed(t, s.start, 30*time.Second)
		checkAt(t, s, secs(0, 10, 20, 30))
		if want := []string{"Queued", "InProgress", "Successful"}; !reflect.DeepEqual(labels, want) {
			t.Errorf("OnChange labels = %q, want %q", labels, want)
		}
	})
}

func TestPollFailedEndIsNotAnError(t *testing.T) {
	for _, end := range []string{"Failed", "Cancelled"} {
		t.Run(end, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newScript(t, st("Queued"), st(end))
				got, state, err := Poll(t.Context(), Options[job]{
					Interval: 10 * time.Second,
					Fetch:    s.fetch,
					Judge:    judgeExport,
				})
				if err != nil {
					t.Fatalf("Poll: %v, want nil (the caller decides what a failed end means)", err)
				}
				if want := (job{State: end, N: 1}); got != want {
					t.Errorf("last observation = %+v, want %+v", got, want)
				}
				if want := (State{Label: end, Done: true, OK: false}); state != want {
					t.Errorf("state = %+v, want %+v", state, want)
				}
				checkElapsed(t, s.start, 10*time.Second)
				checkAt(t, s, secs(0, 10))
			})
		})
	}
}

func TestPollUnknownStateEndsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The Successful step must never be fetched: an unknown state is an
		// error, not more waiting.
		s := newScript(t, st("Queued"), st("Paused"), st("Successful"))
		got, state, err := Poll(t.Context(), Options[job]{
			Interval:  10 * time.Second,
			Timeout:   time.Hour,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: func(error) bool { return true },
		})
		if !errors.Is(err, errUnknown) || !strings.Contains(err.Error(), `"Paused"`) {
			t.Fatalf("Poll error = %v, want the Judge's error about \"Paused\"", err)
		}
		if want := (job{State: "Paused", N: 1}); got != want {
			t.Errorf("last observation = %+v, want the rejected one %+v", got, want)
		}
		if want := (State{Label: "Paused"}); state != want {
			t.Errorf("state = %+v, want the Judge's %+v", state, want)
		}
		checkElapsed(t, s.start, 10*time.Second)
		checkAt(t, s, secs(0, 10))
	})
}

func TestPollRetriesTransientErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("Queued"), fail(errTransient), fail(errTransient), st("InProgress"), st("Successful"))
		var retries []error
		var retryAt []time.Duration
		var labels []string
		got, state, err := Poll(t.Context(), Options[job]{
			Interval:  10 * time.Second,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: isTransient,
			OnRetry: func(err error) {
				retries = append(retries, err)
				retryAt = append(retryAt, time.Since(s.start))
			},
			OnChange: func(j job, st State) { labels = append(labels, st.Label) },
		})
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if want := (job{State: "Successful", N: 4}); got != want || !state.OK {
			t.Errorf("got %+v %+v, want %+v and OK", got, state, want)
		}
		checkElapsed(t, s.start, 40*time.Second)
		checkAt(t, s, secs(0, 10, 20, 30, 40))
		if want := []error{errTransient, errTransient}; !reflect.DeepEqual(retries, want) {
			t.Errorf("OnRetry got %v, want %v", retries, want)
		}
		if want := secs(10, 20); !reflect.DeepEqual(retryAt, want) {
			t.Errorf("OnRetry called at %v, want %v", retryAt, want)
		}
		if want := []string{"Queued", "InProgress", "Successful"}; !reflect.DeepEqual(labels, want) {
			t.Errorf("OnChange labels = %q, want %q", labels, want)
		}
	})
}

func TestPollNonTransientErrorEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("Queued"), fail(errTransient), fail(errFatal), st("Successful"))
		retries := 0
		got, state, err := Poll(t.Context(), Options[job]{
			Interval:  10 * time.Second,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: isTransient,
			OnRetry:   func(error) { retries++ },
		})
		if err != errFatal {
			t.Fatalf("Poll error = %v, want the Fetch error %v as is", err, errFatal)
		}
		if want := (job{State: "Queued", N: 0}); got != want || state.Label != "Queued" {
			t.Errorf("last = %+v %+v, want %+v with label Queued", got, state, want)
		}
		if retries != 1 {
			t.Errorf("OnRetry called %d times, want 1", retries)
		}
		checkElapsed(t, s.start, 20*time.Second)
		checkAt(t, s, secs(0, 10, 20))
	})
}

func TestPollNilTransientRetriesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("Queued"), fail(errTransient), st("Successful"))
		retries := 0
		_, _, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second,
			Fetch:    s.fetch,
			Judge:    judgeExport,
			OnRetry:  func(error) { retries++ },
		})
		if err != errTransient {
			t.Fatalf("Poll error = %v, want %v (no Transient: nothing is retried)", err, errTransient)
		}
		if retries != 0 {
			t.Errorf("OnRetry called %d times, want 0", retries)
		}
		checkAt(t, s, secs(0, 10))
	})
}

func TestPollFirstFetchFailsReturnsZeroValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, fail(errFatal))
		changes := 0
		got, state, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second,
			Fetch:    s.fetch,
			Judge:    judgeExport,
			OnChange: func(job, State) { changes++ },
		})
		if err != errFatal {
			t.Fatalf("Poll error = %v, want %v", err, errFatal)
		}
		if got != (job{}) || state != (State{}) {
			t.Errorf("got %+v %+v, want zero values", got, state)
		}
		if changes != 0 {
			t.Errorf("OnChange called %d times with no observation", changes)
		}
		checkElapsed(t, s.start, 0)
	})
}

// neverEnds is a Fetch for a job that stays InProgress forever.
func neverEnds(s *script) func(context.Context) (job, error) {
	return func(ctx context.Context) (job, error) {
		s.at = append(s.at, time.Since(s.start))
		return job{State: "InProgress", N: len(s.at) - 1}, nil
	}
}

func TestPollTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t)
		got, state, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second,
			Timeout:  35 * time.Second,
			Fetch:    neverEnds(s),
			Judge:    judgeExport,
		})
		var te *TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("Poll error = %v (%T), want *TimeoutError", err, err)
		}
		if te.Timeout != 35*time.Second {
			t.Errorf("TimeoutError.Timeout = %v, want 35s", te.Timeout)
		}
		if want := "timed out after 35s"; err.Error() != want {
			t.Errorf("error text = %q, want %q", err.Error(), want)
		}
		// Returned at the deadline, not at the next tick (40s).
		checkElapsed(t, s.start, 35*time.Second)
		checkAt(t, s, secs(0, 10, 20, 30))
		if want := (job{State: "InProgress", N: 3}); got != want {
			t.Errorf("last observation = %+v, want %+v", got, want)
		}
		if want := (State{Label: "InProgress"}); state != want {
			t.Errorf("state = %+v, want %+v", state, want)
		}
	})
}

func TestPollTimeoutOnATick(t *testing.T) {
	// A deadline that falls exactly on a tick ends the watch: no check at the
	// deadline itself, so the outcome does not depend on which timer fires first.
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t)
		got, _, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second,
			Timeout:  30 * time.Second,
			Fetch:    neverEnds(s),
			Judge:    judgeExport,
		})
		var te *TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("Poll error = %v, want *TimeoutError", err)
		}
		checkElapsed(t, s.start, 30*time.Second)
		checkAt(t, s, secs(0, 10, 20))
		if got.N != 2 {
			t.Errorf("last observation = %+v, want #2", got)
		}
	})
}

func TestPollTimeoutCancelsFetchInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("InProgress"), step{block: true}, st("Successful"))
		retries := 0
		got, state, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second,
			Timeout:  15 * time.Second,
			Fetch:    s.fetch,
			Judge:    judgeExport,
			// Even an "everything is transient" policy must not retry a
			// Fetch that failed because the deadline passed.
			Transient: func(error) bool { return true },
			OnRetry:   func(error) { retries++ },
		})
		var te *TimeoutError
		if !errors.As(err, &te) || te.Timeout != 15*time.Second {
			t.Fatalf("Poll error = %v (%T), want *TimeoutError{15s}", err, err)
		}
		checkElapsed(t, s.start, 15*time.Second)
		checkAt(t, s, secs(0, 10))
		if len(s.ctxErr) != 2 || !errors.As(s.ctxErr[1], &te) {
			t.Errorf("cause seen by the Fetch in flight = %v, want its ctx cancelled with *TimeoutError", s.ctxErr)
		}
		if want := (job{State: "InProgress", N: 0}); got != want || state.Label != "InProgress" {
			t.Errorf("last = %+v %+v, want %+v", got, state, want)
		}
		if retries != 0 {
			t.Errorf("OnRetry called %d times, want 0", retries)
		}
	})
}

func TestPollTimeoutKeepsLastObservationThroughTransientErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("Queued"), fail(errTransient), fail(errTransient))
		got, state, err := Poll(t.Context(), Options[job]{
			Interval:  10 * time.Second,
			Timeout:   25 * time.Second,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: isTransient,
		})
		var te *TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("Poll error = %v, want *TimeoutError", err)
		}
		if want := (job{State: "Queued", N: 0}); got != want {
			t.Errorf("last observation = %+v, want %+v (a transient error keeps the previous one)", got, want)
		}
		if want := (State{Label: "Queued"}); state != want {
			t.Errorf("state = %+v, want %+v", state, want)
		}
		checkElapsed(t, s.start, 25*time.Second)
		checkAt(t, s, secs(0, 10, 20))
	})
}

func TestPollCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		defer cancel(nil)
		time.AfterFunc(15*time.Second, func() { cancel(errSignal) })
		s := newScript(t)
		got, _, err := Poll(ctx, Options[job]{
			Interval: 10 * time.Second,
			Timeout:  time.Hour,
			Fetch:    neverEnds(s),
			Judge:    judgeExport,
		})
		if !errors.Is(err, errSignal) {
			t.Fatalf("Poll error = %v, want the cancellation cause %v", err, errSignal)
		}
		// At once: at 15s, not at the next tick (20s).
		checkElapsed(t, s.start, 15*time.Second)
		checkAt(t, s, secs(0, 10))
		if got.N != 1 {
			t.Errorf("last observation = %+v, want #1", got)
		}
	})
}

func TestPollCancelDuringFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		defer cancel(nil)
		time.AfterFunc(5*time.Second, func() { cancel(errSignal) })
		s := newScript(t, st("Queued"), step{block: true}, st("Successful"))
		got, _, err := Poll(ctx, Options[job]{
			Interval:  2 * time.Second,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: func(error) bool { return true },
		})
		if !errors.Is(err, errSignal) {
			t.Fatalf("Poll error = %v, want the cancellation cause %v", err, errSignal)
		}
		checkElapsed(t, s.start, 5*time.Second)
		checkAt(t, s, secs(0, 2))
		if got.State != "Queued" {
			t.Errorf("last observation = %+v, want Queued", got)
		}
	})
}

func TestPollAlreadyCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		cancel(errSignal)
		s := newScript(t, st("Successful"))
		_, _, err := Poll(ctx, Options[job]{
			Interval: time.Second,
			Fetch:    s.fetch,
			Judge:    judgeExport,
		})
		if !errors.Is(err, errSignal) {
			t.Fatalf("Poll error = %v, want %v", err, errSignal)
		}
		checkAt(t, s, nil)
	})
}

func TestPollOnChangeOnlyOnLabelChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("A"), st("A"), st("B"), st("B"), st("C"))
		var seen []job
		var labels []string
		_, state, err := Poll(t.Context(), Options[job]{
			Interval: time.Second,
			Fetch:    s.fetch,
			Judge: func(j job) (State, error) {
				return State{Label: j.State, Done: j.State == "C", OK: true}, nil
			},
			OnChange: func(j job, st State) {
				seen = append(seen, j)
				labels = append(labels, st.Label)
			},
		})
		if err != nil || state.Label != "C" {
			t.Fatalf("Poll = %+v, %v; want C, nil", state, err)
		}
		if want := []string{"A", "B", "C"}; !reflect.DeepEqual(labels, want) {
			t.Errorf("OnChange labels = %q, want %q", labels, want)
		}
		if want := []job{{"A", 0}, {"B", 2}, {"C", 4}}; !reflect.DeepEqual(seen, want) {
			t.Errorf("OnChange observations = %+v, want %+v", seen, want)
		}
	})
}

func TestPollOnChangeForFirstObservationWithEmptyLabel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st(""), st(""), st("C"))
		var seen []job
		_, _, err := Poll(t.Context(), Options[job]{
			Interval: time.Second,
			Fetch:    s.fetch,
			Judge: func(j job) (State, error) {
				return State{Label: j.State, Done: j.State == "C", OK: true}, nil
			},
			OnChange: func(j job, st State) { seen = append(seen, j) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []job{{"", 0}, {"C", 2}}; !reflect.DeepEqual(seen, want) {
			t.Errorf("OnChange observations = %+v, want %+v (the first one always counts)", seen, want)
		}
	})
}

func TestPollTimeoutZeroMeansNone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A job that takes 1000 hours still ends successfully.
		start := time.Now()
		n := 0
		_, state, err := Poll(t.Context(), Options[job]{
			Interval: time.Hour,
			Timeout:  0,
			Fetch: func(ctx context.Context) (job, error) {
				n++
				if time.Since(start) >= 1000*time.Hour {
					return job{State: "Successful"}, nil
				}
				return job{State: "InProgress"}, nil
			},
			Judge: judgeExport,
		})
		if err != nil || !state.OK {
			t.Fatalf("Poll = %+v, %v; want success", state, err)
		}
		if n != 1001 {
			t.Errorf("%d fetches, want 1001", n)
		}
		checkElapsed(t, start, 1000*time.Hour)
	})
}

// TestPollCheckCount: for a job that is done from time T on, with checks at
// 0, I, 2I, … that take no time, Poll makes exactly ceil(T/I)+1 checks.
func TestPollCheckCount(t *testing.T) {
	for _, tc := range []struct {
		done, interval time.Duration
		want           int // ceil(done/interval)+1, worked out by hand
	}{
		{0, 10 * time.Second, 1},
		{time.Nanosecond, 10 * time.Second, 2},
		{9 * time.Second, 10 * time.Second, 2},
		{10 * time.Second, 10 * time.Second, 2},
		{10*time.Second + time.Nanosecond, 10 * time.Second, 3},
		{25 * time.Second, 10 * time.Second, 4},
		{30 * time.Second, 10 * time.Second, 4},
		{7 * time.Second, 3 * time.Second, 4},
		{9 * time.Second, 3 * time.Second, 4},
		{time.Hour, time.Minute, 61},
		{1500 * time.Millisecond, time.Second, 3},
	} {
		t.Run(fmt.Sprintf("T=%v/I=%v", tc.done, tc.interval), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				n := 0
				_, state, err := Poll(t.Context(), Options[job]{
					Interval: tc.interval,
					Fetch: func(ctx context.Context) (job, error) {
						n++
						if time.Since(start) >= tc.done {
							return job{State: "Successful"}, nil
						}
						return job{State: "InProgress"}, nil
					},
					Judge: judgeExport,
				})
				if err != nil || !state.Done {
					t.Fatalf("Poll = %+v, %v; want done", state, err)
				}
				if n != tc.want {
					t.Errorf("%d checks, want %d", n, tc.want)
				}
				checkElapsed(t, start, time.Duration(tc.want-1)*tc.interval)
			})
		})
	}
}

// slowFetch makes each Fetch take d of fake time (honouring ctx) and ends
// the job on the check numbered doneAt.
func slowFetch(s *script, d time.Duration, doneAt int) func(context.Context) (job, error) {
	return func(ctx context.Context) (job, error) {
		n := len(s.at)
		s.at = append(s.at, time.Since(s.start))
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return job{}, ctx.Err()
		case <-t.C:
		}
		if n == doneAt {
			return job{State: "Successful", N: n}, nil
		}
		return job{State: "InProgress", N: n}, nil
	}
}

func TestPollIntervalIsStartToStart(t *testing.T) {
	t.Run("check shorter than interval", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newScript(t)
			_, _, err := Poll(t.Context(), Options[job]{
				Interval: 10 * time.Second,
				Fetch:    slowFetch(s, 3*time.Second, 2),
				Judge:    judgeExport,
			})
			if err != nil {
				t.Fatal(err)
			}
			checkAt(t, s, secs(0, 10, 20))
			checkElapsed(t, s.start, 23*time.Second)
		})
	})
	t.Run("check longer than interval", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newScript(t)
			_, _, err := Poll(t.Context(), Options[job]{
				Interval: 10 * time.Second,
				Fetch:    slowFetch(s, 15*time.Second, 2),
				Judge:    judgeExport,
			})
			if err != nil {
				t.Fatal(err)
			}
			checkAt(t, s, secs(0, 15, 30))
			checkElapsed(t, s.start, 45*time.Second)
		})
	})
}

func TestPollBadOptions(t *testing.T) {
	fetch := func(context.Context) (job, error) {
		t.Error("Fetch called with bad options")
		return job{State: "Successful"}, nil
	}
	good := Options[job]{Interval: time.Second, Fetch: fetch, Judge: judgeExport}
	for _, tc := range []struct {
		name string
		edit func(*Options[job])
		want string
	}{
		{"zero interval", func(o *Options[job]) { o.Interval = 0 }, "interval 0s: must be > 0"},
		{"negative interval", func(o *Options[job]) { o.Interval = -time.Second }, "interval -1s: must be > 0"},
		{"negative timeout", func(o *Options[job]) { o.Timeout = -time.Second }, "timeout -1s: must be >= 0"},
		{"nil Fetch", func(o *Options[job]) { o.Fetch = nil }, "Fetch must not be nil"},
		{"nil Judge", func(o *Options[job]) { o.Judge = nil }, "Judge must not be nil"},
		{"negative retries", func(o *Options[job]) { o.Retry = &Budget{Retries: -1} }, "retry budget -1 retries, 0s: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				o := good
				tc.edit(&o)
				start := time.Now()
				got, state, err := Poll(t.Context(), o)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Poll error = %v, want one containing %q", err, tc.want)
				}
				if got != (job{}) || state != (State{}) {
					t.Errorf("got %+v %+v, want zero values", got, state)
				}
				checkElapsed(t, start, 0)
			})
		})
	}
}

func TestTimeoutErrorMessage(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Second:   "timed out after 5s",
		90 * time.Second:  "timed out after 1m30s",
		time.Millisecond:  "timed out after 1ms",
		2*time.Hour + 1e9: "timed out after 2h0m1s",
	} {
		if got := (&TimeoutError{Timeout: d}).Error(); got != want {
			t.Errorf("TimeoutError{%v}.Error() = %q, want %q", d, got, want)
		}
	}
}

// Transient errors in a row past the retry budget end the watch: with two
// retries, the third failed check is the last, and the checks again come
// after the budget's Delay, not the interval.
func TestPollGivesUpAfterRetryBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("Queued"), fail(errTransient), fail(errTransient), fail(errTransient), st("Successful"))
		var retries int
		got, state, err := Poll(t.Context(), Options[job]{
			Interval:  10 * time.Second,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: isTransient,
			OnRetry:   func(error) { retries++ },
			Retry:     &Budget{Retries: 2, Wait: 2 * time.Minute, Delay: func(n int) time.Duration { return time.Duration(n) * time.Second }},
		})
		var gaveUp *GaveUpError
		if !errors.As(err, &gaveUp) || gaveUp.Checks != 3 || !errors.Is(err, errTransient) {
			t.Fatalf("Poll error = %v, want a *GaveUpError after 3 checks wrapping %v", err, errTransient)
		}
		if want := "gave up after 3 checks in a row failed, the last with: 503 Service Unavailable"; err.Error() != want {
			t.Errorf("message %q, want %q", err.Error(), want)
		}
		if want := (job{State: "Queued", N: 0}); got != want || state.Label != "Queued" {
			t.Errorf("last observation = %+v (%+v), want the last good one %+v", got, state, want)
		}
		if retries != 2 {
			t.Errorf("OnRetry called %d times, want 2 (one per check again)", retries)
		}
		checkAt(t, s, secs(0, 10, 11, 13))
		checkElapsed(t, s.start, 13*time.Second)
	})
}

// A failing check is made again no later than the next interval, and the
// time waited across failed checks is bounded too.
func TestPollRetryBudgetWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, fail(errTransient), fail(errTransient), fail(errTransient), fail(errTransient), st("Successful"))
		_, _, err := Poll(t.Context(), Options[job]{
			Interval:  time.Minute,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: isTransient,
			// The delays ask for more than the interval: the interval wins.
			Retry: &Budget{Retries: 10, Wait: 2 * time.Minute, Delay: func(int) time.Duration { return time.Hour }},
		})
		var gaveUp *GaveUpError
		if !errors.As(err, &gaveUp) || gaveUp.Checks != 3 {
			t.Fatalf("Poll error = %v, want a *GaveUpError after 3 checks (a third wait would pass 2m)", err)
		}
		checkAt(t, s, secs(0, 60, 120))
		checkElapsed(t, s.start, 2*time.Minute)
	})
}

// A good observation starts the count of failed checks again; no Delay
// means the next regular check.
func TestPollRetryBudgetResetsOnAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, fail(errTransient), st("Queued"), fail(errTransient), st("InProgress"), fail(errTransient), st("Successful"))
		_, state, err := Poll(t.Context(), Options[job]{
			Interval:  10 * time.Second,
			Fetch:     s.fetch,
			Judge:     judgeExport,
			Transient: isTransient,
			Retry:     &Budget{Retries: 1, Wait: 2 * time.Minute},
		})
		if err != nil || !state.OK {
			t.Fatalf("Poll = %+v, %v; want a successful end", state, err)
		}
		checkAt(t, s, secs(0, 10, 20, 30, 40, 50))
	})
}

// With no retries, the first transient error ends the watch at once; an
// error that is not transient is returned as it is, budget or not.
func TestPollRetryBudgetNone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, fail(errTransient), st("Successful"))
		_, _, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second, Fetch: s.fetch, Judge: judgeExport, Transient: isTransient,
			OnRetry: func(error) { t.Error("OnRetry called with no retries") },
			Retry:   &Budget{},
		})
		var gaveUp *GaveUpError
		if !errors.As(err, &gaveUp) || gaveUp.Checks != 1 || err.Error() != "gave up after 1 check failed, the last with: 503 Service Unavailable" {
			t.Fatalf("Poll error = %v, want a *GaveUpError after 1 check", err)
		}
		checkElapsed(t, s.start, 0)

		s = newScript(t, fail(errFatal))
		_, _, err = Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second, Fetch: s.fetch, Judge: judgeExport, Transient: isTransient, Retry: &Budget{Retries: 3},
		})
		if err != errFatal {
			t.Fatalf("Poll error = %v, want %v as it is", err, errFatal)
		}
	})
}

// The deadline still wins over a check again that would come after it.
func TestPollRetryBudgetAndDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(t, st("Queued"), fail(errTransient), fail(errTransient))
		_, _, err := Poll(t.Context(), Options[job]{
			Interval: 10 * time.Second, Timeout: 15 * time.Second, Fetch: s.fetch, Judge: judgeExport, Transient: isTransient,
			Retry: &Budget{Retries: 4, Wait: 2 * time.Minute, Delay: func(int) time.Duration { return 8 * time.Second }},
		})
		var timeout *TimeoutError
		if !errors.As(err, &timeout) {
			t.Fatalf("Poll error = %v, want a *TimeoutError", err)
		}
		checkAt(t, s, secs(0, 10))
		checkElapsed(t, s.start, 15*time.Second)
	})
}
