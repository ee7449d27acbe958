package api

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/atlas-backup/atlas-backup/internal/httpauth"
)

// DigestTransport authenticates with HTTP Digest (RFC 7616, qop=auth), the
// scheme of Atlas programmatic API keys: the public key is the user name and
// the private key the password. It remembers the server's challenge so that
// later requests authenticate on the first try, and answers a new or stale
// challenge by sending the request once more.
type DigestTransport struct {
	Username, Password string
	Base               http.RoundTripper

	mu   sync.Mutex
	chal *digestChallenge
	nc   int
}

type digestChallenge struct {
	realm, nonce, opaque, algorithm string
}

// RoundTrip implements http.RoundTripper.
func (t *DigestTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	first := req.Clone(req.Context())
	auth, used, ok := t.authorization(req)
	if ok {
		first.Header.Set("Authorization", auth)
	}
	resp, err := t.Base.RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	chal, ok := parseChallenge(resp.Header.Values("WWW-Authenticate"))
	if !ok {
		return resp, nil
	}
	// Resend only when the challenge is news to this request: a nonce
	// other than the one it was sent with (none, on the first exchange;
	// a stale one). Wrong keys fail again with the same challenge; then
	// the 401 is the answer. Requests in flight at once may all be
	// challenged with the same new nonce: each resends once.
	t.mu.Lock()
	if t.chal == nil || t.chal.nonce != chal.nonce {
		t.chal, t.nc = chal, 0
	}
	t.mu.Unlock()
	if chal.nonce == used || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, nil
	}
	io.CopyN(io.Discard, resp.Body, maxErrorBody)
	resp.Body.Close()
	second := req.Clone(req.Context())
	if req.GetBody != nil {
		if second.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	auth, _, _ = t.authorization(req)
	second.Header.Set("Authorization", auth)
	return t.Base.RoundTrip(second)
}

// authorization computes the Authorization header for req from the last
// challenge, if there was one, and says which nonce it answers.
func (t *DigestTransport) authorization(req *http.Request) (auth, nonce string, ok bool) {
	t.mu.Lock()
	c := t.chal
	if c == nil {
		t.mu.Unlock()
		return "", "", false
	}
	t.nc++
	nc := fmt.Sprintf("%08x", t.nc)
	t.mu.Unlock()

	newHash := md5.New
	if strings.EqualFold(c.algorithm, "SHA-256") {
		newHash = sha256.New
	}
	h := func(s string) string {
		sum := newHash()
		io.WriteString(sum, s)
		return hex.EncodeToString(sum.Sum(nil))
	}
	cnonce := strings.ToLower(rand.Text())
	uri := req.URL.RequestURI()
	ha1 := h(t.Username + ":" + c.realm + ":" + t.Password)
	ha2 := h(req.Method + ":" + uri)
	response := h(strings.Join([]string{ha1, c.nonce, nc, cnonce, "auth", ha2}, ":"))
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, qop=auth, nc=%s, cnonce="%s", response="%s"`,
		quote(t.Username), quote(c.realm), quote(c.nonce), quote(uri), c.algorithmName(), nc, cnonce, response)
	if c.opaque != "" {
		fmt.Fprintf(&b, `, opaque="%s"`, quote(c.opaque))
	}
	return b.String(), c.nonce, true
}

func (c *digestChallenge) algorithmName() string {
	if strings.EqualFold(c.algorithm, "SHA-256") {
		return "SHA-256"
	}
	return "MD5"
}

func quote(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) }

// parseChallenge finds a Digest challenge we can answer (MD5 or SHA-256,
// with qop auth) among WWW-Authenticate headers.
func parseChallenge(headers []string) (*digestChallenge, bool) {
	for _, h := range headers {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		p := httpauth.ParseParams(rest)
		alg := p["algorithm"]
		if alg != "" && !strings.EqualFold(alg, "MD5") && !strings.EqualFold(alg, "SHA-256") {
			continue
		}
		qopOK := false
		for q := range strings.SplitSeq(p["qop"], ",") {
			if strings.TrimSpace(q) == "auth" {
				qopOK = true
			}
		}
		if !qopOK || p["nonce"] == "" {
			continue
		}
		return &digestChallenge{realm: p["realm"], nonce: p["nonce"], opaque: p["opaque"], algorithm: alg}, true
	}
	return nil, false
}
