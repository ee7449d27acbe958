package sandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// DemoPrivateEndpointID is the private endpoint of the staging project
// (DemoStagingID): a finished download restore of its clusters lists a link
// through it in privateDownloadDeliveryUrls. The demo project has none, so
// its jobs have no privateDownloadDeliveryUrls, as on Atlas.
const DemoPrivateEndpointID = "vpce-0a1b2c3d4e5f67890"

// opDownloadArchive is the archive server's operation name, for faults and
// the request log.
const opDownloadArchive = "downloadArchive"

// downloadHost is where download restores point until SetArchiveURL names
// the archive server: Atlas's shape, restore-{jobId}.{host}:27017, on the
// .invalid domain, which never resolves.
const downloadHost = "sandbox.invalid:27017"

// SetArchiveURL tells the sandbox where ArchiveHandler is served (a base URL
// such as http://127.0.0.1:8485, or https:// when it is served over TLS),
// for the download URLs it hands out from now on. Until it is called they
// point at https://restore-{jobId}.sandbox.invalid:27017, which never
// resolves.
func (s *Server) SetArchiveURL(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archiveBase = strings.TrimRight(base, "/")
}

// ArchiveURL returns the base URL SetArchiveURL set, or "".
func (s *Server) ArchiveURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.archiveBase
}

// archiveLink is what a download URL's token stands for: one archive of one
// job, through the public link or a private endpoint ("").
type archiveLink struct {
	jobID, name, endpoint string
}

// archiveURL is the URL of one archive of a job, in the shape of Atlas's:
// {base}/{token}/{name}, where the token (24 letters and digits, an
// HMAC-SHA256 of the job, the file and the private endpoint under the
// sandbox's key) is the only authorization, and a private endpoint's link
// differs from the public one by its token alone. Without SetArchiveURL the
// base is Atlas's https://restore-{jobId}.{host}:27017 on a host that never
// resolves. Called with s.mu held: it remembers what the token stands for.
func (s *Server) archiveURL(jobID, name, endpoint string) string {
	tok := s.archiveToken(archiveLink{jobID, name, endpoint})
	s.archiveLinks[tok] = archiveLink{jobID, name, endpoint}
	base := s.archiveBase
	if base == "" {
		base = "https://restore-" + jobID + "." + downloadHost
	}
	return base + "/" + tok + "/" + name
}

func (s *Server) archiveToken(l archiveLink) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	mac := hmac.New(sha256.New, s.archiveKey)
	mac.Write([]byte(l.jobID + "\x00" + l.name + "\x00" + l.endpoint))
	sum := mac.Sum(nil)
	tok := make([]byte, archiveTokenLen)
	for i := range tok {
		tok[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(tok)
}

// archiveTokenLen is the length of a download URL's token, as Atlas's.
const archiveTokenLen = 24

// redactToken hides the token of an archive path, for the request log.
func redactToken(path string) string {
	if m := archivePath().FindStringSubmatch(path); m != nil {
		return "/REDACTED/" + m[2]
	}
	return path
}

// archivePath() matches the paths of archive URLs: the token and the file name.
var archivePath = lazyre.New(`^/([A-Za-z0-9]{24})/([A-Za-z0-9._-]+\.tar\.gz)$`)

// ArchiveHandler serves the archives of download restores (and of Flex
// downloads), as the download hosts of Atlas do, on an origin of its own
// (see SetArchiveURL). It takes no
// Atlas credentials: the URL's token is the authorization, and a missing or
// wrong one is 403 AccessDenied in an S3-like XML error shape. GET and HEAD are
// served like http.ServeContent: Content-Length, a strong ETag,
// Accept-Ranges, Range (206), If-Range, 416 for a range past the end. A
// link stops working (403) when its job expires. Requests are in Requests()
// as operation downloadArchive, and faults for that operation apply to them
// once their token is checked.
func (s *Server) ArchiveHandler() http.Handler { return http.HandlerFunc(s.serveArchive) }

func (s *Server) serveArchive(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	record := s.recorder(sw, r, opDownloadArchive, nil)
	sw.answered = record // in the log before the client sees the answer
	defer record()

	m := archivePath().FindStringSubmatch(r.URL.Path)
	s.mu.Lock()
	var l archiveLink
	known := false
	if m != nil {
		l, known = s.archiveLinks[m[1]]
		known = known && l.name == m[2]
	}
	exists, live := false, false
	if known {
		exists, live = s.archiveJob(l.jobID, s.now())
	}
	s.mu.Unlock()
	switch {
	case !known:
		writeS3Error(sw, r, http.StatusForbidden, "AccessDenied", "The download link is not valid: its token does not match any archive.")
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		sw.Header().Set("Allow", "GET, HEAD")
		writeS3Error(sw, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	case !exists:
		writeS3Error(sw, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	case !live:
		writeS3Error(sw, r, http.StatusForbidden, "AccessDenied", "Request has expired.")
		return
	}
	f := s.takeFault(opDownloadArchive)
	if f != nil && f.Kind == FaultCorrupt {
		sw.Header().Set(FaultHeader, f.String())
		s.sendArchive(sw, r, l.jobID, l.name, true)
		return
	}
	s.applyFault(f, sw, r, opDownloadArchive, record, func(w http.ResponseWriter) { s.sendArchive(w, r, l.jobID, l.name, false) })
}

// archiveJob reports whether the job an archive link belongs to exists (a
// download restore or a Flex download), and whether its links work at now.
// Called with s.mu held.
func (s *Server) archiveJob(id string, now time.Time) (exists, live bool) {
	if j := s.store.restoreJob(id); j != nil {
		return true, j.linksLive(now)
	}
	if j := s.store.flexRestoreJob(id); j != nil {
		return true, j.linkLive(now)
	}
	return false, false
}

// sendArchive serves one archive; corrupt spoils its gzip CRC-32.
func (s *Server) sendArchive(w http.ResponseWriter, r *http.Request, jobID, name string, corrupt bool) {
	a, err := s.archives.get(jobID, name, s.archiveSize)
	if err != nil {
		writeS3Error(w, r, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("ETag", a.etag)
	var content io.ReadSeeker = bytes.NewReader(a.data)
	if corrupt {
		content = io.NewSectionReader(badCRC(a.data), 0, int64(len(a.data)))
	}
	http.ServeContent(w, r, name, time.Time{}, content)
}

// badCRC reads a gzip file with the bits of its trailer's CRC-32 flipped.
type badCRC []byte

func (b badCRC) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	crcAt := int64(len(b)) - gzipTrailerLen
	for o := max(off, crcAt); o < min(off+int64(n), crcAt+4); o++ {
		p[o-off] ^= 0xff
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// s3Error is the XML error body of S3. What Atlas's download hosts answer
// for a bad link is not documented; the sandbox keeps this shape.
type s3Error struct {
	XMLName  xml.Name `xml:"Error"`
	Code     string   `xml:"Code"`
	Message  string   `xml:"Message"`
	Resource string   `xml:"Resource"`
}

func writeS3Error(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body, _ := xml.Marshal(s3Error{Code: code, Message: message, Resource: r.URL.Path})
	body = append([]byte(xml.Header), body...)
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// s3CodeForStatus is the S3 error code of a status fault on an archive.
func s3CodeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "InvalidRequest"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusNotFound:
		return "NoSuchKey"
	case http.StatusRequestedRangeNotSatisfiable:
		return "InvalidRange"
	case http.StatusInternalServerError:
		return "InternalError"
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return "SlowDown"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// archiveFault answers a status fault on an archive request.
func (s *Server) archiveFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	s.setRetryAfter(w.Header(), f.Status)
	writeS3Error(w, r, f.Status, s3CodeForStatus(f.Status), fmt.Sprintf("Simulated fault %s injected by the sandbox.", f))
}
