package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// --debug reads no more of an answer than the client does: an answer past
// the bound ends the request there, with a trace of at most the first 64
// KiB that says the rest was not read. (The bound is 64 MiB; the test sets
// it to 1 MiB.)
func TestDebugTraceReadsNoMoreThanTheAnswer(t *testing.T) {
	api.SetMaxAnswer(t, 1<<20)
	const guard = 64 << 20 // what a trace that reads everything would make the server send
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		n, err := io.WriteString(w, `{"results":[`)
		chunk := strings.Repeat(`{"_id":"65f0b0c0d0e0f00000000001","bucketName":"b","cloudProvider":"AWS"},`, 500)
		for sent.Add(int64(n)); err == nil && sent.Load() < guard; sent.Add(int64(n)) {
			n, err = io.WriteString(w, chunk)
		}
	}))
	defer srv.Close()
	var trace bytes.Buffer
	c, err := api.New(api.Options{BaseURL: srv.URL, Credentials: api.Credentials{AccessToken: "t0ken"}, Debug: &trace, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListBuckets(context.Background(), sandbox.DemoProjectID, api.ListOptions{})
	srv.Close() // the handler has ended: the client let go
	if err == nil || !strings.Contains(err.Error(), "the answer is larger than 1 MiB") {
		t.Errorf("error %v", err)
	}
	if n := sent.Load(); n > 16<<20 {
		t.Errorf("the server sent %d MiB for an answer bounded to 1 MiB", n>>20)
	}
	if trace.Len() > 80<<10 || !regexp.MustCompile(`(?m)^< \(\d+ more bytes not shown, and the rest was not read\)$`).Match(trace.Bytes()) {
		t.Errorf("a trace of %d KiB:\n%.1000s", trace.Len()>>10, trace.String())
	}
}
