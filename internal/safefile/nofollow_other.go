//go:build !unix

package safefile

import "os"

const (
	noFollow          = 0
	noFollowSupported = false
)

// SyncDir does nothing here: directories cannot be opened for a flush, and
// a rename is durable once it returns.
func SyncDir(string) error { return nil }

// hardLinked is not known here.
func hardLinked(*os.File) bool { return false }
