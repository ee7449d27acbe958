// Package download fetches files over HTTP into a directory, and never
// reports a file it did not verify on disk.
//
// Each file is written as NAME.part and renamed to NAME only once the bytes
// on disk (read back as they are written, never the bytes off the wire)
// were checked and flushed: the declared length, the gzip stream to its end
// (CRC-32 and length) and, for a .tar.gz, the tar stream inside to its
// end-of-archive marker. An interrupted file resumes with Range, guarded
// by If-Range when the server sent an ETag, which is kept beside the .part
// before any byte of the body is written; a 206 of another version starts
// the file over. Transient failures are retried for as long as attempts make
// progress, within a budget of waiting.
//
// The directory is locked for the whole run, so that two runs never write
// one file, and a manifest in it records where each complete file came
// from: an existing file is skipped only when the manifest vouches for it.
// No file is opened through a symbolic link.
//
// It knows nothing of Atlas or of terminals: it takes URLs and names, and
// reports progress as events. It uses its own http.Client, which sends no
// credential anywhere: archive links carry their own signature or token.
package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/backoff"
	"github.com/atlas-backup/atlas-backup/internal/fleet"
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
	Skipped    Outcome = "skipped"    // already complete on disk, as the manifest records: nothing fetched
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
	Verifying                   // every byte is on disk: it is being checked
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
	Dir string
	// Source names what the files belong to (a restore job's ID). The
	// manifest records it, and a file already in Dir is skipped only when
	// its record names the same source, link and size.
	Source   string
	Parallel int  // files at once (default 4)
	Force    bool // fetch again files that are complete on disk; the old file stays until the new one is verified
	// NoWait fails the run at once with a *BusyError when another process
	// is downloading into Dir, instead of waiting for it.
	NoWait bool
	// OnLockWait is called once when the run starts waiting for another
	// process's download into Dir.
	OnLockWait func()
	// Client makes the requests; nil: NewClient(). It must not add
	// credentials: the links carry their own signature.
	Client *http.Client
	// Stall fails an attempt that receives no data for this long
	// (default 30s): it bounds a stall, not a whole transfer.
	Stall time.Duration
	// MaxIdleAttempts in a row without progress end a file (default 5).
	MaxIdleAttempts int
	// MaxWait bounds the waiting between the attempts of one file, however
	// long a Retry-After asks for (default backoff.Budget).
	MaxWait time.Duration
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
	lockPoll        = 100 * time.Millisecond
)

// NewClient is the client for archive links, over base (nil: Go's default
// transport, with proxies from the environment): redirects followed without
// any credential, cookie or Referer (which would carry the signed link),
// no cookie jar.
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
			req.Header.Del("Referer")
			return nil
		},
	}
}

// BusyError is a directory that another process is downloading into.
type BusyError struct{ Dir string }

func (e *BusyError) Error() string {
	return fmt.Sprintf("another atlas-backup download is writing into %s; wait for it to finish (without --no-wait, the command waits), or use another directory", e.Dir)
}

// Run fetches the files into o.Dir, at most o.Parallel at once, and returns
// one Result per file, in order. It first takes the directory's lock: the
// error is for a run that could not (busy with NoWait, a lock that cannot
// be made, or ctx done while waiting), and then no file was touched. It
// stops early only when ctx is done: files not finished then are Failed
// with the context's cause, their .part kept for the next run.
func Run(ctx context.Context, o Options, files []File) ([]Result, error) {
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
	if o.MaxWait <= 0 {
		o.MaxWait = backoff.Budget
	}
	if o.Wait == nil {
		o.Wait = backoff.Delay
	}
	if o.FreeSpace == nil {
		o.FreeSpace = freeSpace
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockDir(ctx, o)
	if err != nil {
		return nil, err
	}
	defer unlock()
	man, err := loadManifest(o.Dir)
	if err != nil {
		return nil, err
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
		j := &job{o: &o, index: i, file: f, emit: emit, trace: trace, space: space, man: man}
		results[i] = j.run(ctx)
		space.release(j.promised) // what it will no longer write
		emit(Event{Index: i, Name: f.Name, Kind: Finished, Bytes: results[i].Bytes, Total: j.total,
			Outcome: results[i].Outcome, Err: results[i].Err})
	})
	return results, nil
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

// permanentError is a failure that another attempt will not mend.
type permanentError struct{ err error }

// Permanent reports whether a file's failure would end the same way if run
// again at once (a refused link, a corrupt archive, a full disk, a file in
// the way), rather than resume.
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
