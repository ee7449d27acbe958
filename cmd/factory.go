package cmd

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/config"
	"github.com/atlas-backup/atlas-backup/internal/fleet"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// Factory carries what commands share, built once per invocation: a set
// of lazy, read-only constructors. Help, completion and flag errors read no
// config and touch no network; the sandbox of --sandbox starts when the
// client is first asked for. Run functions never see the Factory: their
// commands give them a runEnv.
type Factory struct {
	IO     output.Streams
	Build  BuildInfo
	Getenv func(string) string
	Now    func() time.Time
	// SandboxOptions adjust the sandbox that --sandbox starts (tests make
	// its jobs end at once).
	SandboxOptions []sandbox.Option

	global  globalFlags
	flags   *pflag.FlagSet // the root's persistent flags, once parsed
	cfgOnce sync.Once
	cfg     *config.Config
	cfgErr  error

	sandboxOnce sync.Once // the client and completion may both ask for it
	sandboxStop func()
	sandboxErr  error
	notesMu     sync.Mutex // see runEnv.notesMu

	clientOnce sync.Once
	apiClient  *api.Client
	clientErr  error
}

// globalFlags are the persistent flags that are not config keys.
type globalFlags struct {
	profile, configPath string
	envelope, pretty    bool
	sandbox, debug      bool
	noColor, quiet      bool
	noTokenCache        bool
}

// sandboxJobDuration is how long jobs take under --sandbox: long enough to
// watch them move, short enough for a demo.
const sandboxJobDuration = 3 * time.Second

// Config resolves the settings: flag, then environment, then the profile in
// the config file, then the default. Under --sandbox the project is the
// sandbox's demo project (unless --project-id), and the client, once asked
// for, talks to the in-process sandbox.
func (f *Factory) Config() (*config.Config, error) {
	f.cfgOnce.Do(func() {
		path, profile := f.configFile()
		f.cfg, f.cfgErr = config.Load(config.LoadOptions{
			Path: path, Profile: profile, Flags: f.flags, Getenv: f.Getenv, Warn: f.IO.ErrOut,
		})
		if f.cfgErr != nil {
			// The same classes as the config command: an invalid file or
			// value is a usage error (2), an unreadable file is not (1).
			f.cfgErr = configError(f.cfgErr)
			return
		}
		if f.global.sandbox && (f.flags == nil || !f.flags.Changed("project-id")) {
			f.cfg.ProjectID = sandbox.DemoProjectID
		}
	})
	return f.cfg, f.cfgErr
}

// configFile is the one place that says which config file and profile are
// in force: --config, else $ATLAS_BACKUP_CONFIG, else the default path;
// --profile, else $ATLAS_BACKUP_PROFILE, else "default".
func (f *Factory) configFile() (path, profile string) {
	getenv := f.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if path = f.global.configPath; path == "" {
		path = config.DefaultPath(getenv)
	}
	if profile = f.global.profile; profile == "" {
		profile = getenv(config.EnvProfile)
	}
	if profile == "" {
		profile = config.DefaultProfile
	}
	return path, profile
}

// startSandbox runs the simulator on a free loopback port for the rest of
// this invocation, and its archive server (for download restores) on
// another, and points the settings at it.
func (f *Factory) startSandbox(cfg *config.Config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("--sandbox: %w", err)
	}
	aln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		return fmt.Errorf("--sandbox: %w", err)
	}
	sb := sandbox.New(append([]sandbox.Option{sandbox.WithJobDuration(sandboxJobDuration)}, f.SandboxOptions...)...)
	sb.SetArchiveURL("http://" + aln.Addr().String())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { sandbox.Serve(ctx, ln, sb) })
	wg.Go(func() { sandbox.Serve(ctx, aln, sb.ArchiveHandler()) })
	f.sandboxStop = func() { cancel(); wg.Wait() }
	creds := sb.Credentials()
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.AccessToken, cfg.ClientID, cfg.ClientSecret = "", "", ""
	cfg.PublicAPIKey, cfg.PrivateAPIKey = creds.PublicKey, creds.PrivateKey
	return nil
}

// retryNote shows a retry: on stderr, unless --quiet; with --debug, in the
// trace all the same.
func (f *Factory) retryNote(line string) {
	switch {
	case !f.global.quiet:
		fmt.Fprintln(f.IO.ErrOut, text.Escape(line)) // its label may be a cluster name from Atlas
	case f.global.debug:
		fmt.Fprintf(f.IO.ErrOut, "* %s\n", text.Escape(line))
	}
}

// Close stops what the invocation started.
func (f *Factory) Close() {
	if f.sandboxStop != nil {
		f.sandboxStop()
	}
}

// Printer resolves -o into a printer and its format, before anything is
// sent.
func (f *Factory) Printer() (output.Printer, string, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, "", err
	}
	p, err := output.New(cfg.Output)
	if err != nil {
		origin := cfg.Origin(config.KeyOutput)
		if origin == "" || strings.HasPrefix(origin, "--") {
			origin = "--output"
		} else {
			origin = "output from " + origin
		}
		return nil, "", usageErrorf("%s: %v", origin, err)
	}
	return p, cfg.Output, nil
}

// project is the project ID in force, checked.
func (f *Factory) project() (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	return cfg.ProjectID, checkProject(cfg.Origin(config.KeyProjectID), cfg.ProjectID)
}

// Client returns the invocation's API client, built from the settings the
// first time it is asked for: every step of a command (lookups, create,
// watch) shares it, and so its connections, token and Digest challenge.
// Missing credentials are api.ErrNoCredentials (exit 3).
func (f *Factory) Client() (*api.Client, error) { return f.ClientLimited(nil)() }

// ClientLimited is the constructor of the invocation's client for a
// command that bounds its requests in flight to *n (--parallel, read when
// the client is made), with a 429 pausing them all; nil or 0: no bound.
// The client is made once: the first constructor called decides.
func (f *Factory) ClientLimited(n *int) func() (*api.Client, error) {
	return func() (*api.Client, error) {
		f.clientOnce.Do(func() {
			var limiter *fleet.Limiter
			if n != nil && *n > 0 {
				limiter = fleet.NewLimiter(*n)
			}
			f.apiClient, f.clientErr = f.client(limiter, false)
		})
		return f.apiClient, f.clientErr
	}
}

// completionClient is a client of its own for shell completion's lookups:
// one try each, no trace, no retry lines.
func (f *Factory) completionClient() (*api.Client, error) { return f.client(nil, true) }

// client builds an API client (starting the sandbox first, under
// --sandbox); quiet: one try, no trace, no retry lines.
func (f *Factory) client(limiter *fleet.Limiter, quiet bool) (*api.Client, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	if f.global.sandbox {
		f.sandboxOnce.Do(func() { f.sandboxErr = f.startSandbox(cfg) })
		if f.sandboxErr != nil {
			return nil, f.sandboxErr
		}
	}
	o := api.Options{
		BaseURL: cfg.BaseURL,
		Credentials: api.Credentials{
			AccessToken: cfg.AccessToken,
			ClientID:    cfg.ClientID, ClientSecret: cfg.ClientSecret,
			PublicKey: cfg.PublicAPIKey, PrivateKey: cfg.PrivateAPIKey,
		},
		Timeout:    cfg.HTTPTimeout,
		CACertFile: cfg.CACert,
		APIVersion: cfg.APIVersion,
		Envelope:   f.global.envelope,
		Pretty:     f.global.pretty,
		UserAgent:  "atlas-backup/" + f.Build.Version,
		OnRetry:    f.retryNote,
	}
	// Where they came from, for the message of an answer that refuses them.
	o.Credentials.Source = describeCredentials(cfg, o.Credentials, f.global.sandbox)
	o.MaxRetries, o.MaxRetryWait = retryBudget(cfg)
	if limiter != nil { // a nil *Limiter in the interface would be no nil Limiter
		o.Limiter = limiter
	}
	if cfg.TokenCache && !f.global.noTokenCache {
		o.TokenCacheDir = tokenCacheDir(f.Getenv)
	}
	if f.global.debug {
		o.Debug = f.IO.ErrOut
	}
	if quiet {
		o.MaxRetries, o.Debug, o.OnRetry = 0, nil, nil
	}
	c, err := api.New(o)
	if err != nil && err != api.ErrNoCredentials {
		return nil, &UsageError{Err: err}
	}
	return c, err
}

// retryBudget is the one retry budget: how many times a request that
// failed for a reason that may pass is sent again (--max-retries), and how
// long the waits between may add up to. The client's requests and the
// checks of a watch (which cannot reach Atlas, say) both spend it.
func retryBudget(cfg *config.Config) (retries int, wait time.Duration) {
	return cfg.MaxRetries, api.DefaultMaxRetryWait
}

func systemGetenv(k string) string { return os.Getenv(k) }

// tokenCacheDir is where service-account tokens are kept across runs:
// $XDG_CACHE_HOME/atlas-backup, else the system's user cache dir; "" when
// there is none.
func tokenCacheDir(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "atlas-backup")
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "atlas-backup")
}
