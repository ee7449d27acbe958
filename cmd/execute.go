package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// BuildInfo is what the release build stamps into the binary.
type BuildInfo struct{ Version, Commit, Date string }

// Exit codes; CLI.md has the table.
const (
	exitOK    = 0
	exitOther = 1
	exitUsage = 2
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

	f := &Factory{IO: streams, Build: build}
	root := newRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(streams.ErrOut, "Error:", err)
	return exitCode(err)
}

// exitCode maps an error to the exit code CLI.md gives it.
func exitCode(err error) int {
	var usage *UsageError
	var interrupted *InterruptedError
	switch {
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &interrupted):
		return interrupted.ExitCode()
	default:
		return exitOther
	}
}
