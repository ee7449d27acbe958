// Package safefile opens, locks and flushes files so that a shared
// directory cannot redirect them: a file is never opened through a
// symbolic link, a lock is exclusive across processes, and what is written
// can be made durable before anyone is told it is there.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// SymlinkError is a symbolic link found where a file was to be opened.
type SymlinkError struct{ Path string }

func (e *SymlinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link; atlas-backup never reads or writes through one", e.Path)
}

// OpenFile is os.OpenFile that never follows a symbolic link in the last
// element of path: a link there is a *SymlinkError.
func OpenFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if !noFollowSupported {
		// No O_NOFOLLOW: check first (a narrow race, on systems where
		// making a link takes privileges).
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, &SymlinkError{Path: path}
		}
	}
	f, err := os.OpenFile(path, flag|noFollow, perm)
	if err != nil && isLoop(err) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, &SymlinkError{Path: path}
		}
	}
	if err == nil && flag&(os.O_WRONLY|os.O_RDWR) != 0 && hardLinked(f) {
		// Another name of the same file, anywhere on the file system: a
		// write here would change it there.
		f.Close()
		return nil, &HardLinkError{Path: path}
	}
	return f, err
}

// HardLinkError is a file to write that has other names (hard links).
type HardLinkError struct{ Path string }

func (e *HardLinkError) Error() string {
	return fmt.Sprintf("%s has other hard links; atlas-backup never writes a file that is also another", e.Path)
}

// Lstat is os.Lstat, with a symbolic link reported as a *SymlinkError.
func Lstat(path string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &SymlinkError{Path: path}
	}
	return fi, err
}

// Size is the size of the regular file at path, without following a
// link; 0 when there is none.
func Size(path string) int64 {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

// Remove removes path (a link itself, never its target); a path that is
// not there is no error.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) }
