// Package text makes text from the network safe to show people: control
// characters are written as escapes, never sent to the terminal.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes text that came from the network (names, states and messages
// from Atlas) safe to print for people: every character that would drive
// the terminal instead of showing is written as a Go escape, so that a
// cluster name can neither clear, recolour or retitle the screen nor start
// a line of its own. Escaped are the C0 controls (tab, newline and carriage
// return as \t, \n, \r; ESC as \x1b), DEL, the C1 controls (\u009b), the
// Unicode line and paragraph separators and bidirectional-text controls
// (\u202e), and bytes that are not UTF-8 (\xff). Everything else, non-ASCII
// letters included, passes unchanged, and escaping twice changes nothing.
//
// It is the one escaping helper: tables, progress and live lines, notes and
// the "Error:" line all go through it. JSON and YAML output never do: they
// carry the bytes as Atlas sent them.
func Escape(s string) string {
	if strings.IndexFunc(s, unsafe) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// EscapeLines escapes each line of a message of ours whose line breaks are
// meant (an error that names a job, then says how to find it), keeping the
// breaks. Text from the network inside it must have been escaped where it
// was put in, or a newline in it would pass as one of ours.
func EscapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "\n")
}

// unsafe reports a character Escape writes as an escape.
func unsafe(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}
