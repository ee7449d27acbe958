package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error is an error answer from Atlas, decoded from its ApiError body.
type Error struct {
	Status    int    // the HTTP status (with envelope=true, the one inside the body)
	ErrorCode string // e.g. RESOURCE_NOT_FOUND
	Reason    string
	Detail    string
	// Raw is the error body as Atlas sent it, for -o json.
	Raw []byte
	// TokenEndpoint is set when the OAuth token endpoint refused the service
	// account's credentials.
	TokenEndpoint bool
}

func (e *Error) Error() string {
	code := e.ErrorCode
	if code == "" {
		code = http.StatusText(e.Status)
	}
	detail := e.Detail
	if detail == "" {
		detail = e.Reason
	}
	msg := fmt.Sprintf("%d %s: %s", e.Status, code, detail)
	if e.TokenEndpoint {
		msg = "the OAuth token endpoint refused the service account: " + msg
	}
	return msg
}

// IsAuth reports whether the error means the credentials were refused or
// lack the rights (401, 403, or the token endpoint said no).
func (e *Error) IsAuth() bool {
	return e.TokenEndpoint || e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// decodeError turns an error answer into an *Error. A body that is not
// Atlas's error shape still gives an *Error with the status.
func decodeError(status int, raw []byte) *Error {
	var body struct {
		Error     int    `json:"error"`
		ErrorCode string `json:"errorCode"`
		Reason    string `json:"reason"`
		Detail    string `json:"detail"`
	}
	e := &Error{Status: status, Raw: raw}
	if json.Unmarshal(raw, &body) == nil {
		e.ErrorCode, e.Reason, e.Detail = body.ErrorCode, body.Reason, body.Detail
	}
	if e.Reason == "" {
		e.Reason = http.StatusText(status)
	}
	return e
}

// ErrNoCredentials means no way to authenticate was configured.
var ErrNoCredentials = errors.New(`no credentials: set one of
  MONGODB_ATLAS_ACCESS_TOKEN (a Bearer token),
  MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (a service account), or
  MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY (API keys),
or the same keys in the config file (atlas-backup config set ...)`)
