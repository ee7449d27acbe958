package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
)

// ErrNotSet is matched (with errors.Is) by a *NotSetError.
var ErrNotSet = errors.New("not set")

// NotSetError says a key has no stored value in a profile.
type NotSetError struct{ Key, Profile, Path string }

func (e *NotSetError) Error() string {
	return fmt.Sprintf("%s is not set in profile %s (%s)", e.Key, e.Profile, e.Path)
}

// Is makes errors.Is(err, ErrNotSet) true.
func (e *NotSetError) Is(target error) bool { return target == ErrNotSet }

// ProfileNotFoundError is a named profile missing from an existing file.
type ProfileNotFoundError struct {
	Profile, Path string
	Profiles      []string // the profiles the file has, sorted
}

func (e *ProfileNotFoundError) Error() string {
	have := "none"
	if len(e.Profiles) > 0 {
		have = strings.Join(e.Profiles, ", ")
	}
	return fmt.Sprintf("profile %q not found in %s (profiles: %s)", e.Profile, e.Path, have)
}

// file is a config file as read from disk.
type file struct {
	path     string
	exists   bool
	mode     fs.FileMode
	data     []byte
	profiles map[string]map[string]string
}

// maxFileSize is the most a config file may hold: a few profiles of KEY:
// VALUE take a few hundred bytes.
const maxFileSize = 1 << 20

// readFile reads and parses the config file at path. A missing file is an
// empty one. A file that is there but cannot be read is a *FileError of
// class ErrUnreadable; one that is not a map of profiles, each a map of KEY:
// VALUE, or that is larger than maxFileSize, of class ErrInvalid: a file
// whose size says so is not read at all, and a pipe no further than the
// limit.
func readFile(path string) (*file, error) {
	f := &file{path: path}
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, unreadableError(path, err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, unreadableError(path, err)
	}
	if info.IsDir() {
		return nil, unreadableError(path, errIsDir)
	}
	if info.Mode().IsRegular() && info.Size() > maxFileSize {
		return nil, tooLargeError(path, info.Size())
	}
	if f.data, err = io.ReadAll(io.LimitReader(fh, maxFileSize+1)); err != nil {
		return nil, unreadableError(path, err)
	}
	if len(f.data) > maxFileSize { // grown since, or not a regular file
		return nil, tooLargeError(path, -1)
	}
	f.exists, f.mode = true, info.Mode()
	// Scalars decode into strings as written (0123, 2024-01-01, true stay
	// text), and anchors and merge keys are resolved.
	if err := yaml.Unmarshal(f.data, &f.profiles); err != nil {
		return nil, invalidError(path, yamlDetail(err), err)
	}
	return f, nil
}

// tooLargeError refuses a config file over maxFileSize; size is -1 when
// it is not known (a pipe, read as far as the limit).
func tooLargeError(path string, size int64) error {
	msg := fmt.Sprintf("config file %s is more than the %d MiB a config file may be; it was not read further", path, maxFileSize>>20)
	if size >= 0 {
		msg = fmt.Sprintf("config file %s is %d bytes, more than the %d MiB a config file may be; it was not read", path, size, maxFileSize>>20)
	}
	return &FileError{Kind: ErrInvalid, Path: path, msg: msg + ". Shorten it, " + otherFile}
}

// profile returns the values stored in a profile. The default profile, and
// any profile of a file that does not exist, may be absent; a named profile
// missing from an existing file is an error.
func (f *file) profile(name string) (map[string]string, error) {
	values, ok := f.profiles[name]
	if !ok && f.exists && name != DefaultProfile {
		return nil, &ProfileNotFoundError{Profile: name, Path: f.path, Profiles: slices.Sorted(maps.Keys(f.profiles))}
	}
	if values == nil {
		values = map[string]string{}
	}
	return values, nil
}

// hasSecrets reports whether any profile stores a secret.
func (f *file) hasSecrets() bool {
	for _, values := range f.profiles {
		for k, v := range values {
			if v != "" && IsSecret(k) {
				return true
			}
		}
	}
	return false
}

// Stored returns the values stored in a profile of the file at path, unknown
// keys included. A missing file has no values; a named profile missing from
// an existing file is a *ProfileNotFoundError.
func Stored(path, profile string) (map[string]string, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return f.profile(profile)
}

// Get returns the value stored for key in a profile of the file at path, or
// a *NotSetError.
func Get(path, profile, key string) (string, error) {
	if _, ok := Lookup(key); !ok {
		return "", &UnknownKeyError{Key: key}
	}
	values, err := Stored(path, profile)
	if err != nil {
		return "", err
	}
	v, ok := values[key]
	if !ok {
		return "", &NotSetError{Key: key, Profile: profile, Path: path}
	}
	return v, nil
}

// Set stores key = value in a profile of the file at path, creating the file,
// its directory and the profile as needed. The value is checked with
// Validate first. Other profiles, keys and comments are kept.
func Set(ctx context.Context, path, profile, key, value string) error {
	if err := Validate(key, value); err != nil {
		return err
	}
	return edit(ctx, path, profile, true, func(m *yaml.Node) error {
		str := yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
		if i := indexOf(m, key); i >= 0 {
			v := m.Content[i+1]
			str.HeadComment, str.LineComment, str.FootComment = v.HeadComment, v.LineComment, v.FootComment
			*v = str
			return nil
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, &str)
		return nil
	})
}

// Unset removes key from a profile of the file at path. A key that is not
// stored there is a *NotSetError; a key that is not a config key can be
// removed only if it is stored.
func Unset(ctx context.Context, path, profile, key string) error {
	return edit(ctx, path, profile, false, func(m *yaml.Node) error {
		i := indexOf(m, key)
		if i < 0 {
			if _, ok := Lookup(key); !ok {
				return &UnknownKeyError{Key: key}
			}
			return &NotSetError{Key: key, Profile: profile, Path: path}
		}
		m.Content = slices.Delete(m.Content, i, i+2)
		return nil
	})
}

// edit applies change to the mapping of a profile and, if it succeeds,
// writes the file back. With create, a missing file or profile is
// created; without, a missing profile is an error as in Stored.
//
// A symlink is written through to its target, which keeps the link. A
// read-only file is refused (*FileError, ErrReadOnly), not replaced. The
// read, change and write happen under the lock file next to the target
// (LockPath), so that concurrent edits all land. Waiting for that lock
// ends when ctx does (Ctrl-C), with nothing written.
func edit(ctx context.Context, path, profile string, create bool, change func(profile *yaml.Node) error) error {
	target, err := resolveLinks(path)
	if err != nil {
		return unreadableError(path, err)
	}
	info, err := os.Stat(target)
	exists := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		if !create { // nothing stored: change finds nothing to remove
			return change(&yaml.Node{Kind: yaml.MappingNode})
		}
	case err != nil:
		return unreadableError(path, err)
	case info.IsDir():
		return unreadableError(path, errIsDir)
	case !info.Mode().IsRegular(): // /dev/null, say: never replace it
		return unwritableError(path, "", fmt.Errorf("%s is not a regular file (mode %s)", target, info.Mode()))
	}
	if exists && readOnly(target, info) {
		return readOnlyError(path, target, info.Mode())
	}
	if dir := filepath.Dir(target); create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return unwritableError(path, "cannot create its directory "+dir, errorCause(err))
		}
	}
	unlock, err := lock(ctx, path, target)
	if err != nil {
		return err
	}
	defer unlock()

	f, err := readFile(path) // through the link, so errors name path
	if err != nil {
		return err
	}
	f.path = path
	if !create {
		if _, err := f.profile(profile); err != nil {
			return err
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(f.data, &doc); err != nil {
		return invalidError(path, yamlDetail(err), err)
	}
	if len(doc.Content) == 0 { // missing, empty or only comments
		doc.Kind = yaml.DocumentNode
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	root := toMap(doc.Content[0])
	var m *yaml.Node
	if i := indexOf(root, profile); i >= 0 {
		m = toMap(root.Content[i+1])
	}
	switch {
	case m == nil && !create:
		return change(&yaml.Node{Kind: yaml.MappingNode})
	case m == nil:
		m = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: profile}, m)
	case m.Kind != yaml.MappingNode:
		return &FileError{Kind: ErrUnwritable, Path: path,
			msg: fmt.Sprintf("cannot change config file %s: profile %q (line %d) is not a plain map (an alias?), which atlas-backup cannot edit; edit it by hand. Nothing was written", path, profile, m.Line)}
	}
	m.Style = 0 // block style, also for a profile written as {}
	if err := change(m); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return unwritableError(path, "", err)
	}
	if err := enc.Close(); err != nil {
		return unwritableError(path, "", err)
	}
	if err := writeFileAtomic(target, buf.Bytes()); err != nil {
		return unwritableError(path, "", err)
	}
	return nil
}

// maxLinks bounds the symlinks resolveLinks follows, as Linux does.
const maxLinks = 40

// resolveLinks returns the file that path names after following symlinks,
// also a final link whose target does not exist yet (so that the first
// write through a dotfile manager's link creates the target, not a file in
// place of the link). A path that is no link is returned as it is.
func resolveLinks(path string) (string, error) {
	for range maxLinks {
		if t, err := filepath.EvalSymlinks(path); err == nil {
			return t, nil
		}
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil // missing (or unreadable: the read will say)
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("more than %d symbolic links", maxLinks)
}

// readOnly reports whether the existing regular file at path must not be
// replaced: it has no owner-write bit (read-only on purpose; root could
// write it anyway, so the bits are checked, not only access), or opening it
// for writing is refused.
func readOnly(path string, info fs.FileInfo) bool {
	if info.Mode().Perm()&0o200 == 0 {
		return true
	}
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return errors.Is(err, fs.ErrPermission)
	}
	fh.Close()
	return false
}

// toMap turns an empty (null) node into an empty mapping in place, so that
// "prod:" with nothing under it can take keys.
func toMap(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		n.Kind, n.Tag, n.Value = yaml.MappingNode, "!!map", ""
	}
	return n
}

// indexOf returns the index of key's key node in mapping m, or -1.
func indexOf(m *yaml.Node, key string) int {
	if m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// writeFileAtomic replaces path with data, mode 0600, through a temporary
// file in the same directory and a rename, so a reader never sees half a
// file. Its errors are the bare cause (errorCause), without the temporary
// file's name; the caller names the config file.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot create a temporary file in %s: %w", filepath.Dir(path), errorCause(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = errorCause(err)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
