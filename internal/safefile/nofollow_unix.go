//go:build unix

package safefile

import (
	"os"
	"syscall"
)

const (
	noFollow          = syscall.O_NOFOLLOW
	noFollowSupported = true
)

// SyncDir flushes a directory's entries (a rename in it) to stable storage.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// hardLinked reports whether an open regular file has other names.
func hardLinked(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink > 1
}
