package safefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/safefile"
)

// A symbolic link in the last element is never followed: opening it is a
// *SymlinkError naming it, and its target is untouched.
func TestOpenFileRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(victim, link); err != nil {
		t.Skip(err)
	}
	for _, flag := range []int{os.O_RDONLY, os.O_WRONLY | os.O_CREATE | os.O_TRUNC, os.O_WRONLY | os.O_APPEND} {
		f, err := safefile.OpenFile(link, flag, 0o644)
		var sl *safefile.SymlinkError
		if !errors.As(err, &sl) || sl.Path != link {
			f.Close()
			t.Errorf("flag %#x: %v, want a *SymlinkError for %s", flag, err, link)
		}
	}
	if _, err := safefile.Lstat(link); !errors.As(err, new(*safefile.SymlinkError)) {
		t.Errorf("Lstat: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the target became %q", b)
	}
	if n := safefile.Size(link); n != 0 {
		t.Errorf("Size of a link = %d, want 0 (not its target's)", n)
	}
	// A plain file opens as usual.
	f, err := safefile.OpenFile(filepath.Join(dir, "plain"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := safefile.Remove(filepath.Join(dir, "not-there")); err != nil {
		t.Errorf("Remove of a missing file: %v", err)
	}
	if err := safefile.SyncDir(dir); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
}

// One holder at a time, across open files: a second TryLock fails until
// the first lets go.
func TestTryLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	release, ok, err := safefile.TryLock(path)
	if err != nil || !ok {
		t.Fatalf("first: %v %v", ok, err)
	}
	if _, ok, err := safefile.TryLock(path); err != nil || ok {
		t.Fatalf("second while held: %v %v", ok, err)
	}
	release()
	release2, ok, err := safefile.TryLock(path)
	if err != nil || !ok {
		t.Fatalf("after release: %v %v", ok, err)
	}
	release2()
	if _, err := os.Stat(path); runtime.GOOS != "windows" && safefile.LockDiesWithProcess && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left behind: %v", err)
	}
}

// A file to write that has another name (a hard link planted in a shared
// directory) is refused, and left as it was; reading it is fine.
func TestOpenFileRefusesHardLinksForWriting(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	link := filepath.Join(dir, "a.tar.gz.part")
	if err := os.Link(victim, link); err != nil {
		t.Skip(err)
	}
	f, err := safefile.OpenFile(link, os.O_WRONLY|os.O_CREATE, 0o644)
	var hl *safefile.HardLinkError
	if runtime.GOOS != "windows" && (!errors.As(err, &hl) || hl.Path != link) {
		f.Close()
		t.Fatalf("%v, want a *HardLinkError", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the other name became %q", b)
	}
	r, err := safefile.OpenFile(link, os.O_RDONLY, 0)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	r.Close()
}
