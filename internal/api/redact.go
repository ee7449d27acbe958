package api

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// This file is the one place that decides what of a server's answer may be
// printed: the excerpts in error messages and the --debug trace both go
// through secrets.redact, so that nothing the client holds (a token, a key,
// the client secret, a password in the base URL) reaches the terminal, even
// when a server echoes it back.

// redacted replaces what is hidden.
const redacted = "REDACTED"

// minSecret is the length below which a value is not hidden: a two-letter
// password would blank out every word that holds those letters, and shows
// nothing worth hiding.
const minSecret = 4

// secrets are the values a client holds that nothing it prints may show:
// the credentials it was given, the forms in which they travel (Basic
// credentials, URL-encoded), and the tokens it gets while it runs. The
// zero value, and nil, hold none.
type secrets struct {
	mu   sync.RWMutex
	vals [][]byte // longest first, so that a secret holding another is hidden whole
}

// newSecrets gathers the secrets of credentials and of a base URL's
// userinfo.
func newSecrets(cr Credentials, base *url.URL) *secrets {
	s := &secrets{}
	basic := func(user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	}
	s.add(cr.AccessToken, cr.PrivateKey, cr.ClientSecret)
	if cr.ClientSecret != "" { // the token request's Basic credentials (oauthTransport)
		id, secret := url.QueryEscape(cr.ClientID), url.QueryEscape(cr.ClientSecret)
		s.add(secret, basic(id, secret))
	}
	if base != nil && base.User != nil {
		if pass, ok := base.User.Password(); ok {
			_, escaped, _ := strings.Cut(base.User.String(), ":")
			s.add(pass, escaped, url.QueryEscape(pass), basic(base.User.Username(), pass))
		}
	}
	return s
}

// add makes more values secret (a token as it is fetched or read from the
// cache).
func (s *secrets) add(vals ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) >= minSecret && !slices.ContainsFunc(s.vals, func(b []byte) bool { return string(b) == v }) {
			s.vals = append(s.vals, []byte(v))
		}
	}
	sort.SliceStable(s.vals, func(i, j int) bool { return len(s.vals[i]) > len(s.vals[j]) })
}

// hide replaces every secret in b with REDACTED, and a tail of b that is
// the start of one (b may be the first part of a longer body).
func (s *secrets) hide(b []byte) []byte {
	if s == nil {
		return b
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.vals {
		b = bytes.ReplaceAll(b, v, []byte(redacted))
	}
	for _, v := range s.vals {
		for k := min(len(v)-1, len(b)); k >= minSecret; k-- {
			if bytes.HasSuffix(b, v[:k]) {
				b = append(b[:len(b)-k:len(b)-k], redacted...)
				break
			}
		}
	}
	return b
}

func (s *secrets) hideString(v string) string {
	if s == nil || v == "" {
		return v
	}
	return string(s.hide([]byte(v)))
}

// redact is what may be printed of a body: the secrets hidden, and token
// fields and signed links too, whoever's they are (a token not yet read
// from its answer, an archive link).
func (s *secrets) redact(b []byte) []byte {
	return redactBody(s.hide(b))
}

// secretHeaders are shown as REDACTED (with their scheme, for Authorization).
var secretHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Set-Cookie": true}

// WriteHeaders writes headers sorted, one a line after prefix, with
// credentials shown as REDACTED: the --debug trace and --dry-run both use it.
func WriteHeaders(w io.Writer, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, k, RedactHeader(k, v))
		}
	}
}

// RedactHeader hides a credential-bearing header's value, keeping the
// Authorization scheme (Bearer, Digest, Basic) so a trace still tells which
// method was used.
func RedactHeader(name, value string) string {
	if !secretHeaders[http.CanonicalHeaderKey(name)] {
		return value
	}
	if scheme, _, ok := strings.Cut(value, " "); ok && http.CanonicalHeaderKey(name) == "Authorization" {
		return scheme + " " + redacted
	}
	return redacted
}

// secretFields() matches a token field in JSON or a form, also one cut off
// at the end of an excerpt.
var secretFields = lazyre.New(`("(?:access_token|refresh_token|client_secret|private_api_key|privateKey)"\s*:\s*)"[^"]*(?:"|$)|((?:^|&)(?:token|client_secret|access_token)=)[^&\s]*`)

// signedURL() is a link with a query: a download link's query and path are
// its signature (pre-signed archive links). Its first group is the value of
// an "href" (Atlas's links[] to its own API, such as the next page), which
// is shown as it is: it signs nothing, and a trace of paging needs it.
var signedURL = lazyre.New(`("href"\s*:\s*"[^"]*"?)|(https?://[^/"\s?]+)/[^"\s?]*\?[^"\s]*`)

// redactBody hides token values in JSON and form bodies, and the path and
// query of signed links (archive download URLs: deliveryUrl, downloadUrl,
// privateDownloadDeliveryUrls, snapshotUrl, or any other link with a query
// outside links[].href).
func redactBody(b []byte) []byte {
	b = secretFields().ReplaceAllFunc(b, func(m []byte) []byte {
		sub := secretFields().FindSubmatch(m)
		if len(sub[1]) > 0 {
			return append(append([]byte{}, sub[1]...), `"`+redacted+`"`...)
		}
		return append(append([]byte{}, sub[2]...), redacted...)
	})
	b = signedURL().ReplaceAllFunc(b, func(m []byte) []byte {
		sub := signedURL().FindSubmatch(m)
		if len(sub[1]) > 0 {
			return m
		}
		return append(append([]byte{}, sub[2]...), "/"+redacted...)
	})
	// An archive link is a key even with no query: Atlas's carry a token in
	// their path.
	return archiveLinks().ReplaceAllFunc(b, func(m []byte) []byte {
		return urlPath().ReplaceAll(m, []byte("${1}/"+redacted))
	})
}

// archiveLinks() is the value of a field that holds archive links (a
// string, or an array of them): deliveryUrl, downloadUrl, snapshotUrl;
// also when the body is cut off inside it.
var archiveLinks = lazyre.New(`"(?:deliveryUrl|downloadUrl|snapshotUrl)"\s*:\s*(?:\[[^\]]*(?:\]|$)|"[^"]*(?:"|$))`)

// urlPath() is a link's path (and query), after its host.
var urlPath = lazyre.New(`(https?://[^/"\s]+)/[^"\s]*`)
