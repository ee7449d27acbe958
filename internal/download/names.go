package download

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// contentRange reads "bytes START-END/TOTAL" or "bytes */TOTAL".
func contentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, false
	}
	span, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	total, err := strconv.ParseInt(size, 10, 64)
	if err != nil || total < 0 {
		return 0, 0, false
	}
	if span == "*" {
		return 0, total, true
	}
	first, _, found := strings.Cut(span, "-")
	start, err = strconv.ParseInt(first, 10, 64)
	return start, total, found && err == nil && start >= 0
}

// strongETag keeps an ETag that If-Range may carry: a strong one.
func strongETag(v string) string {
	if v == "" || strings.HasPrefix(v, "W/") {
		return ""
	}
	return v
}

// Redact shows a link without what makes it a key: its path and query.
func Redact(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return "REDACTED"
	}
	return u.Scheme + "://" + u.Host + "/REDACTED"
}

func rangeNote(req *http.Request) string {
	if r := req.Header.Get("Range"); r != "" {
		note := " (Range: " + r
		if ir := req.Header.Get("If-Range"); ir != "" {
			note += ", If-Range: " + ir
		}
		return note + ")"
	}
	return ""
}

func headerNote(resp *http.Response, name string) string {
	if v := resp.Header.Get(name); v != "" {
		return ", " + name + " " + v
	}
	return ""
}

var plainName = lazyre.New(`^[A-Za-z0-9._-]+$`)

// ownName reports whether a name is one the tool's own files could have:
// hidden (the ETag side files, the lock, the manifest) or a .part.
func ownName(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(strings.ToLower(name), ".part")
}

// Names gives each link a file name: the URL's last path segment when it is
// a plain name ([A-Za-z0-9._-]+, not hidden, not ending in .part), else
// fallback(i). A name that would repeat (ignoring case) gets -2, -3… before
// its extension. No name can reach outside the directory, nor be taken by
// the tool's own files (NAME.part, .NAME.etag, the lock and the manifest).
func Names(links []string, fallback func(i int) string) []string {
	names := make([]string, len(links))
	taken := map[string]bool{}
	for i, link := range links {
		name := ""
		if u, err := url.Parse(link); err == nil {
			p := u.EscapedPath() // %2F is not a separator, and not plain
			seg := p[strings.LastIndex(p, "/")+1:]
			if plainName().MatchString(seg) && !ownName(seg) {
				name = seg
			}
		}
		if name == "" {
			name = fallback(i)
		}
		base, ext := splitExt(name)
		for n := 2; taken[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s-%d%s", base, n, ext)
		}
		taken[strings.ToLower(name)] = true
		names[i] = name
	}
	return names
}

func splitExt(name string) (base, ext string) {
	for _, double := range []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"} {
		if len(name) > len(double) && strings.HasSuffix(strings.ToLower(name), double) {
			return name[:len(name)-len(double)], name[len(name)-len(double):]
		}
	}
	ext = filepath.Ext(name)
	if ext == name {
		ext = "" // ".profile": all name, no extension
	}
	return name[:len(name)-len(ext)], ext
}

// Size writes a byte count for people: 4.0 MiB, 512 B.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n)/unit, 0
	for ; v >= unit && exp < 5; exp++ {
		v /= unit
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}
