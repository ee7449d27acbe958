//go:build unix && !solaris && !aix

package safefile

import (
	"errors"
	"os"
	"syscall"
)

// LockDiesWithProcess: flock(2) locks go away with their process, so a
// lock file left behind by a killed process never blocks anyone.
const LockDiesWithProcess = true

// TryLock takes an exclusive flock(2) on the lock file at lp, creating it,
// without waiting: ok is false when another open file (another process, or
// another edit in this one) holds it. release removes the lock file, then
// lets go of it.
func TryLock(lp string) (release func(), ok bool, err error) {
	for range 10 {
		f, err := OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, false, err
		}
		if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, false, nil
			}
			return nil, false, &os.PathError{Op: "flock", Path: lp, Err: err}
		}
		// The holder before us removes the file as it lets go: a lock on
		// that removed file excludes no one, so take the new one.
		held, err1 := f.Stat()
		now, err2 := os.Stat(lp)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return func() {
				os.Remove(lp)
				flock(f, syscall.LOCK_UN)
				f.Close()
			}, true, nil
		}
		f.Close()
	}
	return nil, false, nil
}

// flock is flock(2), retried when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
