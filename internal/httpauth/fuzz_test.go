package httpauth

// Fuzz targets for ParseParams. Plain `go test` runs the f.Add seeds and
// testdata/fuzz/<FuzzName>/ as regression cases.

import (
	"maps"
	"strings"
	"testing"
)

func FuzzParseParams(f *testing.F) {
	f.Add(`realm="MMS Public API", domain="", nonce="Hu7MaJrVgx1Srm/nMVQ4QmvGsB4vhOZv", algorithm=MD5, qop="auth", stale=false`)
	f.Add(`username="pub", realm="MMS Public API", nonce="n", uri="/api/atlas/v2/groups?pageNum=1", algorithm=MD5, qop=auth, nc=00000001, cnonce="c", response="0123456789abcdef0123456789abcdef"`)
	f.Add(`realm="a\"b\\", nonce="a,b=c"`)
	f.Add(`realm="unterminated`)
	f.Add(`realm="x\`)
	f.Add(`,,, =, ==, "a"=b`)
	f.Fuzz(func(t *testing.T, s string) {
		p := ParseParams(s)
		for k, v := range p {
			if k != strings.ToLower(k) || k != strings.TrimSpace(k) {
				t.Fatalf("ParseParams(%q): key %q is not lower-cased and trimmed", s, k)
			}
			if len(v) > len(s) {
				t.Fatalf("ParseParams(%q): value %q is longer than the input", s, v)
			}
		}
	})
}

// token keeps the RFC 9110 token characters of s.
func token(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return r
		}
		return -1
	}, s)
}

func FuzzParseParamsRoundTrip(f *testing.F) {
	f.Add("realm", "MMS Public API", "nonce", "Hu7MaJrVgx1Srm/nMVQ4QmvGsB4vhOZv", "algorithm", "MD5")
	f.Add("Realm", `a "quoted" \ value`, "nonce", "a,b=c, d", "stale", "false")
	f.Add("realm", "", "nonce", " spaced ", "qop", "auth")
	f.Add("uri", "/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e?envelope=true&pageNum=2", "cnonce", "ïñţł", "nc", "00000001")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		k1, k2, k3, v3 = token(k1), token(k2), token(k3), token(v3)
		if k1 == "" || k2 == "" || k3 == "" || v3 == "" {
			t.Skip("keys and unquoted values are tokens")
		}
		q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace
		s := k1 + `="` + q(v1) + `", ` + k2 + `="` + q(v2) + `",` + k3 + "=" + v3
		want := map[string]string{}
		want[strings.ToLower(k1)] = v1
		want[strings.ToLower(k2)] = v2
		want[strings.ToLower(k3)] = v3
		if got := ParseParams(s); !maps.Equal(got, want) {
			t.Fatalf("ParseParams(%q) = %q, want %q", s, got, want)
		}
	})
}
