package sandbox_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

func TestDigestAuthentication(t *testing.T) {
	e := start(t)
	r := e.get(demo + "/snapshots")
	wantStatus(t, r, http.StatusOK, "")

	reqs := e.sb.Requests()
	if len(reqs) != 2 || reqs[0].Status != 401 || reqs[1].Status != 200 {
		t.Fatalf("want a 401 challenge then a 200, got %+v", reqs)
	}
	auth := reqs[1].Header.Get("Authorization")
	for _, part := range []string{`Digest username="sandboxpub"`, `realm="MMS Public API"`, "qop=auth", "nc=00000001"} {
		if !strings.Contains(auth, part) {
			t.Errorf("Authorization %q lacks %s", auth, part)
		}
	}

	// The challenge is reused: the next request authenticates at once.
	wantStatus(t, e.get(demo+"/snapshots"), http.StatusOK, "")
	if n := len(e.sb.Requests()); n != 3 {
		t.Fatalf("second request took %d exchanges, want 1", n-2)
	}

	// After the nonce has aged out the server says stale and the client
	// answers the new challenge.
	e.clock.Advance(6 * time.Minute)
	wantStatus(t, e.get(demo+"/snapshots"), http.StatusOK, "")
	reqs = e.sb.Requests()
	if len(reqs) != 5 || reqs[3].Status != 401 {
		t.Fatalf("want a stale 401 then a 200, got %d requests", len(reqs))
	}
}

func TestDigestChallengeAndRefusals(t *testing.T) {
	e := start(t)
	plain := &http.Client{}
	r := e.send(req{path: demo + "/snapshots", client: plain})
	wantStatus(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
	chal := r.header.Get("WWW-Authenticate")
	for _, part := range []string{`Digest realm="MMS Public API"`, `qop="auth"`, "algorithm=MD5", "nonce="} {
		if !strings.Contains(chal, part) {
			t.Errorf("WWW-Authenticate %q lacks %s", chal, part)
		}
	}
	if r.header.Get("Content-Type") != "application/json" {
		t.Errorf("401 Content-Type %q, want application/json", r.header.Get("Content-Type"))
	}
	// Every challenge has a nonce of its own, though the clock stands still:
	// two requests challenged at once are both answered.
	if again := e.send(req{path: demo + "/snapshots", client: plain}).header.Get("WWW-Authenticate"); again == chal {
		t.Errorf("two challenges with the same nonce: %s", chal)
	}
	shared := &http.Client{Transport: &api.DigestTransport{Username: "sandboxpub", Password: "sandbox-private-key", Base: http.DefaultTransport}}
	var wg sync.WaitGroup
	for _, path := range []string{clusters, groups[:len(groups)-1], demo + "/snapshots", demo + "/exports"} {
		wg.Go(func() {
			accept := vClusters
			if path != clusters {
				accept = v1
			}
			if r := e.send(req{path: path, accept: accept, client: shared}); r.status != http.StatusOK {
				t.Errorf("%s, challenged with others at once: %d %s", path, r.status, r.raw)
			}
		})
	}
	wg.Wait()

	for name, c := range map[string]*http.Client{
		"wrong private key": {Transport: &api.DigestTransport{Username: "sandboxpub", Password: "nope", Base: http.DefaultTransport}},
		"wrong public key":  {Transport: &api.DigestTransport{Username: "someone", Password: "sandbox-private-key", Base: http.DefaultTransport}},
	} {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, e.send(req{path: demo + "/snapshots", client: c}), http.StatusUnauthorized, "UNAUTHORIZED")
		})
	}

	t.Run("forged nonce", func(t *testing.T) {
		r := e.send(req{path: demo + "/snapshots", client: plain, header: map[string]string{
			"Authorization": `Digest username="sandboxpub", realm="MMS Public API", nonce="forged", uri="` + demo + `/snapshots", qop=auth, nc=00000001, cnonce="x", response="00"`,
		}})
		wantStatus(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
	})
	t.Run("basic scheme", func(t *testing.T) {
		r := e.send(req{path: demo + "/snapshots", client: plain, header: map[string]string{
			"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("sandboxpub:sandbox-private-key")),
		}})
		wantStatus(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
	})
}

// token asks the OAuth endpoint for a token with HTTP Basic credentials.
func (e *env) token(id, secret, grant string) response {
	e.t.Helper()
	return e.send(req{
		method: http.MethodPost, path: "/api/oauth/token", accept: "application/json", client: &http.Client{},
		body: url.Values{"grant_type": {grant}}.Encode(),
		header: map[string]string{
			"Content-Type":  "application/x-www-form-urlencoded",
			"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret))),
		},
	})
}

func (e *env) bearer(tok string) response {
	e.t.Helper()
	return e.send(req{path: demo + "/snapshots", client: &http.Client{}, header: map[string]string{"Authorization": "Bearer " + tok}})
}

func TestServiceAccountTokens(t *testing.T) {
	e := start(t, sandbox.WithTokenTTL(10*time.Minute))
	c := e.sb.Credentials()

	r := e.token(c.ClientID, c.ClientSecret, "client_credentials")
	wantStatus(t, r, http.StatusOK, "")
	tok := r.str("access_token")
	if tok == "" || r.str("token_type") != "Bearer" || r.body["expires_in"] != float64(600) {
		t.Fatalf("token response %s", r.raw)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("token response Cache-Control %q, want no-store", r.header.Get("Cache-Control"))
	}
	wantStatus(t, e.bearer(tok), http.StatusOK, "")

	wantStatus(t, e.token(c.ClientID, "wrong", "client_credentials"), http.StatusUnauthorized, "UNAUTHORIZED")
	wantStatus(t, e.token("unknown", c.ClientSecret, "client_credentials"), http.StatusUnauthorized, "UNAUTHORIZED")
	wantStatus(t, e.token(c.ClientID, c.ClientSecret, "password"), http.StatusBadRequest, "VALIDATION_ERROR")
	wantStatus(t, e.send(req{path: "/api/oauth/token", accept: "application/json", client: &http.Client{}}), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")

	// Tokens expire.
	e.clock.Advance(10 * time.Minute)
	wantStatus(t, e.bearer(tok), http.StatusUnauthorized, "UNAUTHORIZED")

	// And can be revoked.
	tok2 := e.token(c.ClientID, c.ClientSecret, "client_credentials").str("access_token")
	wantStatus(t, e.bearer(tok2), http.StatusOK, "")
	r = e.send(req{
		method: http.MethodPost, path: "/api/oauth/revoke", accept: "application/json", client: &http.Client{},
		body: url.Values{"token": {tok2}, "token_type_hint": {"access_token"}}.Encode(),
		header: map[string]string{
			"Content-Type":  "application/x-www-form-urlencoded",
			"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(c.ClientID+":"+c.ClientSecret)),
		},
	})
	wantStatus(t, r, http.StatusOK, "")
	wantStatus(t, e.bearer(tok2), http.StatusUnauthorized, "UNAUTHORIZED")
}

func TestFixedAccessToken(t *testing.T) {
	e := start(t)
	wantStatus(t, e.bearer(e.sb.Credentials().AccessToken), http.StatusOK, "")
	wantStatus(t, e.bearer("not-the-token"), http.StatusUnauthorized, "UNAUTHORIZED")
	wantStatus(t, e.bearer(""), http.StatusUnauthorized, "UNAUTHORIZED")
}

func TestCustomCredentials(t *testing.T) {
	e := start(t, sandbox.WithCredentials(sandbox.Credentials{PublicKey: "pub", PrivateKey: "priv"}))
	old := &http.Client{Transport: &api.DigestTransport{Username: "sandboxpub", Password: "sandbox-private-key", Base: http.DefaultTransport}}
	wantStatus(t, e.send(req{path: demo + "/snapshots", client: old}), http.StatusUnauthorized, "UNAUTHORIZED") // default keys refused
	c := &http.Client{Transport: &api.DigestTransport{Username: "pub", Password: "priv", Base: http.DefaultTransport}}
	wantStatus(t, e.send(req{path: demo + "/snapshots", client: c}), http.StatusOK, "")
	// With no access token configured, no Bearer token is accepted.
	wantStatus(t, e.bearer("sandbox-access-token"), http.StatusUnauthorized, "UNAUTHORIZED")
}
