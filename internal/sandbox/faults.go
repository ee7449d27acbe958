package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure the sandbox injects into the requests of one operation,
// so that a client's error paths can be rehearsed. Set one of Kind, Drop,
// Delay or Status.
type Fault struct {
	// Operation is the operation's name as the spec gives it, short
	// (getBackupExport) or long (getGroupClusterBackupExport), or
	// createToken / revokeToken for the OAuth endpoints, downloadArchive
	// for the archive server (ArchiveHandler), or "*" for all.
	Operation string
	// Status, when set, answers with this HTTP status in Atlas's error shape
	// (in S3's XML error shape for downloadArchive); 429 and 503 carry
	// Retry-After: 1, or with WithRetryAfter every 429 and 5xx carries its
	// value.
	Status int
	// Drop closes the connection without an answer.
	Drop bool
	// Delay holds the answer back this long, then serves the request normally.
	Delay time.Duration
	// Kind, when set, breaks the answer in one of the ways that FaultKind
	// lists; CutAfter goes with FaultCut.
	Kind FaultKind
	// CutAfter is how many bytes of the body a FaultCut answer sends before
	// the connection drops (0: none, only the status line and headers).
	CutAfter int64
	// Times is how many matching requests get the fault; 0 means all of them.
	Times int
	// After is how many matching requests pass untouched before the fault
	// applies: 1 faults a list's second page.
	After int
}

// FaultKind is a way of breaking an answer that a status cannot express:
// what a flaky network, a proxy or a load balancer does to an answer. Such
// answers break the OpenAPI contract on purpose, so they carry FaultHeader.
type FaultKind string

const (
	// FaultCut serves the request, sends the real answer's status line and
	// headers (with its full Content-Length) and the first CutAfter bytes of
	// its body, then drops the connection: the client sees the body end
	// early (unexpected EOF). A body no longer than CutAfter goes whole,
	// and the connection still drops.
	FaultCut FaultKind = "cut"
	// FaultHTML answers 502 with a load balancer's text/html error page;
	// the operation does not run.
	FaultHTML FaultKind = "html"
	// FaultBadJSON serves the request, then answers 200 with the real
	// answer's Content-Type and the first half of its body: not valid JSON.
	FaultBadJSON FaultKind = "badjson"
	// FaultEmpty serves the request, then answers 200 with the real
	// answer's Content-Type and an empty body.
	FaultEmpty FaultKind = "empty"
	// FaultContentType answers 200 with Content-Type text/plain and a
	// plain-text body; the operation does not run.
	FaultContentType FaultKind = "ctype"
	// FaultCorrupt, for downloadArchive only, serves the archive with its
	// real status and headers (ETag included) and the same bytes and length,
	// except that the CRC-32 in its gzip trailer is wrong: the file arrives
	// whole and fails its gzip check at the end. A Range that leaves out the
	// trailer gets the real bytes.
	FaultCorrupt FaultKind = "corrupt"
)

// FaultHeader is the response header that marks an answer a FaultKind broke
// on purpose; its value is the fault, as String writes it. The contract
// checks of the tests (internal/spectest) leave such answers alone, as they
// do dropped connections. Status faults are in Atlas's error shape and carry
// no FaultHeader.
const FaultHeader = "X-Sandbox-Fault"

// retryAfterSeconds is the Retry-After of injected 429 and 503 answers
// unless WithRetryAfter says otherwise.
const retryAfterSeconds = 1

// faultKinds is what ParseFault's error lists as KIND. Its start is the
// wording from before the FaultKinds, which scripts may match.
const faultKinds = "an HTTP status from 400 to 599, drop, or slow=DURATION (or a broken answer: cut=BYTES, html, badjson, empty or ctype; corrupt for downloadArchive)"

// ParseFault reads a fault written OPERATION:KIND[:TIMES[:AFTER]], where KIND is an
// HTTP status from 400 to 599, "drop", "slow=DURATION", "cut=BYTES",
// "html", "badjson", "empty", "ctype" or, for downloadArchive only,
// "corrupt" (see FaultKind). For example
// "getBackupExport:503:2" answers the first two export polls with 503, and
// "getBackupExport:cut=10:1" sends the first poll's headers and ten bytes of
// its body, then drops the connection. AFTER lets that many matching
// requests through first: "listBackupExports:drop:1:1" drops page 2.
func ParseFault(spec string) (Fault, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 4 || parts[0] == "" {
		return Fault{}, fmt.Errorf("%q: want OPERATION:KIND[:TIMES[:AFTER]], e.g. getBackupExport:503:2", spec)
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
	case kind == "cut" || strings.HasPrefix(kind, "cut="):
		n, err := strconv.ParseInt(strings.TrimPrefix(kind, "cut="), 10, 64)
		if kind == "cut" || err != nil || n < 0 {
			return Fault{}, fmt.Errorf("%q: cut takes how many bytes of the body to send before dropping the connection, a whole number of 0 or more, e.g. cut=100", spec)
		}
		f.Kind, f.CutAfter = FaultCut, n
	case kind == string(FaultHTML) || kind == string(FaultBadJSON) || kind == string(FaultEmpty) || kind == string(FaultContentType):
		f.Kind = FaultKind(kind)
	case kind == string(FaultCorrupt):
		if operationByName(f.Operation) != opDownloadArchive {
			return Fault{}, fmt.Errorf("%q: corrupt applies to downloadArchive only (a gzip archive whose CRC-32 is wrong)", spec)
		}
		f.Kind = FaultCorrupt
	default:
		n, err := strconv.Atoi(kind)
		if err != nil || n < 400 || n > 599 {
			return Fault{}, fmt.Errorf("%q: KIND must be %s", spec, faultKinds)
		}
		f.Status = n
	}
	if len(parts) >= 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 {
			return Fault{}, fmt.Errorf("%q: TIMES must be a whole number of at least 1", spec)
		}
		f.Times = n
	}
	if len(parts) == 4 {
		n, err := strconv.Atoi(parts[3])
		if err != nil || n < 0 {
			return Fault{}, fmt.Errorf("%q: AFTER must be a whole number of 0 or more", spec)
		}
		f.After = n
	}
	return f, nil
}

// String writes the fault back in ParseFault's form.
func (f Fault) String() string {
	kind := strconv.Itoa(f.Status)
	switch {
	case f.Kind == FaultCut:
		kind = "cut=" + strconv.FormatInt(f.CutAfter, 10)
	case f.Kind != "":
		kind = string(f.Kind)
	case f.Drop:
		kind = "drop"
	case f.Delay > 0:
		kind = "slow=" + f.Delay.String()
	}
	switch {
	case f.After > 0:
		return fmt.Sprintf("%s:%s:%d:%d", f.Operation, kind, f.Times, f.After)
	case f.Times > 0:
		return fmt.Sprintf("%s:%s:%d", f.Operation, kind, f.Times)
	}
	return f.Operation + ":" + kind
}

// activeFault is a Fault with its counts.
type activeFault struct {
	Fault
	seen, used int
}

// takeFault returns the first fault that applies to op and counts it used.
func (s *Server) takeFault(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Operation != "*" && operationByName(f.Operation) != op {
			continue
		}
		if f.seen++; f.seen <= f.After {
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

// answer serves a request through the fault that applies to it, if any:
// serve writes the real answer to the writer it is given. record logs the
// request; it runs just before a connection is dropped.
func (s *Server) answer(w *statusWriter, r *http.Request, op string, record func(), serve func(http.ResponseWriter)) {
	s.applyFault(s.takeFault(op), w, r, op, record, serve)
}

// applyFault serves a request through f (nil: none), as answer does.
func (s *Server) applyFault(f *Fault, w *statusWriter, r *http.Request, op string, record func(), serve func(http.ResponseWriter)) {
	if f == nil {
		serve(w)
		return
	}
	// The archive server is no Atlas API: no rate-limit headers.
	api := op != opDownloadArchive
	mark := func() { w.Header().Set(FaultHeader, f.String()) }
	switch {
	case f.Kind == FaultCut:
		mark()
		serve(&cutWriter{ResponseWriter: w, left: f.CutAfter})
		if w.status == 0 {
			w.WriteHeader(http.StatusOK)
		}
		http.NewResponseController(w).Flush()
		record()
		dropConnection(w)
	case f.Kind == FaultHTML:
		mark()
		s.setRetryAfter(w.Header(), http.StatusBadGateway)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(badGatewayPage)))
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, badGatewayPage)
	case f.Kind == FaultContentType:
		text := fmt.Sprintf("Simulated fault %s injected by the sandbox: this answer is plain text, not JSON.\n", f)
		mark()
		if api {
			setRateLimit(w.Header(), op)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(text)))
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, text)
	case f.Kind == FaultBadJSON || f.Kind == FaultEmpty:
		orig := &bufferWriter{header: http.Header{}}
		serve(orig)
		var out []byte
		if f.Kind == FaultBadJSON {
			out = truncatedJSON(orig.body.Bytes())
		}
		h := w.Header()
		for k, v := range orig.header {
			h[k] = v
		}
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json")
		}
		h.Del("Content-Range") // a 200 now, whatever the real answer was
		h.Set("Content-Length", strconv.Itoa(len(out)))
		if api {
			setRateLimit(h, op)
		}
		mark()
		w.WriteHeader(http.StatusOK)
		w.Write(out)
	case f.Delay > 0:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
			serve(w)
		case <-r.Context().Done():
		}
	case f.Drop:
		record()
		dropConnection(w)
	case !api:
		s.archiveFault(w, r, f)
	default:
		s.setRetryAfter(w.Header(), f.Status)
		// An error of Atlas's own: enveloped when the request asks for it.
		x := &exchange{w: w, r: r}
		if op != opCreateToken && op != opRevokeToken {
			x.envelope, _ = strconv.ParseBool(r.URL.Query().Get("envelope"))
			setRateLimit(w.Header(), op)
		}
		x.fail(newError(f.Status, codeForStatus(f.Status), fmt.Sprintf("Simulated fault %s injected by the sandbox.", f)))
	}
}

// setRetryAfter adds the Retry-After an injected answer with this status
// carries: by default 1 second on 429 and 503; with WithRetryAfter its value
// on 429 and every 5xx, the html fault's 502 among them.
func (s *Server) setRetryAfter(h http.Header, status int) {
	switch {
	case s.retryAfter >= 0 && (status == http.StatusTooManyRequests || status >= 500):
		h.Set("Retry-After", strconv.Itoa(s.retryAfter))
	case s.retryAfter < 0 && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable):
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
}

// dropConnection closes a request's connection without another byte.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a writer that cannot hijack
}

// cutWriter passes the status and headers through, and only the first left
// bytes of the body; it refuses the rest, so that a large answer being
// copied stops there.
type cutWriter struct {
	http.ResponseWriter
	left int64
}

// errCut is what a cutWriter answers for the bytes past the cut.
var errCut = errors.New("sandbox: cut fault: the rest of the body is not sent")

func (c *cutWriter) Write(p []byte) (int, error) {
	n := min(int64(len(p)), c.left)
	c.left -= n
	if _, err := c.ResponseWriter.Write(p[:n]); err != nil {
		return 0, err
	}
	if int(n) < len(p) {
		return int(n), errCut
	}
	return len(p), nil
}

func (c *cutWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// bufferWriter keeps an answer instead of sending it.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// truncatedJSON is the first half of a JSON body, which cannot be valid
// JSON; a body too short for that is replaced by the start of an object.
func truncatedJSON(body []byte) []byte {
	if half := body[:len(body)/2]; len(bytes.TrimSpace(half)) > 0 && !json.Valid(half) {
		return half
	}
	return []byte(`{"id":`)
}

// badGatewayPage is what a load balancer in front of Atlas might answer
// when it cannot reach the API.
const badGatewayPage = `<!DOCTYPE html>
<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<p>The server could not get a valid answer from the upstream service. Please try again later.</p>
<hr><center>sandbox-lb</center>
</body>
</html>
`
