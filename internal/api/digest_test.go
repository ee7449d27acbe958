package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Requests challenged at once with the same new nonce (the first requests
// of a fleet, or a nonce gone stale mid-run) each answer it once and get
// through; wrong keys, challenged again with the nonce they answered, get
// the 401.
func TestDigestConcurrentChallenges(t *testing.T) {
	var nonce atomic.Value
	nonce.Store("n1")
	var seen, retried atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		auth := r.Header.Get("Authorization")
		want := `nonce="` + nonce.Load().(string) + `"`
		if !strings.Contains(auth, want) || !strings.Contains(auth, `username="pub"`) || (strings.Contains(r.URL.Path, "/wrong") && auth != "") {
			if auth != "" {
				retried.Add(1)
			}
			w.Header().Set("WWW-Authenticate", `Digest realm="MMS Public API", nonce="`+nonce.Load().(string)+`", algorithm=MD5, qop="auth"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	dt := &DigestTransport{Username: "pub", Password: "priv", Base: http.DefaultTransport}
	get := func(path string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		resp, err := dt.RoundTrip(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for round, n := range []string{"n1", "n2"} { // n2: the nonce goes stale
		nonce.Store(n)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code := get("/ok"); code != http.StatusOK {
					t.Errorf("round %d: %d, want 200", round, code)
				}
			}()
		}
		wg.Wait()
	}
	if n := seen.Load(); n > 32 {
		t.Errorf("%d requests for 16: each may resend once, no more", n)
	}
	// Challenged again with the nonce it answered: the keys are wrong.
	before := seen.Load()
	if code := get("/wrong"); code != http.StatusUnauthorized || seen.Load()-before != 1 {
		t.Errorf("wrong keys: %d after %d requests, want 401 after 1", code, seen.Load()-before)
	}
}
