package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// tokenCache keeps a service account's OAuth token across runs: one 0600
// file per base URL and client ID (hashed, never the secret) in dir, so
// that a CI loop of a hundred calls mints one token, not a hundred. A file
// that is corrupt, unreadable or readable by others is ignored (and
// replaced), with a note on the debug writer. On Unix the cache is trusted,
// as ssh trusts its files, only when the file and its directory belong to
// the user and no one else can write to them: a token someone else could
// have planted is ignored, and no token is written into a directory others
// can write to.
type tokenCache struct {
	dir   string
	key   string // file name: a hash of the base URL and the client ID
	debug io.Writer
}

func newTokenCache(dir, baseURL, clientID string, debug io.Writer) *tokenCache {
	if dir == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(baseURL + "\x00" + clientID))
	return &tokenCache{dir: dir, key: "token-" + hex.EncodeToString(sum[:16]) + ".json", debug: debug}
}

type cachedToken struct {
	AccessToken string    `json:"access_token"`
	Expires     time.Time `json:"expires"`
}

func (c *tokenCache) path() string { return filepath.Join(c.dir, c.key) }

func (c *tokenCache) note(format string, args ...any) {
	if c.debug != nil {
		fmt.Fprintf(c.debug, "* token cache: "+format+"\n", args...)
	}
}

// load returns the cached token, or "" when there is none to trust.
func (c *tokenCache) load() (string, time.Time) {
	if c == nil {
		return "", time.Time{}
	}
	f, err := os.Open(c.path())
	if errors.Is(err, fs.ErrNotExist) {
		return "", time.Time{}
	}
	if err != nil {
		c.note("ignoring %s: %v", c.path(), err)
		return "", time.Time{}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		c.note("ignoring %s: not a regular file", c.path())
		return "", time.Time{}
	}
	why := c.untrustedDir()
	if why == "" {
		if why = untrusted(info); why != "" {
			why = "it " + why
		}
	}
	if why != "" {
		c.note("ignoring %s: %s", c.path(), why)
		return "", time.Time{}
	}
	var t cachedToken
	if err := json.NewDecoder(io.LimitReader(f, 64<<10)).Decode(&t); err != nil || t.AccessToken == "" {
		c.note("ignoring %s: not a token file", c.path())
		return "", time.Time{}
	}
	c.note("using the cached token (expires %s)", t.Expires.UTC().Format(time.RFC3339))
	return t.AccessToken, t.Expires
}

// store writes the token atomically with mode 0600; a failure only costs
// a token request next time.
func (c *tokenCache) store(token string, expires time.Time) {
	if c == nil {
		return
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		c.note("not cached: %v", err)
		return
	}
	if why := c.untrustedDir(); why != "" {
		c.note("not cached: %s", why)
		return
	}
	b, _ := json.Marshal(cachedToken{AccessToken: token, Expires: expires})
	tmp, err := os.CreateTemp(c.dir, ".token-*")
	if err != nil {
		c.note("not cached: %v", err)
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o600), os.Rename(tmp.Name(), c.path())); err != nil {
		os.Remove(tmp.Name())
		c.note("not cached: %v", err)
	}
}

// drop removes the cached token (Atlas refused it), unless its directory
// is not the user's to change.
func (c *tokenCache) drop() {
	if c != nil && c.untrustedDir() == "" {
		os.Remove(c.path())
	}
}

// untrustedDir says why the cache's directory cannot be trusted, or "".
func (c *tokenCache) untrustedDir() string {
	info, err := os.Stat(c.dir)
	switch {
	case err != nil:
		return err.Error()
	case !info.IsDir():
		return c.dir + " is not a directory"
	}
	if why := untrusted(info); why != "" {
		return "its directory " + c.dir + " " + why
	}
	return ""
}
