package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/backoff"
)

// The retry policy: the one place that decides whether a request is sent
// again, and when.
//
//   - GET, HEAD and the DELETE that cancels a restore are sent again after a connection error (before the answer or
//     while reading it), a timeout, a 429, or a 5xx other than 501.
//   - A create (POST) is sent again only after a 429 (Atlas refused it before
//     doing anything), a connect timeout, or a failure to get its OAuth token
//     (nothing went out). Any other
//     failure after its body went out is never resent: the create may have
//     started a job.
//   - A refused connection or an unknown host is not retried at all: it
//     ends at once with an *UnreachableError.
//   - The wait is Retry-After when the answer has one (seconds or an HTTP
//     date), else capped exponential backoff with full jitter. Retries and
//     the total time waited are bounded; every wait ends at once when the
//     context is done.
const (
	DefaultMaxRetries   = 4              // retries after the first attempt
	DefaultMaxRetryWait = backoff.Budget // total waiting between attempts
	connectTimeout      = 10 * time.Second
	// maxErrorBody is how much of an error answer (a status of 300 or
	// more), or of the OAuth token endpoint's answer, is read: its start
	// says what it is; the rest is not read.
	maxErrorBody = 1 << 20
)

// maxAnswer bounds an answer's body, in bytes: no API answer comes near.
// A var for the tests, which send less.
var maxAnswer = 64 << 20

type labelKey struct{}

// WithLabel names the requests made with ctx in retry lines ("demo:
// retrying in 2s: …"): which cluster of a fleet a retry is for.
func WithLabel(ctx context.Context, label string) context.Context {
	return context.WithValue(ctx, labelKey{}, label)
}

type notesKey struct{}

// WithRetryNotes sends the retry lines of the requests made with ctx to
// notes instead of Options.OnRetry: to a progress display that shows them
// without breaking its lines.
func WithRetryNotes(ctx context.Context, notes func(string)) context.Context {
	return context.WithValue(ctx, notesKey{}, notes)
}

// notifier is where the retry lines of ctx's requests go; nil: nowhere.
func (t *retryTransport) notifier(ctx context.Context) func(string) {
	if n, ok := ctx.Value(notesKey{}).(func(string)); ok && n != nil {
		return n
	}
	return t.notify
}

func labelOf(ctx context.Context) string {
	if l, ok := ctx.Value(labelKey{}).(string); ok && l != "" {
		return l + ": "
	}
	return ""
}

// notSentError is a failure before the request went out (getting the
// OAuth token for it): safe to retry whatever the method.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// retryTransport applies the retry policy. It reads each answer's body in
// full, within the attempt, so that a connection lost in the middle of a
// body is a failed attempt like any other, and it bounds each attempt by the
// per-request timeout.
type retryTransport struct {
	base    http.RoundTripper
	retries int           // after the first attempt; 0: never retry
	maxWait time.Duration // total waiting
	timeout time.Duration // each attempt, body included; 0: none
	wait    func(retry int, resp *http.Response) time.Duration
	notify  func(string) // one line per retry
	limiter Limiter      // nil: no bound
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		var reason string
		var again bool
		var wait time.Duration
		resp, err := t.attempt(req, attempt, func(resp *http.Response, raw []byte, err error) {
			status := answerStatus(req, resp, raw)
			reason, again = retryable(req, status, err)
			wait = t.wait(attempt, resp)
			if t.limiter != nil && status == http.StatusTooManyRequests && again && attempt <= t.retries && waited+wait <= t.maxWait {
				// Everyone waits, the limit being the project's: paused
				// before this attempt's slot is given up, so that no other
				// request slips out first.
				t.limiter.Pause(wait)
			}
		})
		if !again || attempt > t.retries {
			return resp, err
		}
		notify := t.notifier(ctx)
		if waited+wait > t.maxWait {
			if notify != nil {
				notify(labelOf(ctx) + fmt.Sprintf("not retrying: %s, and waiting %s more would pass the %s retry budget", reason, backoff.Round(wait), t.maxWait))
			}
			return resp, err
		}
		waited += wait
		if notify != nil {
			notify(labelOf(ctx) + fmt.Sprintf("retrying in %s: %s (attempt %d of %d)", backoff.Round(wait), reason, attempt+1, t.retries+1))
		}
		if !backoff.Sleep(ctx.Done(), wait) {
			return nil, context.Cause(ctx)
		}
	}
}

// attempt sends the request once and reads the whole answer; judge sees
// the outcome while the attempt still holds its limiter slot.
func (t *retryTransport) attempt(req *http.Request, n int, judge func(*http.Response, []byte, error)) (resp *http.Response, err error) {
	var raw []byte
	if t.limiter != nil {
		if err := t.limiter.Acquire(req.Context()); err != nil {
			judge(nil, nil, err)
			return nil, err
		}
		defer t.limiter.Release()
	}
	defer func() { judge(resp, raw, err) }()
	ctx, cancel := req.Context(), context.CancelFunc(func() {})
	if t.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
	}
	defer cancel()
	r := req.Clone(ctx)
	if n > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	timedOut := func(err error) error {
		if req.Context().Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &TimeoutError{After: t.timeout, Err: err}
		}
		return err
	}
	resp, err = t.base.RoundTrip(r)
	if err != nil {
		return nil, timedOut(err)
	}
	failed, limit := resp.StatusCode >= 300, maxAnswer
	if failed {
		limit = maxErrorBody
	}
	raw, err = io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	resp.Body.Close()
	switch {
	case err == nil && len(raw) > limit && failed:
		raw = raw[:limit] // enough to say what went wrong
	case err == nil && len(raw) > limit:
		err = fmt.Errorf("the answer is larger than %d MiB", maxAnswer>>20)
	}
	if err != nil {
		status := resp.StatusCode
		resp, raw = nil, nil
		return nil, &BodyError{Status: status, Err: timedOut(err)}
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp, nil
}

// answerStatus is the status an answer means: with envelope=true, a 200
// carries the real one in its body. 0 when there is no answer.
func answerStatus(req *http.Request, resp *http.Response, raw []byte) int {
	if resp == nil {
		return 0
	}
	if resp.StatusCode == http.StatusOK && req.URL.Query().Get("envelope") == "true" {
		var env struct {
			Status int `json:"status"`
		}
		if json.Unmarshal(raw, &env) == nil && env.Status >= 400 {
			return env.Status
		}
	}
	return resp.StatusCode
}

// retryable applies the policy to one outcome (the answer's status, or an
// error), and says why in a few words.
func retryable(req *http.Request, status int, err error) (reason string, again bool) {
	if req.Context().Err() != nil {
		return "", false
	}
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodDelete
	if err != nil {
		if errors.As(err, new(*notSentError)) || connectTimedOut(err) {
			idempotent = true // nothing went out: safe to send, whatever the method
		}
		var apiErr *Error // the token endpoint's answer
		switch {
		case errors.As(err, &apiErr):
			return apiErr.statusText(), idempotent && transientStatus(apiErr.Status)
		case refused(err):
			return "", false
		}
		return describe(err), idempotent && unreachable(err)
	}
	reason = statusLine(status)
	switch {
	case status == http.StatusTooManyRequests:
		return reason, true
	case transientStatus(status):
		return reason, idempotent
	}
	return "", false
}

func transientStatus(status int) bool {
	return status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented)
}

// IsTransient reports whether an error from a safe request may go away if
// the request is sent again later, as a watch does at its next check: a
// 429, a 5xx other than 501, a timeout, a connection lost or refused (a
// host that answered a moment ago, restarting). Cancellations and unknown
// hosts are not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return !apiErr.TokenEndpoint && transientStatus(apiErr.Status)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	return !refused(err) && unreachable(err)
}

// unreachable reports whether err is a failure to reach Atlas or to hear its
// answer out: a reset or dropped connection, or a timeout. An answer that
// cannot be read, a TLS certificate Atlas cannot prove, or an http URL on an
// https server will not get better by asking again.
func unreachable(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error is a net.Error itself, whatever it wraps
	}
	var netErr net.Error
	var timeout *TimeoutError
	return errors.As(err, &timeout) || errors.As(err, &netErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// refused reports a failure that ends at once: an unknown host, a refused
// connection, no route: no connection could be made, and asking again at
// once will not make one.
func refused(err error) bool {
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	var opErr *net.OpError
	return errors.As(err, &dnsErr) || errors.As(err, &addrErr) || errors.Is(err, syscall.ECONNREFUSED) ||
		(errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect") && !opErr.Timeout())
}

// connectTimedOut reports a connection that could not be set up in time:
// nothing was sent.
func connectTimedOut(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial" && opErr.Timeout()
}

// describe names a transport failure in a few words, for the retry line.
func describe(err error) string {
	var timeout *TimeoutError
	var body *BodyError
	switch {
	case errors.As(err, &body):
		return body.Error()
	case errors.As(err, &timeout):
		return timeout.Error()
	case connectTimedOut(err):
		return "connect timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection lost before the whole answer came"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	return err.Error()
}
