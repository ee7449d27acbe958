package sandbox

import (
	"fmt"
	"net/http"
	"strings"
)

// apiError is Atlas's error body (the spec's ApiError schema).
type apiError struct {
	Status           int               `json:"error"`
	ErrorCode        string            `json:"errorCode"`
	Reason           string            `json:"reason"`
	Detail           string            `json:"detail"`
	Parameters       []any             `json:"parameters"`
	BadRequestDetail *badRequestDetail `json:"badRequestDetail,omitempty"`
}

type badRequestDetail struct {
	Fields []fieldViolation `json:"fields"`
}

type fieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

func newError(status int, code, detail string) *apiError {
	return &apiError{
		Status:     status,
		ErrorCode:  code,
		Reason:     reasonPhrase(status),
		Detail:     detail,
		Parameters: []any{},
	}
}

// reasonPhrase is the status phrase Atlas puts in "reason". Go still names
// 413 by RFC 2616's "Request Entity Too Large"; RFC 7231 calls it
// "Payload Too Large".
func reasonPhrase(status int) string {
	if status == http.StatusRequestEntityTooLarge {
		return "Payload Too Large"
	}
	return http.StatusText(status)
}

// Error codes the sandbox answers with. Where the spec gives an example code
// for a status, that code is used.
const (
	codeValidation       = "VALIDATION_ERROR"
	codeUnauthorized     = "UNAUTHORIZED"
	codeForbidden        = "FORBIDDEN"
	codeNotFound         = "RESOURCE_NOT_FOUND"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeInvalidVersion   = "INVALID_VERSION_DATE"
	codeConflict         = "CONFLICT"
	codePayloadTooLarge  = "PAYLOAD_TOO_LARGE"
	codeMediaType        = "UNSUPPORTED_MEDIA_TYPE"
	codeRateLimited      = "RATE_LIMITED"
	codeUnexpected       = "UNEXPECTED_ERROR"
	codeUnavailable      = "SERVICE_UNAVAILABLE"

	// Atlas's own codes, as its answers carry them.
	codeClusterNotFound = "CLUSTER_NOT_FOUND"                       // 404: getCluster and the Flex routes
	codeNonFlexCluster  = "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API" // 400: a Flex route of a dedicated cluster

	// Made up: Atlas documents no code for it.
	codeBackupNotEnabled = "BACKUP_NOT_ENABLED" // 400: an export or restore from a cluster with backup off
)

// codeForStatus is the errorCode of an injected fault with that status.
func codeForStatus(status int) string {
	switch {
	case status == http.StatusBadRequest:
		return codeValidation
	case status == http.StatusUnauthorized:
		return codeUnauthorized
	case status == http.StatusForbidden:
		return codeForbidden
	case status == http.StatusNotFound:
		return codeNotFound
	case status == http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case status == http.StatusNotAcceptable:
		return codeInvalidVersion
	case status == http.StatusConflict:
		return codeConflict
	case status == http.StatusRequestEntityTooLarge:
		return codePayloadTooLarge
	case status == http.StatusTooManyRequests:
		return codeRateLimited
	case status == http.StatusInternalServerError:
		return codeUnexpected
	case status >= 500:
		return codeUnavailable
	default:
		return strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	}
}

func notFound(kind, id string) *apiError {
	return newError(http.StatusNotFound, codeNotFound,
		fmt.Sprintf("Cannot find resource %s %s.", kind, id))
}

// violations collects what is wrong with a request; its error lists them all.
type violations []fieldViolation

func (v *violations) add(field, format string, args ...any) {
	*v = append(*v, fieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func (v violations) err() *apiError {
	if len(v) == 0 {
		return nil
	}
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Field + ": " + f.Description
	}
	e := newError(http.StatusBadRequest, codeValidation, "Invalid request: "+strings.Join(parts, "; ")+".")
	e.BadRequestDetail = &badRequestDetail{Fields: v}
	return e
}
