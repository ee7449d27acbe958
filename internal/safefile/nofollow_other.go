//go:build !unix

package safefile

const (
	noFollow          = 0
	noFollowSupported = false
)

// SyncDir does nothing here: directories cannot be opened for a flush, and
// a rename is durable once it returns.
func SyncDir(string) error { return nil }
