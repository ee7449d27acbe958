package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/backoff"
	"github.com/atlas-backup/atlas-backup/internal/safefile"
)

// job is one file's download. Its steps: prepare (what is on disk), then
// attempts (request, accept the answer, write its body) until the .part
// holds every byte, then verify the .part on disk and commit it.
type job struct {
	o     *Options
	index int
	file  File
	emit  func(Event)
	trace func(string, ...any)
	man   *manifest

	final, part, meta string
	etag              string // of the bytes in the .part
	total             int64  // -1 until an answer says
	resumed           int64  // bytes on disk before this run
	started           bool

	space    *spaceBook // shared by the run's files
	promised int64      // bytes this file still owes the disk, in space

	check *streamCheck // of the .part's bytes on disk, from its first
}

func (j *job) run(ctx context.Context) Result {
	dir := j.o.Dir
	j.final = filepath.Join(dir, j.file.Name)
	j.part = filepath.Join(dir, partName(j.file.Name))
	j.meta = filepath.Join(dir, etagName(j.file.Name))
	j.total = -1
	res := Result{File: j.file, Path: j.final}
	fail := func(err error) Result {
		res.Outcome, res.Err, res.Bytes = Failed, err, safefile.Size(j.part)
		return res
	}
	if ctx.Err() != nil {
		return fail(context.Cause(ctx))
	}
	skip, err := j.prepare()
	if err != nil {
		return fail(&permanentError{err})
	}
	if skip {
		res.Outcome, res.Bytes = Skipped, safefile.Size(j.final)
		j.total = res.Bytes
		return res
	}
	defer func() { j.check.abandon() }()
	if err := j.fetch(ctx); err != nil {
		return fail(err)
	}
	j.emit(Event{Index: j.index, Name: j.file.Name, Kind: Verifying, Bytes: j.total, Total: j.total, Resumed: j.resumed})
	sum, err := j.verify()
	if err != nil {
		return fail(err)
	}
	if err := j.commit(sum); err != nil {
		return fail(&permanentError{err})
	}
	res.Bytes = j.total
	res.Outcome = Downloaded
	if j.resumed > 0 {
		res.Outcome = Resumed
	}
	return res
}

// prepare looks at what is on disk: a complete file the manifest vouches
// for is skipped; anything else in the final name's place is refused
// (unless Force, which replaces it only at commit); a .part and its ETag
// are resumed (unless Force, which starts over). Links are never followed.
func (j *job) prepare() (skip bool, err error) {
	if !plainName().MatchString(j.file.Name) || ownName(j.file.Name) {
		return false, fmt.Errorf("%q is not a file name a download may take", j.file.Name)
	}
	for _, p := range []string{j.part, j.meta} {
		if _, err := safefile.Lstat(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, inTheWay(err)
		}
	}
	fi, err := safefile.Lstat(j.final)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, inTheWay(err)
	case !fi.Mode().IsRegular():
		return false, fmt.Errorf("%s is in the way: it is not a regular file; use another --dir, or move it away", j.final)
	case !j.o.Force:
		r, ok := j.man.get(j.file.Name)
		if ok && r.Source == j.o.Source && r.Link == linkName(j.file.URL) && r.Size == fi.Size() {
			return true, nil
		}
		why := "the directory's manifest has no record of it"
		switch {
		case ok && r.Source != j.o.Source:
			why = "it is another download's archive (" + r.Source + ")"
		case ok && r.Size != fi.Size():
			why = fmt.Sprintf("it is %d bytes, not the %d recorded when it was complete", fi.Size(), r.Size)
		case ok:
			why = "it came from another link"
		}
		return false, fmt.Errorf("%s already exists and atlas-backup cannot vouch for it (%s); use another --dir, or --force to replace it once the new archive is complete", j.final, why)
	}
	if j.o.Force {
		for _, p := range []string{j.part, j.meta} {
			if err := safefile.Remove(p); err != nil {
				return false, err
			}
		}
	}
	j.resumed = safefile.Size(j.part)
	if j.resumed > 0 {
		if b, err := readSmall(j.meta); err == nil {
			// The side file: the ETag of the bytes, then what they belong
			// to. Another download's .part (a file of the same name) is
			// not resumed: it starts over.
			etag, source, _ := strings.Cut(string(b), "\n")
			j.etag = strings.TrimSpace(etag)
			if source = strings.TrimSpace(source); source != "" && source != j.o.Source {
				for _, p := range []string{j.part, j.meta} {
					if err := safefile.Remove(p); err != nil {
						return false, err
					}
				}
				j.resumed, j.etag = 0, ""
			}
		}
	}
	return false, nil
}

// inTheWay words a symbolic link (or another file that cannot be looked
// at) where one of a download's files goes.
func inTheWay(err error) error {
	var sl *safefile.SymlinkError
	var hl *safefile.HardLinkError
	if errors.As(err, &sl) || errors.As(err, &hl) {
		return fmt.Errorf("%w: remove it, or use another --dir", err)
	}
	return err
}

// fetch makes attempts until the .part holds the whole file, for as long
// as they make progress, within the budget of waiting.
func (j *job) fetch(ctx context.Context) error {
	var waited time.Duration
	for idle := 0; ; {
		before := safefile.Size(j.part)
		resp, err := j.attempt(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if Permanent(err) {
			return err
		}
		if safefile.Size(j.part) > before {
			idle, waited = 0, 0 // progress: the budget bounds the waits between attempts that bring nothing
		} else {
			idle++
		}
		if idle >= j.o.MaxIdleAttempts {
			return fmt.Errorf("%w (%d attempts in a row without progress)", err, idle)
		}
		wait := j.o.Wait(max(idle, 1), resp)
		if waited+wait > j.o.MaxWait {
			return fmt.Errorf("%w; not retrying: waiting %s more would pass the %s retry budget", err, backoff.Round(wait), j.o.MaxWait)
		}
		waited += wait
		j.emit(Event{Index: j.index, Name: j.file.Name, Kind: Retrying, Bytes: safefile.Size(j.part), Total: j.total, Wait: wait, Err: err})
		if !backoff.Sleep(ctx.Done(), wait) {
			return context.Cause(ctx)
		}
	}
}

// attempt makes one request and writes what it brings. It returns nil when
// the .part holds as many bytes as the file has; the answer is returned for
// its Retry-After.
func (j *job) attempt(ctx context.Context) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(j.o.Stall, func() { cancel(errStalled) })
	defer stall.Stop()

	offset := safefile.Size(j.part)
	resp, err := j.request(ctx, offset)
	if err != nil {
		return nil, j.cause(ctx, err)
	}
	defer resp.Body.Close()
	offset, whole, err := j.accept(resp, offset)
	if err != nil || whole {
		return resp, err
	}
	n, err := j.write(resp.Body, offset, stall)
	if err != nil {
		if Permanent(err) {
			return resp, err
		}
		return resp, j.cause(ctx, err)
	}
	got := offset + n
	if j.total >= 0 && got != j.total {
		return resp, fmt.Errorf("the answer ended after %d of %d bytes", got, j.total)
	}
	j.total = got
	return resp, nil
}

// request sends the GET, for the rest of the file after offset.
func (j *job) request(ctx context.Context, offset int64) (*http.Response, error) {
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
		return nil, err
	}
	j.trace("< %s (Content-Length %d%s)", resp.Status, resp.ContentLength, headerNote(resp, "Content-Range"))
	return resp, nil
}

// accept judges an answer: the offset its body starts at (0 for a whole
// file), or whole when the .part already holds the file; it reserves the
// disk space the body needs and writes its ETag to disk before any byte.
func (j *job) accept(resp *http.Response, offset int64) (start int64, whole bool, err error) {
	etag := strongETag(resp.Header.Get("ETag"))
	switch {
	case resp.StatusCode == http.StatusOK:
		if offset > 0 {
			// A whole answer: start over. The old bytes go before the new
			// ETag is written, so that a run killed in between never pairs
			// them.
			if err := safefile.Remove(j.part); err != nil {
				return 0, false, &permanentError{err}
			}
		}
		offset, j.resumed = 0, 0
		j.total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent:
		start, total, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != offset {
			safefile.Remove(j.part) // not the bytes asked for: start over
			return 0, false, fmt.Errorf("the server answered a range from byte %d, not %d: starting over", start, offset)
		}
		if j.etag != "" && etag != j.etag {
			safefile.Remove(j.part) // a range of another version: splicing it would corrupt the file
			return 0, false, fmt.Errorf("the server sent a range of another version of the file (ETag %s, not %s): starting over", etag, j.etag)
		}
		j.total = total
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		if _, total, ok := contentRange(resp.Header.Get("Content-Range")); ok && total == offset && j.etag != "" {
			j.total = total
			return offset, true, nil // the .part was already whole: verify says whether it is right
		}
		safefile.Remove(j.part)
		return 0, false, errors.New("the server refused to resume the .part: starting over")
	case resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented):
		return 0, false, &StatusError{Status: resp.StatusCode}
	default:
		return 0, false, &permanentError{&StatusError{Status: resp.StatusCode}}
	}
	if err := j.reserve(j.total - offset); err != nil {
		return 0, false, err
	}
	// The ETag goes on disk before any byte of the body, so that even a
	// killed run resumes only the same file.
	j.etag = etag
	if err := j.saveETag(); err != nil {
		return 0, false, &permanentError{inTheWay(err)}
	}
	if !j.started {
		j.started = true
		j.emit(Event{Index: j.index, Name: j.file.Name, Kind: Started, Bytes: offset, Total: j.total, Resumed: j.resumed})
	}
	return offset, false, nil
}

// reserve checks, when the size is known, that the disk has room for need
// more bytes besides what the run's other files still have to write.
func (j *job) reserve(need int64) error {
	if j.total < 0 {
		return nil
	}
	free, ok := j.o.FreeSpace(j.o.Dir)
	if !ok {
		return nil
	}
	others, ok := j.space.reserve(free, need, j.promised)
	if !ok {
		msg := fmt.Sprintf("not enough free space in %s: %s needed, %s free", j.o.Dir, Size(need), Size(free))
		if others > 0 {
			msg += fmt.Sprintf(", %s of it for the other archives", Size(others))
		}
		return &permanentError{errors.New(msg)}
	}
	j.promised = need
	return nil
}

// write puts the body into the .part from offset (cutting whatever was
// after it), resetting the stall timer on every read that brings data, and
// sends progress events. What it writes, it reads back from the disk into
// the check: first the bytes an earlier attempt or run left, then every
// MiB as it is written (the rest when the file is complete).
func (j *job) write(body io.Reader, offset int64, stall *time.Timer) (int64, error) {
	out, err := safefile.OpenFile(j.part, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, &permanentError{inTheWay(err)}
	}
	defer out.Close()
	in, err := safefile.OpenFile(j.part, os.O_RDONLY, 0)
	if err != nil {
		return 0, &permanentError{inTheWay(err)}
	}
	defer in.Close()
	if err := out.Truncate(offset); err != nil {
		return 0, &permanentError{err}
	}
	if _, err := out.Seek(offset, io.SeekStart); err != nil {
		return 0, &permanentError{err}
	}
	if j.check == nil || offset < j.check.pos {
		j.check.abandon() // the file starts over
		j.check = newStreamCheck(j.file.Name)
	}
	stall.Stop() // re-reading what is on disk is no stall of the server's
	if err := j.check.feed(in, offset); err != nil {
		return 0, j.checkFailed(err)
	}
	stall.Reset(j.o.Stall)

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
			n += int64(k)
			if offset+n-j.check.pos >= feedEvery { // in larger steps, fewer handoffs; verify feeds the rest
				if ferr := j.check.feed(in, offset+n); ferr != nil {
					return n, j.checkFailed(ferr)
				}
			}
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

// checkFailed words a failure of the check: a corrupt stream removes the
// .part; anything else (a read error) ends the file.
func (j *job) checkFailed(err error) error {
	var ce *corruptError
	if errors.As(err, &ce) {
		j.check = nil // it has ended
		return j.corrupt(ce.err)
	}
	return &permanentError{err}
}

// verify makes the complete .part durable (fsync), feeds the check what it
// has not read yet (a .part found whole), and returns the file's SHA-256
// once the bytes on disk checked out.
func (j *job) verify() (string, error) {
	f, err := safefile.OpenFile(j.part, os.O_RDWR, 0)
	if err != nil {
		return "", &permanentError{inTheWay(err)}
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return "", &permanentError{err}
	}
	if j.check == nil {
		j.check = newStreamCheck(j.file.Name)
	}
	if err := j.check.feed(f, safefile.Size(j.part)); err != nil {
		return "", j.checkFailed(err)
	}
	sum, err := j.check.finish(j.total)
	j.check = nil
	if err != nil {
		return "", j.checkFailed(err)
	}
	return sum, nil
}

// commit gives the verified .part its name (over an old file, with Force:
// the old one stays until this moment), makes the rename durable, and
// records the file in the manifest.
func (j *job) commit(sum string) error {
	if fi, err := safefile.Lstat(j.final); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is in the way: it is not a regular file", j.final)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return inTheWay(err)
	}
	if err := os.Rename(j.part, j.final); err != nil {
		return err
	}
	if err := safefile.SyncDir(j.o.Dir); err != nil {
		return err
	}
	err := j.man.put(j.file.Name, record{Source: j.o.Source, Link: linkName(j.file.URL), ETag: j.etag,
		Size: j.total, SHA256: sum, Time: time.Now().UTC()})
	safefile.Remove(j.meta)
	return err
}

// corrupt removes a .part whose bytes are all there but do not check out:
// resuming it would only end the same way.
func (j *job) corrupt(err error) error {
	safefile.Remove(j.part)
	safefile.Remove(j.meta)
	return &permanentError{fmt.Errorf("the archive is corrupt (%v); the .part was removed, so the next download fetches it anew", err)}
}

// saveETag writes the side file of the .part: the ETag of its bytes (maybe
// none), then the source they belong to.
func (j *job) saveETag() error {
	f, err := safefile.OpenFile(j.meta, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(j.etag + "\n" + j.o.Source + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

var errStalled = errors.New("stalled")

// feedEvery is how much is written before it is read back into the check.
const feedEvery = 1 << 20

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

// readSmall reads a side file of the tool's (an ETag): a few bytes, never
// through a link.
func readSmall(path string) ([]byte, error) {
	f, err := safefile.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 4096))
}

// linkName is a link's last path segment: what the manifest records of it,
// since the rest of a signed link is a secret.
func linkName(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	p := u.EscapedPath()
	return p[strings.LastIndex(p, "/")+1:]
}
