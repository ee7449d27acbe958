package api

import (
	"net/url"
	"testing"
)

// What may be printed of a body hides every secret the client holds, also
// one cut off where an excerpt or a trace stops, and a token field cut off
// the same way.
func TestRedactHidesSecrets(t *testing.T) {
	base, _ := url.Parse("https://user:p%40ss-word@atlas.example")
	s := newSecrets(Credentials{ClientID: "id", ClientSecret: "sk_secret/value"}, base)
	s.add("tok_minted_0123456789")
	for _, tt := range []struct{ in, want string }{
		{"Bearer tok_minted_0123456789 refused", "Bearer REDACTED refused"},
		{"cut at the end: tok_minted_0123", "cut at the end: REDACTED"},
		{"too short to tell: tok", "too short to tell: tok"},
		{"sk_secret/value sk_secret%2Fvalue", "REDACTED REDACTED"},
		{"Basic aWQ6c2tfc2VjcmV0JTJGdmFsdWU=", "Basic REDACTED"},
		{"p@ss-word p%40ss-word dXNlcjpwQHNzLXdvcmQ=", "REDACTED REDACTED REDACTED"},
		{`{"access_token":"not known yet","expires_in":3600}`, `{"access_token":"REDACTED","expires_in":3600}`},
		{`{"expires_in":3600,"access_token":"cut off at the tr`, `{"expires_in":3600,"access_token":"REDACTED"`},
		{"see https://archive.example/a.tar.gz?X-Amz-Signature=abc", "see https://archive.example/REDACTED"},
	} {
		if got := string(s.redact([]byte(tt.in))); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
