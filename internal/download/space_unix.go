//go:build unix && !solaris && !aix

package download

import "syscall"

// freeSpace is what an unprivileged writer may still use in dir.
func freeSpace(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * int64(st.Bsize), true
}
