package api

import (
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	page := `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title><style>body { color: red }</style></head>
<body><script>var x = "<b>";</script>
<h1>502   Bad&nbsp;Gateway</h1>
<p>The upstream server did not answer.` + strings.Repeat(" More text.", 40) + `</p>
</body></html>`
	got := excerpt([]byte(page), nil)
	if !strings.HasPrefix(got, "502 Bad Gateway The upstream server did not answer. More text.") {
		t.Errorf("excerpt of an HTML page: %q", got)
	}
	if strings.ContainsAny(got, "<>\n") || strings.Contains(got, "color") || strings.Contains(got, "var x") {
		t.Errorf("excerpt keeps markup: %q", got)
	}
	if n := len([]rune(got)); n > 81 {
		t.Errorf("excerpt is %d characters long", n)
	}
	if got := excerpt([]byte("bad\x00\x1b[31mthing\r\n"), nil); got != "bad [31mthing" {
		t.Errorf("control characters: %q", got)
	}
}
