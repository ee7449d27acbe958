package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// BuildInfo is what the release build stamps into the binary.
type BuildInfo struct{ Version, Commit, Date string }

// Exit codes; CLI.md has the table.
const (
	exitOK       = 0
	exitOther    = 1
	exitUsage    = 2
	exitAuth     = 3
	exitNotFound = 4
	exitRefused  = 5
	exitFailed   = 6
	exitTimeout  = 7
)

// Main runs one command line and returns its exit code. It is the only place
// that turns errors into exit codes and prints the "Error:" line.
func Main(args []string, streams output.Streams, build BuildInfo) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)
	go func() {
		select {
		case sig := <-sigc:
			cancel(&InterruptedError{Signal: sig})
		case <-ctx.Done():
		}
	}()

	f := &Factory{IO: streams, Build: build, Getenv: systemGetenv, Now: time.Now}
	defer f.Close()
	root := newRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var interrupted *InterruptedError
	if errors.As(context.Cause(ctx), &interrupted) && !errors.As(err, new(*InterruptedError)) {
		err = interrupted // whatever failed, it failed because of the signal
	}
	var apiErr *api.Error
	if errors.As(err, &apiErr) && f.format == "json" && len(apiErr.Raw) > 0 {
		if p, perr := output.New("json"); perr == nil {
			p.Print(streams.Out, output.Value{Raw: apiErr.Raw})
		}
	}
	fmt.Fprintln(streams.ErrOut, "Error:", err)
	return exitCode(err)
}

// exitCode maps an error to the exit code CLI.md gives it.
func exitCode(err error) int {
	var usage *UsageError
	var interrupted *InterruptedError
	var apiErr *api.Error
	var notFound *NotFoundError
	var failed *WatchFailedError
	var timeout *WatchTimeoutError
	switch {
	case errors.As(err, &failed):
		return exitFailed
	case errors.As(err, &timeout):
		return exitTimeout
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &interrupted):
		return interrupted.ExitCode()
	case errors.Is(err, api.ErrNoCredentials):
		return exitAuth
	case errors.As(err, &notFound):
		return exitNotFound
	case errors.As(err, &apiErr):
		switch {
		case apiErr.IsAuth():
			return exitAuth
		case apiErr.Status == http.StatusNotFound:
			return exitNotFound
		case apiErr.Status >= 400 && apiErr.Status < 500:
			return exitRefused
		}
		return exitOther
	default:
		return exitOther
	}
}
