package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/lazyre"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/text"
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
	exitProblems = 8
)

// Option adjusts the Factory of a Main run.
type Option func(*Factory)

// WithSandboxOptions adjusts the sandbox that --sandbox starts (tests make
// its jobs end at once).
func WithSandboxOptions(opts ...sandbox.Option) Option {
	return func(f *Factory) { f.SandboxOptions = append(f.SandboxOptions, opts...) }
}

// Main runs one command line and returns its exit code. It is the only place
// that turns errors into exit codes and prints the "Error:" line.
func Main(args []string, streams output.Streams, build BuildInfo, opts ...Option) (code int) {
	if len(args) == 1 && args[0] == "--version" {
		// The answer needs no command tree, signal handling or settings:
		// start-up is most of what --version costs. A closed stdout is
		// EPIPE here too, not death by SIGPIPE: exit 0 (| head -0).
		signal.Ignore(syscall.SIGPIPE)
		if _, err := fmt.Fprintln(streams.Out, "atlas-backup "+versionLine(build)); err != nil && !errors.Is(err, syscall.EPIPE) {
			return exitOther
		}
		return exitOK
	}
	defer func() {
		// A bug must not print a value (it could be a secret): one line,
		// and the stack, which shows no values.
		if r := recover(); r != nil {
			fmt.Fprintf(streams.ErrOut, "Error: internal error (%T); please report it with this stack:\n%s", r, stack())
			code = exitOther
		}
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)
	// A closed stdout is a write error (EPIPE), not a signal that kills the
	// process: the command ends quietly, or names the job it created.
	pipec := make(chan os.Signal, 1)
	signal.Notify(pipec, syscall.SIGPIPE)
	defer signal.Stop(pipec)
	go func() {
		select {
		case sig := <-sigc:
			cancel(&InterruptedError{Signal: sig})
		case <-ctx.Done():
		}
	}()

	out := &countingWriter{w: streams.Out} // whether the run printed anything
	streams.Out = out
	f := &Factory{IO: streams, Build: build, Getenv: systemGetenv, Now: time.Now}
	for _, o := range opts {
		o(f)
	}
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
	err = wordAPIError(err) // the API's lookup errors, with the flags their values came with
	var apiErr *api.Error
	// One JSON document on stdout, never two: not when the run printed
	// one already, nor for a fleet, whose errors are in its array.
	// Nor for what a Flex cluster does not support: Atlas's refusal of the
	// dedicated route (when it was sent) is not the answer.
	if errors.As(err, &apiErr) && errors.As(err, new(*jsonFormatError)) && len(apiErr.Raw) > 0 && out.n == 0 && !errors.As(err, new(*FleetError)) &&
		!errors.As(err, new(*api.FlexClusterError)) {
		if p, perr := output.New("json"); perr == nil {
			p.Print(streams.Out, output.Value{Raw: apiErr.Raw})
		}
	}
	if errors.Is(err, syscall.EPIPE) && !errors.As(err, new(*CreatedJobError)) {
		// The reader went away (| head): it has what it wanted, and there
		// is nothing to tell it. A job created on the way is still named
		// (CreatedJobError), so that nobody starts a second one.
		return exitOK
	}
	fmt.Fprintln(streams.ErrOut, "Error:", text.EscapeLines(err.Error()))
	if errors.As(context.Cause(ctx), &interrupted) {
		return interrupted.ExitCode() // whatever else went wrong, a signal stopped it
	}
	return exitCode(err)
}

// stack is the goroutine's stack without argument values.
func stack() []byte {
	buf := make([]byte, 16<<10)
	buf = buf[:runtime.Stack(buf, false)]
	return argValues().ReplaceAll(buf, []byte("(...)"))
}

// argValues() matches the argument words of a stack frame, "(0xc000012345, 0x3)".
var argValues = lazyre.New(`\((?:0x[0-9a-f]+|\.\.\.|\{[^}]*\}|, )*\)`)

// exitCode maps an error to the exit code CLI.md gives it.
func exitCode(err error) int {
	var fleetErr *FleetError
	if errors.As(err, &fleetErr) && len(fleetErr.errs) > 0 {
		return exitCode(fleetErr.errs[0]) // the first cluster that fell short
	}
	var usage *UsageError
	var interrupted *InterruptedError
	var apiErr *api.Error
	var notFound *NotFoundError
	var lookup *api.NotFoundError
	var failed *WatchFailedError
	var timeout *WatchTimeoutError
	var refused *RefusedError
	switch {
	case errors.As(err, &refused):
		return exitRefused
	case errors.As(err, new(*api.FlexClusterError)):
		return exitUsage // what Flex clusters do not support: nothing was created
	case errors.As(err, &failed):
		return exitFailed
	case errors.As(err, &timeout):
		return exitTimeout
	case errors.As(err, new(*StatusProblemsError)):
		return exitProblems
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &interrupted):
		return interrupted.ExitCode()
	case errors.Is(err, api.ErrNoCredentials):
		return exitAuth
	case errors.As(err, &notFound), errors.As(err, &lookup), errors.As(err, new(*jobs.NamespaceError)):
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

// countingWriter counts what goes through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
