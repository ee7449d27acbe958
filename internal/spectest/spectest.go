// Package spectest checks HTTP exchanges against the official Atlas Admin API
// OpenAPI contract (atlas-backup-openapi.yaml). It is a test helper: import it
// from _test.go files only.
//
// The contract is never copied into this repository. Tests find it through the
// ATLAS_OPENAPI_SPEC environment variable or, when that is unset, at
// ../shared/atlas-api/atlas-backup-openapi.yaml relative to the module root.
package spectest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// EnvVar names the environment variable holding the path of the OpenAPI
// contract. When it is set, a missing file is a test failure, never a skip.
const EnvVar = "ATLAS_OPENAPI_SPEC"

// defaultPath is the contract location relative to the module root.
const defaultPath = "../shared/atlas-api/atlas-backup-openapi.yaml"

// Validator validates requests and responses against the loaded contract.
// It is safe for concurrent use. All methods of a nil *Validator are no-ops
// that return nil, so callers need not check whether the spec was found.
type Validator struct {
	router   routers.Router
	schemas  openapi3.Schemas
	apiError *openapi3.Schema
}

// SpecPath returns where the contract is expected and whether it is required.
// A non-empty ATLAS_OPENAPI_SPEC wins and makes the file required; a relative
// value is resolved against the module root, as is the default path.
func SpecPath() (path string, required bool) {
	p, required := os.Getenv(EnvVar), true
	if p == "" {
		p, required = defaultPath, false
	}
	if !filepath.IsAbs(p) {
		if root := moduleRoot(); root != "" {
			p = filepath.Join(root, p)
		}
	}
	return filepath.Clean(p), required
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod. It returns "" if there is none.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load returns a Validator for the contract at SpecPath. The document is
// loaded and validated once per path. If the file is absent and not
// required, Load logs that contract checks are skipped and returns nil; if it
// is required, or the document does not load or validate, the test fails.
func Load(tb testing.TB) *Validator {
	tb.Helper()
	return load(tb, false)
}

// Require is like Load, but skips the test when the contract is absent and
// not required.
func Require(tb testing.TB) *Validator {
	tb.Helper()
	return load(tb, true)
}

func load(tb testing.TB, skip bool) *Validator {
	tb.Helper()
	path, required := SpecPath()
	if _, err := os.Stat(path); err != nil {
		switch {
		case !errors.Is(err, fs.ErrNotExist):
			tb.Fatalf("OpenAPI spec %s: %v", path, err)
		case required:
			tb.Fatalf("OpenAPI spec not found at %s (set by %s=%q)", path, EnvVar, os.Getenv(EnvVar))
		case skip:
			tb.Skipf("OpenAPI spec not found at %s; set %s to run contract tests", path, EnvVar)
		default:
			tb.Logf("OpenAPI contract checks skipped: %s not found (set %s)", path, EnvVar)
		}
		return nil
	}
	v, err := cached(path)
	if err != nil {
		tb.Fatalf("OpenAPI spec %s: %v", path, err)
		return nil
	}
	return v
}

type cacheEntry struct {
	once sync.Once
	v    *Validator
	err  error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*cacheEntry{}
)

// cached loads the document at path once per process.
func cached(path string) (*Validator, error) {
	cacheMu.Lock()
	e := cache[path]
	if e == nil {
		e = &cacheEntry{}
		cache[path] = e
	}
	cacheMu.Unlock()
	e.once.Do(func() { e.v, e.err = newValidator(path) })
	return e.v, e.err
}

func newValidator(path string) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	apiError := doc.Components.Schemas["ApiError"]
	if apiError == nil || apiError.Value == nil {
		return nil, errors.New("components.schemas.ApiError is missing")
	}
	// Tests talk to http://127.0.0.1:PORT, not https://cloud.mongodb.com:
	// route on the path alone.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	return &Validator{router: router, schemas: doc.Components.Schemas, apiError: apiError.Value}, nil
}

// schemaOpts are the schema validation options used everywhere: short error
// messages, and "uuid" checked (kin-openapi ignores that format by default).
var schemaOpts = []openapi3.SchemaValidationOption{
	openapi3.DisableSchemaErrorDetails(),
	openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)),
}

func filterOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus:   true,
		SkipSettingDefaults:     true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: schemaOpts,
	}
}

// ValidateResponse checks one response to req against the contract.
//
// With envelope=true the HTTP status must be 200 and the body is unwrapped
// first, except for a 401: authentication comes before the envelope, so
// that a Digest client still sees its challenge. Error responses (status >= 400) must be an ApiError whose "error"
// equals the status, also when the path, method or status is not in the
// contract. Any other undeclared status is an error; success bodies are
// validated against the operation's schema for the response Content-Type.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	if v == nil {
		return nil
	}
	if isTrue(req.URL.Query().Get("envelope")) && status != http.StatusUnauthorized {
		if status != http.StatusOK {
			return fmt.Errorf("%s %s?envelope=true: HTTP status %d, want 200", req.Method, req.URL.Path, status)
		}
		var err error
		if status, body, err = unwrapEnvelope(body); err != nil {
			return fmt.Errorf("%s %s?envelope=true: %w", req.Method, req.URL.Path, err)
		}
	}
	ct := header.Get("Content-Type")

	route, params, err := v.router.FindRoute(req)
	if err != nil {
		// Not an operation of the contract: only error bodies are checked.
		if status < 400 || !isJSON(ct, body) {
			return nil
		}
		if err := v.checkAPIError(status, body); err != nil {
			return fmt.Errorf("%s %s: %d %s: %w", req.Method, req.URL.Path, status, ct, err)
		}
		return nil
	}
	op := route.Operation
	where := fmt.Sprintf("%s: %d %s", op.OperationID, status, ct)
	if op.Responses.Status(status) == nil && op.Responses.Default() == nil {
		if status < 400 {
			return fmt.Errorf("status %d not declared for %s", status, op.OperationID)
		}
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return fmt.Errorf("%s: undeclared error status needs Content-Type application/json", where)
		}
		if err := v.checkAPIError(status, body); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		return nil
	}
	if status == http.StatusNoContent {
		if len(body) != 0 {
			return fmt.Errorf("%s: body must be empty, got %d bytes", where, len(body))
		}
		return nil
	}

	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
		},
		Status:  status,
		Header:  header,
		Options: filterOptions(),
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if err := v.checkDiscriminators(op.Responses.Status(status), ct, body); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if status >= 400 {
		if err := checkErrorStatus(status, body); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	return nil
}

// unwrapEnvelope returns the inner status and body of an envelope=true
// response: {"status": N, "content": ...} or, for lists, the object itself
// minus "status".
func unwrapEnvelope(body []byte) (int, []byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return 0, nil, fmt.Errorf("envelope body is not a JSON object")
	}
	var status int
	if err := json.Unmarshal(obj["status"], &status); err != nil {
		return 0, nil, fmt.Errorf("envelope needs an integer \"status\"")
	}
	if content, ok := obj["content"]; ok {
		if string(content) == "null" {
			content = nil
		}
		return status, content, nil
	}
	delete(obj, "status")
	if len(obj) == 0 {
		return status, nil, nil
	}
	inner, err := json.Marshal(obj)
	return status, inner, err
}

// checkAPIError validates body against components.schemas.ApiError and
// requires its "error" to equal status.
func (v *Validator) checkAPIError(status int, body []byte) error {
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("error body is not JSON: %w", err)
	}
	opts := append([]openapi3.SchemaValidationOption{openapi3.VisitAsResponse()}, schemaOpts...)
	if err := v.apiError.VisitJSON(value, opts...); err != nil {
		return fmt.Errorf("body doesn't match ApiError: %w", err)
	}
	return checkErrorStatus(status, body)
}

// checkErrorStatus requires an error body's "error" field to equal status.
func checkErrorStatus(status int, body []byte) error {
	var e struct {
		Error *json.Number `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return nil // the schema check reports a malformed body
	}
	if n, err := e.Error.Int64(); err != nil || n != int64(status) {
		return fmt.Errorf("ApiError.error is %s, want %d", e.Error, status)
	}
	return nil
}

// checkDiscriminators applies discriminator mappings that kin-openapi skips.
// It honours a discriminator only next to oneOf/anyOf, but the contract uses
// the allOf style: DiskBackupSnapshotExportBucketResponse carries a
// discriminator on cloudProvider and no oneOf. Every such object in the body
// is also validated against the schema its mapping selects.
func (v *Validator) checkDiscriminators(resp *openapi3.ResponseRef, ct string, body []byte) error {
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get(ct)
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return nil // ValidateResponse already decoded it
	}
	return v.walkDiscriminators(mt.Schema.Value, value, "")
}

func (v *Validator) walkDiscriminators(s *openapi3.Schema, value any, at string) error {
	switch value := value.(type) {
	case map[string]any:
		if d := s.Discriminator; d != nil && len(s.OneOf) == 0 && len(s.AnyOf) == 0 {
			// The loader leaves local mapping refs unresolved.
			key, _ := value[d.PropertyName].(string)
			ref := d.Mapping[key].Ref
			if m := v.schemas[ref[strings.LastIndex(ref, "/")+1:]]; ref != "" && m != nil && m.Value != s {
				opts := append([]openapi3.SchemaValidationOption{openapi3.VisitAsResponse()}, schemaOpts...)
				if err := m.Value.VisitJSON(value, opts...); err != nil {
					if at == "" {
						at = "/"
					}
					return fmt.Errorf("%s doesn't match %s (%s=%s): %w", at, ref, d.PropertyName, key, err)
				}
			}
		}
		for name, p := range s.Properties {
			if pv, ok := value[name]; ok && p.Value != nil {
				if err := v.walkDiscriminators(p.Value, pv, at+"/"+name); err != nil {
					return err
				}
			}
		}
	case []any:
		if s.Items != nil && s.Items.Value != nil {
			for i, item := range value {
				if err := v.walkDiscriminators(s.Items.Value, item, at+"/"+strconv.Itoa(i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ValidateRequest checks a client request (method, path and query
// parameters, Content-Type and body) against the contract. Authentication is
// not checked. A request that matches no operation is an error.
func (v *Validator) ValidateRequest(req *http.Request, body []byte) error {
	if v == nil {
		return nil
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body = http.NoBody
	}
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return fmt.Errorf("no operation for %s %s", req.Method, req.URL.Path)
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    filterOptions(),
	}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		return fmt.Errorf("%s request: %w", route.Operation.OperationID, err)
	}
	return nil
}

// FaultHeader is the response header with which the sandbox marks an answer
// it broke on purpose (an injected fault such as a truncated body or an HTML
// error page); its value names the fault. It is sandbox.FaultHeader, spelled
// out here so that this package does not import the sandbox.
const FaultHeader = "X-Sandbox-Fault"

// Middleware wraps next so that every response it writes is passed through to
// the client and then checked with ValidateResponse; a mismatch is reported
// with tb.Errorf. Responses on hijacked connections, responses marked with
// FaultHeader, and requests whose client went away before anything was
// written, are not checked. A nil Validator returns next unchanged.
func (v *Validator) Middleware(tb testing.TB, next http.Handler) http.Handler {
	if v == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		orig := r.Clone(r.Context()) // next may alter r.URL
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.hijacked || (rec.status == 0 && r.Context().Err() != nil) {
			return // nothing reached the client
		}
		rec.WriteHeader(http.StatusOK) // records the implicit 200, if any
		if rec.header.Get(FaultHeader) != "" {
			return // contract broken on purpose
		}
		if err := v.ValidateResponse(orig, rec.status, rec.header, rec.body.Bytes()); err != nil {
			tb.Errorf("OpenAPI contract violation: %s %s: %v", orig.Method, orig.URL.RequestURI(), err)
		}
	})
}

// recorder passes a response through while keeping a copy of its status,
// headers and body.
type recorder struct {
	http.ResponseWriter
	status   int
	header   http.Header
	body     bytes.Buffer
	hijacked bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 {
		return
	}
	r.status, r.header = status, r.ResponseWriter.Header().Clone()
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// Flush implements http.Flusher by delegation.
func (r *recorder) Flush() {
	r.WriteHeader(http.StatusOK)
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker by delegation; the exchange is then not
// validated.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("spectest: ResponseWriter does not implement http.Hijacker")
	}
	r.hijacked = true
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying ResponseWriter.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// isJSON reports whether a body is meant to be JSON: a JSON Content-Type or,
// failing that, a body that parses as JSON.
func isJSON(ct string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return true
	}
	return len(bytes.TrimSpace(body)) > 0 && json.Valid(body)
}

func isTrue(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}
