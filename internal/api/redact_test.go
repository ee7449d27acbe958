package api

import (
	"net/url"
	"strings"
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

// --debug hides the signature of archive links, wherever Atlas puts them,
// but shows Atlas's own links (links[].href, such as the next page) whole:
// they sign nothing. Secrets stay hidden, in an href too.
func TestRedactArchiveLinksOnly(t *testing.T) {
	s := newSecrets(Credentials{AccessToken: "tok_0123456789"}, nil)
	for _, tt := range []struct{ in, want string }{
		{`{"links":[{"href":"https://cloud.mongodb.com/api/atlas/v2/groups/g/clusters/demo/backup/exports?pageNum=2&itemsPerPage=100","rel":"next"}]}`,
			`{"links":[{"href":"https://cloud.mongodb.com/api/atlas/v2/groups/g/clusters/demo/backup/exports?pageNum=2&itemsPerPage=100","rel":"next"}]}`},
		{"{\n  \"href\" : \"https://cloud.mongodb.com/api/atlas/v2/groups/g?pretty=true\",\n  \"rel\" : \"self\"\n}",
			"{\n  \"href\" : \"https://cloud.mongodb.com/api/atlas/v2/groups/g?pretty=true\",\n  \"rel\" : \"self\"\n}"},
		{`{"href":"https://cloud.mongodb.com/api/atlas/v2/groups/g?pageNum=2&itemsPer`, `{"href":"https://cloud.mongodb.com/api/atlas/v2/groups/g?pageNum=2&itemsPer`}, // cut off
		{`{"href":"https://atlas.example/x?access_token=tok_0123456789"}`, `{"href":"https://atlas.example/x?access_token=REDACTED"}`},
		{`{"deliveryUrl":["https://restore.example/a.tar.gz?X-Amz-Signature=abc","https://restore.example/b.tar.gz?sig=1"]}`,
			`{"deliveryUrl":["https://restore.example/REDACTED","https://restore.example/REDACTED"]}`},
		{`{"components":[{"replicaSetName":"rs0","downloadUrl":"https://restore.example/rs0.tar.gz?sig=1"}]}`,
			`{"components":[{"replicaSetName":"rs0","downloadUrl":"https://restore.example/REDACTED"}]}`},
		{`{"privateDownloadDeliveryUrls":[{"deliveryUrl":"https://vpce.example/p.tar.gz?sig=1","endpointId":"vpce-0123456789abcdef0"}]}`,
			`{"privateDownloadDeliveryUrls":[{"deliveryUrl":"https://vpce.example/REDACTED","endpointId":"vpce-0123456789abcdef0"}]}`},
		{`{"snapshotUrl":"https://restore.example/flex.tar.gz?sig=1"}`, `{"snapshotUrl":"https://restore.example/REDACTED"}`},
		{`{"links":[{"href":"https://cloud.mongodb.com/x?pageNum=1","rel":"self"}],"deliveryUrl":["https://restore.example/a.tar.gz?sig=1"]}`,
			`{"links":[{"href":"https://cloud.mongodb.com/x?pageNum=1","rel":"self"}],"deliveryUrl":["https://restore.example/REDACTED"]}`},
	} {
		if got := string(s.redact([]byte(tt.in))); got != tt.want {
			t.Errorf("redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// An archive link in Atlas's shape (a token in its path, no query) is
// hidden wherever a body shows it; other links stay.
func TestRedactArchiveLinksWithoutQuery(t *testing.T) {
	body := `{"deliveryUrl":["https://restore-6b05.example:27017/5aeGVANDaewQFd1dBTOGjsPO/restore-65f0.tar.gz"],` +
		`"components":[{"downloadUrl":"http://127.0.0.1:8485/TOKEN123/restore-65f0-shard-0.tar.gz","replicaSetName":"s0"}],` +
		`"privateDownloadDeliveryUrls":[{"deliveryUrl":"https://p.example/TOK/x.tar.gz","endpointId":"vpce-1"}],` +
		`"links":[{"href":"https://cloud.mongodb.com/api/atlas/v2/groups/g/clusters/c","rel":"self"}]}`
	got := string(redactBody([]byte(body)))
	for _, secret := range []string{"5aeGVANDaewQFd1dBTOGjsPO", "TOKEN123", "/TOK/"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q shows in %s", secret, got)
		}
	}
	for _, kept := range []string{`"https://restore-6b05.example:27017/REDACTED"`, `"http://127.0.0.1:8485/REDACTED"`, `"https://cloud.mongodb.com/api/atlas/v2/groups/g/clusters/c"`, `"replicaSetName":"s0"`, `"endpointId":"vpce-1"`} {
		if !strings.Contains(got, kept) {
			t.Errorf("%s lacks %s", got, kept)
		}
	}
}

// A body cut off inside an archive link (a dropped answer, the end of a
// trace's excerpt) still hides what of the link's path it holds.
func TestRedactCutArchiveLink(t *testing.T) {
	for _, body := range []string{
		`{"deliveryUrl":["http://127.0.0.1:33357/iVhEHuHKg7r5F8UFpjM1nODP/r`,
		`{"components":[{"downloadUrl":"https://h.example/iVhEHuHKg7r5F8UFpjM1nODP`,
	} {
		if got := string(redactBody([]byte(body))); strings.Contains(got, "iVhEHuHKg7r5F8UFpjM1nODP") || !strings.Contains(got, "/REDACTED") {
			t.Errorf("%s\nbecame %s", body, got)
		}
	}
}
