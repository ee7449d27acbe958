package sandbox_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

const (
	v1     = "application/vnd.atlas.2023-01-01+json"
	groups = "/api/atlas/v2/groups/"
	demo   = groups + sandbox.DemoProjectID + "/clusters/demo/backup"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a sandbox on a real loopback HTTP server whose every answer is
// checked against the OpenAPI contract.
type env struct {
	t      *testing.T
	sb     *sandbox.Server
	srv    *httptest.Server
	clock  *fakeClock
	digest *http.Client
}

func start(t *testing.T, opts ...sandbox.Option) *env {
	t.Helper()
	return startWrapped(t, nil, opts...)
}

// startWrapped is start with wrap (when not nil) around the contract check:
// it sees each request first.
func startWrapped(t *testing.T, wrap func(http.Handler) http.Handler, opts ...sandbox.Option) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	sb := sandbox.New(append([]sandbox.Option{sandbox.WithClock(clock.Now), sandbox.WithJobDuration(10 * time.Second)}, opts...)...)
	var h http.Handler = spectest.Load(t).Middleware(t, sb)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	creds := sb.Credentials()
	return &env{t: t, sb: sb, srv: srv, clock: clock, digest: &http.Client{
		Transport: &api.DigestTransport{Username: creds.PublicKey, Password: creds.PrivateKey, Base: http.DefaultTransport},
	}}
}

// response is what came back, with the JSON body decoded.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) str(key string) string { s, _ := r.body[key].(string); return s }

func (r response) results() []any { l, _ := r.body["results"].([]any); return l }

// req is a request to send; by default it carries the 2023-01-01 Accept
// header and goes through the Digest client.
type req struct {
	method, path string
	body         string
	accept       string
	header       map[string]string
	client       *http.Client
}

func (e *env) send(r req) response {
	e.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	switch r.accept {
	case "":
		hr.Header.Set("Accept", v1)
	case "none":
	default:
		hr.Header.Set("Accept", r.accept)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", v1)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	c := r.client
	if c == nil {
		c = e.digest
	}
	resp, err := c.Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	out := response{status: resp.StatusCode, header: resp.Header}
	out.raw, _ = io.ReadAll(resp.Body)
	if len(bytes.TrimSpace(out.raw)) > 0 {
		if err := json.Unmarshal(out.raw, &out.body); err != nil {
			e.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", r.method, r.path, err, out.raw)
		}
		if err := keysInOrder(out.raw); err != nil {
			e.t.Errorf("%s %s: %v\n%s", r.method, r.path, err, out.raw)
		}
	}
	return out
}

// keysInOrder checks that every object of a JSON body has its keys in
// alphabetical (byte) order, as Atlas writes them, except the two that
// Atlas writes in an order of their own: desiredTimestamp (increment, time,
// date) and hardware specifications (electableSpecs and the like:
// instanceSize first).
func keysInOrder(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var walk func(at string) error
	walk = func(at string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			exempt := strings.HasSuffix(at, ".desiredTimestamp") || strings.HasSuffix(at, "Specs")
			prev := ""
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if !exempt && prev != "" && key < prev {
					return fmt.Errorf("at %s: key %q after %q: not in alphabetical order", cmp.Or(at, "the top"), key, prev)
				}
				prev = key
				if err := walk(at + "." + key); err != nil {
					return err
				}
			}
			_, err = dec.Token() // }
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token() // ]
			return err
		}
		return nil
	}
	return walk("")
}

func (e *env) get(path string) response { return e.send(req{path: path}) }

func (e *env) post(path, body string) response {
	return e.send(req{method: http.MethodPost, path: path, body: body})
}

// wantStatus fails the test unless the answer has the status (and, for
// errors, the errorCode).
func wantStatus(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	if code != "" && r.str("errorCode") != code {
		t.Fatalf("errorCode %q, want %q; body %s", r.str("errorCode"), code, r.raw)
	}
}

// exportBody is a valid export create body for the demo cluster's newest snapshot.
func exportBody() string {
	return `{"snapshotId":"` + sandbox.SeedSnapshotIDs("demo")[0] + `","exportBucketId":"` + sandbox.DemoBucketID + `"}`
}
