package download

import (
	"archive/tar"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkVerify checks a 64 MiB .tar.gz of incompressible data as a
// download does beside its transfer: SHA-256, gzip and tar to their ends.
func BenchmarkVerify(b *testing.B) {
	const size = 64 << 20
	path := filepath.Join(b.TempDir(), "a.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.NoCompression)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "data", Mode: 0o600, Size: size, Typeflag: tar.TypeReg})
	buf := make([]byte, 1<<20)
	r := rand.NewChaCha8([32]byte{})
	for range size / len(buf) {
		r.Read(buf)
		tw.Write(buf)
	}
	tw.Close()
	gz.Close()
	f.Close()
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	for b.Loop() {
		f, _ := os.Open(path)
		c := newStreamCheck("a.tar.gz")
		if err := c.feed(f, fi.Size()); err != nil {
			b.Fatal(err)
		}
		if _, err := c.finish(fi.Size()); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
