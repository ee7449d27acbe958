package httpauth

import (
	"maps"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := map[string]map[string]string{
		`realm="MMS Public API", nonce="a,b", qop="auth", stale=false`: {"realm": "MMS Public API", "nonce": "a,b", "qop": "auth", "stale": "false"},
		`username="a\"b", uri="/x?y=1", nc=00000001`:                   {"username": `a"b`, "uri": "/x?y=1", "nc": "00000001"},
		`Algorithm=MD5,qop=auth`:                                       {"algorithm": "MD5", "qop": "auth"},
		``:                                                             {},
		`junk`:                                                         {},
		`realm="unterminated`:                                          {"realm": "unterminated"},
	}
	for in, want := range tests {
		if got := ParseParams(in); !maps.Equal(got, want) {
			t.Errorf("ParseParams(%q) = %v, want %v", in, got, want)
		}
	}
}
