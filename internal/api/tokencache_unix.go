//go:build unix

package api

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// untrusted says why a token cache file or directory cannot be trusted, as
// ssh judges its files: it belongs to another user, or its group or others
// can write to it (or, for a file, read it). "" when it can be trusted.
func untrusted(info fs.FileInfo) string {
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Sprintf("belongs to uid %d, not to you (uid %d)", st.Uid, os.Getuid())
	}
	switch perm := info.Mode().Perm(); {
	case perm&0o022 != 0:
		return fmt.Sprintf("is writable by group or others (mode %s)", info.Mode())
	case !info.IsDir() && perm&0o077 != 0:
		return fmt.Sprintf("is readable by group or others (mode %s)", info.Mode())
	}
	return ""
}
