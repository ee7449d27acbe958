package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

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

// readFile reads and parses the config file at path. A missing file is an
// empty one.
func readFile(path string) (*file, error) {
	f := &file{path: path}
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	if f.data, err = io.ReadAll(fh); err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	f.exists, f.mode = true, info.Mode()
	// Scalars decode into strings as written (0123, 2024-01-01, true stay
	// text), and anchors and merge keys are resolved.
	if err := yaml.Unmarshal(f.data, &f.profiles); err != nil {
		return nil, fmt.Errorf("config file %s: want a map of profiles, each a map of KEY: VALUE: %w", path, err)
	}
	return f, nil
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
func Set(path, profile, key, value string) error {
	if err := Validate(key, value); err != nil {
		return err
	}
	return edit(path, profile, true, func(m *yaml.Node) error {
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
func Unset(path, profile, key string) error {
	return edit(path, profile, false, func(m *yaml.Node) error {
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
func edit(path, profile string, create bool, change func(profile *yaml.Node) error) error {
	// Write through a symlink (dotfile managers use them) to its target.
	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	}
	f, err := readFile(target)
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
		return fmt.Errorf("config file %s: %w", path, err)
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
		return fmt.Errorf("config file %s: profile %q is not a plain map (an alias?); edit it by hand", path, profile)
	}
	m.Style = 0 // block style, also for a profile written as {}
	if err := change(m); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return writeFileAtomic(target, buf.Bytes())
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
// file. Missing directories are created with mode 0700.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("config file %s: %w", path, err)
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
