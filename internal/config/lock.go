package config

import (
	"context"
	"fmt"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/safefile"
)

// LockTimeout is how long a write of the config file waits for another
// process's lock on it before it gives up with a *FileError of class
// ErrLocked. An edit holds the lock for milliseconds, so only a stuck
// process makes anyone wait this long.
const LockTimeout = 5 * time.Second

// lockWait is LockTimeout; tests shorten it.
var lockWait = LockTimeout

// lockPollMax is the longest pause between two tries for the lock.
const lockPollMax = 50 * time.Millisecond

// LockPath returns the lock file of the config file whose (symlink-resolved)
// path is target: target + ".lock", in the same directory. It exists while
// an edit holds it (on Windows it stays, empty, between runs).
func LockPath(target string) string { return target + ".lock" }

// lock takes the lock of the config file target (path as the user named
// it, for messages), waiting up to lockWait, or until ctx is done, and
// returns the function that releases it.
func lock(ctx context.Context, path, target string) (unlock func(), err error) {
	lp := LockPath(target)
	deadline := time.Now().Add(lockWait)
	pause := time.Millisecond
	for {
		release, ok, err := safefile.TryLock(lp)
		if err != nil {
			return nil, unwritableError(path, "cannot take its lock file "+lp, errorCause(err))
		}
		if ok {
			return release, nil
		}
		if !time.Now().Before(deadline) {
			return nil, lockedError(path, lp)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("config file %s: stopped waiting for its lock file %s (%w); nothing was written", path, lp, context.Cause(ctx))
		case <-time.After(min(pause, time.Until(deadline))):
		}
		pause = min(2*pause, lockPollMax)
	}
}
