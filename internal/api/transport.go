package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Credentials are the ways to authenticate; the first complete one wins:
// an access token, a service account, then API keys.
type Credentials struct {
	AccessToken            string
	ClientID, ClientSecret string
	PublicKey, PrivateKey  string
	// Source says where the credentials used came from (environment
	// variables, a config file's profile), for the message of an answer
	// that refuses them (Error.CredentialsSource); "": not said.
	Source string
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

// maxIdlePerHost is the most --parallel allows.
const maxIdlePerHost = 32

// NetworkTransport is the bottom of every stack: proxies from the
// environment (HTTPS_PROXY, NO_PROXY) and an extra CA bundle when one is
// given (--ca-cert). Connections are set up within connectTimeout; the
// per-request timeout (retryTransport) bounds the rest. The archive
// downloads build on it too, without any of the API's layers above it.
func NetworkTransport(caCertFile string) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Keep a connection for every request a fleet may have in flight
	// (--parallel, at most 32), not the default two: else each request
	// past the second dials, and over TLS shakes hands, again.
	t.MaxIdleConnsPerHost = maxIdlePerHost
	t.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connectTimeout
	if caCertFile == "" {
		return t, nil
	}
	pem, err := os.ReadFile(caCertFile)
	if err != nil {
		return nil, &CAFileError{Path: caCertFile, Err: err}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &CAFileError{Path: caCertFile, Err: ErrNoCertificates}
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
	secrets          *secrets    // learns each token, to hide it
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
	io.CopyN(io.Discard, resp.Body, maxErrorBody)
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
		t.secrets.add(t.token)
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
	// The answer is read to maxErrorBody at most: a token is a few hundred
	// bytes, and an error says what it is at its start.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	if err != nil {
		return "", err
	}
	if len(raw) > maxErrorBody {
		if resp.StatusCode == http.StatusOK {
			return "", &BadAnswerError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode,
				ContentType: t.secrets.hideString(mediaTypeOf(resp.Header.Get("Content-Type"))),
				Problem:     fmt.Sprintf("larger than %d MiB; the rest was not read", maxErrorBody>>20)}
		}
		raw = raw[:maxErrorBody]
	}
	if resp.StatusCode != http.StatusOK {
		e := decodeError(resp.StatusCode, resp.Header.Get("Content-Type"), raw, t.secrets)
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
	t.secrets.add(body.AccessToken)
	t.token, t.expires = body.AccessToken, t.now().Add(time.Duration(body.ExpiresIn)*time.Second)
	t.cache.store(t.token, t.expires)
	return t.token, nil
}

// maxTraceBody is how much of each body --debug prints, and so all it
// keeps: the rest streams through to the next layer unseen.
const maxTraceBody = 64 << 10

// traceTransport writes each exchange to w, with secrets shown as REDACTED
// (secrets.redact). An answer's body is traced as it is read: its first
// maxTraceBody bytes are kept, and the exchange is written when the body
// ends or is closed.
type traceTransport struct {
	w       io.Writer
	base    http.RoundTripper
	secrets *secrets
	mu      sync.Mutex
}

func (t *traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(b, maxTraceBody))
			b.Close()
		}
	}
	began := time.Now()
	resp, err := t.base.RoundTrip(req)
	var head bytes.Buffer
	fmt.Fprintf(&head, "> %s %s\n", req.Method, req.URL.Redacted())
	WriteHeaders(&head, "> ", req.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(&head, "> \n%s\n", t.secrets.redact(reqBody))
	}
	if err != nil {
		fmt.Fprintf(&head, "< error after %s: %v\n", time.Since(began).Round(time.Millisecond), err)
		t.write(head.Bytes(), nil)
		return resp, err
	}
	fmt.Fprintf(&head, "< %s %s (%s)\n", resp.Proto, resp.Status, time.Since(began).Round(time.Millisecond))
	WriteHeaders(&head, "< ", resp.Header)
	resp.Body = &tracedBody{ReadCloser: resp.Body, t: t, head: head.Bytes()}
	return resp, nil
}

// write writes one exchange whole, so that concurrent ones do not mix.
func (t *traceTransport) write(head, body []byte) {
	out := append(t.secrets.hide(head), body...)
	out = append(out, '\n')
	t.mu.Lock()
	t.w.Write(out)
	t.mu.Unlock()
}

// errNotReadToEnd is how a traced body closed before its end ends.
var errNotReadToEnd = errors.New("closed before its end")

// tracedBody passes an answer's body through, keeping its first
// maxTraceBody bytes, and writes the exchange when it ends.
type tracedBody struct {
	io.ReadCloser
	t    *traceTransport
	head []byte
	kept []byte
	more int64 // bytes read past kept
	once sync.Once
}

func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	keep := min(n, maxTraceBody-len(b.kept))
	b.kept = append(b.kept, p[:keep]...)
	b.more += int64(n - keep)
	if err != nil {
		b.finish(err)
	}
	return n, err
}

func (b *tracedBody) Close() error {
	b.finish(errNotReadToEnd)
	return b.ReadCloser.Close()
}

// finish writes the exchange once: the body as far as it was kept, and how
// it ended.
func (b *tracedBody) finish(end error) {
	b.once.Do(func() {
		var out bytes.Buffer
		if len(b.kept) > 0 {
			fmt.Fprintf(&out, "< \n%s\n", b.t.secrets.redact(b.kept))
		}
		switch {
		case end == errNotReadToEnd && b.more > 0:
			fmt.Fprintf(&out, "< (%d more bytes not shown, and the rest was not read)\n", b.more)
		case end == errNotReadToEnd:
			out.WriteString("< (the rest of the body was not read)\n")
		case b.more > 0:
			fmt.Fprintf(&out, "< (%d more bytes not shown)\n", b.more)
		}
		if end != io.EOF && end != errNotReadToEnd {
			fmt.Fprintf(&out, "< error reading body: %v\n", end)
		}
		b.t.write(b.head, out.Bytes())
	})
}
