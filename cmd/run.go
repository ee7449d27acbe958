package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// printDryRun prints the request a call would send: method, URL, headers
// (credentials as REDACTED) and the JSON body.
func printDryRun(io output.Streams, ds ...*api.DryRun) error {
	var b bytes.Buffer
	for _, d := range ds {
		if d == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s\n", d.Method, d.URL)
		api.WriteHeaders(&b, "", d.Header)
		if len(d.Body) > 0 {
			b.WriteString("\n")
			json.Indent(&b, d.Body, "", "  ")
			b.WriteString("\n")
		}
	}
	_, err := io.Out.Write(b.Bytes())
	return err
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// outcomeUnknown adds, to a create whose outcome is unknown, the command
// that tells whether it started a job.
func outcomeUnknown(err error, listCmd string) error {
	var unknown *api.OutcomeUnknownError
	if errors.As(err, &unknown) {
		unknown.Check = listCmd
	}
	return err
}

// CreatedJobError is a job that was created, followed by a failure to
// watch it or print it: the message names the job and how to see it, so
// that nobody starts a second one.
type CreatedJobError struct {
	Kind, ID, Get string
	Err           error
}

func (e *CreatedJobError) Error() string {
	return fmt.Sprintf("%s\n%s %s was created; see it with: %s", e.Err, e.Kind, e.ID, e.Get)
}
func (e *CreatedJobError) Unwrap() error { return e.Err }

// created wraps an error that came after a job was created, so that the
// job's ID is never lost. Ends a watch may report (6, 7, an interrupt
// that says how to resume) name the job already and pass as they are.
func created[T any](kind jobKind[T], id string, err error) error {
	var failed *WatchFailedError
	var timeout *WatchTimeoutError
	var watchErr *watchError
	if err == nil || errors.As(err, &failed) || errors.As(err, &timeout) || errors.As(err, &watchErr) {
		return err
	}
	id = text.Escape(id) // Atlas's, put in a message of several lines
	return &CreatedJobError{Kind: kind.Name, ID: id, Get: kind.get(id), Err: err}
}

// dryRunKind reads, before a dry run whose snapshot is given by ID (so that
// nothing was read yet), the cluster once: the request shown is then the
// one a run would send to a Flex cluster (its own route, or what Flex does
// not support). A run needs no such read: Atlas's answer tells.
func dryRunKind(ctx context.Context, c *api.Client, projectID, cluster, snapshotID string) error {
	if snapshotID == "" || snapshotID == api.Latest || snapshotID == api.NewSnapshot || c.IsFlex(projectID, cluster) {
		return nil
	}
	_, _, err := c.GetCluster(ctx, projectID, cluster)
	return err
}

// noneCreated is a create command's run whose Flex refusals say that
// nothing was created (whichever request found out: a lookup, or the
// create itself).
func noneCreated[O any](run func(context.Context, O) error) func(context.Context, O) error {
	return func(ctx context.Context, o O) error { return markNoneCreated(run(ctx, o)) }
}

// markNoneCreated marks a Flex cluster's refusal in err as a create's.
func markNoneCreated(err error) error {
	var flex *api.FlexClusterError
	if errors.As(err, &flex) {
		flex.Create = true
	}
	return err
}
