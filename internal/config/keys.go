package config

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// maxRetriesLimit bounds max_retries.
const maxRetriesLimit = 20

// The config keys.
const (
	KeyProjectID     = "project_id"
	KeyOutput        = "output"
	KeyBaseURL       = "base_url"
	KeyAPIVersion    = "api_version"
	KeyHTTPTimeout   = "http_timeout"
	KeyCACert        = "ca_cert"
	KeyMaxRetries    = "max_retries"
	KeyTokenCache    = "token_cache"
	KeyAccessToken   = "access_token"
	KeyClientID      = "client_id"
	KeyClientSecret  = "client_secret"
	KeyPublicAPIKey  = "public_api_key"
	KeyPrivateAPIKey = "private_api_key"
)

// Defaults of the keys that have one.
const (
	DefaultOutput      = "table"
	DefaultBaseURL     = "https://cloud.mongodb.com"
	DefaultHTTPTimeout = 30 * time.Second
)

// Key describes one config key.
type Key struct {
	Name    string   // name in the file, e.g. "project_id"
	Env     []string // environment variables, in precedence order: the first one set wins
	Flag    string   // global flag bound to the key, if any
	Secret  bool     // a credential: never taken as an argument, shown as REDACTED
	Default string   // value when nothing else sets it
	Usage   string   // one-line description
}

var keys = []Key{
	{Name: KeyProjectID, Env: []string{"MONGODB_ATLAS_PROJECT_ID"}, Flag: "project-id", Usage: "project (group) ID"},
	{Name: KeyOutput, Env: []string{"MONGODB_ATLAS_OUTPUT"}, Flag: "output", Default: DefaultOutput, Usage: "output format: table, json, yaml, go-template=TEMPLATE"},
	{Name: KeyBaseURL, Env: []string{"MONGODB_ATLAS_OPS_MANAGER_URL", "MONGODB_ATLAS_BASE_URL"}, Flag: "base-url", Default: DefaultBaseURL, Usage: "Atlas base URL"},
	{Name: KeyAPIVersion, Flag: "api-version", Usage: "resource version (YYYY-MM-DD) sent in Accept"},
	{Name: KeyHTTPTimeout, Flag: "http-timeout", Default: DefaultHTTPTimeout.String(), Usage: "per-request timeout"},
	{Name: KeyCACert, Flag: "ca-cert", Usage: "extra CA bundle (PEM file)"},
	{Name: KeyTokenCache, Default: "true", Usage: "keep a service account's OAuth token across runs (true or false; --no-token-cache)"},
	{Name: KeyMaxRetries, Flag: "max-retries", Default: strconv.Itoa(api.DefaultMaxRetries), Usage: "retries of a failed request (0: never retry)"},
	{Name: KeyAccessToken, Env: []string{"MONGODB_ATLAS_ACCESS_TOKEN"}, Secret: true, Usage: "Bearer token"},
	{Name: KeyClientID, Env: []string{"MONGODB_ATLAS_CLIENT_ID"}, Usage: "service account client ID"},
	{Name: KeyClientSecret, Env: []string{"MONGODB_ATLAS_CLIENT_SECRET"}, Secret: true, Usage: "service account client secret"},
	{Name: KeyPublicAPIKey, Env: []string{"MONGODB_ATLAS_PUBLIC_API_KEY"}, Usage: "programmatic API public key"},
	{Name: KeyPrivateAPIKey, Env: []string{"MONGODB_ATLAS_PRIVATE_API_KEY"}, Secret: true, Usage: "programmatic API private key"},
}

// Keys returns every config key, in documentation order.
func Keys() []Key {
	out := slices.Clone(keys)
	for i := range out {
		out[i].Env = slices.Clone(out[i].Env)
	}
	return out
}

// KeyNames returns the names of every config key, in documentation order.
func KeyNames() []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	return names
}

// Lookup returns the key called name.
func Lookup(name string) (Key, bool) {
	i := slices.IndexFunc(keys, func(k Key) bool { return k.Name == name })
	if i < 0 {
		return Key{}, false
	}
	return Keys()[i], true
}

// IsSecret reports whether name is a secret key.
func IsSecret(name string) bool {
	k, ok := Lookup(name)
	return ok && k.Secret
}

// UnknownKeyError is a key name that is not a config key.
type UnknownKeyError struct{ Key string }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("unknown config key %q; known keys: %s", e.Key, strings.Join(KeyNames(), ", "))
}

// InvalidValueError is a value that breaks its key's rule. Origin says where
// the value came from ("--project-id", "MONGODB_ATLAS_PROJECT_ID", ...); it
// is empty for a value being stored.
type InvalidValueError struct {
	Key, Value, Origin, Rule string
}

func (e *InvalidValueError) Error() string {
	if strings.HasPrefix(e.Origin, "--") {
		return fmt.Sprintf("%s %q: %s", e.Origin, e.Value, e.Rule)
	}
	if e.Origin != "" {
		return fmt.Sprintf("%s %q (from %s): %s", e.Key, e.Value, e.Origin, e.Rule)
	}
	return fmt.Sprintf("%s %q: %s", e.Key, e.Value, e.Rule)
}

var projectIDRe = api.IDPattern

// rule checks value against key's rule and returns the rule it breaks, or "".
func rule(key, value string) string {
	switch key {
	case KeyProjectID:
		if !projectIDRe().MatchString(value) {
			return "must be a 24-character hexadecimal ID (" + projectIDRe().String() + ")"
		}
	case KeyOutput:
		switch {
		case value == "table", value == "json", value == "yaml":
		case strings.HasPrefix(value, "go-template="):
			text := strings.TrimPrefix(value, "go-template=")
			if _, err := template.New("").Parse(text); text == "" || err != nil {
				return "go-template= needs a valid Go template, e.g. go-template={{.id}}"
			}
		default:
			return "must be one of table, json, yaml, go-template=TEMPLATE"
		}
	case KeyBaseURL:
		u, err := url.Parse(value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "must be an absolute http or https URL, e.g. " + DefaultBaseURL
		}
	case KeyAPIVersion:
		if _, err := time.Parse(time.DateOnly, value); err != nil {
			return "must be a date YYYY-MM-DD"
		}
	case KeyHTTPTimeout:
		if d, err := time.ParseDuration(value); err != nil || d <= 0 {
			return "must be a duration greater than 0, e.g. 30s or 2m"
		}
	case KeyTokenCache:
		if _, err := strconv.ParseBool(value); err != nil {
			return "must be true or false"
		}
	case KeyMaxRetries:
		if n, err := strconv.Atoi(value); err != nil || n < 0 || n > maxRetriesLimit {
			return fmt.Sprintf("must be a whole number from 0 (never retry) to %d", maxRetriesLimit)
		}
	}
	return ""
}

// Validate checks that key is a config key and value obeys its rule. It
// returns an *UnknownKeyError or an *InvalidValueError.
func Validate(key, value string) error {
	if _, ok := Lookup(key); !ok {
		return &UnknownKeyError{Key: key}
	}
	if value == "" {
		return &InvalidValueError{Key: key, Value: value, Rule: "must not be empty (unset removes a key)"}
	}
	if r := rule(key, value); r != "" {
		return &InvalidValueError{Key: key, Value: value, Rule: r}
	}
	return nil
}
