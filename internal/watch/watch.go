// Package watch follows a remote job until it ends.
//
// It knows nothing of HTTP or terminals: the caller supplies a Fetch function
// that makes one observation, a Judge that says what the observation means,
// and callbacks for progress. Poll checks at once, then once per interval,
// and ends for exactly one stated reason: the job ended, an error that is not
// transient, transient errors past the retry budget, the deadline, or the
// cancellation of its context.
package watch

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// State is what the caller's Judge made of one observation.
type State struct {
	Label string // shown to the user and used to detect changes, e.g. "InProgress 12/42"
	Done  bool   // the job has reached an end state
	OK    bool   // with Done: the end is a success
}

// Options configure Poll.
type Options[T any] struct {
	// Interval is the time between the start of one check and the start of
	// the next. It must be > 0. When a check takes longer than Interval, the
	// next one starts as soon as it returns.
	Interval time.Duration
	// Timeout is the deadline, measured from the call to Poll. 0 means no
	// deadline; a negative value is an error.
	Timeout time.Duration
	// Fetch makes one observation. It must honour ctx: a request in flight is
	// aborted on cancellation (Ctrl-C) and at the deadline.
	Fetch func(ctx context.Context) (T, error)
	// Judge says what an observation means. An error (e.g. an unknown state)
	// ends the watch at once with that error.
	Judge func(T) (State, error)
	// Transient reports whether a Fetch error should not end the watch: the
	// next check then comes at the next interval. nil: no error is transient.
	// It is not consulted once ctx is done or the deadline has passed.
	Transient func(error) bool
	// OnChange is called for the first observation and whenever State.Label
	// differs from the previous observation's. It may be nil.
	OnChange func(T, State)
	// OnRetry is called for each transient Fetch error that is checked
	// again. It may be nil.
	OnRetry func(error)
	// Retry bounds the transient errors in a row (nil: no bound): past it,
	// Poll gives up with a *GaveUpError. A good observation starts the
	// count again.
	Retry *Budget
}

// Budget is how many failed checks in a row a watch checks again, and how
// long it waits across them, before it gives up: a caller passes the retry
// budget of its API client, so that a watch whose checks cannot reach the
// API ends like any request that cannot, instead of polling forever.
type Budget struct {
	// Retries is how many failed checks in a row are checked again; 0:
	// none, the first transient error ends the watch.
	Retries int
	// Wait bounds the time waited across those checks; 0: no bound. A
	// check again that would pass it is not made.
	Wait time.Duration
	// Delay is the wait before the nth check again (from 1), when that is
	// sooner than the next regular check. nil: the next regular check.
	Delay func(n int) time.Duration
}

// GaveUpError is a watch whose checks kept failing (with errors Transient
// says may pass) past its Budget. Err is the last check's error.
type GaveUpError struct {
	Checks int // the failed checks in a row
	Err    error
}

func (e *GaveUpError) Error() string {
	checks := "1 check"
	if e.Checks != 1 {
		checks = fmt.Sprintf("%d checks in a row", e.Checks)
	}
	return fmt.Sprintf("gave up after %s failed, the last with: %v", checks, e.Err)
}
func (e *GaveUpError) Unwrap() error { return e.Err }

// TimeoutError says the deadline passed before the job ended.
type TimeoutError struct{ Timeout time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s", e.Timeout)
}

// Poll checks at once, then every Interval, until Judge says Done, Judge or
// Fetch fails (non-transiently), the Timeout passes, or ctx is done. It
// returns the last observation and its State whatever happened (zero values
// if there was none), and:
//   - nil when the job ended (State.OK tells success from failure; Poll does
//     not turn a failed end into an error — the caller decides),
//   - the Judge error, or the non-transient Fetch error,
//   - *GaveUpError when transient Fetch errors in a row passed the Retry
//     budget,
//   - *TimeoutError when the deadline passed (also when a Fetch was in flight
//     then: it is cancelled),
//   - context.Cause(ctx) when ctx was cancelled (the caller cancels with a
//     typed cause for signals).
//
// When Judge fails, the observation it rejected is returned as the last one,
// with the State Judge returned beside its error. A transient Fetch error
// leaves the previous observation as the last one. An observation that
// arrives after the deadline or the cancellation is still judged: if it says
// Done, the job ended and Poll returns nil.
//
// Poll starts no goroutine that outlives it and never sleeps: every wait is a
// timer in a select with the context.
func Poll[T any](ctx context.Context, o Options[T]) (T, State, error) {
	var (
		last      T
		lastState State
		seen      bool
		failures  int           // failed checks in a row
		waited    time.Duration // waited across them
	)
	if err := o.check(); err != nil {
		return last, lastState, err
	}

	start := time.Now()
	pctx := ctx
	var deadline time.Time
	if o.Timeout > 0 {
		deadline = start.Add(o.Timeout)
		var cancel context.CancelFunc
		pctx, cancel = context.WithDeadlineCause(ctx, deadline, &TimeoutError{Timeout: o.Timeout})
		defer cancel()
	}
	// stopped returns why pctx is done (the caller's cause, or the
	// *TimeoutError set as the deadline's cause), or nil while it is not.
	stopped := func() error {
		if pctx.Err() == nil {
			return nil
		}
		return context.Cause(pctx)
	}

	for {
		if err := stopped(); err != nil {
			return last, lastState, err
		}
		checkStart := time.Now()
		next := checkStart.Add(o.Interval)
		v, err := o.Fetch(pctx)
		if err != nil {
			// A Fetch cut short by the cancellation or the deadline fails
			// because of it: report the reason, never retry.
			if serr := stopped(); serr != nil {
				return last, lastState, serr
			}
			if o.Transient == nil || !o.Transient(err) {
				return last, lastState, err
			}
			failures++
			if b := o.Retry; b != nil {
				now := time.Now()
				wait := max(next.Sub(now), 0)
				if b.Delay != nil {
					wait = min(wait, max(b.Delay(failures), 0))
				}
				if failures > b.Retries || (b.Wait > 0 && waited+wait > b.Wait) {
					return last, lastState, &GaveUpError{Checks: failures, Err: err}
				}
				waited += wait
				next = now.Add(wait)
			}
			if o.OnRetry != nil {
				o.OnRetry(err)
			}
		} else {
			s, err := o.Judge(v)
			if err != nil {
				return v, s, err
			}
			failures, waited = 0, 0
			changed := !seen || s.Label != lastState.Label
			last, lastState, seen = v, s, true
			if changed && o.OnChange != nil {
				o.OnChange(v, s)
			}
			if s.Done {
				return last, lastState, nil
			}
		}

		if !deadline.IsZero() && !next.Before(deadline) {
			// No check fits before the deadline: return at the deadline
			// (or at the cancellation, whichever comes first).
			<-pctx.Done()
			return last, lastState, stopped()
		}
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-pctx.Done():
				t.Stop()
				return last, lastState, stopped()
			case <-t.C:
			}
		}
	}
}

// check reports the first invalid option.
func (o *Options[T]) check() error {
	switch {
	case o.Interval <= 0:
		return fmt.Errorf("watch: interval %s: must be > 0", o.Interval)
	case o.Timeout < 0:
		return fmt.Errorf("watch: timeout %s: must be >= 0 (0 means no deadline)", o.Timeout)
	case o.Fetch == nil:
		return errors.New("watch: Fetch must not be nil")
	case o.Judge == nil:
		return errors.New("watch: Judge must not be nil")
	case o.Retry != nil && (o.Retry.Retries < 0 || o.Retry.Wait < 0):
		return fmt.Errorf("watch: retry budget %d retries, %s: must not be negative", o.Retry.Retries, o.Retry.Wait)
	}
	return nil
}
