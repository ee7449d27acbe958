//go:build (!unix && !windows) || solaris || aix

package safefile

import (
	"errors"
	"io/fs"
	"os"
)

// LockDiesWithProcess: the lock here is the lock file's existence, which
// outlives a process that is killed while it holds it.
const LockDiesWithProcess = false

// TryLock creates the lock file at lp exclusively, without waiting: ok is
// false when it is already there. release removes it.
func TryLock(lp string) (release func(), ok bool, err error) {
	f, err := OpenFile(lp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	f.Close()
	return func() { os.Remove(lp) }, true, nil
}
