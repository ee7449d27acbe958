package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/atlas-backup/atlas-backup/internal/lazyre"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// Error is an error answer: Atlas's ApiError body when it sent one, else
// the status with a short excerpt of whatever came (a proxy's HTML page).
type Error struct {
	Status    int    // the HTTP status (with envelope=true, the one inside the body)
	ErrorCode string // e.g. RESOURCE_NOT_FOUND
	Reason    string
	Detail    string
	// Raw is the error body as Atlas sent it, for -o json; nil when the
	// body was not Atlas's JSON error.
	Raw []byte
	// ContentType and Excerpt describe a body that was not Atlas's error.
	ContentType, Excerpt string
	// TokenEndpoint is set when the OAuth token endpoint refused the service
	// account's credentials.
	TokenEndpoint bool
	// CredentialsSource, on an authentication failure (IsAuth), says where
	// the credentials that were refused came from: the client's
	// Credentials.Source.
	CredentialsSource string
}

func (e *Error) Error() string {
	var msg string
	switch {
	case e.Raw == nil && e.ContentType != "":
		msg = e.statusText() + " (" + e.ContentType + ", not an answer from Atlas)"
		if e.Excerpt != "" {
			msg += fmt.Sprintf(": %q", e.Excerpt)
		}
	default:
		code := e.ErrorCode
		if code == "" {
			code = http.StatusText(e.Status)
		}
		detail := e.Detail
		if detail == "" {
			detail = e.Reason
		}
		// Atlas's own text, on one line: the message is the single
		// "Error: ..." line, and no control character reaches the terminal.
		msg = fmt.Sprintf("%d %s: %s", e.Status, oneLine(code), oneLine(detail))
	}
	if e.TokenEndpoint {
		msg = "the OAuth token endpoint refused the service account: " + msg
	}
	return msg
}

// statusText is "503 Service Unavailable".
func (e *Error) statusText() string { return statusLine(e.Status) }

func statusLine(status int) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s", status, http.StatusText(status)))
}

// IsAuth reports whether the error means the credentials were refused or
// lack the rights (401, 403, or the token endpoint said no).
func (e *Error) IsAuth() bool {
	return e.TokenEndpoint || e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// decodeError turns an error answer into an *Error. A body that is not
// Atlas's error shape still gives an *Error with the status, its content
// type and a short plain-text excerpt. Whatever it keeps of the body has
// the client's secrets hidden (s may be nil).
func decodeError(status int, contentType string, raw []byte, s *secrets) *Error {
	var body struct {
		Error     int    `json:"error"`
		ErrorCode string `json:"errorCode"`
		Reason    string `json:"reason"`
		Detail    string `json:"detail"`
	}
	e := &Error{Status: status, Reason: http.StatusText(status)}
	if isJSON(contentType) && json.Unmarshal(raw, &body) == nil && (body.ErrorCode != "" || body.Detail != "" || body.Error != 0) {
		e.Raw, e.ErrorCode, e.Detail = s.hide(raw), s.hideString(body.ErrorCode), s.hideString(body.Detail)
		if body.Reason != "" {
			e.Reason = s.hideString(body.Reason)
		}
		if !json.Valid(e.Raw) { // a secret hidden across JSON's syntax: print none of it
			e.Raw = nil
		}
		return e
	}
	e.ContentType, e.Excerpt = s.hideString(mediaTypeOf(contentType)), excerpt(raw, s)
	return e
}

// BadAnswerError is a success status whose body cannot be what the
// operation answers: empty, not JSON, or JSON of the wrong shape.
type BadAnswerError struct {
	Method, Path string
	Status       int
	ContentType  string
	Problem      string // "empty", "not JSON", "invalid JSON: …"
	Excerpt      string
}

func (e *BadAnswerError) Error() string {
	msg := fmt.Sprintf("unreadable answer to %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.ContentType != "" {
		msg += ", " + e.ContentType
	}
	msg += ": " + e.Problem
	if e.Excerpt != "" {
		msg += fmt.Sprintf(": %q", e.Excerpt)
	}
	return msg
}

// TimeoutError is an attempt that took longer than the per-request timeout.
type TimeoutError struct {
	After time.Duration
	Err   error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within %s (--http-timeout)", e.After)
}
func (e *TimeoutError) Unwrap() error { return e.Err }

// BodyError is an answer whose body could not be read to its end: the
// connection dropped or stalled after the status line.
type BodyError struct {
	Status int
	Err    error
}

func (e *BodyError) Error() string {
	return fmt.Sprintf("reading the answer (%d %s): %s", e.Status, http.StatusText(e.Status), describe(e.Err))
}
func (e *BodyError) Unwrap() error { return e.Err }

// RequestError is a request that got no (whole) answer: a connection
// dropped or reset, a timeout.
type RequestError struct {
	Request string // "GET /api/atlas/v2/…"
	Err     error
}

func (e *RequestError) Error() string { return e.Request + ": " + describe(e.Err) }
func (e *RequestError) Unwrap() error { return e.Err }

// UnreachableError is a host that could not be reached at all: it is
// unknown, or refuses connections. Nothing was sent.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	why, advice := "connection refused", "check the base URL (--base-url, MONGODB_ATLAS_BASE_URL, or base_url in the config)"
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	var opErr *net.OpError
	switch {
	case errors.As(e.Err, &opErr) && opErr.Op == "proxyconnect":
		why, advice = "its proxy could not be reached: "+describe(opErr.Err), "check HTTPS_PROXY and NO_PROXY"
	case errors.As(e.Err, &dnsErr), errors.As(e.Err, &addrErr):
		why = "the host name does not resolve"
	case !errors.Is(e.Err, syscall.ECONNREFUSED) && errors.As(e.Err, &opErr):
		why = describe(opErr.Err)
	}
	return fmt.Sprintf("cannot reach %s: %s; %s", e.Host, why, advice)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// OutcomeUnknownError is a create whose request went out but whose answer
// did not say what happened (a 5xx, a dropped connection, a timeout, an
// unreadable answer, or an interrupt). It was not sent again; the job may
// or may not exist. Check, when set, is the command that tells.
type OutcomeUnknownError struct {
	Err   error
	Check string
}

func (e *OutcomeUnknownError) Error() string {
	msg := e.Err.Error() + "\nThe create may or may not have started a job; it was not sent again."
	var body *BodyError
	if errors.As(e.Err, &body) && body.Status < 300 {
		msg = e.Err.Error() + "\nAtlas accepted the create, so it most likely started a job, but its answer was lost; it was not sent again."
	}
	if e.Check != "" {
		msg += " Check with: " + e.Check
	}
	return msg
}
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// createOutcome sorts a create's failure: Atlas's definite refusal, or
// nothing sent at all, pass as they are; anything else leaves the outcome
// unknown.
func createOutcome(err error) error {
	var apiErr *Error
	var bad *BadAnswerError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &apiErr) && apiErr.Status < 500 && !errors.As(err, &bad),
		errors.As(err, new(*FlexClusterError)):
		return err // Atlas answered, and did nothing (or it was not sent)
	case errors.Is(err, ErrNoCredentials), errors.As(err, new(*UnreachableError)),
		errors.As(err, new(*notSentError)), connectTimedOut(err):
		return err // nothing reached Atlas
	}
	return &OutcomeUnknownError{Err: err}
}

// What a lookup looks for, or a 404 did not find, as NotFoundError,
// AmbiguousError and ConflictError name it.
const (
	KindSnapshot   = "snapshot"      // a cluster's snapshot: its newest completed one (Name is Latest), or one by ID
	KindBucket     = "export bucket" // an export bucket, by name
	KindCluster    = "cluster"       // a project's cluster, by name
	KindExportJob  = "export job"    // a cluster's export job, by ID
	KindRestoreJob = "restore job"   // a cluster's restore job, by ID
)

// NotFoundError is something the user named that is not there: no
// completed snapshot for latest, no export bucket of that name (lookups
// that found nothing), or a cluster, a cluster's snapshot or job that
// Atlas answered 404 for (Err is that answer). It speaks the API's words;
// cmd puts the flag the value came with in front, and the command that
// lists what there is.
type NotFoundError struct {
	Kind string // KindSnapshot, KindBucket, KindCluster, KindExportJob, KindRestoreJob
	Name string // as the user gave it: "latest", a bucket's name, an ID, a cluster's name
	// Where it was looked for: the project, and for a snapshot or a job
	// the cluster.
	ProjectID, Cluster string
	// Known is what the lookup found instead (the project's bucket or
	// cluster names, as Atlas sent them); nil when it lists nothing.
	Known []string
	// Err is Atlas's 404, when the answer said it; nil for a lookup.
	Err *Error
}

func (e *NotFoundError) Error() string {
	switch {
	case e.Kind == KindSnapshot && e.Name == Latest:
		return fmt.Sprintf("cluster %s has no completed snapshot", e.Cluster)
	case e.Kind == KindBucket:
		return fmt.Sprintf("no export bucket named %q in project %s (%s)", e.Name, e.ProjectID, e.KnownText())
	case e.Err != nil:
		return e.Err.Error() + " (" + e.Where() + ")"
	}
	return fmt.Sprintf("no %s named %q in project %s", e.Kind, e.Name, e.ProjectID)
}

// Unwrap is Atlas's 404, or nil.
func (e *NotFoundError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// Where says what is not where, names from Atlas and the user escaped:
// "project P has no cluster named dmeo; did you mean demo?", "cluster demo
// of project P has no export job ID".
func (e *NotFoundError) Where() string {
	name := text.Escape(e.Name)
	switch e.Kind {
	case KindCluster:
		msg := fmt.Sprintf("project %s has no cluster named %s", e.ProjectID, name)
		if near := e.Near(); len(near) > 0 {
			for i, n := range near {
				near[i] = text.Escape(n)
			}
			msg += "; did you mean " + orList(near) + "?"
		}
		return msg
	case KindSnapshot, KindExportJob, KindRestoreJob:
		return fmt.Sprintf("cluster %s of project %s has no %s %s", text.Escape(e.Cluster), e.ProjectID, e.Kind, name)
	}
	return fmt.Sprintf("project %s has no %s named %s", e.ProjectID, e.Kind, name)
}

// maxNear is how many close names a message suggests.
const maxNear = 3

// Near is what of Known is close to Name, closest first (at most three):
// the same name but for case, or one at most two edits (insertions,
// deletions, substitutions) away, case aside.
func (e *NotFoundError) Near() []string {
	type candidate struct {
		name string
		dist int
	}
	var found []candidate
	want := strings.ToLower(e.Name)
	for _, k := range e.Known {
		if k == e.Name {
			continue
		}
		if d := editDistance(want, strings.ToLower(k), 2); d <= 2 {
			found = append(found, candidate{k, d})
		}
	}
	slices.SortStableFunc(found, func(a, b candidate) int { return a.dist - b.dist })
	var names []string
	for _, c := range found[:min(len(found), maxNear)] {
		names = append(names, c.name)
	}
	return names
}

// editDistance is the Levenshtein distance of a and b (in runes), or
// limit+1 when it is more than limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit+1)
}

// orList is "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// ConflictError is a create that Atlas refused with a 409 because a job is
// in the way: an export of the same snapshot to the same bucket that has
// not ended, a restore into the same cluster. Its text is Atlas's.
type ConflictError struct {
	Kind string // what was being created: KindExportJob, KindRestoreJob
	// JobID is the job in the way, as Atlas's detail names it ("… by
	// export job ID."); "" when it names none.
	JobID string
	// OfCluster says the job in the way is one of Cluster's own, so that
	// the cluster's watch command follows it: an export of its snapshot,
	// or a restore found among its jobs.
	OfCluster          bool
	ProjectID, Cluster string
	Err                *Error
}

func (e *ConflictError) Error() string { return e.Err.Error() }
func (e *ConflictError) Unwrap() error { return e.Err }

// conflictJobID finds the job a 409's detail names: "… by export job ID.",
// "… the target of restore job ID.".
var conflictJobID = lazyre.New(`(?i)\bjob\s+(?:id\s+)?([a-f0-9]{24})\b`)

// Summary is a short reason for err, for a line of a live view: "export
// job ID is in the way (409 EXPORT_ALREADY_IN_PROGRESS)", "no cluster dmeo
// (404 RESOURCE_NOT_FOUND)", "cluster demo has no completed snapshot", "400
// VALIDATION_ERROR"; else the first line of its text, cut to 80
// characters.
func Summary(err error) string {
	var conflict *ConflictError
	var notFound *NotFoundError
	var apiErr *Error
	switch {
	case errors.As(err, &conflict) && conflict.JobID != "":
		return fmt.Sprintf("%s %s is in the way (%s)", conflict.Kind, conflict.JobID, conflict.Err.code())
	case errors.As(err, &notFound) && notFound.Err == nil:
		return excerptOf(notFound.Error(), 80)
	case errors.As(err, &notFound):
		return fmt.Sprintf("no %s %s (%s)", notFound.Kind, excerptOf(text.Escape(notFound.Name), 40), notFound.Err.code())
	case errors.As(err, &apiErr) && apiErr.Raw != nil:
		return apiErr.code()
	}
	return excerptOf(strings.SplitN(err.Error(), "\n", 2)[0], 80)
}

// code is "409 EXPORT_ALREADY_IN_PROGRESS", or the status alone.
func (e *Error) code() string {
	if e.ErrorCode == "" {
		return e.statusText()
	}
	return fmt.Sprintf("%d %s", e.Status, oneLine(e.ErrorCode))
}

// KnownText is what exists instead, for a message: "known: a, b" (names
// from Atlas escaped), or that there is none.
func (e *NotFoundError) KnownText() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("the project has no %ss", e.Kind)
	}
	names := make([]string, len(e.Known))
	for i, n := range e.Known {
		names[i] = text.Escape(n) // from Atlas, into a message
	}
	return "known: " + strings.Join(names, ", ")
}

// AmbiguousError is a name that several things share, so that it names
// none of them: Atlas does not keep export bucket names unique. Matches are
// the candidates, in Atlas's order; their IDs do name one.
type AmbiguousError struct {
	Kind      string // KindBucket
	Name      string // as the user gave it
	ProjectID string
	Matches   []Match
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%d %ss named %q in project %s: %s", len(e.Matches), e.Kind, e.Name, e.ProjectID, e.MatchesText())
}

// MatchesText lists the candidates for a message: "ID (AWS, us-east-1), …".
func (e *AmbiguousError) MatchesText() string {
	list := make([]string, len(e.Matches))
	for i, m := range e.Matches {
		list[i] = m.String()
	}
	return strings.Join(list, ", ")
}

// Match is one of the things an ambiguous name fits: its ID, and what tells
// it from the others (for a bucket, its cloud provider and, when Atlas
// gives one, its region).
type Match struct {
	ID, Provider, Region string
}

// String is "ID (AWS, us-east-1)", escaped: all of it came from Atlas.
func (m Match) String() string {
	about := m.Provider
	if m.Region != "" {
		about += ", " + m.Region
	}
	if about == "" {
		return text.Escape(m.ID)
	}
	return text.Escape(m.ID + " (" + about + ")")
}

// ErrNoCertificates is a CA bundle in which no PEM certificate was found.
var ErrNoCertificates = errors.New("no PEM certificates in it")

// CAFileError is an extra CA bundle that cannot be used: it cannot be read
// (Err is the *fs.PathError), or holds no certificate (ErrNoCertificates).
type CAFileError struct {
	Path string
	Err  error
}

func (e *CAFileError) Error() string { return "CA bundle " + e.Path + ": " + e.Reason() }
func (e *CAFileError) Unwrap() error { return e.Err }

// Reason is why the file cannot be used, without its path: "no such file
// or directory", "no PEM certificates in it".
func (e *CAFileError) Reason() string {
	var pathErr *fs.PathError
	if errors.As(e.Err, &pathErr) {
		return pathErr.Err.Error()
	}
	return e.Err.Error()
}

// ErrNoCredentials means no way to authenticate was configured.
var ErrNoCredentials = errors.New(`no credentials: set one of
  MONGODB_ATLAS_ACCESS_TOKEN (a Bearer token),
  MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (a service account), or
  MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY (API keys),
or the same keys in the config file (atlas-backup config set ...)`)

// isJSON reports a JSON media type: application/json or Atlas's
// application/vnd.atlas.VERSION+json.
func isJSON(contentType string) bool {
	mt := mediaTypeOf(contentType)
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// mediaTypeOf is the media type of a Content-Type, without parameters.
func mediaTypeOf(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return excerptOf(contentType, 40)
	}
	return mt
}

var (
	htmlSkip = lazyre.New(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>|<!--.*?-->`)
	// A tag, or one the body was cut off in: `<` then a letter, `/`, `!` or `?`
	// (`a < b` is text).
	htmlTag = lazyre.New(`(?s)<[a-zA-Z/!?][^>]*(?:>|$)`)
)

// excerpt is at most a short line of plain text from a body: tags,
// entities and control characters dropped, white space folded, and what
// hidden.redact hides (secrets, token fields, signed links) replaced by
// REDACTED, before and after entities are decoded. hidden may be nil.
func excerpt(raw []byte, hidden *secrets) string {
	// The first 64 KiB hold more than an 80-character line needs, even of
	// a page that starts with its scripts and styles; secrets cut off at
	// that end are hidden all the same.
	s := string(hidden.redact(raw[:min(len(raw), excerptFrom)]))
	if strings.Contains(s, "<") {
		s = htmlTag().ReplaceAllString(htmlSkip().ReplaceAllString(s, " "), " ")
		s = strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'").Replace(s)
		s = hidden.hideString(s)
	}
	return excerptOf(s, 80)
}

// excerptFrom is how much of a body an excerpt is made from.
const excerptFrom = 64 << 10

func excerptOf(s string, limit int) string {
	s = oneLine(s)
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

// oneLine folds white space and control characters into single spaces.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// PagingError is a list whose pages do not end as its first page said:
// more of them than its totalCount makes (beyond an allowance for results
// added meanwhile), or one that repeats another. Paging stopped there, so
// the list is incomplete.
type PagingError struct {
	Request string // "GET /api/atlas/v2/…"
	Page    int    // the last page read
	Reason  string
}

func (e *PagingError) Error() string {
	return fmt.Sprintf("paging %s stopped after page %d: %s; the list is incomplete", e.Request, e.Page, e.Reason)
}
