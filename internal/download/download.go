// Package download fetches files over HTTP into a directory, safely and
// resumably: each file is written as NAME.part and renamed to NAME only
// when it holds every byte the server declared and, for a gzip file, its
// stream checks out to the end (CRC-32 and length). An interrupted file
// resumes with Range, guarded by If-Range when the server sent an ETag,
// which is kept beside the .part before any byte of the body is written.
// Transient failures are retried for as long as attempts make progress.
//
// It knows nothing of Atlas or of terminals: it takes URLs and names, and
// reports progress as events. It uses its own http.Client, which sends no
// credential anywhere: archive links are pre-signed.
package download

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/backoff"
	"github.com/atlas-backup/atlas-backup/internal/fleet"
	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// File is one file to fetch: a URL and the plain name it gets in the
// directory (see Names).
type File struct {
	URL  string
	Name string
}

// Outcome is how a file ended.
type Outcome string

// The outcomes.
const (
	Downloaded Outcome = "downloaded" // fetched whole in this run
	Resumed    Outcome = "resumed"    // completed from a .part an earlier run left
	Skipped    Outcome = "skipped"    // already complete on disk: nothing fetched
	Failed     Outcome = "failed"
)

// Result is what became of one file.
type Result struct {
	File    File
	Path    string // where it is (or would be) on disk
	Bytes   int64  // its size on disk (of the .part, for a failed file)
	Outcome Outcome
	Err     error // for a failed file
}

// EventKind tells what an Event reports.
type EventKind int

// The kinds of event, in the order a file goes through them.
const (
	Started    EventKind = iota // the first answer came: Total is known (or -1)
	Progressed                  // more bytes are on disk
	Retrying                    // an attempt failed and another follows after Wait
	Finished                    // the file ended: see Outcome and Err
)

// Event reports a file's progress. Events of one file arrive in order;
// OnEvent is never called for two events at once.
type Event struct {
	Index   int // into the files given to Run
	Name    string
	Kind    EventKind
	Bytes   int64 // on disk so far
	Total   int64 // the whole file's size; -1 when unknown
	Resumed int64 // bytes that were on disk before this run
	Wait    time.Duration
	Err     error
	Outcome Outcome
}

// Options configure Run.
type Options struct {
	Dir      string
	Parallel int  // files at once (default 4)
	Force    bool // fetch again files that are complete on disk
	// Client makes the requests; nil: NewClient(). It must not add
	// credentials: the links carry their own signature.
	Client *http.Client
	// Stall fails an attempt that receives no data for this long
	// (default 30s): it bounds a stall, not a whole transfer.
	Stall time.Duration
	// MaxIdleAttempts in a row without progress end a file (default 5).
	MaxIdleAttempts int
	// Wait is the wait before another attempt after n without progress;
	// nil: Retry-After, else backoff.Delay.
	Wait func(n int, resp *http.Response) time.Duration
	// OnEvent receives progress events; nil: none.
	OnEvent func(Event)
	// Trace, when set, receives one line per request and answer, with the
	// URL's path and query REDACTED (they hold the signature).
	Trace io.Writer
	// FreeSpace reports the bytes free in a directory (ok false: unknown);
	// nil: the operating system's.
	FreeSpace func(dir string) (free int64, ok bool)
}

// Defaults.
const (
	DefaultParallel = 4
	DefaultStall    = 30 * time.Second
	DefaultMaxIdle  = 5
	progressEvery   = 100 * time.Millisecond
	copyBuffer      = 256 << 10
)

// NewClient is the client for archive links, over base (nil: Go's default
// transport, with proxies from the environment): redirects followed without
// any credential or cookie, no cookie jar.
func NewClient(base *http.Transport) *http.Client {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	t := base.Clone()
	t.DisableCompression = true // the bytes as stored: Content-Length and Range count them
	return &http.Client{
		Transport: t,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			req.Header.Del("Authorization")
			req.Header.Del("Cookie")
			return nil
		},
	}
}

// Run fetches the files into o.Dir, at most o.Parallel at once, and returns
// one Result per file, in order. It stops early only when ctx is done:
// files not finished then are Failed with the context's cause, their .part
// kept for the next run.
func Run(ctx context.Context, o Options, files []File) []Result {
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.Client == nil {
		o.Client = NewClient(nil)
	}
	if o.Stall <= 0 {
		o.Stall = DefaultStall
	}
	if o.MaxIdleAttempts <= 0 {
		o.MaxIdleAttempts = DefaultMaxIdle
	}
	if o.Wait == nil {
		o.Wait = backoff.Delay
	}
	if o.FreeSpace == nil {
		o.FreeSpace = freeSpace
	}
	var mu sync.Mutex // serializes OnEvent and Trace
	emit := func(e Event) {
		if o.OnEvent != nil {
			mu.Lock()
			o.OnEvent(e)
			mu.Unlock()
		}
	}
	trace := func(format string, args ...any) {
		if o.Trace != nil {
			mu.Lock()
			fmt.Fprintf(o.Trace, format+"\n", args...)
			mu.Unlock()
		}
	}
	results := make([]Result, len(files))
	space := &spaceBook{}
	fleet.Run(ctx, len(files), o.Parallel, func(ctx context.Context, i int) {
		f := files[i]
		j := &job{o: &o, index: i, file: f, emit: emit, trace: trace, space: space}
		results[i] = j.run(ctx)
		space.release(j.promised) // what it will no longer write
		emit(Event{Index: i, Name: f.Name, Kind: Finished, Bytes: results[i].Bytes, Total: j.total,
			Outcome: results[i].Outcome, Err: results[i].Err})
	})
	return results
}

// job is one file's download.
type job struct {
	o     *Options
	index int
	file  File
	emit  func(Event)
	trace func(string, ...any)

	final, part, meta string
	etag              string // of the bytes in the .part
	total             int64  // -1 until an answer says
	resumed           int64  // bytes on disk before this run
	started           bool

	space    *spaceBook // shared by the run's files
	promised int64      // bytes this file still owes the disk, in space
}

// spaceBook keeps the bytes that the run's files still have to write, so
// that each free-space check counts what the others will take: two
// archives that each fit alone but not together are caught before a byte.
type spaceBook struct {
	mu       sync.Mutex
	promised int64
}

// reserve takes need bytes of free for a file that already holds mine of
// the promises; it fails when the others' promises leave too little.
func (b *spaceBook) reserve(free, need, mine int64) (others int64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	others = b.promised - mine
	if free-others < need {
		return others, false
	}
	b.promised += need - mine
	return others, true
}

// release gives back n promised bytes (written, or no longer coming).
func (b *spaceBook) release(n int64) {
	b.mu.Lock()
	b.promised -= n
	b.mu.Unlock()
}

func (j *job) run(ctx context.Context) Result {
	dir := j.o.Dir
	j.final = filepath.Join(dir, j.file.Name)
	j.part = j.final + ".part"
	j.meta = filepath.Join(dir, "."+j.file.Name+".etag")
	j.total = -1
	res := Result{File: j.file, Path: j.final}
	fail := func(err error) Result {
		res.Outcome, res.Err, res.Bytes = Failed, err, fileSize(j.part)
		return res
	}
	if ctx.Err() != nil {
		return fail(context.Cause(ctx))
	}
	if j.o.Force {
		for _, p := range []string{j.final, j.part, j.meta} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fail(err)
			}
		}
	} else if info, err := os.Stat(j.final); err == nil {
		res.Outcome, res.Bytes = Skipped, info.Size()
		j.total = info.Size()
		return res
	}
	j.resumed = fileSize(j.part)
	if j.resumed > 0 {
		if b, err := os.ReadFile(j.meta); err == nil {
			j.etag = strings.TrimSpace(string(b))
		}
	}
	for idle := 0; ; {
		before := fileSize(j.part)
		resp, err := j.attempt(ctx)
		if err == nil {
			break
		}
		var perm *permanentError
		switch {
		case ctx.Err() != nil:
			return fail(context.Cause(ctx))
		case errors.As(err, &perm):
			return fail(err)
		}
		if fileSize(j.part) > before {
			idle = 0
		} else {
			idle++
		}
		if idle >= j.o.MaxIdleAttempts {
			return fail(fmt.Errorf("%w (%d attempts in a row without progress)", err, idle))
		}
		wait := j.o.Wait(max(idle, 1), resp)
		j.emit(Event{Index: j.index, Name: j.file.Name, Kind: Retrying, Bytes: fileSize(j.part), Total: j.total, Wait: wait, Err: err})
		if !backoff.Sleep(ctx.Done(), wait) {
			return fail(context.Cause(ctx))
		}
	}
	if err := os.Rename(j.part, j.final); err != nil {
		return fail(err)
	}
	os.Remove(j.meta)
	res.Bytes = fileSize(j.final)
	res.Outcome = Downloaded
	if j.resumed > 0 {
		res.Outcome = Resumed
	}
	return res
}

// permanentError is a failure that another attempt will not mend.
type permanentError struct{ err error }

// Permanent reports whether a file's failure would end the same way if run
// again at once (a refused link, a corrupt archive, a full disk), rather
// than resume.
func Permanent(err error) bool { return errors.As(err, new(*permanentError)) }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// StatusError is an archive host's error answer.
type StatusError struct {
	Status int
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	switch e.Status {
	case http.StatusForbidden, http.StatusGone:
		msg += " (the link may have expired)"
	}
	return msg
}

// attempt makes one request and writes what it brings. It returns nil when
// the .part holds the whole file, checked; the answer is returned for its
// Retry-After.
func (j *job) attempt(ctx context.Context) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(j.o.Stall, func() { cancel(errStalled) })
	defer stall.Stop()

	offset := fileSize(j.part)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.file.URL, nil)
	if err != nil {
		return nil, &permanentError{err}
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
		if j.etag != "" {
			req.Header.Set("If-Range", j.etag)
		}
	}
	j.trace("> GET %s%s", Redact(j.file.URL), rangeNote(req))
	resp, err := j.o.Client.Do(req)
	if err != nil {
		return nil, j.cause(ctx, err)
	}
	defer resp.Body.Close()
	j.trace("< %s (Content-Length %d%s)", resp.Status, resp.ContentLength, headerNote(resp, "Content-Range"))
	switch {
	case resp.StatusCode == http.StatusOK:
		offset, j.resumed = 0, 0 // a whole answer: start over, nothing resumed
		j.total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent:
		start, total, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != offset {
			os.Remove(j.part) // not the bytes asked for: start over
			return resp, fmt.Errorf("the server answered a range from byte %d, not %d", start, offset)
		}
		j.total = total
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		if _, total, ok := contentRange(resp.Header.Get("Content-Range")); ok && total == offset && j.etag != "" {
			j.total = total
			return resp, j.verify(ctx, offset) // the .part was already whole
		}
		os.Remove(j.part)
		return resp, errors.New("the server refused to resume the .part: starting over")
	case resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented):
		return resp, &StatusError{Status: resp.StatusCode}
	default:
		return resp, &permanentError{&StatusError{Status: resp.StatusCode}}
	}
	if j.total >= 0 {
		if free, ok := j.o.FreeSpace(j.o.Dir); ok {
			need := j.total - offset
			others, ok := j.space.reserve(free, need, j.promised)
			if !ok {
				msg := fmt.Sprintf("not enough free space in %s: %s needed, %s free", j.o.Dir, Size(need), Size(free))
				if others > 0 {
					msg += fmt.Sprintf(", %s of it for the other archives", Size(others))
				}
				return resp, &permanentError{errors.New(msg)}
			}
			j.promised = need
		}
	}
	// The ETag goes on disk before any byte of the body, so that even a
	// killed run resumes only the same file.
	j.etag = strongETag(resp.Header.Get("ETag"))
	if err := j.saveETag(); err != nil {
		return resp, &permanentError{err}
	}
	flags := os.O_CREATE | os.O_WRONLY
	if offset == 0 {
		flags |= os.O_TRUNC
	} else {
		flags |= os.O_APPEND
	}
	out, err := os.OpenFile(j.part, flags, 0o644)
	if err != nil {
		return resp, &permanentError{err}
	}
	if !j.started {
		j.started = true
		j.emit(Event{Index: j.index, Name: j.file.Name, Kind: Started, Bytes: offset, Total: j.total, Resumed: j.resumed})
	}
	stall.Stop() // re-reading what is on disk is no stall of the server's
	check, checked := j.checker(ctx, offset)
	stall.Reset(j.o.Stall)
	n, copyErr := j.copy(out, resp.Body, check, offset, stall)
	closeErr := out.Close()
	if check != nil {
		if copyErr != nil || (j.total >= 0 && offset+n != j.total) {
			check.CloseWithError(errIncomplete)
		} else {
			check.Close()
		}
	}
	if errors.Is(copyErr, errChecker) {
		if err := <-checked; err != nil {
			return resp, j.corrupt(err) // the stream went wrong before its end
		}
	}
	if copyErr != nil {
		<-checked
		return resp, j.cause(ctx, copyErr)
	}
	if closeErr != nil {
		return resp, &permanentError{closeErr}
	}
	if got := offset + n; j.total >= 0 && got != j.total {
		<-checked
		return resp, fmt.Errorf("the answer ended after %d of %d bytes", got, j.total)
	}
	if j.total < 0 {
		j.total = offset + n
	}
	if err := <-checked; err != nil {
		return resp, j.corrupt(err)
	}
	return resp, nil
}

// copy streams the body into the .part (and the checker), resetting the
// stall timer on every read that brings data, and sends progress events.
func (j *job) copy(out io.Writer, body io.Reader, check *io.PipeWriter, offset int64, stall *time.Timer) (int64, error) {
	buf := make([]byte, copyBuffer)
	var n int64
	last := time.Now()
	for {
		k, err := body.Read(buf)
		if k > 0 {
			stall.Reset(j.o.Stall)
			if _, werr := out.Write(buf[:k]); werr != nil {
				return n, &permanentError{werr}
			}
			if check != nil {
				if _, werr := check.Write(buf[:k]); werr != nil {
					return n, errChecker
				}
			}
			n += int64(k)
			if j.promised > 0 {
				paid := min(int64(k), j.promised)
				j.promised -= paid
				j.space.release(paid)
			}
			if now := time.Now(); now.Sub(last) >= progressEvery {
				last = now
				j.emit(Event{Index: j.index, Name: j.file.Name, Kind: Progressed, Bytes: offset + n, Total: j.total, Resumed: j.resumed})
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// checker starts the gzip check of a .gz file: it reads what is on disk
// before offset, then what copy sends it, to the end of the stream. Its
// result comes on the channel (nil for a file that is not gzip).
func (j *job) checker(ctx context.Context, offset int64) (*io.PipeWriter, <-chan error) {
	done := make(chan error, 1)
	if !isGzip(j.file.Name) {
		done <- nil
		return nil, done
	}
	pr, pw := io.Pipe()
	go func() {
		err := gunzipAll(bufio.NewReaderSize(pr, copyBuffer))
		pr.CloseWithError(err) // a writer still writing learns of it
		io.Copy(io.Discard, pr)
		done <- err
	}()
	if offset > 0 {
		// The bytes an earlier attempt or run left, first.
		if err := copyPrefix(pw, j.part, offset); err != nil {
			pw.CloseWithError(err)
		}
	}
	return pw, done
}

// verify checks a .part that is already whole.
func (j *job) verify(ctx context.Context, size int64) error {
	if !isGzip(j.file.Name) {
		return nil
	}
	f, err := os.Open(j.part)
	if err != nil {
		return &permanentError{err}
	}
	defer f.Close()
	if err := gunzipAll(bufio.NewReaderSize(io.LimitReader(f, size), copyBuffer)); err != nil {
		return j.corrupt(err)
	}
	return nil
}

// corrupt removes a .part whose bytes are all there but do not check out:
// resuming it would only end the same way.
func (j *job) corrupt(err error) error {
	os.Remove(j.part)
	os.Remove(j.meta)
	return &permanentError{fmt.Errorf("the archive is corrupt (%v); the .part was removed, so the next download fetches it anew", err)}
}

func (j *job) saveETag() error {
	if j.etag == "" {
		if err := os.Remove(j.meta); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return os.WriteFile(j.meta, []byte(j.etag+"\n"), 0o644)
}

var (
	errStalled    = errors.New("stalled")
	errIncomplete = errors.New("the stream ended early")
	errChecker    = errors.New("the gzip check stopped")
)

// cause names what ended an attempt: a stall, or the error itself.
func (j *job) cause(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errStalled) {
		return fmt.Errorf("no data for %s", j.o.Stall)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL holds the signature
	}
	return err
}

// gunzipAll reads a gzip stream (every member) to its end: the reader
// checks each member's CRC-32 and length.
func gunzipAll(r io.Reader) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	buf := make([]byte, copyBuffer)
	for {
		_, err := gz.Read(buf)
		if err == io.EOF {
			return gz.Close()
		}
		if err != nil {
			return err
		}
	}
}

func copyPrefix(w io.Writer, path string, n int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyN(w, f, n)
	return err
}

func isGzip(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".gz") || strings.HasSuffix(n, ".tgz")
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// contentRange reads "bytes START-END/TOTAL" or "bytes */TOTAL".
func contentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, false
	}
	span, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	total, err := strconv.ParseInt(size, 10, 64)
	if err != nil || total < 0 {
		return 0, 0, false
	}
	if span == "*" {
		return 0, total, true
	}
	first, _, found := strings.Cut(span, "-")
	start, err = strconv.ParseInt(first, 10, 64)
	return start, total, found && err == nil && start >= 0
}

// strongETag keeps an ETag that If-Range may carry: a strong one.
func strongETag(v string) string {
	if v == "" || strings.HasPrefix(v, "W/") {
		return ""
	}
	return v
}

// Redact shows a link without what makes it a key: its path and query.
func Redact(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return "REDACTED"
	}
	return u.Scheme + "://" + u.Host + "/REDACTED"
}

func rangeNote(req *http.Request) string {
	if r := req.Header.Get("Range"); r != "" {
		note := " (Range: " + r
		if ir := req.Header.Get("If-Range"); ir != "" {
			note += ", If-Range: " + ir
		}
		return note + ")"
	}
	return ""
}

func headerNote(resp *http.Response, name string) string {
	if v := resp.Header.Get(name); v != "" {
		return ", " + name + " " + v
	}
	return ""
}

var plainName = lazyre.New(`^[A-Za-z0-9._-]+$`)

// Names gives each link a file name: the URL's last path segment when it is
// a plain name ([A-Za-z0-9._-]+, not . or ..), else fallback(i). A name that
// would repeat (ignoring case) gets -2, -3… before its extension. No name
// can reach outside the directory.
func Names(links []string, fallback func(i int) string) []string {
	names := make([]string, len(links))
	taken := map[string]bool{}
	for i, link := range links {
		name := ""
		if u, err := url.Parse(link); err == nil {
			p := u.EscapedPath() // %2F is not a separator, and not plain
			seg := p[strings.LastIndex(p, "/")+1:]
			if plainName().MatchString(seg) && seg != "." && seg != ".." {
				name = seg
			}
		}
		if name == "" {
			name = fallback(i)
		}
		base, ext := splitExt(name)
		for n := 2; taken[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s-%d%s", base, n, ext)
		}
		taken[strings.ToLower(name)] = true
		names[i] = name
	}
	return names
}

func splitExt(name string) (base, ext string) {
	for _, double := range []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"} {
		if len(name) > len(double) && strings.HasSuffix(strings.ToLower(name), double) {
			return name[:len(name)-len(double)], name[len(name)-len(double):]
		}
	}
	ext = filepath.Ext(name)
	if ext == name {
		ext = "" // ".profile": all name, no extension
	}
	return name[:len(name)-len(ext)], ext
}

// Size writes a byte count for people: 4.0 MiB, 512 B.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n)/unit, 0
	for ; v >= unit && exp < 5; exp++ {
		v /= unit
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}
