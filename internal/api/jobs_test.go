package api_test

import (
	"encoding/json"
	"errors"
	"testing"

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
