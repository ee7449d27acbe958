package text

import (
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"demo-1", "demo-1"},
		{"café 東京 ✓", "café 東京 ✓"},
		{"evil\x1b[2J", `evil\x1b[2J`},
		{"a\nFAKE: forged", `a\nFAKE: forged`},
		{"a\r\tb\x00\x07\x7f", `a\r\tb\x00\x07\x7f`},
		{"\u009b31m", `\u009b31m`},               // 8-bit CSI
		{"abc\u202egpj.exe", `abc\u202egpj.exe`}, // right-to-left override
		{"a\u2028b", `a\u2028b`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`},
		{"\ufffd stays", "\ufffd stays"},
		{`already \x1b escaped`, `already \x1b escaped`},
	} {
		got := Escape(tt.in)
		if got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := Escape(got); again != got {
			t.Errorf("Escape(Escape(%q)) = %q, want it unchanged", tt.in, again)
		}
	}
	if got, want := EscapeLines("export job x\x1b[2J failed\nsee it with: y\r"), "export job x\\x1b[2J failed\nsee it with: y\\r"; got != want {
		t.Errorf("EscapeLines = %q, want %q", got, want)
	}
}

// A table shows what Atlas sent escaped, one line per row whatever a cell
// holds; JSON and YAML keep the bytes.
