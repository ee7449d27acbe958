package api

// Fuzz targets for what the client reads from the network: error bodies,
// envelopes, job bodies and Digest challenges. Plain `go test` runs the f.Add
// seeds and testdata/fuzz/<FuzzName>/ as regression cases.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/atlas-backup/atlas-backup/internal/httpauth"
)

// fuzzTagStart is the start of an HTML tag, comment or declaration.
var fuzzTagStart = regexp.MustCompile(`<[a-zA-Z/!?]`)

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// checkOneLine asserts that s prints as one line: no line breaks, and no
// other control characters to move the cursor or colour the terminal.
func checkOneLine(t *testing.T, what, s string) {
	t.Helper()
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		t.Fatalf("%s has control character %q: %q", what, s[i:i+1], s)
	}
}

// checkExcerpt asserts what excerpt promises about its result ex of raw.
func checkExcerpt(t *testing.T, raw []byte, ex string) {
	t.Helper()
	if n := utf8.RuneCountInString(ex); n > 81 {
		t.Fatalf("excerpt is %d runes long: %q", n, ex)
	}
	if !utf8.ValidString(ex) {
		t.Fatalf("excerpt is not UTF-8: %q", ex)
	}
	checkOneLine(t, "excerpt", ex)
	if ex != strings.TrimSpace(ex) || strings.Contains(ex, "  ") {
		t.Fatalf("excerpt's white space is not folded: %q", ex)
	}
	if !bytes.Contains(raw, []byte("<")) {
		return
	}
	// No tag of the input survives. A "<" the page writes as &lt; is its
	// text and may show; so the markup is judged on the same body with
	// every &lt; turned into &gt;, which is stripped in the same places.
	if noLt := bytes.ReplaceAll(raw, []byte("&lt;"), []byte("&gt;")); fuzzTagStart.MatchString(excerpt(noLt, nil)) {
		t.Fatalf("excerpt of %q keeps markup: %q", raw, ex)
	}
}

func FuzzExcerpt(f *testing.F) {
	f.Add([]byte(nginx502))
	f.Add([]byte(`{"detail":"No export job with ID 65a1f0c2e4b0a1b2c3d4e5f6 exists.","error":404}`))
	f.Add([]byte("<!DOCTYPE html><html><head><style>p{}</style></head><body><!-- x --><p>Bad&nbsp;Gateway &amp; more</p></body></html>"))
	f.Add([]byte("upstream connect error or disconnect/reset before headers. reset reason: connection termination"))
	f.Add([]byte("bad\x00\x1b[31mthing\r\n"))
	f.Add([]byte("a < b and c > d"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkExcerpt(t, raw, excerpt(raw, nil))
	})
}

func FuzzDecodeError(f *testing.F) {
	f.Add(404, "application/json", []byte(`{"detail":"No export job with ID 65a1f0c2e4b0a1b2c3d4e5f6 exists in group 5f1a2b3c4d5e6f7a8b9c0d1e.","error":404,"errorCode":"EXPORT_JOB_NOT_FOUND","parameters":["65a1f0c2e4b0a1b2c3d4e5f6","5f1a2b3c4d5e6f7a8b9c0d1e"],"reason":"Not Found"}`))
	f.Add(429, "application/json", []byte(`{"detail":"You have exceeded the rate limit. Retry after 5 seconds.","error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","parameters":["/api/atlas/v2/groups/{groupId}/clusters",5,100,10,60],"reason":"Too Many Requests"}`))
	f.Add(410, "application/vnd.atlas.2023-01-01+json;charset=utf-8", []byte(`{"detail":"Version 2023-01-01 of /api/atlas/v2/groups/{groupId}/clusters is no longer available","error":410,"errorCode":"VERSION_GONE","parameters":["2023-01-01","/api/atlas/v2/groups/{groupId}/clusters"],"reason":"Gone"}`))
	f.Add(502, "text/html", []byte(nginx502))
	f.Add(503, "", []byte("no healthy upstream"))
	f.Add(400, "application/json", []byte(`{"error":400,"errorCode":"VALIDATION_ERROR","reason":"Bad Request","detail":null,"badRequestDetail":{"fields":[{"field":"snapshotId","description":"must match"}]}}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, raw []byte) {
		e := decodeError(status, contentType, raw, nil)
		if e == nil || e.Status != status {
			t.Fatalf("decodeError(%d, …) = %+v", status, e)
		}
		checkOneLine(t, "Error()", e.Error())
		checkOneLine(t, "ContentType", e.ContentType)
		if e.Raw != nil {
			if !bytes.Equal(e.Raw, raw) || !json.Valid(e.Raw) {
				t.Fatalf("Raw %q is not the JSON body %q", e.Raw, raw)
			}
			if e.Excerpt != "" || e.ContentType != "" {
				t.Fatalf("Atlas's error got an excerpt: %+v", e)
			}
			return
		}
		checkExcerpt(t, raw, e.Excerpt)
	})
}

// fuzzKeys lists a JSON object's keys in order, and its raw values.
func fuzzKeys(t *testing.T, raw []byte) ([]string, []json.RawMessage) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%q is not a JSON object: %v %v", raw, tok, err)
	}
	var keys []string
	var vals []json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		keys, vals = append(keys, tok.(string)), append(vals, v)
	}
	return keys, vals
}

// isObject reports a valid JSON object.
func isObject(raw []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil
}

func FuzzRemoveKey(f *testing.F) {
	f.Add([]byte(`{"status":200,"results":[{"id":"65a1f0c2e4b0a1b2c3d4e5f6"}],"totalCount":1,"links":[]}`), "status")
	f.Add([]byte(`{"links":[],"results":[],"status":200,"totalCount":0}`), "status")
	f.Add([]byte(`{}`), "status")
	f.Add([]byte(` { "a" : 1 , "status" : 2 , "a" : 3 } `), "status")
	f.Add([]byte(`{"st\u0061tus":200,"<html>":"&","x":{"status":1}}`), "status")
	f.Add([]byte(`{"big":12345678901234567890123,"f":1.5e300,"s":"\ud83d\ude42"}`), "f")
	f.Fuzz(func(t *testing.T, raw []byte, key string) {
		out := removeKey(raw, key) // must not panic, whatever raw is
		if !isObject(raw) {
			return
		}
		if !isObject(out) {
			t.Fatalf("removeKey(%q, %q) = %q: not a JSON object", raw, key, out)
		}
		keys, vals := fuzzKeys(t, raw)
		gotKeys, gotVals := fuzzKeys(t, out)
		var wantKeys []string
		var wantVals []json.RawMessage
		for i, k := range keys {
			if k != key {
				wantKeys, wantVals = append(wantKeys, k), append(wantVals, vals[i])
			}
		}
		if !slices.Equal(gotKeys, wantKeys) {
			t.Fatalf("removeKey(%q, %q) keys %q, want %q", raw, key, gotKeys, wantKeys)
		}
		for i := range gotVals {
			if !bytes.Equal(gotVals[i], wantVals[i]) {
				t.Fatalf("removeKey(%q, %q): value of %q is %s, want %s", raw, key, gotKeys[i], gotVals[i], wantVals[i])
			}
		}
	})
}

func FuzzUnwrap(f *testing.F) {
	f.Add([]byte(`{"content":{"id":"65a1f0c2e4b0a1b2c3d4e5f6","state":"Queued"},"status":200}`))
	f.Add([]byte(`{"content":{"detail":"No export job with ID 65a1f0c2e4b0a1b2c3d4e5f6 exists.","error":404,"errorCode":"EXPORT_JOB_NOT_FOUND","reason":"Not Found"},"status":404}`))
	f.Add([]byte(`{"links":[],"results":[{"id":"65a1f0c2e4b0a1b2c3d4e5f6"}],"status":200,"totalCount":1}`))
	f.Add([]byte(`{"content":null,"status":204}`))
	f.Add([]byte(`{"status":204}`))
	f.Add([]byte(`{"content":{}}`))
	f.Add([]byte(`{"status":"200","content":{}}`))
	f.Add([]byte(`[{"status":200}]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		status, content, err := unwrap(raw)
		if err != nil {
			if status != 0 || content != nil {
				t.Fatalf("unwrap(%q) = %d, %q with error %v", raw, status, content, err)
			}
			checkOneLine(t, "error", err.Error())
			return
		}
		if status == 0 || !isObject(raw) {
			t.Fatalf("unwrap(%q) accepted status %d", raw, status)
		}
		var env map[string]json.RawMessage
		json.Unmarshal(raw, &env)
		c, hasContent := env["content"]
		switch {
		case hasContent && string(c) == "null", !hasContent && status == http.StatusNoContent:
			if content != nil {
				t.Fatalf("unwrap(%q) content %q, want none", raw, content)
			}
		case hasContent:
			if !bytes.Equal(content, c) {
				t.Fatalf("unwrap(%q) content %q, want %q", raw, content, c)
			}
		default:
			if !isObject(content) {
				t.Fatalf("unwrap(%q) list %q is not a JSON object", raw, content)
			}
			keys, _ := fuzzKeys(t, content)
			if slices.Contains(keys, "status") {
				t.Fatalf("unwrap(%q) list %q keeps its status", raw, content)
			}
		}
	})
}

func FuzzDecodeJob(f *testing.F) {
	f.Add([]byte(`{"id":"65a1f0c2e4b0a1b2c3d4e5f6","snapshotId":"65a1e0b1d3a0f1e2d3c4b5a6","exportBucketId":"64f0a1b2c3d4e5f6a7b8c9d0","state":"InProgress","futureField":{"x":1},"exportStatus":{"exportedCollections":12,"totalCollections":42},"createdAt":"2024-01-13T09:30:05Z","customData":[{"key":"ticket","value":"1234"}]}`))
	f.Add([]byte(`{"id":"65a1f0c2e4b0a1b2c3d4e5f6","state":"Failed","stateReason":{"errorCode":"EXPORT_FAILED","message":"The bucket refused the write."},"finishedAt":"2024-01-13T10:00:00Z"}`))
	f.Add([]byte(`{"id":"65b0c1d2e3f4a5b6c7d8e9f0","deliveryType":"pointInTime","targetClusterName":"cluster1","targetGroupId":"5f1a2b3c4d5e6f7a8b9c0d1e","oplogTs":1700000000,"oplogInc":1,"cancelled":false,"failed":false,"expired":false,"desiredTimestamp":{"date":"2023-11-14T22:13:20Z","increment":1}}`))
	f.Add([]byte(`{"id":"65b0c1d2e3f4a5b6c7d8e9f2","deliveryType":"download","snapshotId":"65a1e0b1d3a0f1e2d3c4b5a6","cancelled":false,"failed":false,"expired":false,"timestamp":"2024-01-13T09:00:00Z","expiresAt":"2024-01-15T11:20:00Z","deliveryUrl":["https://restore-65b0c1d2e3f4a5b6c7d8e9f2.example.mongodb.net:27017/restore.tar.gz"]}`))
	f.Add([]byte(`{"state":"Queued"}`))
	f.Add([]byte(`[{"id":"65a1f0c2e4b0a1b2c3d4e5f6"}]`))
	f.Add([]byte(`{"id":"x","createdAt":"2024-13-45T99:00:00Z"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkBad := func(err error) {
			t.Helper()
			var bad *BadAnswerError
			if !errors.As(err, &bad) {
				t.Fatalf("error %T %v: want a *BadAnswerError", err, err)
			}
			checkOneLine(t, "BadAnswerError", err.Error())
			checkExcerpt(t, raw, bad.Excerpt)
		}
		ej, eraw, err := decodeOne[ExportJob](&Response{Status: http.StatusOK, Raw: raw}, nil)
		if err != nil {
			checkBad(err)
		} else {
			if ej.ID == "" || !bytes.Equal(eraw, raw) {
				t.Fatalf("export job %+v from %q", ej, raw)
			}
			ended, ok, err := ej.Ended()
			is := func(states ...string) bool {
				return slices.ContainsFunc(states, func(s string) bool { return strings.EqualFold(s, ej.State) })
			}
			var unknown *UnknownStateError
			if is(ExportQueued, ExportInProgress, ExportSuccessful, ExportFailed, ExportCancelled) {
				if err != nil || ended != !is(ExportQueued, ExportInProgress) || ok != is(ExportSuccessful) {
					t.Fatalf("state %q: Ended() = %v, %v, %v", ej.State, ended, ok, err)
				}
			} else if !errors.As(err, &unknown) || ended || ok {
				t.Fatalf("unknown state %q: Ended() = %v, %v, %v", ej.State, ended, ok, err)
			}
			_ = ej.Progress()
			_ = ej.Reason()
		}
		rj, rraw, err := decodeOne[RestoreJob](&Response{Status: http.StatusOK, Raw: raw}, nil)
		if err != nil {
			checkBad(err)
			return
		}
		if rj.ID == "" || !bytes.Equal(rraw, raw) {
			t.Fatalf("restore job %+v from %q", rj, raw)
		}
		s := rj.Status()
		ended, ok := rj.Ended()
		if !slices.Contains([]string{RestorePending, RestoreSucceeded, RestoreFailed, RestoreCancelled, RestoreExpired}, s) ||
			ended != (s != RestorePending) || ok != (s == RestoreSucceeded) {
			t.Fatalf("restore job %+v: Status() = %q, Ended() = %v, %v", rj, s, ended, ok)
		}
		_ = rj.Target("5f1a2b3c4d5e6f7a8b9c0d1e")
	})
}

func FuzzParseChallenge(f *testing.F) {
	f.Add(`Digest realm="MMS Public API", domain="", nonce="Hu7MaJrVgx1Srm/nMVQ4QmvGsB4vhOZv", algorithm=MD5, qop="auth", stale=false`)
	f.Add(`Digest realm="MMS Public API", domain="", nonce="abc", algorithm=MD5, qop="auth", stale=true`)
	f.Add("Bearer realm=\"atlas\"\nDigest realm=\"MMS Public API\", nonce=\"n\", algorithm=SHA-256, qop=\"auth,auth-int\", opaque=\"o\"")
	f.Add(`Digest realm="x", nonce="n", algorithm=SHA-512-256, qop="auth"`)
	f.Add(`Digest realm="x", nonce="n", qop="auth-int"`)
	f.Add(`Digest realm="x", nonce="", qop="auth"`)
	f.Add(`digest REALM="a\"b", NONCE="a,b=c", QOP=auth`)
	f.Fuzz(func(t *testing.T, headers string) {
		hs := strings.Split(headers, "\n")
		c, ok := parseChallenge(hs)
		if !ok {
			if c != nil {
				t.Fatalf("parseChallenge(%q) refused but gave %+v", hs, c)
			}
			return
		}
		if c.nonce == "" {
			t.Fatalf("parseChallenge(%q) accepted an empty nonce", hs)
		}
		if !slices.ContainsFunc(hs, func(h string) bool {
			l := strings.ToLower(h)
			return strings.HasPrefix(strings.TrimSpace(l), "digest") && strings.Contains(l, "qop") && strings.Contains(h, "auth")
		}) {
			t.Fatalf("parseChallenge(%q) accepted a challenge without qop auth", hs)
		}
		if a := c.algorithm; a != "" && !strings.EqualFold(a, "MD5") && !strings.EqualFold(a, "SHA-256") {
			t.Fatalf("parseChallenge(%q) accepted algorithm %q", hs, a)
		}
		// The answer carries the challenge's values back, quoted so that
		// the server's parser reads them as they were.
		dt := &DigestTransport{Username: "pub", Password: "priv", chal: c}
		req, _ := http.NewRequest(http.MethodGet, "https://cloud.mongodb.com/api/atlas/v2/groups", nil)
		auth, _, ok := dt.authorization(req)
		scheme, params, _ := strings.Cut(auth, " ")
		if !ok || scheme != "Digest" {
			t.Fatalf("authorization = %q, %v", auth, ok)
		}
		p := httpauth.ParseParams(params)
		if p["realm"] != c.realm || p["nonce"] != c.nonce || p["opaque"] != c.opaque || p["qop"] != "auth" || p["username"] != "pub" {
			t.Fatalf("authorization %q reads back as %q, from challenge %+v", auth, p, c)
		}
	})
}
