package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/atlas-backup/atlas-backup/internal/safefile"
	"github.com/atlas-backup/atlas-backup/internal/shell"
)

// The classes of *FileError, for errors.Is. A caller maps them to exit
// codes: ErrInvalid is the user's mistake in the file (a usage error), the
// others are failures to read or write it.
var (
	// ErrInvalid: the file is not YAML, or not a map of profiles, each a
	// map of KEY: VALUE.
	ErrInvalid = errors.New("invalid config file")
	// ErrUnreadable: the file is there but cannot be read (permissions, a
	// directory at its path, an I/O error).
	ErrUnreadable = errors.New("config file cannot be read")
	// ErrReadOnly: a write was refused because the file is read-only.
	ErrReadOnly = errors.New("config file is read-only")
	// ErrUnwritable: writing the file (or its directory or lock file) failed.
	ErrUnwritable = errors.New("config file cannot be written")
	// ErrLocked: another process held the file's lock for all of LockTimeout.
	ErrLocked = errors.New("config file is locked")
)

// FileError is a problem with the config file itself. errors.Is(err, Kind)
// is true for its class (ErrInvalid, ErrUnreadable, ErrReadOnly,
// ErrUnwritable or ErrLocked). Its message names Path and says what to do;
// it never quotes the file's contents, so no secret can show in it.
type FileError struct {
	Kind error  // the class: one of the Err* variables above
	Path string // the config file as the user named it (a symlink, not its target)
	Err  error  // the underlying error, if any
	msg  string
}

func (e *FileError) Error() string { return e.msg }

// Is makes errors.Is(err, e.Kind) true.
func (e *FileError) Is(target error) bool { return target == e.Kind }

func (e *FileError) Unwrap() error { return e.Err }

// otherFile is the hint for a file atlas-backup cannot use.
const otherFile = "or choose another file with --config or " + EnvConfig

// unreadableError is a config file at path that cannot be read.
func unreadableError(path string, err error) error {
	what := errorText(err)
	hint := "check its permissions, " + otherFile
	if errors.Is(err, errIsDir) {
		hint = "remove or rename that directory, " + otherFile
	}
	return &FileError{Kind: ErrUnreadable, Path: path, Err: err,
		msg: fmt.Sprintf("cannot read config file %s: %s; %s", path, what, hint)}
}

// errIsDir is a directory where the config file should be.
var errIsDir = errors.New("it is a directory, not a file")

// invalidError is a config file at path whose contents are wrong; detail
// says where, without quoting any value.
func invalidError(path, detail string, err error) error {
	return &FileError{Kind: ErrInvalid, Path: path, Err: err,
		msg: fmt.Sprintf("config file %s is invalid: %s; fix it in an editor: it holds one map per profile, each a map of KEY: VALUE (e.g. \"default:\" then \"  project_id: ID\")", path, detail)}
}

// readOnlyError refuses to replace the read-only config file at path.
func readOnlyError(path, target string, mode fs.FileMode) error {
	name := path
	if target != path {
		name += " (a link to " + target + ")"
	}
	fix := "run: chmod u+w " + shell.Quote(path) + " (or edit it by hand)"
	if mode.Perm()&0o200 != 0 { // writable by its owner, who is someone else
		fix = "check its owner and permissions (or edit it by hand)"
	}
	return &FileError{Kind: ErrReadOnly, Path: path,
		msg: fmt.Sprintf("config file %s is read-only: mode %s; nothing was written. To let atlas-backup change it, %s", name, mode.Perm(), fix)}
}

// unwritableError is a failed write of the config file at path; step says
// what was being done when it is not the file itself ("creating its
// directory DIR").
func unwritableError(path, step string, err error) error {
	what := errorText(err)
	if step != "" {
		what = step + ": " + what
	}
	return &FileError{Kind: ErrUnwritable, Path: path, Err: err,
		msg: fmt.Sprintf("cannot write config file %s: %s; nothing was written", path, what)}
}

// lockedError is a lock on the config file at path that another process
// held for all of lockWait.
func lockedError(path, lock string) error {
	msg := fmt.Sprintf("config file %s is busy: another process (most likely another atlas-backup config set or unset) held its lock file %s for %s; nothing was written, try again when it has finished", path, lock, lockWait)
	if !safefile.LockDiesWithProcess {
		msg += " (if none is running, remove " + lock + ")"
	}
	return &FileError{Kind: ErrLocked, Path: path, msg: msg}
}

// errorCause is err without the file names Go's *PathError, *LinkError
// and *SyscallError carry: those can name temporary files, not the config
// file the user knows. The cause still matches errors.Is(err,
// fs.ErrPermission) and the like.
func errorCause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	case errors.As(err, &se):
		return se.Err
	}
	return err
}

// errorText is errorCause's message.
func errorText(err error) string { return errorCause(err).Error() }

// yamlDetail describes a YAML decoding error by line and problem, leaving
// out the values yaml quotes (`value`), which may be secrets.
func yamlDetail(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		parts := make([]string, len(te.Errors))
		for i, e := range te.Errors {
			parts[i] = typeProblem(e)
		}
		return strings.Join(parts, "; ")
	}
	return dropQuoted(strings.TrimPrefix(err.Error(), "yaml: "))
}

// typeProblem rewrites one of yaml's "line 3: cannot unmarshal !!map into
// string" in the terms of the config file.
func typeProblem(s string) string {
	s = dropQuoted(s)
	line, rest, ok := strings.Cut(s, ": cannot unmarshal ")
	if !ok {
		return s
	}
	tag, into, _ := strings.Cut(rest, " into ")
	found := "a single value"
	switch strings.TrimSpace(tag) {
	case "!!seq":
		found = "a list"
	case "!!map":
		found = "a map"
	}
	switch into {
	case "map[string]map[string]string":
		return line + ": found " + found + " where the map of profiles should be"
	case "map[string]string":
		return line + ": found " + found + " where a profile's map of KEY: VALUE should be"
	case "string":
		return line + ": found " + found + " where a single value should be"
	}
	return line + ": found " + found + " where it does not belong"
}

// dropQuoted removes what yaml quotes in backquotes (a value, maybe a
// secret), from the first backquote to the last.
func dropQuoted(s string) string {
	i, j := strings.Index(s, "`"), strings.LastIndex(s, "`")
	if i < 0 {
		return s
	}
	if j == i {
		return strings.TrimRight(s[:i], " ")
	}
	return strings.TrimRight(s[:i], " ") + s[j+1:]
}
