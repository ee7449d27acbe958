package sandbox

import (
	"mime"
	"net/http"
	"strings"
	"time"
)

const (
	mediaPrefix = "application/vnd.atlas."
	mediaSuffix = "+json"
)

// MediaType is the versioned media type of an Atlas resource version.
func MediaType(version string) string { return mediaPrefix + version + mediaSuffix }

// requestedVersion returns the first application/vnd.atlas.YYYY-MM-DD+json
// date named in an Accept header, or "" when there is none.
func requestedVersion(accept string) (string, bool) {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || !strings.HasPrefix(mt, mediaPrefix) || !strings.HasSuffix(mt, mediaSuffix) {
			continue
		}
		return strings.TrimSuffix(strings.TrimPrefix(mt, mediaPrefix), mediaSuffix), true
	}
	return "", false
}

// negotiate picks the version of an operation that serves a request: the
// newest version on or before the date the client asked for, as Atlas does.
// versions is sorted oldest first.
func negotiate(accept string, versions []string, now time.Time) (string, *apiError) {
	date, ok := requestedVersion(accept)
	if !ok {
		return "", invalidVersion()
	}
	d, err := time.Parse(time.DateOnly, date)
	if err != nil || d.After(now) {
		return "", invalidVersion()
	}
	served := ""
	for _, v := range versions {
		if v <= date {
			served = v
		}
	}
	if served == "" {
		return "", invalidVersion()
	}
	return served, nil
}

func invalidVersion() *apiError {
	return newError(http.StatusNotAcceptable, codeInvalidVersion, "Invalid accept header or version date.")
}

// jsonBody reports whether a request's Content-Type is one Atlas reads as JSON.
func jsonBody(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, mediaPrefix) && strings.HasSuffix(mt, mediaSuffix))
}
