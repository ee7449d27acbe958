package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure the sandbox injects into the requests of one operation,
// so that a client's error paths can be rehearsed.
type Fault struct {
	// Operation is the operation's name as the spec gives it, short
	// (getBackupExport) or long (getGroupClusterBackupExport), or
	// createToken / revokeToken for the OAuth endpoints, or "*" for all.
	Operation string
	// Status, when set, answers with this HTTP status in Atlas's error shape;
	// 429 and 503 carry Retry-After.
	Status int
	// Drop closes the connection without an answer.
	Drop bool
	// Delay holds the answer back this long, then serves the request normally.
	Delay time.Duration
	// Times is how many matching requests get the fault; 0 means all of them.
	Times int
}

// retryAfterSeconds is the Retry-After of injected 429 and 503 answers.
const retryAfterSeconds = 1

// ParseFault reads a fault written OPERATION:KIND[:TIMES], where KIND is an
// HTTP status from 400 to 599, "drop", or "slow=DURATION". For example
// "getBackupExport:503:2" answers the first two export polls with 503.
func ParseFault(spec string) (Fault, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return Fault{}, fmt.Errorf("%q: want OPERATION:KIND[:TIMES], e.g. getBackupExport:503:2", spec)
	}
	f := Fault{Operation: parts[0]}
	if f.Operation != "*" && operationByName(f.Operation) == "" {
		return Fault{}, fmt.Errorf("%q: unknown operation %q (known: %s, or *)", spec, f.Operation, strings.Join(operationNames(), ", "))
	}
	kind := parts[1]
	switch {
	case kind == "drop":
		f.Drop = true
	case strings.HasPrefix(kind, "slow="):
		d, err := time.ParseDuration(strings.TrimPrefix(kind, "slow="))
		if err != nil || d <= 0 {
			return Fault{}, fmt.Errorf("%q: slow takes a positive duration, e.g. slow=2s", spec)
		}
		f.Delay = d
	default:
		n, err := strconv.Atoi(kind)
		if err != nil || n < 400 || n > 599 {
			return Fault{}, fmt.Errorf("%q: KIND must be an HTTP status from 400 to 599, drop, or slow=DURATION", spec)
		}
		f.Status = n
	}
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 {
			return Fault{}, fmt.Errorf("%q: TIMES must be a whole number of at least 1", spec)
		}
		f.Times = n
	}
	return f, nil
}

// String writes the fault back in ParseFault's form.
func (f Fault) String() string {
	kind := strconv.Itoa(f.Status)
	switch {
	case f.Drop:
		kind = "drop"
	case f.Delay > 0:
		kind = "slow=" + f.Delay.String()
	}
	if f.Times > 0 {
		return fmt.Sprintf("%s:%s:%d", f.Operation, kind, f.Times)
	}
	return f.Operation + ":" + kind
}

// activeFault is a Fault with its remaining count.
type activeFault struct {
	Fault
	used int
}

// takeFault returns the first fault that applies to op and counts it used.
func (s *Server) takeFault(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Operation != "*" && operationByName(f.Operation) != op {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		fault := f.Fault
		return &fault
	}
	return nil
}

// inject applies a fault to a request. It reports whether the request was
// answered (or dropped) and must go no further. beforeDrop runs just before
// a connection is dropped.
func (s *Server) inject(w http.ResponseWriter, r *http.Request, op string, beforeDrop func()) bool {
	f := s.takeFault(op)
	if f == nil {
		return false
	}
	switch {
	case f.Delay > 0:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
			return false
		case <-r.Context().Done():
			return true
		}
	case f.Drop:
		beforeDrop()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return true
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a writer that cannot hijack
	default:
		if f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		}
		e := newError(f.Status, codeForStatus(f.Status),
			fmt.Sprintf("Simulated fault %s injected by the sandbox.", f))
		writeJSON(w, f.Status, "application/json", e, false)
		return true
	}
}
