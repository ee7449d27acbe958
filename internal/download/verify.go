package download

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/safefile"
)

// verify flushes the .part at path to stable storage, then reads it back
// from disk, whole: it must be size bytes and, as its name says, a gzip
// stream that checks out to its end (every member's CRC-32 and length) or
// a tar inside one that reaches its end-of-archive marker. It returns the
// file's SHA-256.
func verify(path, name string, size int64) (string, error) {
	f, err := safefile.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return "", err
	}
	sum := sha256.New()
	counted := &countingReader{r: io.TeeReader(f, sum)}
	r := bufio.NewReaderSize(counted, copyBuffer)
	switch kind := kindOf(name); kind {
	case kindTarGzip, kindGzip:
		if err := checkGzip(r, kind == kindTarGzip); err != nil {
			return "", err
		}
	}
	if _, err := io.Copy(io.Discard, r); err != nil { // the rest, for the length and the sum
		return "", err
	}
	if counted.n != size {
		return "", fmt.Errorf("%d bytes on disk, not %d", counted.n, size)
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
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
