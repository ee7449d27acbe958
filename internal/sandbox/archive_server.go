package sandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
)

// DemoPrivateEndpointID is the private endpoint whose URL every finished
// download restore lists in privateDownloadDeliveryUrls.
const DemoPrivateEndpointID = "vpce-0a1b2c3d4e5f67890"

// opDownloadArchive is the archive server's operation name, for faults and
// the request log.
const opDownloadArchive = "downloadArchive"

// archiveURLExpires is the X-Amz-Expires of archive URLs. It is not what
// ends a link: a link works until its job's expiresAt, as Atlas's do.
const archiveURLExpires = "3600"

// downloadBase is where download restores point until SetArchiveURL names
// the archive server; the .invalid domain never resolves.
const downloadBase = "https://restore-downloads.sandbox.invalid"

// SetArchiveURL tells the sandbox where ArchiveHandler is served (a base URL
// such as http://127.0.0.1:8485), for the download URLs it hands out from now
// on. Until it is called they point at restore-downloads.sandbox.invalid.
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

// archiveURL is the pre-signed URL of a job's archive:
// {base}/archives/{jobId}/{name}, or {base}/archives/private/{jobId}/{name}
// for the private endpoint's copy, with X-Amz-Expires and an X-Amz-Signature
// that is the hex HMAC-SHA256 of the path under the sandbox's key. Called with
// s.mu held.
func (s *Server) archiveURL(jobID, name string, private bool) string {
	path := "/archives/" + jobID + "/" + name
	if private {
		path = "/archives/private/" + jobID + "/" + name
	}
	base := s.archiveBase
	if base == "" {
		base = downloadBase
	}
	return base + path + "?X-Amz-Expires=" + archiveURLExpires + "&X-Amz-Signature=" + s.signArchivePath(path)
}

func (s *Server) signArchivePath(path string) string {
	mac := hmac.New(sha256.New, s.archiveKey)
	mac.Write([]byte(path))
	return hex.EncodeToString(mac.Sum(nil))
}

// archivePath() matches the paths of archive URLs: the job ID and the file name.
var archivePath = lazyre.New(`^/archives/(?:private/)?([a-f0-9]{24})/([A-Za-z0-9._-]+\.tar\.gz)$`)

// ArchiveHandler serves the archives of download restores, as the download
// hosts of Atlas do, on an origin of its own (see SetArchiveURL). It takes no
// Atlas credentials: the URL's signature is the authorization, and a missing
// or wrong one is 403 AccessDenied in S3's XML error shape. GET and HEAD are
// served like http.ServeContent: Content-Length, a strong ETag,
// Accept-Ranges, Range (206), If-Range, 416 for a range past the end. A
// link stops working (403) when its job expires. Requests are in Requests()
// as operation downloadArchive, and faults for that operation apply to them
// once their signature is checked.
func (s *Server) ArchiveHandler() http.Handler { return http.HandlerFunc(s.serveArchive) }

func (s *Server) serveArchive(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	record := s.recorder(sw, r, opDownloadArchive, nil)
	sw.answered = record // in the log before the client sees the answer
	defer record()

	m := archivePath().FindStringSubmatch(r.URL.Path)
	sig := r.URL.Query().Get("X-Amz-Signature")
	switch {
	case sig == "":
		writeS3Error(sw, r, http.StatusForbidden, "AccessDenied", "Query-string authentication requires the X-Amz-Signature parameter.")
		return
	case !hmac.Equal([]byte(sig), []byte(s.signArchivePath(r.URL.Path))):
		writeS3Error(sw, r, http.StatusForbidden, "AccessDenied", "The request signature we calculated does not match the signature you provided.")
		return
	case m == nil:
		writeS3Error(sw, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		sw.Header().Set("Allow", "GET, HEAD")
		writeS3Error(sw, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	jobID, name := m[1], m[2]
	s.mu.Lock()
	j := s.store.restoreJob(jobID)
	live := j != nil && j.linksLive(s.now())
	s.mu.Unlock()
	switch {
	case j == nil:
		writeS3Error(sw, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	case !live:
		writeS3Error(sw, r, http.StatusForbidden, "AccessDenied", "Request has expired.")
		return
	}
	f := s.takeFault(opDownloadArchive)
	if f != nil && f.Kind == FaultCorrupt {
		sw.Header().Set(FaultHeader, f.String())
		s.sendArchive(sw, r, jobID, name, true)
		return
	}
	s.applyFault(f, sw, r, opDownloadArchive, record, func(w http.ResponseWriter) { s.sendArchive(w, r, jobID, name, false) })
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

// s3Error is the XML error body of S3, which Atlas's download hosts are.
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
