package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/shell"
)

// watchFlags are --watch, --watch-timeout and --interval.
type watchFlags struct {
	watch    bool
	timeout  time.Duration
	interval time.Duration

	toggle  bool                   // the command has --watch (the creates)
	changed func(name string) bool // which flags were given
	// wait says something is waited for without --watch (a new
	// snapshot), which --watch-timeout and --interval time too.
	wait bool
}

// defaultInterval is the poll period; under --sandbox, whose jobs end in
// seconds, it is sandboxInterval.
const (
	defaultInterval = 10 * time.Second
	sandboxInterval = time.Second
)

// add declares the flags; toggle adds --watch/-w (the create commands).
func (w *watchFlags) add(c *cobra.Command, toggle bool) {
	w.toggle = toggle
	if toggle {
		c.Flags().BoolVarP(&w.watch, "watch", "w", false, "follow the job until it ends (exit 0 on success, 6 on any other end)")
	}
	c.Flags().DurationVar(&w.timeout, "watch-timeout", 0, "give up watching after this long, exit 7 (0: no limit); the job keeps running")
	c.Flags().DurationVar(&w.interval, "interval", defaultInterval, "time between checks; 1s under --sandbox")
}

// prepare notes which flags were given, and under --sandbox (whose jobs
// end in seconds) checks every second unless --interval says otherwise.
func (w *watchFlags) prepare(c *cobra.Command, sandbox bool) {
	w.changed = c.Flags().Changed
	if !w.changed("interval") && sandbox {
		w.interval = sandboxInterval
	}
}

func (w *watchFlags) validate() error {
	if w.toggle && !w.watch && !w.wait && w.changed != nil {
		for _, name := range []string{"watch-timeout", "interval"} {
			if w.changed(name) {
				return usageErrorf("--%s: only with --watch", name)
			}
		}
	}
	if w.interval <= 0 {
		return usageErrorf("--interval %s: must be more than 0", w.interval)
	}
	if w.timeout < 0 {
		return usageErrorf("--watch-timeout %s: must be 0 (no limit) or more", w.timeout)
	}
	return nil
}

// follow polls a job until it ends and prints the final object on stdout.
// Progress goes to stderr. It ends with nil (success), *WatchFailedError,
// *WatchTimeoutError (after printing the last state), or an interrupt that
// says how to resume.
func follow[T any](ctx context.Context, e runEnv, w watchFlags, p output.Printer, job jobKind[T], id string) error {
	last, err := await(ctx, e, w, job, id)
	return printEnd(e.IO, p, seenValue(job, last), err)
}

// seenValue is the last look at a job as printers take it; nil when there
// was none.
func seenValue[T any](k jobKind[T], seen jobs.Seen[T]) *output.Value {
	if seen.Job == nil {
		return nil
	}
	return &output.Value{Raw: seen.Raw, Table: k.table(seen.Job)}
}

// printEnd prints the last state a watch saw, if any, then returns how the
// watch ended. After a signal too: stdout then holds the last state in the
// -o format (a CI artifact is never empty) and Main puts the resume command
// on stderr, as a fleet run does. Not after a usage error. A reader that
// went away (EPIPE) does not hide how the watch ended.
func printEnd(io output.Streams, p output.Printer, last *output.Value, err error) error {
	var usage *UsageError
	if last == nil || errors.As(err, &usage) {
		return err
	}
	perr := p.Print(io.Out, *last)
	switch {
	case perr == nil:
		return err
	case err == nil:
		return perr
	case errors.Is(perr, syscall.EPIPE):
		return err
	}
	return errors.Join(err, perr)
}

// await follows a job (jobs.Follow) with a display of its own on stderr,
// and words how the watch ended.
func await[T any](ctx context.Context, e runEnv, w watchFlags, job jobKind[T], id string) (jobs.Seen[T], error) {
	client, err := e.Client()
	if err != nil {
		return jobs.Seen[T]{}, err
	}
	display := e.display()
	defer display.Stop()
	ctx = api.WithRetryNotes(ctx, e.notesTo(display))
	seen, err := jobs.Follow(ctx, jobs.Deps{Client: client}, job.Kind, job.scope.jobs(), id, e.watch(w, display))
	display.Stop()
	return seen, job.watchEnd(err)
}

// watchEnd words how a watch of one of k's jobs ended, with the commands
// that follow it up: exit 6 for a job that ended badly, 7 for a timeout, 1
// for an API that could not be reached; an interrupt keeps its exit code.
func (k jobKind[T]) watchEnd(err error) error {
	var ended *jobs.EndedError
	var timeout *jobs.TimeoutError
	var unreachable *jobs.UnreachableError
	var stopped *jobs.StoppedError
	var notDownload *jobs.NotDownloadError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ended):
		return &WatchFailedError{Msg: ended.Error()}
	case errors.As(err, &timeout):
		return &WatchTimeoutError{Msg: fmt.Sprintf("%v; it keeps running. Resume with: %s", timeout, k.resume(timeout.ID))}
	case errors.As(err, &unreachable):
		// Exit 1 whatever the last error was (a 429 alone would be 5):
		// the watch ends because Atlas could not be reached, not because it
		// refused something. Whether the job still runs is not known.
		return &watchError{msg: fmt.Sprintf("%v. Its state is unknown; to watch it again: %s", unreachable, k.resume(unreachable.ID))}
	case errors.As(err, &notDownload):
		return &RefusedError{Err: notDownload}
	case errors.As(err, &stopped) && errors.As(err, new(*InterruptedError)):
		return &watchError{fmt.Sprintf("stopped watching %s %s; it keeps running. Resume with: %s (%v)", stopped.Kind, stopped.ID, k.resume(stopped.ID), stopped.Err), stopped.Err}
	case errors.As(err, &stopped) && (isNotFound(stopped.Err) || errors.As(stopped.Err, new(*api.FlexClusterError))):
		// A job (or cluster) that is not there is not running: the
		// not-found message alone (exit 4), never a resume command; nor
		// for what a Flex cluster does not have (exit 2).
		return stopped.Err
	case errors.As(err, &stopped):
		return &watchError{fmt.Sprintf("%v; it keeps running. Resume with: %s", stopped, k.resume(stopped.ID)), stopped.Err}
	}
	return err
}

// isNotFound reports an answer that says the job, or its cluster, is not
// there: Atlas's 404, whether or not internal/api could say what of.
func isNotFound(err error) bool {
	var apiErr *api.Error
	return errors.As(err, new(*api.NotFoundError)) || (errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound)
}

// watchError is a watch that stopped before the job ended; its message
// names the job. err, when set, is why (an interrupt, an API error that
// sets the exit code).
type watchError struct {
	msg string
	err error
}

func (e *watchError) Error() string { return e.msg }
func (e *watchError) Unwrap() error { return e.err }

// jobKind is a kind of job as the commands name it: the workflows' kind,
// its table, and the commands that show, resume and list its jobs.
type jobKind[T any] struct {
	jobs.Kind[T]
	table func(*T) *output.Table
	noun  string // the command noun: export, restore
	scope *clusterScope
	// resumeWith, when set, is the command that takes a stopped watch up
	// again (restore download's own), instead of the noun's watch.
	resumeWith func(id string) string
	// listFlag, when set, is the flag of the noun's list that lists this
	// kind (--collections).
	listFlag string
}

// command is a command line to paste: every value in it quoted for a shell
// (with --all-clusters, names and IDs come from Atlas).
func (k jobKind[T]) command(verb, id string) string {
	words := []string{"atlas-backup", k.noun, verb}
	if id != "" {
		words = append(words, shell.Quote(id))
	}
	words = append(words, "--cluster", shell.Quote(k.scope.Cluster), "--project-id", shell.Quote(k.scope.ProjectID))
	return strings.Join(words, " ")
}

func (k jobKind[T]) resume(id string) string {
	if k.resumeWith != nil {
		return k.resumeWith(id)
	}
	return k.command("watch", id)
}
func (k jobKind[T]) get(id string) string { return k.command("get", id) }

func (k jobKind[T]) list() string {
	if k.listFlag != "" {
		return k.command("list", k.listFlag)
	}
	return k.command("list", "")
}

func exportJobKind(s *clusterScope) jobKind[api.ExportJob] {
	return jobKind[api.ExportJob]{Kind: jobs.Export, noun: "export", scope: s,
		table: func(j *api.ExportJob) *output.Table { return output.ExportJobTable(*j) }}
}

func restoreJobKind(s *clusterScope) jobKind[api.RestoreJob] {
	return jobKind[api.RestoreJob]{Kind: jobs.Restore, noun: "restore", scope: s,
		table: func(j *api.RestoreJob) *output.Table { return output.RestoreJobTable(*j, s.ProjectID) }}
}

func snapshotKind(s *clusterScope) jobKind[api.Snapshot] {
	return jobKind[api.Snapshot]{Kind: jobs.Snapshot, noun: "snapshot", scope: s,
		table: func(sn *api.Snapshot) *output.Table { return output.SnapshotTable(*sn) }}
}

func collectionRestoreJobKind(s *clusterScope) jobKind[api.CollectionRestoreJob] {
	return jobKind[api.CollectionRestoreJob]{Kind: jobs.CollectionRestore, noun: "restore", scope: s, listFlag: "--collections",
		table: func(j *api.CollectionRestoreJob) *output.Table {
			return output.CollectionRestoreJobTable(*j, s.ProjectID)
		}}
}
