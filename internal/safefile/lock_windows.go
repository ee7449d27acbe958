//go:build windows

package safefile

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

// LockDiesWithProcess: Windows releases LockFileEx locks when their
// process ends.
const LockDiesWithProcess = true

// LockFileEx through syscall, not golang.org/x/sys/windows, which go.mod
// has only as an indirect dependency.
var (
	kernel32         = syscall.NewLazyDLL("kernel32.dll")
	procLockFileEx   = kernel32.NewProc("LockFileEx")
	procUnlockFileEx = kernel32.NewProc("UnlockFileEx")
)

const (
	lockfileFailImmediately = 0x1
	lockfileExclusiveLock   = 0x2
	errorLockViolation      = syscall.Errno(33) // ERROR_LOCK_VIOLATION
)

// TryLock takes an exclusive LockFileEx lock on the first byte of the lock
// file at lp, creating it, without waiting: ok is false when another
// handle holds it.
func TryLock(lp string) (release func(), ok bool, err error) {
	f, err := OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	h := f.Fd()
	var ol syscall.Overlapped
	r, _, e := procLockFileEx.Call(h, lockfileExclusiveLock|lockfileFailImmediately, 0, 1, 0, uintptr(unsafe.Pointer(&ol)))
	if r != 0 {
		return func() {
			var ol syscall.Overlapped
			procUnlockFileEx.Call(h, 0, 1, 0, uintptr(unsafe.Pointer(&ol)))
			f.Close()
		}, true, nil
	}
	f.Close()
	if errors.Is(e, errorLockViolation) {
		return nil, false, nil
	}
	return nil, false, &os.PathError{Op: "LockFileEx", Path: lp, Err: e}
}
