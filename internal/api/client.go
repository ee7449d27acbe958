// Package api is the thin HTTP layer to the Atlas Admin API v2: one client,
// its transports (authentication, retries, tracing), the typed models, and
// Atlas's error shape.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/backoff"
)

// Default resource versions: the newest the OpenAPI contract documents for
// each operation (--api-version overrides them all).
const (
	VersionBackup  = "2023-01-01" // exports, restore jobs, snapshots
	VersionBuckets = "2024-05-30" // export buckets
	VersionCluster = "2024-08-05" // clusters
)

// DefaultBaseURL is Atlas's.
const DefaultBaseURL = "https://cloud.mongodb.com"

// Options configure a Client.
type Options struct {
	BaseURL     string
	Credentials Credentials
	Timeout     time.Duration // each attempt, body included (0: none)
	CACertFile  string
	APIVersion  string    // overrides the resource version sent in Accept
	Envelope    bool      // send envelope=true and unwrap the answers
	Pretty      bool      // send pretty=true where the operation takes it
	Debug       io.Writer // trace every attempt here (secrets redacted); nil: off
	UserAgent   string
	// MaxRetries bounds the retries after a first attempt (0: never retry;
	// the CLI's default is DefaultMaxRetries), and MaxRetryWait the total
	// waiting (0: DefaultMaxRetryWait).
	MaxRetries   int
	MaxRetryWait time.Duration
	// OnRetry receives one line per retry ("retrying in 2s: 503 Service
	// Unavailable (attempt 2 of 5)").
	OnRetry func(string)
	// RetryWait, when set, replaces the policy's waits (tests).
	RetryWait func(retry int, resp *http.Response) time.Duration
	// TokenCacheDir, when set, keeps a service account's OAuth token in a
	// 0600 file there across runs (see tokenCache).
	TokenCacheDir string
	// Limiter, when set, bounds the attempts in flight across every user
	// of the client, and is paused by a 429 for its Retry-After, so that a
	// fleet of requests does not stampede Atlas's rate limit.
	Limiter Limiter
}

// Limiter bounds attempts in flight (fleet.Limiter is one).
type Limiter interface {
	Acquire(ctx context.Context) error
	Release()
	Pause(d time.Duration)
}

// Client talks to the Atlas Admin API.
type Client struct {
	base       *url.URL
	secrets    *secrets // hidden in whatever of an answer is printed
	http       *http.Client
	apiVersion string
	envelope   bool
	pretty     bool
	userAgent  string
	auth       string // the Authorization scheme, for --dry-run
	// credentialsSource is where the credentials came from, for the
	// answers that refuse them (Credentials.Source).
	credentialsSource string
	// flex are the clusters found to be Flex ones (flex.go).
	flex flexClusters
}

// New builds a client. It fails with ErrNoCredentials when no credentials
// are complete.
//
// The transports stack, from the outside in: retries (so that each attempt
// authenticates afresh: a new Digest nonce count, a token fetched again
// after a 429 from the token endpoint), authentication, the --debug tracer
// (which sees every attempt with its real headers), the network.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: must be an absolute http(s) URL such as %s", o.BaseURL, DefaultBaseURL)
	}
	var rt http.RoundTripper
	rt, err = NetworkTransport(o.CACertFile)
	if err != nil {
		return nil, err
	}
	cr := o.Credentials
	hidden := newSecrets(cr, base)
	if o.Debug != nil {
		rt = &traceTransport{w: o.Debug, base: rt, secrets: hidden}
	}
	c := &Client{base: base, secrets: hidden, apiVersion: o.APIVersion, envelope: o.Envelope, pretty: o.Pretty, userAgent: o.UserAgent,
		credentialsSource: cr.Source}
	switch cr.Method() {
	case "access token":
		rt, c.auth = &bearerTransport{token: cr.AccessToken, base: rt}, "Bearer"
	case "service account":
		rt, c.auth = &oauthTransport{
			tokenURL: base.String() + "/api/oauth/token", clientID: cr.ClientID, secret: cr.ClientSecret,
			userAgent: o.UserAgent, base: rt, now: time.Now, secrets: hidden,
			cache: newTokenCache(o.TokenCacheDir, base.String(), cr.ClientID, o.Debug),
		}, "Bearer"
	case "API keys":
		rt, c.auth = &DigestTransport{Username: cr.PublicKey, Password: cr.PrivateKey, Base: rt}, "Digest"
	default:
		return nil, ErrNoCredentials
	}
	retry := &retryTransport{base: rt, retries: max(o.MaxRetries, 0), maxWait: o.MaxRetryWait,
		timeout: o.Timeout, wait: o.RetryWait, notify: o.OnRetry, limiter: o.Limiter}
	if retry.maxWait <= 0 {
		retry.maxWait = DefaultMaxRetryWait
	}
	if retry.wait == nil {
		retry.wait = backoff.Delay
	}
	c.http = &http.Client{
		Transport: retry,
		// Never follow a redirect: credentials must not travel to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// Response is a successful answer: the typed view is decoded from Raw by
// the resource methods.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte

	method, path, contentType string
	secrets                   *secrets
}

// bad describes an answer, or a part of it, that is not what the operation
// answers.
func (r *Response) bad(problem string, part []byte) *BadAnswerError {
	return &BadAnswerError{Method: r.method, Path: r.path, Status: r.Status, ContentType: r.secrets.hideString(mediaTypeOf(r.contentType)),
		Problem: problem, Excerpt: excerpt(part, r.secrets)}
}

// call is one API operation to perform.
type call struct {
	method  string
	path    string // below /api/atlas/v2
	query   url.Values
	body    any
	version string
	pretty  bool // the operation takes pretty
}

// NewRequest builds the HTTP request for an operation without sending it,
// for --dry-run. Its Authorization header shows the scheme only.
func (c *Client) newRequest(ctx context.Context, k call) (*http.Request, []byte, error) {
	if err := c.refuseFlex(k); err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	for key, v := range k.query {
		q[key] = v
	}
	if c.envelope {
		q.Set("envelope", "true")
	}
	if c.pretty && k.pretty {
		q.Set("pretty", "true")
	}
	u := c.base.String() + "/api/atlas/v2" + k.path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	accept := k.version
	if c.apiVersion != "" {
		accept = c.apiVersion
	}
	var raw []byte
	var body io.Reader
	if k.body != nil {
		var err error
		if raw, err = json.Marshal(k.body); err != nil {
			return nil, nil, err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", mediaType(accept))
	if raw != nil {
		// The body is in the operation's own version: --api-version asks
		// for an answer version, it does not change what we send.
		req.Header.Set("Content-Type", mediaType(k.version))
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	return req, raw, nil
}

// do sends an operation and returns its answer, or an error: an *Error for
// an error answer (with envelope=true, judged by the status inside the
// body), a *BadAnswerError for a success that cannot be read, an
// *UnreachableError when the host cannot be reached at all.
func (c *Client) do(ctx context.Context, k call) (*Response, error) {
	req, _, err := c.newRequest(ctx, k)
	if err != nil {
		return nil, err
	}
	where := k.method + " " + req.URL.Path
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said once, below
		}
		var apiErr *Error       // the token endpoint's refusal
		var bad *BadAnswerError // or its answer, unreadable
		switch {
		case errors.As(err, &apiErr):
			c.refused(apiErr)
			return nil, err
		case errors.As(err, &bad):
			return nil, err
		case ctx.Err() != nil:
			return nil, context.Cause(ctx)
		case refused(err):
			return nil, &UnreachableError{Host: req.URL.Host, Err: err}
		}
		return nil, &RequestError{Request: where, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body) // already read whole by the retry transport
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, method: k.method, path: req.URL.Path,
		contentType: resp.Header.Get("Content-Type"), secrets: c.secrets}
	status, ct := r.Status, r.contentType
	if c.envelope && status == http.StatusOK {
		if !isJSON(ct) {
			return nil, r.bad("not JSON", raw)
		}
		if status, raw, err = unwrap(raw); err != nil {
			return nil, r.bad(err.Error(), nil)
		}
		ct = "application/json"
		r.Status = status
	}
	switch {
	case status >= 400:
		e := decodeError(status, ct, raw, c.secrets)
		c.refused(e)
		return nil, c.explain(ctx, k, e)
	case status >= 300:
		return nil, fmt.Errorf("%s: unexpected redirect %d to %s (not followed)", where, status, redactURL(resp.Header.Get("Location")))
	case status == http.StatusNoContent || (len(raw) == 0 && k.method == http.MethodDelete):
		return r, nil
	case len(raw) == 0:
		return nil, r.bad("empty body", nil)
	case !isJSON(ct):
		return nil, r.bad("not JSON", raw)
	case !json.Valid(raw):
		return nil, r.bad("invalid JSON", raw)
	}
	r.Raw = raw
	return r, nil
}

// refused notes, on an answer that refuses the credentials, where they
// came from.
func (c *Client) refused(e *Error) {
	if e.IsAuth() {
		e.CredentialsSource = c.credentialsSource
	}
}

// redactURL keeps a URL's scheme and host only: its path and query may
// carry a signature.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "elsewhere"
	}
	return u.Scheme + "://" + u.Host + "/REDACTED"
}

// unwrap reads an envelope=true answer: {"status":N,"content":X} for single
// objects and errors, or a list with a status field beside its results.
func unwrap(raw []byte) (int, []byte, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		return 0, nil, fmt.Errorf("the enveloped answer is not a JSON object: %w", err)
	}
	var status int
	if err := json.Unmarshal(env["status"], &status); err != nil || status == 0 {
		return 0, nil, fmt.Errorf("the enveloped answer has no status")
	}
	if content, ok := env["content"]; ok {
		if string(content) == "null" {
			content = nil
		}
		return status, content, nil
	}
	if status == http.StatusNoContent {
		return status, nil, nil
	}
	// A list: the object itself, less its status, in Atlas's key order.
	return status, removeKey(raw, "status"), nil
}

// removeKey drops a top-level key from a JSON object, keeping the order of
// the others.
func removeKey(raw []byte, key string) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token() // {
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		t, err := dec.Token()
		var v json.RawMessage
		if err != nil || dec.Decode(&v) != nil {
			break // not a JSON object: More would go on saying true
		}
		if k, _ := t.(string); k == key {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(t)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(v)
	}
	out.WriteByte('}')
	return out.Bytes()
}

func mediaType(version string) string { return "application/vnd.atlas." + version + "+json" }

// DryRun describes the request an operation would send.
type DryRun struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

func (c *Client) dryRun(ctx context.Context, k call) (*DryRun, error) {
	req, raw, err := c.newRequest(ctx, k)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth+" REDACTED")
	return &DryRun{Method: req.Method, URL: req.URL.String(), Header: req.Header, Body: raw}, nil
}
