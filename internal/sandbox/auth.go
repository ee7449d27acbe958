package sandbox

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/httpauth"
)

// Credentials are the secrets the sandbox accepts. They are demo values, not
// secrets: anyone who can reach the sandbox can read them in its banner.
type Credentials struct {
	PublicKey, PrivateKey  string // HTTP Digest: user and password
	ClientID, ClientSecret string // service account, for POST /api/oauth/token
	AccessToken            string // a fixed Bearer token, accepted as is
}

// DefaultCredentials are the credentials New uses unless told otherwise.
func DefaultCredentials() Credentials {
	return Credentials{
		PublicKey:    "sandboxpub",
		PrivateKey:   "sandbox-private-key",
		ClientID:     "mdb_sa_id_sandbox",
		ClientSecret: "mdb_sa_sk_sandbox",
		AccessToken:  "sandbox-access-token",
	}
}

const (
	digestRealm = "MMS Public API"
	nonceTTL    = 5 * time.Minute
	tokenPath   = "/api/oauth/token"
	revokePath  = "/api/oauth/revoke"
)

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authenticate checks a request's Authorization header. On failure it has
// already written the 401, with a Digest challenge as Atlas sends one.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	var detail string
	stale := false
	switch strings.ToLower(scheme) {
	case "bearer":
		if s.validToken(strings.TrimSpace(rest)) {
			return true
		}
		detail = "The access token is invalid, expired or revoked."
	case "digest":
		ok, isStale := s.checkDigest(r, rest)
		if ok {
			return true
		}
		stale = isStale
		detail = "The digest credentials are invalid."
	case "":
		detail = "You are not authenticated: send HTTP Digest credentials (API keys) or a Bearer token."
	default:
		detail = fmt.Sprintf("Unsupported authorization scheme %q: use Digest or Bearer.", scheme)
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(
		`Digest realm=%q, domain="", nonce=%q, algorithm=MD5, qop="auth", stale=%t`,
		digestRealm, s.newNonce(), stale))
	writeJSON(w, http.StatusUnauthorized, "application/json", newError(http.StatusUnauthorized, codeUnauthorized, detail), false)
	return false
}

// newNonce makes a stateless nonce: its issue time, a serial number (so
// that every challenge has a nonce of its own, as Atlas's do, even when the
// clock stands still), and a MAC over both.
func (s *Server) newNonce() string {
	b := make([]byte, nonceDataLen, nonceDataLen+sha256.Size)
	binary.BigEndian.PutUint64(b, uint64(s.now().UnixNano()))
	binary.BigEndian.PutUint64(b[8:], s.nonces.Add(1))
	return base64.RawURLEncoding.EncodeToString(append(b, s.nonceMAC(b)...))
}

// nonceDataLen is the length of a nonce's issue time and serial number.
const nonceDataLen = 16

func (s *Server) nonceMAC(data []byte) []byte {
	m := hmac.New(sha256.New, s.nonceKey)
	m.Write(data)
	return m.Sum(nil)
}

// nonceState reports whether a nonce is ours and whether it is still fresh.
func (s *Server) nonceState(nonce string) (ours, fresh bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceDataLen+sha256.Size || !hmac.Equal(b[nonceDataLen:], s.nonceMAC(b[:nonceDataLen])) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	return true, s.now().Sub(issued) < nonceTTL
}

// checkDigest verifies an RFC 7616 Digest response (MD5, qop=auth).
func (s *Server) checkDigest(r *http.Request, params string) (ok, stale bool) {
	p := httpauth.ParseParams(params)
	if !equal(p["username"], s.creds.PublicKey) || p["realm"] != digestRealm {
		return false, false
	}
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return false, false
	}
	if p["qop"] != "auth" || p["nc"] == "" || p["cnonce"] == "" || p["uri"] != r.RequestURI {
		return false, false
	}
	ours, fresh := s.nonceState(p["nonce"])
	if !ours {
		return false, false
	}
	ha1 := md5hex(p["username"] + ":" + digestRealm + ":" + s.creds.PrivateKey)
	ha2 := md5hex(r.Method + ":" + p["uri"])
	want := md5hex(strings.Join([]string{ha1, p["nonce"], p["nc"], p["cnonce"], "auth", ha2}, ":"))
	if !equal(strings.ToLower(p["response"]), want) {
		return false, false
	}
	if !fresh {
		return false, true
	}
	return true, false
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (s *Server) validToken(tok string) bool {
	if tok == "" {
		return false
	}
	if s.creds.AccessToken != "" && equal(tok, s.creds.AccessToken) {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	return ok && s.now().Before(exp)
}

// clientCredentials checks the HTTP Basic credentials of the token and
// revoke endpoints. Like golang.org/x/oauth2, clients may URL-encode them.
func (s *Server) clientCredentials(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return false
	}
	if u, err := url.QueryUnescape(id); err == nil {
		id = u
	}
	if u, err := url.QueryUnescape(secret); err == nil {
		secret = u
	}
	return equal(id, s.creds.ClientID) && equal(secret, s.creds.ClientSecret)
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

// serveOAuth answers POST /api/oauth/token (client credentials grant) and
// POST /api/oauth/revoke.
func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request, body []byte) {
	fail := func(e *apiError) { writeJSON(w, e.Status, "application/json", e, false) }
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(newError(http.StatusMethodNotAllowed, codeMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s.", r.Method, r.URL.Path)))
		return
	}
	if !s.clientCredentials(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		fail(newError(http.StatusUnauthorized, codeUnauthorized, "Invalid client credentials: send the service account's client ID and secret with HTTP Basic authentication."))
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		fail(newError(http.StatusBadRequest, codeValidation, "The request body is not a valid form."))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == revokePath {
		s.mu.Lock()
		delete(s.tokens, form.Get("token"))
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		fail(newError(http.StatusBadRequest, codeValidation, fmt.Sprintf("Unsupported grant_type %q: use client_credentials.", gt)))
		return
	}
	tok := "sbx_" + rand.Text()
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(s.tokenTTL)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", tokenResponse{
		AccessToken: tok,
		ExpiresIn:   int(s.tokenTTL / time.Second),
		TokenType:   "Bearer",
	}, false)
}
