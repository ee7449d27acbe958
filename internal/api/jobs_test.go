package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

func TestExportEnded(t *testing.T) {
	tests := []struct {
		body      string
		ended, ok bool
		progress  string
		reason    string
	}{
		{`{"id":"a","state":"Queued","exportBucketId":"b"}`, false, false, "Queued", ""},
		{`{"id":"a","state":"InProgress","exportStatus":{"exportedCollections":12,"totalCollections":42}}`, false, false, "InProgress (12/42 collections)", ""},
		{`{"id":"a","state":"Successful","exportStatus":{"exportedCollections":42,"totalCollections":42}}`, true, true, "Successful (42/42 collections)", ""},
		{`{"id":"a","state":"successful"}`, true, true, "successful", ""},
		{`{"id":"a","state":"Failed","stateReason":{"errorCode":"EXPORT_FAILED","message":"bucket refused"}}`, true, false, "Failed", "EXPORT_FAILED: bucket refused"},
		{`{"id":"a","state":"Cancelled"}`, true, false, "Cancelled", ""},
	}
	for _, tt := range tests {
		var j api.ExportJob
		if err := json.Unmarshal([]byte(tt.body), &j); err != nil {
			t.Fatal(err)
		}
		ended, ok, err := j.Ended()
		if err != nil || ended != tt.ended || ok != tt.ok || j.Progress() != tt.progress || j.Reason() != tt.reason {
			t.Errorf("%s: Ended() = %v, %v, %v; Progress %q; Reason %q", tt.body, ended, ok, err, j.Progress(), j.Reason())
		}
	}
	j := api.ExportJob{State: "Paused"}
	var unknown *api.UnknownStateError
	if _, _, err := j.Ended(); !errors.As(err, &unknown) || unknown.State != "Paused" {
		t.Errorf("unknown state: %v", err)
	}
}

func TestRestoreEnded(t *testing.T) {
	tests := []struct {
		body      string
		ended, ok bool
		status    string
	}{
		{`{"id":"a","deliveryType":"automated","cancelled":false,"failed":false,"expired":false}`, false, false, "Pending"},
		{`{"id":"a","deliveryType":"automated","finishedAt":"2026-11-24T12:00:10Z"}`, true, true, "Succeeded"},
		{`{"id":"a","deliveryType":"download","deliveryUrl":["https://x/y.tar.gz"]}`, true, true, "Succeeded"},
		{`{"id":"a","deliveryType":"download","deliveryUrl":[]}`, false, false, "Pending"},
		{`{"id":"a","deliveryType":"pointInTime","failed":true}`, true, false, "Failed"},
		{`{"id":"a","deliveryType":"automated","cancelled":true}`, true, false, "Cancelled"},
		{`{"id":"a","deliveryType":"download","expired":true,"finishedAt":"2026-11-24T12:00:10Z"}`, true, false, "Expired"},
	}
	for _, tt := range tests {
		var j api.RestoreJob
		if err := json.Unmarshal([]byte(tt.body), &j); err != nil {
			t.Fatal(err)
		}
		ended, ok := j.Ended()
		if ended != tt.ended || ok != tt.ok || j.Status() != tt.status {
			t.Errorf("%s: Ended() = %v, %v; Status %q", tt.body, ended, ok, j.Status())
		}
	}
}

func TestIsTransient(t *testing.T) {
	var syntax *json.SyntaxError
	syntaxErr := json.Unmarshal([]byte("<html>"), &struct{}{})
	if !errors.As(syntaxErr, &syntax) {
		t.Fatal("no syntax error to test with")
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"429", &api.Error{Status: 429}, true},
		{"503", &api.Error{Status: 503}, true},
		{"500", &api.Error{Status: 500}, true},
		{"501", &api.Error{Status: 501}, false},
		{"404", &api.Error{Status: 404}, false},
		{"token endpoint 503", &api.Error{Status: 503, TokenEndpoint: true}, false},
		{"dropped connection", &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}, true},
		{"refused", &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, true}, // to a watch: a host that answered before
		{"unknown host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, false},
		{"timeout", &api.TimeoutError{After: time.Second}, true},
		{"cut body", &api.BodyError{Status: 200, Err: io.ErrUnexpectedEOF}, true},
		{"unreadable answer", fmt.Errorf("unreadable answer from Atlas: %w", syntaxErr), false},
		{"http on https", &url.Error{Op: "Get", URL: "https://x", Err: errors.New("http: server gave HTTP response to HTTPS client")}, false},
		{"cancelled", &url.Error{Op: "Get", URL: "http://x", Err: context.Canceled}, false},
		{"unknown state", &api.UnknownStateError{State: "Paused"}, false},
		{"no credentials", api.ErrNoCredentials, false},
	}
	for _, tt := range tests {
		if got := api.IsTransient(tt.err); got != tt.want {
			t.Errorf("%s: IsTransient = %v, want %v", tt.name, got, tt.want)
		}
	}
}
