package jobs

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/backoff"
	"github.com/atlas-backup/atlas-backup/internal/text"
	"github.com/atlas-backup/atlas-backup/internal/watch"
)

// Watch is how a job is followed.
type Watch struct {
	Interval time.Duration
	Timeout  time.Duration // 0: no limit
	// Retries and MaxWait are the retry budget of the checks (the client's:
	// --max-retries and two minutes of waiting): failed checks past it end
	// the watch with an *UnreachableError.
	Retries int
	MaxWait time.Duration
	// Progress shows the job's states, and the checks that failed and
	// are made again; nil: none. (The retry lines of the requests go where
	// api.WithRetryNotes on the context says.)
	Progress Progress
}

// Seen is the last look at a followed job.
type Seen[T any] struct {
	Job   *T
	Raw   []byte
	State watch.State
}

// EndedError is a job that ended unsuccessfully (failed, cancelled,
// expired).
type EndedError struct {
	Kind, ID, Why string
}

func (e *EndedError) Error() string { return fmt.Sprintf("%s %s ended %s", e.Kind, e.ID, e.Why) }

// TimeoutError is a watch whose timeout passed before the job ended; the
// job keeps running.
type TimeoutError struct {
	Kind, ID string
	After    time.Duration
	State    string // the last state seen; "" before the first check
}

func (e *TimeoutError) Error() string {
	where := "before its first check"
	if e.State != "" {
		where = "while " + e.State
	}
	return fmt.Sprintf("stopped watching %s %s after %s, %s", e.Kind, e.ID, e.After, where)
}

// UnreachableError is a watch whose checks kept failing past the retry
// budget: whether the job still runs is not known.
type UnreachableError struct {
	Kind, ID string
	Checks   int
	Err      error
}

func (e *UnreachableError) Error() string {
	checks := ""
	if e.Checks > 1 {
		checks = fmt.Sprintf("%d checks in a row failed, the last with: ", e.Checks)
	}
	return fmt.Sprintf("could not reach Atlas to check %s %s: %s%v", e.Kind, e.ID, checks, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// StoppedError is a watch that stopped before the job ended for another
// reason (an interrupt, an error the checks could not get past): the job
// keeps running.
type StoppedError struct {
	Kind, ID string
	Err      error
}

func (e *StoppedError) Error() string { return fmt.Sprintf("watching %s %s: %v", e.Kind, e.ID, e.Err) }
func (e *StoppedError) Unwrap() error { return e.Err }

// Follow checks a job at once and then every w.Interval until it ends, and
// returns the last look at it. The error is nil (a successful end),
// *EndedError, *TimeoutError, *UnreachableError, an error of the judge's
// (as it is), or *StoppedError. The job's ID appears escaped in messages:
// it may be Atlas's, of a job just created.
func Follow[T any](ctx context.Context, d Deps, k Kind[T], s Scope, id string, w Watch) (Seen[T], error) {
	name := text.Escape(id)
	progress := w.Progress
	if progress == nil {
		progress = noProgress{}
	}
	var judged error
	last, state, err := watch.Poll(ctx, watch.Options[Seen[T]]{
		Interval: w.Interval,
		Timeout:  w.Timeout,
		Fetch: func(ctx context.Context) (Seen[T], error) {
			j, raw, err := k.Fetch(ctx, d.Client, s, id)
			return Seen[T]{Job: j, Raw: raw}, err
		},
		Judge: func(o Seen[T]) (watch.State, error) {
			st, err := k.Judge(o.Job)
			judged = err
			return st, err
		},
		// A check is a GET with the client's own retries: what the client
		// retried (429, 5xx, timeouts, dropped connections) has spent the
		// budget already, and ends the watch below. Only a refused
		// connection, which the client does not retry, is checked again.
		Transient: checkAgain,
		Retry: &watch.Budget{Retries: w.Retries, Wait: w.MaxWait, Delay: func(n int) time.Duration {
			return backoff.Delay(n, nil) // as the client waits between attempts
		}},
		OnChange: func(_ Seen[T], st watch.State) {
			progress.Update(fmt.Sprintf("%s %s: %s", k.Name, name, st.Label))
		},
		OnRetry: func(err error) {
			progress.Note(fmt.Sprintf("%s %s: will check again: %v", k.Name, name, err))
		},
	})
	last.State = state
	var timeout *watch.TimeoutError
	var gaveUp *watch.GaveUpError
	switch {
	case err == nil && state.OK:
		return last, nil
	case err == nil:
		return last, &EndedError{Kind: k.Name, ID: name, Why: text.Escape(k.Why(last.Job))}
	case judged != nil && errors.Is(err, judged):
		return last, err
	case errors.As(err, &timeout):
		seen := ""
		if last.Job != nil {
			seen = text.Escape(state.Label)
		}
		return last, &TimeoutError{Kind: k.Name, ID: name, After: w.Timeout, State: seen}
	case errors.As(err, &gaveUp):
		return last, &UnreachableError{Kind: k.Name, ID: name, Checks: gaveUp.Checks, Err: gaveUp.Err}
	case api.IsTransient(err) && ctx.Err() == nil:
		return last, &UnreachableError{Kind: k.Name, ID: name, Checks: 1, Err: err}
	}
	return last, &StoppedError{Kind: k.Name, ID: name, Err: err}
}

// checkAgain reports whether a failed check is made again within the
// watch's budget: a refused connection (Atlas, or a proxy, restarting),
// which the client itself does not send again.
func checkAgain(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

type noProgress struct{}

func (noProgress) Update(string) {}
func (noProgress) Note(string)   {}
