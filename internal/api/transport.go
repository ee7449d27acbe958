package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// Credentials are the ways to authenticate; the first complete one wins:
// an access token, a service account, then API keys.
type Credentials struct {
	AccessToken            string
	ClientID, ClientSecret string
	PublicKey, PrivateKey  string
}

// Method names the credentials that will be used, or "" when none are complete.
func (c Credentials) Method() string {
	switch {
	case c.AccessToken != "":
		return "access token"
	case c.ClientID != "" && c.ClientSecret != "":
		return "service account"
	case c.PublicKey != "" && c.PrivateKey != "":
		return "API keys"
	}
	return ""
}

// NetworkTransport is the bottom of every stack: proxies from the
// environment (HTTPS_PROXY, NO_PROXY) and an extra CA bundle when one is
// given (--ca-cert). Connections are set up within connectTimeout; the
// per-request timeout (retryTransport) bounds the rest. The archive
// downloads build on it too, without any of the API's layers above it.
func NetworkTransport(caCertFile string) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connectTimeout
	if caCertFile == "" {
		return t, nil
	}
	pem, err := os.ReadFile(caCertFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-cert %s: no PEM certificates in it", caCertFile)
	}
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return t, nil
}

// bearerTransport sends a fixed access token.
type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r)
}

// oauthTransport gets a token from the service account's client credentials
// and reuses it until shortly before it expires.
type oauthTransport struct {
	tokenURL         string
	clientID, secret string
	userAgent        string
	base             http.RoundTripper
	now              func() time.Time
	cache            *tokenCache // nil: no cache across runs
	mu               sync.Mutex
	token            string
	expires          time.Time
	loaded           bool   // the cache was read
	fromCache        string // the token read from the cache
}

// tokenRefreshMargin is how long before expiry a token is replaced.
const tokenRefreshMargin = time.Minute

func (t *oauthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.accessToken(req.Context())
	if err != nil {
		return nil, &notSentError{err}
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := t.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !t.discard(tok) {
		return resp, err
	}
	// Atlas refused a token from the cache (revoked, or from before a
	// change of keys): one new token, and the request once more. A 401 did
	// nothing.
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if tok, err = t.accessToken(req.Context()); err != nil {
		return nil, &notSentError{err}
	}
	r = req.Clone(req.Context())
	if req.GetBody != nil {
		if r.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	return t.base.RoundTrip(r)
}

// discard forgets a refused token that came from the cache, here and on
// disk, and reports whether it did: a token minted in this run that Atlas
// refuses is an answer, not a stale cache.
//
// Requests that sent the cached token at the same time all get their one
// retry: the first to come back drops it, and the others take the token
// that one fetched.
func (t *oauthTransport) discard(tok string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok == "" || tok != t.fromCache {
		return false
	}
	if t.token == tok {
		t.token, t.expires = "", time.Time{}
		t.cache.drop()
	}
	return true
}

func (t *oauthTransport) accessToken(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.loaded {
		t.loaded = true
		t.token, t.expires = t.cache.load()
		t.fromCache = t.token
	}
	if t.token != "" && t.now().Before(t.expires.Add(-tokenRefreshMargin)) {
		return t.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.tokenURL, strings.NewReader(form))
	if err != nil {
		return "", err
	}
	// As golang.org/x/oauth2 does (AuthStyleInHeader): URL-encode, then Basic.
	req.SetBasicAuth(url.QueryEscape(t.clientID), url.QueryEscape(t.secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", t.userAgent)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		e := decodeError(resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		e.TokenEndpoint = resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests
		return "", e
	}
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("the OAuth token endpoint answered without an access token")
	}
	t.token, t.expires = body.AccessToken, t.now().Add(time.Duration(body.ExpiresIn)*time.Second)
	t.cache.store(t.token, t.expires)
	return t.token, nil
}

// traceTransport writes each exchange to w, with secrets shown as REDACTED.
type traceTransport struct {
	w    io.Writer
	base http.RoundTripper
	mu   sync.Mutex
}

func (t *traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(b)
			b.Close()
		}
	}
	began := time.Now()
	resp, err := t.base.RoundTrip(req)
	var out bytes.Buffer
	fmt.Fprintf(&out, "> %s %s\n", req.Method, req.URL.Redacted())
	WriteHeaders(&out, "> ", req.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(&out, "> \n%s\n", redactBody(reqBody))
	}
	if err != nil {
		fmt.Fprintf(&out, "< error after %s: %v\n", time.Since(began).Round(time.Millisecond), err)
	} else {
		raw, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		// The next layer sees the same bytes and the same read error.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(raw), errReader{rerr}))
		fmt.Fprintf(&out, "< %s %s (%s)\n", resp.Proto, resp.Status, time.Since(began).Round(time.Millisecond))
		WriteHeaders(&out, "< ", resp.Header)
		if len(raw) > 0 {
			fmt.Fprintf(&out, "< \n%s\n", redactBody(raw))
		}
		if rerr != nil {
			fmt.Fprintf(&out, "< error reading body: %v\n", rerr)
		}
	}
	out.WriteString("\n")
	t.mu.Lock()
	t.w.Write(out.Bytes())
	t.mu.Unlock()
	return resp, err
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
		return scheme + " REDACTED"
	}
	return "REDACTED"
}

var secretFields = lazyre.New(`("(?:access_token|refresh_token|client_secret|private_api_key|privateKey)"\s*:\s*)"[^"]*"|((?:^|&)(?:token|client_secret|access_token)=)[^&\s]*`)

// signedURL() is a link with a query: a download link's query and path are
// its signature (pre-signed archive links).
var signedURL = lazyre.New(`(https?://[^/"\s?]+)/[^"\s?]*\?[^"\s]*`)

// redactBody hides token values in JSON and form bodies, and the path and
// query of signed links (archive download URLs).
func redactBody(b []byte) []byte {
	b = secretFields().ReplaceAllFunc(b, func(m []byte) []byte {
		sub := secretFields().FindSubmatch(m)
		if len(sub[1]) > 0 {
			return append(append([]byte{}, sub[1]...), `"REDACTED"`...)
		}
		return append(append([]byte{}, sub[2]...), "REDACTED"...)
	})
	return signedURL().ReplaceAll(b, []byte("$1/REDACTED"))
}

// errReader returns err (or EOF when err is nil) on every read.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
