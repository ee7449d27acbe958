package sandbox

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultArchiveSize is the size of each download archive unless
// WithArchiveSize says otherwise (4 MiB).
const DefaultArchiveSize = 4 << 20

// MaxArchiveSize is the largest archive the sandbox builds (1 GiB): it holds
// archives in memory.
const MaxArchiveSize = 1 << 30

// minArchiveSize is the size of the smallest archive the layout allows: a
// tar of three headers, a short text file and the end-of-archive blocks, in
// one stored deflate block, with gzip's header and trailer.
const minArchiveSize = gzipHeaderLen + fixedTarLen + storedBlockHeaderLen + gzipTrailerLen

// WithArchiveSize sets the size in bytes of each download archive (default
// DefaultArchiveSize, at most MaxArchiveSize). Every archive has exactly
// that size when it is at least 3101 bytes; a smaller size gives the
// smallest archive there is, of 3095 bytes.
func WithArchiveSize(n int64) Option {
	return func(s *Server) {
		if n > 0 {
			s.archiveSize = min(n, MaxArchiveSize)
		}
	}
}

// ArchiveFileName is the file name (the last path segment of its URL) of a
// download restore's archive, named after the snapshot restored, as Atlas
// names it: restore-SNAPSHOT_ID.tar.gz for a replica set, and
// restore-SNAPSHOT_ID-REPLICA_SET_NAME.tar.gz for each replica set of a
// sharded cluster.
func ArchiveFileName(snapshotID, replicaSetName string) string {
	if replicaSetName != "" {
		return "restore-" + snapshotID + "-" + replicaSetName + ".tar.gz"
	}
	return "restore-" + snapshotID + ".tar.gz"
}

// ParseSize reads a byte count written as plain bytes (4194304) or with a
// binary unit: KiB, MiB or GiB (512KiB, 4MiB, 1GiB); B is accepted too.
func ParseSize(s string) (int64, error) {
	num, mult := s, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = rest, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || num != strings.TrimSpace(num) || num == "" {
		return 0, fmt.Errorf("%q: want a whole number of bytes, or one with a unit: KiB, MiB or GiB (e.g. 64MiB, 512KiB)", s)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("%q: too large", s)
	}
	return n * mult, nil
}

// FormatSize writes a byte count as ParseSize reads it: in GiB, MiB or KiB
// when it is a whole number of them, else in bytes.
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%dB", n)
}

// An archive is one built .tar.gz file.
type archive struct {
	data []byte
	etag string // strong, quoted
}

// The gzip framing, written by hand so that an archive can have exactly the
// size asked for: a header (with an FEXTRA field as padding), the tar stream
// in stored (uncompressed) deflate blocks, and the trailer (CRC-32 and length
// of the tar stream).
const (
	gzipHeaderLen        = 10
	gzipTrailerLen       = 8
	storedBlockHeaderLen = 5 // BFINAL/BTYPE byte, LEN, NLEN
	maxStoredBlock       = 65535
	extraOverhead        = 2 + 4 // XLEN, then one subfield's SI1 SI2 LEN
	tarBlock             = 512
	// fixedTarLen is the tar stream without the two data files' contents:
	// three headers, the text file padded to one block, and two zero blocks.
	fixedTarLen = 3*tarBlock + tarBlock + 2*tarBlock
)

// deflatedLen is the length of n bytes in stored deflate blocks.
func deflatedLen(n int64) int64 {
	blocks := max(1, (n+maxStoredBlock-1)/maxStoredBlock)
	return n + blocks*storedBlockHeaderLen
}

// archiveLayout picks the length of the data files' contents (a multiple of
// 512) and the gzip header padding that make an archive of exactly size
// bytes, or the smallest archive when size is below minArchiveSize.
func archiveLayout(size int64) (data, pad int64) {
	overhead := int64(gzipHeaderLen + gzipTrailerLen)
	approx := (size - overhead) * maxStoredBlock / (maxStoredBlock + storedBlockHeaderLen)
	for data = max(0, (approx-fixedTarLen)/tarBlock*tarBlock); data >= 0; data -= tarBlock {
		pad = size - overhead - deflatedLen(fixedTarLen+data)
		if pad == 0 || pad >= extraOverhead && pad-2 <= 0xffff {
			return data, pad
		}
	}
	return 0, 0
}

// archiveEpoch is the modification time of every file in an archive, so
// that the same archive has the same bytes on every build.
var archiveEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// buildArchive writes the .tar.gz of one archive: a directory named after
// the file, holding a short text file and two files of pseudo-random bytes
// (a ChaCha8 stream seeded by the job ID and the file name), about 7/8 and
// 1/8 of the size.
func buildArchive(jobID, name string, size int64) (*archive, error) {
	data, pad := archiveLayout(size)
	tarLen := fixedTarLen + data
	total := gzipHeaderLen + pad + deflatedLen(tarLen) + gzipTrailerLen
	out := make([]byte, 0, total)

	// The gzip header: no name, no time, "unknown" OS; FEXTRA as padding.
	flags := byte(0)
	if pad > 0 {
		flags = 0x04
	}
	out = append(out, 0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 255)
	if pad > 0 {
		out = binary.LittleEndian.AppendUint16(out, uint16(pad-2))
		out = append(out, 'S', 'B')
		out = binary.LittleEndian.AppendUint16(out, uint16(pad-extraOverhead))
		out = append(out, make([]byte, pad-extraOverhead)...)
	}
	sw := &storedWriter{out: out, total: tarLen}
	tw := tar.NewWriter(sw)

	seed := sha256.Sum256([]byte("atlas-backup sandbox archive\x00" + jobID + "\x00" + name))
	dir := strings.TrimSuffix(name, ".tar.gz")
	readme := fmt.Sprintf("Generated by the atlas-backup sandbox for restore job %s (%s).\n"+
		"The .wt files hold pseudo-random bytes, not MongoDB data.\n", jobID, name)
	if len(readme) > tarBlock {
		return nil, fmt.Errorf("archive %s: names too long", name)
	}
	small := data / 8 / tarBlock * tarBlock
	files := []struct {
		name string
		size int64
	}{
		{dir + "/README.txt", int64(len(readme))},
		{fmt.Sprintf("%s/collection-0-%d.wt", dir, binary.BigEndian.Uint32(seed[:])), data - small},
		{fmt.Sprintf("%s/index-1-%d.wt", dir, binary.BigEndian.Uint32(seed[4:])), small},
	}
	rng := rand.NewChaCha8(seed)
	chunk := make([]byte, 1<<20)
	for i, f := range files {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg, Name: f.name, Size: f.size, Mode: 0o600, ModTime: archiveEpoch,
			Uname: "mongod", Gname: "mongod", Format: tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("archive %s: %w", name, err)
		}
		if i == 0 {
			if _, err := io.WriteString(tw, readme); err != nil {
				return nil, fmt.Errorf("archive %s: %w", name, err)
			}
			continue
		}
		for left := f.size; left > 0; {
			p := chunk[:min(left, int64(len(chunk)))]
			rng.Read(p)
			if _, err := tw.Write(p); err != nil {
				return nil, fmt.Errorf("archive %s: %w", name, err)
			}
			left -= int64(len(p))
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("archive %s: %w", name, err)
	}
	if sw.pos != tarLen {
		return nil, fmt.Errorf("archive %s: tar stream of %d bytes, want %d", name, sw.pos, tarLen)
	}
	out = binary.LittleEndian.AppendUint32(sw.out, sw.crc)
	out = binary.LittleEndian.AppendUint32(out, uint32(tarLen))
	if int64(len(out)) != total {
		return nil, fmt.Errorf("archive %s: %d bytes, want %d", name, len(out), total)
	}
	// Strong: the content is a function of these, and the CRC is of the content.
	sum := sha256.Sum256(fmt.Appendf(nil, "%x %d %08x", seed, total, sw.crc))
	return &archive{data: out, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil
}

// storedWriter frames what is written to it in stored deflate blocks of
// maxStoredBlock bytes, the last one final, knowing the stream's total
// length in advance; it keeps the CRC-32 of what it was given.
type storedWriter struct {
	out        []byte
	pos, total int64
	crc        uint32
}

func (w *storedWriter) Write(p []byte) (int, error) {
	if w.pos+int64(len(p)) > w.total {
		return 0, errors.New("tar stream longer than planned")
	}
	w.crc = crc32.Update(w.crc, crc32.IEEETable, p)
	n := len(p)
	for len(p) > 0 {
		if w.pos%maxStoredBlock == 0 {
			blockLen := min(w.total-w.pos, maxStoredBlock)
			final := byte(0)
			if w.pos+blockLen == w.total {
				final = 1
			}
			w.out = append(w.out, final)
			w.out = binary.LittleEndian.AppendUint16(w.out, uint16(blockLen))
			w.out = binary.LittleEndian.AppendUint16(w.out, ^uint16(blockLen))
		}
		take := min(int64(len(p)), maxStoredBlock-w.pos%maxStoredBlock)
		w.out = append(w.out, p[:take]...)
		w.pos += take
		p = p[take:]
	}
	return n, nil
}

// archiveCache keeps the archives built last: at most maxCachedArchives of
// them, and no more than maxCachedBytes in all (the newest always stays), so
// that an archive downloaded again, or resumed, is not built again.
type archiveCache struct {
	mu      sync.Mutex
	entries []*cacheSlot // newest first
}

const (
	maxCachedArchives = 4
	maxCachedBytes    = 1 << 30
)

type cacheSlot struct {
	key  string
	size int64
	once sync.Once
	a    *archive
	err  error
}

// get returns the archive of a job's file, building it once even when
// several requests ask for it at the same time.
func (c *archiveCache) get(jobID, name string, size int64) (*archive, error) {
	key := jobID + "/" + name + "/" + strconv.FormatInt(size, 10)
	c.mu.Lock()
	var slot *cacheSlot
	for i, e := range c.entries {
		if e.key == key {
			slot = e
			c.entries = append(append([]*cacheSlot{e}, c.entries[:i]...), c.entries[i+1:]...)
			break
		}
	}
	if slot == nil {
		slot = &cacheSlot{key: key, size: size}
		c.entries = append([]*cacheSlot{slot}, c.entries...)
		var total int64
		for i, e := range c.entries {
			if total += e.size; i > 0 && (i >= maxCachedArchives || total > maxCachedBytes) {
				c.entries = c.entries[:i]
				break
			}
		}
	}
	c.mu.Unlock()
	slot.once.Do(func() { slot.a, slot.err = buildArchive(jobID, name, size) })
	return slot.a, slot.err
}
