package cmd

import (
	"fmt"
	"os"
	"syscall"
)

// UsageError is a mistake in the command line: exit code 2, nothing was sent.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// NotFoundError is something the user named that does not exist, found out
// by a lookup rather than a 404: exit code 4.
type NotFoundError struct{ Err error }

func (e *NotFoundError) Error() string { return e.Err.Error() }
func (e *NotFoundError) Unwrap() error { return e.Err }

// RefusedError is something asked of a job that it cannot do (a download
// of a restore that is no download): exit code 5, as Atlas's refusals.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// WatchFailedError is a watched job that ended unsuccessfully: exit code 6.
type WatchFailedError struct{ Msg string }

func (e *WatchFailedError) Error() string { return e.Msg }

// WatchTimeoutError is a watch whose --watch-timeout passed: exit code 7.
type WatchTimeoutError struct{ Msg string }

func (e *WatchTimeoutError) Error() string { return e.Msg }

// InterruptedError is the cause of a run stopped by a signal: exit 130 for
// SIGINT, 143 for SIGTERM.
type InterruptedError struct{ Signal os.Signal }

// Its message has no parentheses: it often ends a message in a pair of
// its own, "… Resume with: CMD (interrupted by SIGINT)".
func (e *InterruptedError) Error() string {
	switch e.Signal {
	case syscall.SIGINT:
		return "interrupted by SIGINT"
	case syscall.SIGTERM:
		return "interrupted by SIGTERM"
	}
	return "interrupted by " + e.Signal.String()
}

// ExitCode is 128 plus the signal number.
func (e *InterruptedError) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}
