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
