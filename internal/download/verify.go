package download

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
)

// streamCheck checks a file's bytes as they reach the disk: the writer
// feeds it what it reads back from the file (never what came off the
// wire), and a goroutine takes the SHA-256 and checks the stream as its
// name says it is: the gzip stream to its end (every member's CRC-32 and
// length) and, for a .tar.gz, the tar inside to its end-of-archive marker.
// It runs beside the download, so the check costs no time after it.
type streamCheck struct {
	blocks *blocks
	hash   hash.Hash // taken by the feeder, beside the check
	done   chan checkResult
	pos    int64 // bytes of the file fed so far
	res    *checkResult
}

type checkResult struct {
	n   int64
	err error
}

// corruptError is a stream that does not check out.
type corruptError struct{ err error }

func (e *corruptError) Error() string { return e.err.Error() }

var errAbandoned = errors.New("the check was abandoned")

func newStreamCheck(name string) *streamCheck {
	b := newBlocks()
	c := &streamCheck{blocks: b, hash: sha256.New(), done: make(chan checkResult, 1)}
	go func() {
		counted := &countingReader{r: b}
		r := bufio.NewReaderSize(counted, copyBuffer)
		var err error
		switch kind := kindOf(name); kind {
		case kindTarGzip, kindGzip:
			err = checkGzip(r, kind == kindTarGzip)
		}
		if err == nil {
			_, err = io.Copy(io.Discard, r) // the rest, for the length and the sum
		}
		close(b.ended) // a feeder still feeding learns of it
		c.done <- checkResult{n: counted.n, err: err}
	}()
	return c
}

// feed reads f from where the check is to end, from disk, into the check.
// A stream that fails its check is a *corruptError.
func (c *streamCheck) feed(f *os.File, end int64) error {
	for c.pos < end {
		buf := c.blocks.get()
		k, err := f.ReadAt(buf[:min(int64(len(buf)), end-c.pos)], c.pos)
		if k > 0 {
			c.hash.Write(buf[:k])
			if !c.blocks.put(buf[:k]) {
				if r := c.result(); r.err != nil {
					return &corruptError{r.err}
				}
				return &corruptError{errors.New("the stream ends before the end of the file")}
			}
			c.pos += int64(k)
		}
		if err != nil && c.pos < end {
			return err
		}
	}
	return nil
}

// finish ends the feed and returns the verdict on the file, which must
// have size bytes: its SHA-256, or a *corruptError.
func (c *streamCheck) finish(size int64) (string, error) {
	close(c.blocks.full)
	r := c.result()
	switch {
	case r.err != nil:
		return "", &corruptError{r.err}
	case r.n != size:
		return "", &corruptError{fmt.Errorf("%d bytes on disk, not %d", r.n, size)}
	}
	return hex.EncodeToString(c.hash.Sum(nil)), nil
}

// abandon stops the check (nothing is waited for but its goroutine).
func (c *streamCheck) abandon() {
	if c != nil {
		close(c.blocks.stop)
		c.result()
	}
}

func (c *streamCheck) result() checkResult {
	if c.res == nil {
		r := <-c.done
		c.res = &r
	}
	return *c.res
}

// blocksInFlight is how many blocks the feeder may read ahead of the
// checker: with them the two work at once, not by turns as through a pipe.
const blocksInFlight = 8

// blocks carries the file's blocks from the feeder to the checker, and
// back for reuse. The checker reads it as an io.Reader.
type blocks struct {
	full  chan []byte   // to check; the feeder closes it at the end
	free  chan []byte   // checked, for the feeder to fill again
	stop  chan struct{} // closed by the feeder: the check is abandoned
	ended chan struct{} // closed by the checker: it has its verdict

	held, unread []byte // the block being read, and what of it is left
}

func newBlocks() *blocks {
	return &blocks{full: make(chan []byte, blocksInFlight), free: make(chan []byte, blocksInFlight+1),
		stop: make(chan struct{}), ended: make(chan struct{})}
}

// get is an empty block: a checked one, or a new one.
func (b *blocks) get() []byte {
	select {
	case buf := <-b.free:
		return buf[:cap(buf)]
	default:
		return make([]byte, copyBuffer)
	}
}

// put hands a block to the checker; false when the checker has ended.
func (b *blocks) put(buf []byte) bool {
	select {
	case b.full <- buf:
		return true
	case <-b.ended:
		return false
	}
}

func (b *blocks) Read(p []byte) (int, error) {
	for len(b.unread) == 0 {
		if b.held != nil {
			select {
			case b.free <- b.held:
			default:
			}
			b.held = nil
		}
		select {
		case buf, ok := <-b.full:
			if !ok {
				return 0, io.EOF
			}
			b.held, b.unread = buf, buf
		case <-b.stop:
			return 0, errAbandoned
		}
	}
	n := copy(p, b.unread)
	b.unread = b.unread[n:]
	return n, nil
}

type fileKind int

const (
	kindOther fileKind = iota
	kindGzip
	kindTarGzip
)

func kindOf(name string) fileKind {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".tar.gz"), strings.HasSuffix(n, ".tgz"):
		return kindTarGzip
	case strings.HasSuffix(n, ".gz"):
		return kindGzip
	}
	return kindOther
}

// checkGzip reads a gzip stream (every member) to its end; with withTar,
// what it holds must be a tar stream that ends with its end-of-archive
// marker, followed by nothing but zeros.
func checkGzip(r io.Reader, withTar bool) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	if withTar {
		if err := checkTar(gz); err != nil {
			return err
		}
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return err
	}
	return gz.Close()
}

// checkTar reads a tar stream to its end-of-archive marker: two zero
// blocks. archive/tar reports io.EOF as well for a stream cut at a header
// boundary, so the bytes it consumed tell which it was.
func checkTar(r io.Reader) error {
	c := &countingReader{r: r}
	tr := tar.NewReader(c)
	var end, pad int64 // where the last entry's data ended, and its padding
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			if c.n-end-pad != 2*blockSize {
				return errors.New("tar: the archive ends without its end-of-archive marker (it was cut short)")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		start := c.n
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return fmt.Errorf("tar: %s: %w", hdr.Name, err)
		}
		end = c.n
		pad = -(end - start) & (blockSize - 1)
	}
}

const blockSize = 512

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
