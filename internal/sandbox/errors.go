package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// apiError is Atlas's error body (the spec's ApiError schema), its keys in
// Atlas's (alphabetical) order.
type apiError struct {
	BadRequestDetail *badRequestDetail `json:"badRequestDetail,omitempty"`
	Detail           string            `json:"detail"`
	Status           int               `json:"error"`
	ErrorCode        string            `json:"errorCode"`
	Parameters       []any             `json:"parameters"`
	Reason           string            `json:"reason"`
}

type badRequestDetail struct {
	Fields []fieldViolation `json:"fields"`
}

type fieldViolation struct {
	Description string `json:"description"`
	Field       string `json:"field"`
}

// newError is an Atlas error. params fill its parameters, as Atlas fills
// them: the values its detail names (a cluster's name and project ID for
// CLUSTER_NOT_FOUND), in the detail's order.
func newError(status int, code, detail string, params ...any) *apiError {
	return &apiError{
		Status:     status,
		ErrorCode:  code,
		Reason:     reasonPhrase(status),
		Detail:     detail,
		Parameters: append([]any{}, params...),
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
	codeFlexCluster     = "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API"  // 400: a dedicated-cluster route of a Flex cluster

	// Made up: Atlas documents no code for them.
	codeBackupNotEnabled       = "BACKUP_NOT_ENABLED"             // 400: an export, restore or snapshot of a cluster with backup off
	codeSnapshotNotCompleted   = "SNAPSHOT_NOT_COMPLETED"         // 400: an export or restore of a snapshot still being taken
	codeOnDemandSnapshotExists = "ON_DEMAND_SNAPSHOT_IN_PROGRESS" // 400: an on-demand snapshot while another is queued or inProgress
	// 400: a point-in-time restore (or collection restore) of a cluster
	// whose continuous cloud backup (pitEnabled) is off.
	codePITNotEnabled = "PIT_NOT_ENABLED"
	// 400: a point-in-time restore (or collection restore) to a moment
	// before the cluster's restore window (now less restoreWindowDays).
	codeInvalidPointInTime = "INVALID_POINT_IN_TIME"
	// 409: an automated or point-in-time restore, or a Flex restore, into a
	// cluster that a running restore job already writes to.
	codeRestoreInProgress = "CLUSTER_RESTORE_IN_PROGRESS"
	// 409: a collection restore job of a cluster that takes part in a
	// running one, as source or target (Atlas runs one per cluster at a time).
	codeCollectionRestoreInProgress = "COLLECTION_RESTORE_ALREADY_IN_PROGRESS"
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
		fmt.Sprintf("Cannot find resource %s %s.", kind, id), id)
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
	var fields []any
	for i, f := range v {
		parts[i] = f.Field + ": " + f.Description
		if !slices.Contains(fields, any(f.Field)) {
			fields = append(fields, f.Field)
		}
	}
	e := newError(http.StatusBadRequest, codeValidation, "Invalid request: "+strings.Join(parts, "; ")+".", fields...)
	e.BadRequestDetail = &badRequestDetail{Fields: v}
	return e
}
