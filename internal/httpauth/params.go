// Package httpauth holds what the Digest client and the sandbox's Digest
// server share.
package httpauth

import "strings"

// ParseParams reads the comma-separated key=value (or key="value") parameters
// of an Authorization or WWW-Authenticate header, after its scheme. Keys are
// lower-cased.
func ParseParams(s string) map[string]string {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out
		}
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			return out
		}
		key = strings.ToLower(strings.TrimSpace(key))
		rest = strings.TrimLeft(rest, " \t")
		var val strings.Builder
		if strings.HasPrefix(rest, `"`) {
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				val.WriteByte(rest[i])
			}
			s = rest[min(i+1, len(rest)):]
		} else {
			v, after, _ := strings.Cut(rest, ",")
			val.WriteString(strings.TrimSpace(v))
			s = after
		}
		out[key] = val.String()
	}
}
