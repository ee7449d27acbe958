package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/config"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// redacted stands in for a secret in output.
const redacted = "REDACTED"

// newConfigCmd builds `config` and its set, get, list and unset subcommands.
func newConfigCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Read and write the config file",
		Long: `Read and write the settings stored in a profile of the config file (YAML,
one map per profile). The file is --config, else $ATLAS_BACKUP_CONFIG, else
$XDG_CONFIG_HOME/atlas-backup/config.yaml, else ~/.config/atlas-backup/config.yaml;
the profile is --profile, else $ATLAS_BACKUP_PROFILE, else "default". The file
is always written with mode 0600, through a symlink to its target; a read-only
file is refused, not replaced. Writers take turns through a lock file next to
it (config.yaml.lock), waiting at most ` + config.LockTimeout.String() + ` for one another.

When a command runs, a flag beats the environment, which beats the profile,
which beats the default. Secrets (*) are never taken as arguments: "config set"
reads them from the terminal without echo, or from stdin.

` + configKeyTable(),
		Example: `  atlas-backup config set project_id 65f0a1b2c3d4e5f601234567
  atlas-backup config set client_secret            # asks for it
  atlas-backup --profile prod config set client_secret < secret.txt
  atlas-backup config get project_id
  atlas-backup config list --show-secrets
  atlas-backup config unset output`,
	}
	groupCommand(c)
	c.AddCommand(
		newConfigSetCmd(f, nil),
		newConfigGetCmd(f, nil),
		newConfigListCmd(f, nil),
		newConfigUnsetCmd(f, nil),
	)
	return c
}

// configKeyTable describes the keys for help.
func configKeyTable() string {
	var b strings.Builder
	fmt.Fprintln(&b, "Keys:")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, k := range config.Keys() {
		name, text := k.Name, k.Usage
		if k.Secret {
			name += " *"
		}
		if k.Default != "" {
			text += " (default " + k.Default + ")"
		}
		if len(k.Env) > 0 {
			text += " [$" + strings.Join(k.Env, ", $") + "]"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, text)
	}
	tw.Flush()
	return b.String()
}

// ConfigScope is the file and profile a config subcommand works on.
type ConfigScope struct {
	IO      output.Streams
	Path    string // --config, else $ATLAS_BACKUP_CONFIG, else the default path
	Profile string // --profile, else $ATLAS_BACKUP_PROFILE, else "default"
	file    func() (path, profile string)
}

// configScope is the scope of a config subcommand: the file and profile
// are found, when it runs, as every other command finds them.
func configScope(f *Factory) ConfigScope { return ConfigScope{IO: f.IO, file: f.configFile} }

// resolve fills in Path and Profile.
func (s *ConfigScope) resolve() { s.Path, s.Profile = s.file() }

// where names the profile and file in messages.
func (s *ConfigScope) where() string { return fmt.Sprintf("profile %s (%s)", s.Profile, s.Path) }

// ConfigSetOptions are what `config set` was given.
type ConfigSetOptions struct {
	ConfigScope
	Key      string
	Value    string
	HasValue bool // VALUE was an argument; a secret's is read from stdin instead
}

func newConfigSetCmd(f *Factory, runF func(context.Context, *ConfigSetOptions) error) *cobra.Command {
	opts := &ConfigSetOptions{ConfigScope: configScope(f)}
	c := &cobra.Command{
		Use:   "set KEY [VALUE]",
		Short: "Store a value in the selected profile",
		Long: `Store KEY = VALUE in the selected profile, creating the file and the profile if
needed. For a secret (access_token, client_secret, private_api_key) give KEY
alone: the value is asked for on the terminal without echo, or read as one
line from stdin, so it never shows in ps or shell history.`,
		Example: `  atlas-backup config set project_id 65f0a1b2c3d4e5f601234567
  atlas-backup config set client_secret            # asks for it, without echo
  atlas-backup --profile prod config set client_secret < secret.txt`,
		Args:              configArgs(1, 2, "KEY [VALUE]"),
		ValidArgsFunction: completeConfigKey,
	}
	c.RunE = runCmd(opts, nil, func(_ *cobra.Command, args []string) error {
		opts.resolve()
		opts.Key, opts.HasValue = args[0], len(args) == 2
		if opts.HasValue {
			opts.Value = args[1]
		}
		return nil
	}, configSetRun, runF)
	return c
}

func (o *ConfigSetOptions) validate() error {
	k, ok := config.Lookup(o.Key)
	switch {
	case !ok:
		return &UsageError{Err: &config.UnknownKeyError{Key: o.Key}}
	case k.Secret && o.HasValue:
		return usageErrorf("%s is a secret and is not taken as an argument (it would show in ps and shell history): omit VALUE, then type it at the prompt or pipe it in, e.g. atlas-backup config set %s < FILE", o.Key, o.Key)
	case !k.Secret && !o.HasValue:
		return usageErrorf("config set %s needs a VALUE", o.Key)
	case o.HasValue:
		return configError(config.Validate(o.Key, o.Value))
	}
	return nil
}

func configSetRun(ctx context.Context, opts *ConfigSetOptions) error {
	if !opts.HasValue {
		v, err := opts.IO.ReadSecret(ctx, opts.Key)
		if err != nil {
			return err
		}
		if v == "" {
			return usageErrorf("%s: no value given on stdin; nothing was written", opts.Key)
		}
		opts.Value = v
	}
	if err := config.Set(ctx, opts.Path, opts.Profile, opts.Key, opts.Value); err != nil {
		return configError(err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Set %s in %s\n", opts.Key, opts.where())
	return nil
}

// ConfigGetOptions are what `config get` was given.
type ConfigGetOptions struct {
	ConfigScope
	Key         string
	ShowSecrets bool
}

func newConfigGetCmd(f *Factory, runF func(context.Context, *ConfigGetOptions) error) *cobra.Command {
	opts := &ConfigGetOptions{ConfigScope: configScope(f)}
	c := &cobra.Command{
		Use:     "get KEY",
		Aliases: []string{"describe"},
		Short:   "Print a value stored in the selected profile",
		Example: `  atlas-backup config get project_id
  atlas-backup --profile prod config get client_secret --show-secrets`,
		Long: `Print the value KEY has in the selected profile (not the environment or
flags). Secrets print as REDACTED unless --show-secrets is given. A key that is
not stored is an error (exit code 4).`,
		Args:              exactArgs(1, "KEY"),
		ValidArgsFunction: completeConfigKey,
	}
	c.RunE = runCmd(opts, nil, func(_ *cobra.Command, args []string) error {
		opts.resolve()
		opts.Key = args[0]
		return nil
	}, configGetRun, runF)
	c.Flags().BoolVar(&opts.ShowSecrets, "show-secrets", false, "print secrets instead of REDACTED")
	return c
}

func (o *ConfigGetOptions) validate() error {
	if _, ok := config.Lookup(o.Key); !ok {
		return &UsageError{Err: &config.UnknownKeyError{Key: o.Key}}
	}
	return nil
}

func configGetRun(_ context.Context, opts *ConfigGetOptions) error {
	v, err := config.Get(opts.Path, opts.Profile, opts.Key)
	if err != nil {
		return configError(err)
	}
	_, err = fmt.Fprintln(opts.IO.Out, shown(opts.Key, v, opts.ShowSecrets))
	return err
}

// ConfigListOptions are what `config list` was given.
type ConfigListOptions struct {
	ConfigScope
	ShowSecrets bool
	// Printer is set when -o was given; without it the list is KEY=VALUE lines.
	Printer output.Printer
	output  string // -o, when given
}

func (o *ConfigListOptions) validate() error {
	var err error
	o.Printer, err = explicitPrinter(o.output)
	return err
}

func newConfigListCmd(f *Factory, runF func(context.Context, *ConfigListOptions) error) *cobra.Command {
	opts := &ConfigListOptions{ConfigScope: configScope(f)}
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "Print the values stored in the selected profile",
		Example: `  atlas-backup config list
  atlas-backup --profile prod config list -o yaml`,
		Long: `Print KEY=VALUE for every value stored in the selected profile, sorted by key,
or with -o json, yaml, table or go-template one object of them. Secrets print
as REDACTED unless --show-secrets is given.`,
		Args: exactArgs(0, "none"),
	}
	c.RunE = runCmd(opts, nil, func(c *cobra.Command, _ []string) error {
		opts.resolve()
		if fl := c.Flags().Lookup("output"); fl != nil && fl.Changed {
			opts.output = fl.Value.String()
		}
		return nil
	}, configListRun, runF)
	c.Flags().BoolVar(&opts.ShowSecrets, "show-secrets", false, "print secrets instead of REDACTED")
	return c
}

func configListRun(_ context.Context, opts *ConfigListOptions) error {
	values, err := config.Stored(opts.Path, opts.Profile)
	if err != nil {
		return configError(err)
	}
	keys := slices.Sorted(maps.Keys(values))
	if opts.Printer != nil {
		obj := map[string]string{}
		table := &output.Table{Header: []string{"KEY", "VALUE"}}
		for _, k := range keys {
			obj[k] = shown(k, values[k], opts.ShowSecrets)
			table.Rows = append(table.Rows, []string{k, obj[k]})
		}
		raw, err := json.Marshal(obj) // keys sorted
		if err != nil {
			return err
		}
		return opts.Printer.Print(opts.IO.Out, output.Value{Raw: raw, Table: table})
	}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, shown(k, values[k], opts.ShowSecrets))
	}
	_, err = fmt.Fprint(opts.IO.Out, b.String())
	return err
}

// ConfigUnsetOptions are what `config unset` was given.
type ConfigUnsetOptions struct {
	ConfigScope
	Key string
}

func newConfigUnsetCmd(f *Factory, runF func(context.Context, *ConfigUnsetOptions) error) *cobra.Command {
	opts := &ConfigUnsetOptions{ConfigScope: configScope(f)}
	c := &cobra.Command{
		Use:   "unset KEY",
		Short: "Remove a value from the selected profile",
		Example: `  atlas-backup config unset output
  atlas-backup --profile prod config unset access_token`,
		Long: `Remove KEY from the selected profile. Removing a key that is not stored is not
an error. A stored key this version does not know (a typo, say) can be removed
too.`,
		Args:              exactArgs(1, "KEY"),
		ValidArgsFunction: completeConfigKey,
	}
	c.RunE = runCmd(opts, nil, func(_ *cobra.Command, args []string) error {
		opts.resolve()
		opts.Key = args[0]
		return nil
	}, configUnsetRun, runF)
	return c
}

// validate accepts any key: a stored key this version does not know (a
// typo) can be removed too.
func (o *ConfigUnsetOptions) validate() error { return nil }

func configUnsetRun(ctx context.Context, opts *ConfigUnsetOptions) error {
	err := config.Unset(ctx, opts.Path, opts.Profile, opts.Key)
	switch {
	case errors.Is(err, config.ErrNotSet):
		fmt.Fprintf(opts.IO.ErrOut, "%s was not set in %s\n", opts.Key, opts.where())
		return nil
	case err != nil:
		return configError(err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Unset %s in %s\n", opts.Key, opts.where())
	return nil
}

// shown is value as printed: a secret is REDACTED unless show is set.
func shown(key, value string, show bool) string {
	if config.IsSecret(key) && value != "" && !show {
		return redacted
	}
	return value
}

// configError gives an internal/config error its exit code, the same for
// the config command and for every command that loads the config
// (Factory.Config): a bad key, value or profile, or a config file that is
// not valid YAML of profiles (config.ErrInvalid), is a usage error (2); a
// key not stored is not found (4); a file that cannot be read, is
// read-only, cannot be written or stays locked stays a plain error (1).
func configError(err error) error {
	var (
		unknown    *config.UnknownKeyError
		invalid    *config.InvalidValueError
		noProfile  *config.ProfileNotFoundError
		notStored  *config.NotSetError
		usageError *UsageError
	)
	switch {
	case err == nil, errors.As(err, &usageError):
		return err
	case errors.Is(err, config.ErrInvalid), errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &noProfile):
		return &UsageError{Err: err}
	case errors.As(err, &notStored):
		return &NotFoundError{Err: err}
	}
	return err
}

// configArgs accepts lo to hi arguments, else a usage error.
func configArgs(lo, hi int, names string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usageErrorf("%s takes %s, got %d argument(s)", c.CommandPath(), names, len(args))
		}
		return nil
	}
}

// completeConfigKey completes the KEY argument.
func completeConfigKey(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return config.KeyNames(), cobra.ShellCompDirectiveNoFileComp
}
