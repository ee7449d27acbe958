package cmd

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/config"
	"github.com/atlas-backup/atlas-backup/internal/download"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// runEnv is what a run function may use of the invocation, and no more:
// the streams, the lazy API client and settings, and how notes, displays
// and watches are shown. A command's constructor takes it from the
// Factory; nothing writes to it after.
type runEnv struct {
	IO     output.Streams
	Client func() (*api.Client, error)
	Config func() (*config.Config, error)
	// printer resolves -o; project, the project ID (checked).
	printer func() (output.Printer, string, error)
	project func() (string, error)
	g       *globalFlags // parsed before any run
	// notesMu keeps the notes of a fleet's goroutines a line each.
	notesMu *sync.Mutex
}

// env is the runEnv of the invocation.
func (f *Factory) env() runEnv {
	return runEnv{IO: f.IO, Client: f.Client, Config: f.Config, printer: f.Printer, project: f.project, g: &f.global, notesMu: &f.notesMu}
}

// apiScope is what every API command resolves before it validates: the
// printer (and its format), and the project.
type apiScope struct {
	Printer   output.Printer
	format    string
	ProjectID string
}

// resolveAPI fills in the printer and the project, in that order (a bad
// -o is reported first).
func (e runEnv) resolveAPI(s *apiScope) error {
	var err error
	if s.Printer, s.format, err = e.printer(); err != nil {
		return err
	}
	s.ProjectID, err = e.project()
	return err
}

// notef writes an informational line on stderr, unless --quiet. The line
// is escaped (text.Escape): its values may be names from Atlas.
func (e runEnv) notef(format string, args ...any) {
	if !e.g.quiet {
		line := text.Escape(fmt.Sprintf(format, args...))
		e.notesMu.Lock()
		defer e.notesMu.Unlock()
		fmt.Fprintln(e.IO.ErrOut, line)
	}
}

// note is notef for a line made already (a workflow's).
func (e runEnv) note(line string) { e.notef("%s", line) }

// display is the progress display of one job's watch: a spinner on a
// terminal, one line per change otherwise, nothing with --quiet.
func (e runEnv) display() output.Progress {
	return output.NewProgress(e.IO, e.g.quiet, e.g.noColor)
}

// notesTo sends lines (notes, retry lines) through a live display, which
// shows them without breaking its own; nothing with --quiet, but with
// --debug the trace still shows retries.
func (e runEnv) notesTo(display output.Progress) func(string) {
	return func(line string) {
		switch {
		case !e.g.quiet:
			display.Note(line)
		case e.g.debug:
			fmt.Fprintf(e.IO.ErrOut, "* %s\n", text.Escape(line))
		}
	}
}

// watch is how the jobs of a command are followed: its flags, the retry
// budget of the client's requests, and the display.
func (e runEnv) watch(w watchFlags, display jobs.Progress) jobs.Watch {
	cfg, _ := e.Config() // read already: the client exists
	retries, maxWait := retryBudget(cfg)
	return jobs.Watch{Interval: w.interval, Timeout: w.timeout, Retries: retries, MaxWait: maxWait, Progress: display}
}

// archiveClient is the client for archive links: --ca-cert and proxies
// apply, the API's credentials never do. stall is --http-timeout.
func (e runEnv) archiveClient() (c *http.Client, stall time.Duration, err error) {
	cfg, err := e.Config()
	if err != nil {
		return nil, 0, err
	}
	network, err := api.NetworkTransport(cfg.CACert)
	if err != nil {
		return nil, 0, &UsageError{Err: err}
	}
	return download.NewClient(network), cfg.HTTPTimeout, nil
}

// options is what every command's options give the one command shape.
type options interface {
	validate() error
}

// runCmd is the one shape of a command's run: prepare reads the flags and
// arguments into opts (nil: nothing to read), validate checks them, then
// runF (the tests' seam) or run does the work. An error of a run whose
// output is -o json carries the format, for Main to print Atlas's error
// object on stdout.
func runCmd[O options](opts O, format *string, prepare func(*cobra.Command, []string) error,
	run, runF func(context.Context, O) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if prepare != nil {
			if err := prepare(c, args); err != nil {
				return err
			}
		}
		if err := opts.validate(); err != nil {
			return err
		}
		if runF != nil {
			run = runF
		}
		err := run(c.Context(), opts)
		if err != nil && format != nil && *format == "json" {
			return &jsonFormatError{err}
		}
		return err
	}
}

// jsonFormatError is an error of a run whose output is -o json: Main
// prints the API's error object, when Atlas sent one, on stdout too.
type jsonFormatError struct{ err error }

func (e *jsonFormatError) Error() string { return e.err.Error() }
func (e *jsonFormatError) Unwrap() error { return e.err }
