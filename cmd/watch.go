package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/backoff"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
	"github.com/atlas-backup/atlas-backup/internal/watch"
)

// watchFlags are --watch, --watch-timeout and --interval.
type watchFlags struct {
	watch    bool
	timeout  time.Duration
	interval time.Duration
}

// defaultInterval is the poll period; under --sandbox, whose jobs end in
// seconds, it is sandboxInterval.
const (
	defaultInterval = 10 * time.Second
	sandboxInterval = time.Second
)

// add declares the flags; toggle adds --watch/-w (the create commands).
func (w *watchFlags) add(c *cobra.Command, toggle bool) {
	if toggle {
		c.Flags().BoolVarP(&w.watch, "watch", "w", false, "follow the job until it ends (exit 0 on success, 6 on any other end)")
	}
	c.Flags().DurationVar(&w.timeout, "watch-timeout", 0, "give up watching after this long, exit 7 (0: no limit); the job keeps running")
	c.Flags().DurationVar(&w.interval, "interval", defaultInterval, "time between checks; 1s under --sandbox")
}

func (w *watchFlags) resolve(c *cobra.Command, f *Factory) error {
	if c.Flags().Lookup("watch") != nil && !w.watch {
		for _, name := range []string{"watch-timeout", "interval"} {
			if c.Flags().Changed(name) {
				return usageErrorf("--%s: only with --watch", name)
			}
		}
	}
	if !c.Flags().Changed("interval") && f.global.sandbox {
		w.interval = sandboxInterval
	}
	if w.interval <= 0 {
		return usageErrorf("--interval %s: must be more than 0", w.interval)
	}
	if w.timeout < 0 {
		return usageErrorf("--watch-timeout %s: must be 0 (no limit) or more", w.timeout)
	}
	return nil
}

// observation is one look at a job: its typed view and the raw answer.
type observation[T any] struct {
	job *T
	raw []byte
}

// follow polls a job until it ends and prints the final object on stdout.
// Progress goes to stderr. It ends with nil (success), *WatchFailedError,
// *WatchTimeoutError (after printing the last state), or an interrupt that
// says how to resume.
func follow[T any](ctx context.Context, f *Factory, w watchFlags, p output.Printer, job jobKind[T], id string) error {
	last, err := await(ctx, f, w, job, id, nil)
	var interrupted *InterruptedError
	var usage *UsageError
	if last.job != nil && !errors.As(err, &interrupted) && !errors.As(err, &usage) {
		if perr := p.Print(f.IO.Out, output.Value{Raw: last.raw, Table: job.table(last.job)}); perr != nil {
			return perr
		}
	}
	return err
}

// await polls a job until it ends, showing its progress on stderr (through
// progress, or nil for a display of its own), and returns the last look at
// it. The error is nil (a successful end),
// *WatchFailedError, *WatchTimeoutError, a *UsageError from the judge, or a
// watch stopped early (an interrupt among them, or checks that could not
// reach Atlas within the retry budget) whose message names the job and how
// to resume.
//
// A check that fails for a reason that may pass (a refused connection, a
// 503 after the request's own retries) is made again, sooner than the next
// interval when the backoff says so, within the same retry budget as every
// request (--max-retries, and two minutes of waiting); past it the watch
// gives up, exit 1, rather than poll forever an API it cannot reach.
func await[T any](ctx context.Context, f *Factory, w watchFlags, job jobKind[T], id string, progress output.Progress) (observation[T], error) {
	client, err := f.Client()
	if err != nil {
		return observation[T]{}, err
	}
	cfg, err := f.Config()
	if err != nil {
		return observation[T]{}, err
	}
	retries, maxWait := retryBudget(cfg)
	name := text.Escape(id) // Atlas's, for a job just created
	if progress == nil {
		progress = output.NewProgress(f.IO, f.global.quiet, f.global.noColor)
		f.progress = progress
		defer func() { f.progress = nil }()
		defer progress.Stop()
	}
	last, state, err := watch.Poll(ctx, watch.Options[observation[T]]{
		Interval: w.interval,
		Timeout:  w.timeout,
		Fetch: func(ctx context.Context) (observation[T], error) {
			j, raw, err := job.fetch(ctx, client, id)
			return observation[T]{j, raw}, err
		},
		Judge: func(o observation[T]) (watch.State, error) {
			return job.judge(o.job)
		},
		Transient: api.IsTransient,
		Retry: &watch.Budget{Retries: retries, Wait: maxWait, Delay: func(n int) time.Duration {
			return backoff.Delay(n, nil) // as the client waits between attempts
		}},
		OnChange: func(o observation[T], s watch.State) {
			progress.Update(fmt.Sprintf("%s %s: %s", job.name, id, s.Label))
		},
		OnRetry: func(err error) {
			progress.Note(fmt.Sprintf("%s %s: will check again: %v", job.name, id, err))
		},
	})
	progress.Stop()
	var timeout *watch.TimeoutError
	var gaveUp *watch.GaveUpError
	var usage *UsageError
	switch {
	case err == nil && state.OK:
		return last, nil
	case err == nil:
		return last, &WatchFailedError{Msg: fmt.Sprintf("%s %s ended %s", job.name, name, text.Escape(job.why(last.job)))}
	case errors.As(err, &timeout):
		where := "before its first check"
		if last.job != nil {
			where = "while " + text.Escape(state.Label)
		}
		return last, &WatchTimeoutError{Msg: fmt.Sprintf("stopped watching %s %s after %s, %s; it keeps running. Resume with: %s",
			job.name, name, w.timeout, where, job.resume(name))}
	case errors.As(err, &gaveUp):
		// Exit 1 whatever the last error was (a 429 alone would be 5):
		// the watch ends because Atlas could not be reached, not because it
		// refused something. Whether the job still runs is not known.
		checks := ""
		if gaveUp.Checks > 1 {
			checks = fmt.Sprintf("%d checks in a row failed, the last with: ", gaveUp.Checks)
		}
		return last, &watchError{msg: fmt.Sprintf("could not reach Atlas to check %s %s: %s%v. Its state is unknown; to watch it again: %s",
			job.name, name, checks, gaveUp.Err, job.resume(name))}
	case errors.As(err, &usage):
		return last, err
	case errors.As(err, new(*InterruptedError)):
		return last, &watchError{fmt.Sprintf("stopped watching %s %s; it keeps running. Resume with: %s (%v)", job.name, name, job.resume(name), err), err}
	}
	return last, &watchError{fmt.Sprintf("watching %s %s: %v; it keeps running. Resume with: %s", job.name, name, err, job.resume(name)), err}
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

// jobKind connects follow to one kind of job, and names the commands that
// show, resume and list its jobs.
type jobKind[T any] struct {
	name  string // "export job", "restore job"
	fetch func(ctx context.Context, c *api.Client, id string) (*T, []byte, error)
	judge func(*T) (watch.State, error)
	why   func(*T) string // how an unsuccessful end is described
	table func(*T) *output.Table
	noun  string // the command noun: export, restore
	scope *clusterScope
	// resumeWith, when set, is the command that takes a stopped watch up
	// again (restore download's own), instead of the noun's watch.
	resumeWith func(id string) string
}

func (k jobKind[T]) command(verb, id string) string {
	if id != "" {
		id += " "
	}
	return fmt.Sprintf("atlas-backup %s %s %s--cluster %s --project-id %s", k.noun, verb, id, k.scope.Cluster, k.scope.ProjectID)
}

func (k jobKind[T]) resume(id string) string {
	if k.resumeWith != nil {
		return k.resumeWith(id)
	}
	return k.command("watch", id)
}
func (k jobKind[T]) get(id string) string { return k.command("get", id) }
func (k jobKind[T]) list() string         { return k.command("list", "") }

func exportJobKind(s *clusterScope) jobKind[api.ExportJob] {
	return jobKind[api.ExportJob]{
		name: "export job", noun: "export", scope: s,
		fetch: func(ctx context.Context, c *api.Client, id string) (*api.ExportJob, []byte, error) {
			return c.GetExport(ctx, s.ProjectID, s.Cluster, id)
		},
		judge: func(j *api.ExportJob) (watch.State, error) {
			ended, ok, err := j.Ended()
			return watch.State{Label: j.Progress(), Done: ended, OK: ok}, err
		},
		why: func(j *api.ExportJob) string {
			if r := j.Reason(); r != "" {
				return j.State + ": " + r
			}
			return j.State
		},
		table: func(j *api.ExportJob) *output.Table { return output.ExportJobTable(*j) },
	}
}

func restoreJobKind(s *clusterScope) jobKind[api.RestoreJob] {
	return jobKind[api.RestoreJob]{
		name: "restore job", noun: "restore", scope: s,
		fetch: func(ctx context.Context, c *api.Client, id string) (*api.RestoreJob, []byte, error) {
			return c.GetRestore(ctx, s.ProjectID, s.Cluster, id)
		},
		judge: func(j *api.RestoreJob) (watch.State, error) {
			ended, ok := j.Ended()
			return watch.State{Label: j.Status(), Done: ended, OK: ok}, nil
		},
		why:   func(j *api.RestoreJob) string { return j.Status() },
		table: func(j *api.RestoreJob) *output.Table { return output.RestoreJobTable(*j, s.ProjectID) },
	}
}
