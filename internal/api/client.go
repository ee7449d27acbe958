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
)

// Default resource versions: the newest the OpenAPI contract documents for
// each operation (--api-version overrides them all).
const (
	VersionBackup  = "2023-01-01" // exports, restore jobs, snapshots
	VersionBuckets = "2024-05-30" // export buckets
)

// DefaultBaseURL is Atlas's.
const DefaultBaseURL = "https://cloud.mongodb.com"

// Options configure a Client.
type Options struct {
	BaseURL     string
	Credentials Credentials
	Timeout     time.Duration // per request, retries included
	CACertFile  string
	APIVersion  string    // overrides the resource version sent in Accept
	Envelope    bool      // send envelope=true and unwrap the answers
	Pretty      bool      // send pretty=true where the operation takes it
	Debug       io.Writer // trace every exchange here (secrets redacted); nil: off
	UserAgent   string
	// Retries is how many times a safe request is tried in all (default
	// DefaultRetries); RetryWait, when set, replaces the backoff.
	Retries   int
	RetryWait func(attempt int, resp *http.Response) time.Duration
}

// Client talks to the Atlas Admin API.
type Client struct {
	base       *url.URL
	http       *http.Client
	apiVersion string
	envelope   bool
	pretty     bool
	userAgent  string
	auth       string // the Authorization scheme, for --dry-run
}

// New builds a client. It fails with ErrNoCredentials when no credentials
// are complete.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: must be an absolute http(s) URL such as %s", o.BaseURL, DefaultBaseURL)
	}
	bottom, err := baseTransport(o.CACertFile)
	if err != nil {
		return nil, err
	}
	if o.Debug != nil {
		bottom = &traceTransport{w: o.Debug, base: bottom}
	}
	if o.Retries <= 0 {
		o.Retries = DefaultRetries
	}
	if o.RetryWait == nil {
		o.RetryWait = backoff
	}
	var rt http.RoundTripper = &retryTransport{base: bottom, attempts: o.Retries, wait: o.RetryWait}
	c := &Client{base: base, apiVersion: o.APIVersion, envelope: o.Envelope, pretty: o.Pretty, userAgent: o.UserAgent}
	cr := o.Credentials
	switch cr.Method() {
	case "access token":
		rt, c.auth = &bearerTransport{token: cr.AccessToken, base: rt}, "Bearer"
	case "service account":
		rt, c.auth = &oauthTransport{
			tokenURL: base.String() + "/api/oauth/token", clientID: cr.ClientID, secret: cr.ClientSecret,
			userAgent: o.UserAgent, base: rt, now: time.Now,
		}, "Bearer"
	case "API keys":
		rt, c.auth = &DigestTransport{Username: cr.PublicKey, Password: cr.PrivateKey, Base: rt}, "Digest"
	default:
		return nil, ErrNoCredentials
	}
	c.http = &http.Client{
		Transport: rt,
		Timeout:   o.Timeout,
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

// do sends an operation and returns its answer, or an *Error for an error
// answer (with envelope=true, judged by the status inside the body).
func (c *Client) do(ctx context.Context, k call) (*Response, error) {
	req, _, err := c.newRequest(ctx, k)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var apiErr *Error // the token endpoint's refusal, under url.Error
		if errors.As(err, &apiErr) {
			return nil, apiErr
		}
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer to %s %s: %w", k.method, req.URL.Path, err)
	}
	status := resp.StatusCode
	if c.envelope && status == http.StatusOK {
		if status, raw, err = unwrap(raw); err != nil {
			return nil, fmt.Errorf("%s %s: %w", k.method, req.URL.Path, err)
		}
	}
	if status >= 400 {
		return nil, decodeError(status, raw)
	}
	if status >= 300 {
		return nil, fmt.Errorf("%s %s: unexpected redirect %d to %s", k.method, req.URL.Path, status, resp.Header.Get("Location"))
	}
	return &Response{Status: status, Header: resp.Header, Raw: raw}, nil
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
		t, _ := dec.Token()
		var v json.RawMessage
		dec.Decode(&v)
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
