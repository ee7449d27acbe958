// Package config resolves atlas-backup's settings: flag, then environment
// variable, then the selected profile of the YAML config file, then default.
// It also edits that file for the config command, always with mode 0600.
//
// Each Load uses its own viper.New(); nothing touches the global viper.
package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/atlas-backup/atlas-backup/internal/shell"
)

// Environment variables that select the file and the profile.
const (
	EnvConfig  = "ATLAS_BACKUP_CONFIG"
	EnvProfile = "ATLAS_BACKUP_PROFILE"
)

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "default"

// DefaultPath returns the config file's path: $ATLAS_BACKUP_CONFIG, else
// $XDG_CONFIG_HOME/atlas-backup/config.yaml, else
// $HOME/.config/atlas-backup/config.yaml.
func DefaultPath(getenv func(string) string) string {
	if p := getenv(EnvConfig); p != "" {
		return p
	}
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "atlas-backup", "config.yaml")
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE") // Windows
	}
	return filepath.Join(home, ".config", "atlas-backup", "config.yaml")
}

// SourceKind is where a setting's value came from.
type SourceKind string

// The sources, from weakest to strongest. A key with no value has SourceUnset.
const (
	SourceUnset   SourceKind = ""
	SourceDefault SourceKind = "default"
	SourceProfile SourceKind = "profile"
	SourceEnv     SourceKind = "env"
	SourceFlag    SourceKind = "flag"
)

// Source says where one setting came from: Name is the flag ("--base-url"),
// the environment variable or the profile.
type Source struct {
	Kind SourceKind
	Name string
}

func (s Source) String() string {
	switch s.Kind {
	case SourceUnset:
		return "unset"
	case SourceProfile:
		return fmt.Sprintf("profile %q", s.Name)
	case SourceDefault:
		return "default"
	default:
		return s.Name
	}
}

// Config is the resolved configuration of one invocation.
type Config struct {
	Profile string // the profile read
	Path    string // the config file read (it may not exist)

	ProjectID   string
	Output      string
	BaseURL     string
	APIVersion  string
	HTTPTimeout time.Duration
	CACert      string
	MaxRetries  int
	TokenCache  bool

	AccessToken   string
	ClientID      string
	ClientSecret  string
	PublicAPIKey  string
	PrivateAPIKey string

	// Sources says where each key's value came from, by key name; keys
	// without a value are absent.
	Sources map[string]Source
}

// LoadOptions say what Load reads.
type LoadOptions struct {
	Path    string              // config file; "" means DefaultPath(Getenv)
	Profile string              // "" means DefaultProfile
	Flags   *pflag.FlagSet      // flags bound to keys (Key.Flag); nil or undefined flags are skipped
	Getenv  func(string) string // nil means os.Getenv
	Warn    io.Writer           // receives a warning about a file others can read; nil for none
}

// Load resolves every key: a flag the user set, then the first of the key's
// environment variables that is set and not empty, then the profile, then
// the default. A missing file is no error; a named profile missing from an
// existing file is a *ProfileNotFoundError; an http_timeout that is not a
// positive duration is an *InvalidValueError naming where it came from. Other
// values are checked where they are used (commands, output, api), so that
// each rule has one owner; Validate and Sources serve callers that want to
// name a value's origin.
func Load(o LoadOptions) (*Config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{Path: o.Path, Profile: o.Profile, Sources: map[string]Source{}}
	if c.Path == "" {
		c.Path = DefaultPath(getenv)
	}
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	f, err := readFile(c.Path)
	if err != nil {
		return nil, err
	}
	stored, err := f.profile(c.Profile)
	if err != nil {
		return nil, err
	}
	if o.Warn != nil && f.exists && runtime.GOOS != "windows" && f.mode.Perm()&0o077 != 0 && f.hasSecrets() {
		p := shell.Quote(c.Path)
		fmt.Fprintf(o.Warn, "Warning: %s holds secrets and is readable by others; run: chmod 600 %s\n", p, p)
	}

	// viper layers flags over its config over defaults. Its environment
	// layer reads only the real process environment, so the environment
	// (through getenv, in BindEnv's first-set-wins order) is laid over the
	// profile in the config layer instead.
	v := viper.New()
	layer := map[string]any{}
	for _, k := range keys {
		if k.Default != "" {
			v.SetDefault(k.Name, k.Default)
			c.Sources[k.Name] = Source{Kind: SourceDefault}
		}
		if val := stored[k.Name]; val != "" {
			layer[k.Name] = val
			c.Sources[k.Name] = Source{Kind: SourceProfile, Name: c.Profile}
		}
		for _, name := range k.Env {
			if val := getenv(name); val != "" {
				layer[k.Name] = val
				c.Sources[k.Name] = Source{Kind: SourceEnv, Name: name}
				break
			}
		}
		if fl := lookupFlag(o.Flags, k.Flag); fl != nil {
			if err := v.BindPFlag(k.Name, fl); err != nil {
				return nil, err
			}
			if fl.Changed {
				c.Sources[k.Name] = Source{Kind: SourceFlag, Name: "--" + fl.Name}
			}
		}
	}
	if err := v.MergeConfigMap(layer); err != nil {
		return nil, err
	}

	get := func(key string) string {
		val := v.GetString(key)
		if _, ok := c.Sources[key]; val != "" && !ok {
			c.Sources[key] = Source{Kind: SourceDefault} // a flag's own default
		}
		return val
	}
	c.ProjectID = get(KeyProjectID)
	c.Output = get(KeyOutput)
	c.BaseURL = get(KeyBaseURL)
	c.APIVersion = get(KeyAPIVersion)
	c.CACert = get(KeyCACert)
	c.AccessToken = get(KeyAccessToken)
	c.ClientID = get(KeyClientID)
	c.ClientSecret = get(KeyClientSecret)
	c.PublicAPIKey = get(KeyPublicAPIKey)
	c.PrivateAPIKey = get(KeyPrivateAPIKey)
	timeout := get(KeyHTTPTimeout)
	if r := rule(KeyHTTPTimeout, timeout); r != "" {
		return nil, &InvalidValueError{Key: KeyHTTPTimeout, Value: timeout, Origin: c.origin(KeyHTTPTimeout), Rule: r}
	}
	c.HTTPTimeout, _ = time.ParseDuration(timeout)
	retries := get(KeyMaxRetries)
	if r := rule(KeyMaxRetries, retries); r != "" {
		return nil, &InvalidValueError{Key: KeyMaxRetries, Value: retries, Origin: c.origin(KeyMaxRetries), Rule: r}
	}
	c.MaxRetries, _ = strconv.Atoi(retries)
	cache := get(KeyTokenCache)
	if r := rule(KeyTokenCache, cache); r != "" {
		return nil, &InvalidValueError{Key: KeyTokenCache, Value: cache, Origin: c.origin(KeyTokenCache), Rule: r}
	}
	c.TokenCache, _ = strconv.ParseBool(cache)
	if c.APIVersion != "" {
		if r := rule(KeyAPIVersion, c.APIVersion); r != "" {
			return nil, &InvalidValueError{Key: KeyAPIVersion, Value: c.APIVersion, Origin: c.origin(KeyAPIVersion), Rule: r}
		}
	}
	return c, nil
}

// Origin names where key's value came from, for messages about it: the
// flag ("--project-id"), the environment variable, or the profile and file;
// "" when it is the default or unset.
func (c *Config) Origin(key string) string {
	switch c.Sources[key].Kind {
	case SourceFlag, SourceEnv, SourceProfile:
		return c.origin(key)
	}
	return ""
}

// origin names where key's value came from, for messages: "--http-timeout",
// "MONGODB_ATLAS_BASE_URL", `profile "prod" in FILE` or "default".
func (c *Config) origin(key string) string {
	s := c.Sources[key]
	if s.Kind == SourceProfile {
		return s.String() + " in " + c.Path
	}
	return s.String()
}

// lookupFlag returns the flag called name, or nil.
func lookupFlag(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil || name == "" {
		return nil
	}
	return fs.Lookup(name)
}
