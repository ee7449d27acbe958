package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

func TestTableEscapesCells(t *testing.T) {
	name := "evil\x1b]0;pwned\x07\nFAKE: forged"
	v := Value{
		Raw:   []byte(`[{"name":"evil\u001b]0;pwned\u0007\nFAKE: forged"}]`),
		Table: ClustersTable([]api.Cluster{{Name: name, StateName: "IDLE\r"}}),
	}
	var out bytes.Buffer
	if err := (tablePrinter{}).Print(&out, v); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME                                 TYPE   STATE    BACKUP   VERSION\n" +
		`evil\x1b]0;pwned\x07\nFAKE: forged   -      IDLE\r   off      -` + "\n"
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := (jsonPrinter{}).Print(&out, v); err != nil {
		t.Fatal(err)
	}
	if got := decode[[]api.Cluster](t, out.Bytes()); got[0].Name != name {
		t.Errorf("-o json: name %q, want %q", got[0].Name, name)
	}
}

// Progress lines, plain and for many jobs, show messages escaped.
func TestProgressEscapes(t *testing.T) {
	var buf bytes.Buffer
	s := Streams{Out: &bytes.Buffer{}, ErrOut: &buf}
	p := NewProgress(s, false, true)
	p.Update("export job x: Queued\x1b[2J\nFAKE")
	p.Note("retrying: \x1b[31mred")
	m := NewMultiProgress(s, false, []string{"evil\x1b[2J\nFAKE"})
	m.For(0).Update("export job y: Queued")
	m.For(0).Note("retrying in 0s: \x07")
	m.Note("note \x1b")
	m.Stop()
	want := "" +
		`export job x: Queued\x1b[2J\nFAKE` + "\n" +
		`retrying: \x1b[31mred` + "\n" +
		`evil\x1b[2J\nFAKE: export job y: Queued` + "\n" +
		`evil\x1b[2J\nFAKE: retrying in 0s: \x07` + "\n" +
		`note \x1b` + "\n"
	if buf.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", buf.String(), want)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07\r") {
		t.Errorf("a raw control character reached stderr: %q", buf.String())
	}
}
