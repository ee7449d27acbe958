package download

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/safefile"
)

// The tool's own files in a download directory. Every one starts with a
// dot, and no file name Names gives does (nor ends with .part), so no
// archive can ever be named like one of them.
const (
	LockName     = ".atlas-backup.lock"
	ManifestName = ".atlas-backup-manifest.json"
	maxManifest  = 4 << 20 // far more than any job's archives need
)

// partName and etagName are a file's side files: the bytes so far, and the
// ETag they are of.
func partName(name string) string { return name + ".part" }
func etagName(name string) string { return "." + name + ".etag" }

// lockDir takes the directory's lock for this process, waiting for another
// process's download to end (unless o.NoWait), or for ctx.
func lockDir(ctx context.Context, o Options) (unlock func(), err error) {
	path := filepath.Join(o.Dir, LockName)
	for waited := false; ; {
		release, ok, err := safefile.TryLock(path)
		if err != nil {
			return nil, fmt.Errorf("cannot lock %s: %w", o.Dir, err)
		}
		if ok {
			return release, nil
		}
		if o.NoWait {
			return nil, &BusyError{Dir: o.Dir}
		}
		if !waited && o.OnLockWait != nil {
			o.OnLockWait()
		}
		waited = true
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(lockPoll):
		}
	}
}

// record is what the manifest knows of one complete file.
type record struct {
	Source string    `json:"source"` // what it belongs to: Options.Source
	Link   string    `json:"link"`   // the link's file name (never its signed part)
	ETag   string    `json:"etag,omitempty"`
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
	Time   time.Time `json:"completedAt"`
}

// manifest is the directory's record of complete files, by name. It is
// read and written only under the directory's lock.
type manifest struct {
	dir string

	mu    sync.Mutex
	files map[string]record
}

type manifestFile struct {
	Note  string            `json:"note"`
	Files map[string]record `json:"files"`
}

// loadManifest reads the directory's manifest. One that is not there, or
// cannot be read as one, vouches for nothing: files it would have named are
// then in the way, and --force replaces them.
func loadManifest(dir string) (*manifest, error) {
	m := &manifest{dir: dir, files: map[string]record{}}
	f, err := safefile.OpenFile(filepath.Join(dir, ManifestName), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mf manifestFile
	if err := json.NewDecoder(io.LimitReader(f, maxManifest)).Decode(&mf); err == nil && mf.Files != nil {
		m.files = mf.Files
	}
	return m, nil
}

func (m *manifest) get(name string) (record, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.files[name]
	return r, ok
}

// put records a complete file, and writes the manifest anew: to a
// temporary file, flushed, then renamed over the old one.
func (m *manifest) put(name string, r record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = r
	data, err := json.MarshalIndent(manifestFile{
		Note:  "atlas-backup's record of the archives downloaded here: which job, link, ETag, size and SHA-256 each came from",
		Files: m.files,
	}, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(m.dir, ManifestName)
	tmp := path + ".tmp"
	f, err := safefile.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot record %s in %s: %w", name, path, err)
	}
	return safefile.SyncDir(m.dir)
}
