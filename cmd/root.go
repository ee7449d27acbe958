package cmd

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// versionLine is what --version says after the program's name.
func versionLine(b BuildInfo) string {
	return fmt.Sprintf("%s (commit %s, built %s)", b.Version, b.Commit, b.Date)
}

// newRootCmd builds the command tree for one invocation.
func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "atlas-backup",
		Short: "Export and restore MongoDB Atlas Cloud Backup snapshots",
		Long: `atlas-backup starts and follows MongoDB Atlas Cloud Backup jobs: exports of a
cluster's snapshot to an export bucket, and restores (automated, download,
point in time, or of only some databases and collections), of dedicated and
Flex clusters alike. It checks before a destructive restore what it will
overwrite, tells how far back a cluster can be restored (restore window), and
whether every cluster is backed up (status). It speaks the Atlas Admin API
v2. Run "atlas-backup sandbox" for a local Atlas API simulator that needs no
account.

Authentication: a service account (MONGODB_ATLAS_CLIENT_ID and
MONGODB_ATLAS_CLIENT_SECRET), API keys (MONGODB_ATLAS_PUBLIC_API_KEY and
MONGODB_ATLAS_PRIVATE_API_KEY) or an access token (MONGODB_ATLAS_ACCESS_TOKEN),
from the environment or from a profile of the config file (--profile), where
"atlas-backup config set" stores them as client_id, client_secret,
public_api_key, private_api_key and access_token. Each key is read from the
environment before the file. When several are complete, an access token is
used first, then a service account, then API keys. An authentication
failure (exit 3) names the credentials it used and where they came from.

Exit codes:

    0         success
    1         other failure: network, server error after retries, unreadable response
    2         usage or validation error, or a pre-flight check refused; nothing was sent
    3         authentication or authorization failed (401, 403, token refused, no credentials)
    4         not found (404)
    5         the API refused the request (other 4xx: 400, 405, 406, 409, 410 ...)
    6         the watched job ended unsuccessfully
    7         the watch timed out
    8         status: a cluster failed one of the checks asked for
    130, 143  interrupted by SIGINT, SIGTERM`,
		Example: `  atlas-backup --sandbox export create --cluster demo --snapshot-id latest --bucket-id demo-export-bucket --watch
  atlas-backup snapshot list --cluster demo
  atlas-backup restore create --delivery-type download --cluster demo --snapshot-id latest --download-dir ./restore
  atlas-backup export watch 6b05e9390000000000000001 --cluster demo --watch-timeout 2h`,
		Version:       versionLine(f.Build),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	groupCommand(root)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetVersionTemplate("atlas-backup {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	addGlobalFlags(root, f)
	root.SetGlobalNormalizationFunc(normalizeFlagName)

	export := group("export", "Export snapshots to an export bucket, and follow export jobs",
		newExportCreateCmd(f, nil), newExportGetCmd(f, nil), newExportListCmd(f, nil), newExportWatchCmd(f, nil))
	restore := group("restore", "Restore snapshots (into a cluster, as a download, to a point in time, or only some collections), follow restore jobs, and see how far back a cluster can be restored",
		newRestoreCreateCmd(f, nil), newRestoreGetCmd(f, nil), newRestoreListCmd(f, nil), newRestoreWatchCmd(f, nil), newRestoreCancelCmd(f, nil), newRestoreDownloadCmd(f, nil), newRestoreWindowCmd(f, nil))
	snapshot := group("snapshot", "List, show, take and follow a cluster's snapshots, and see the databases and collections they hold",
		newSnapshotListCmd(f, nil), newSnapshotGetCmd(f, nil), newSnapshotCreateCmd(f, nil), newSnapshotWatchCmd(f, nil), newSnapshotDatabasesCmd(f, nil), newSnapshotCollectionsCmd(f, nil))
	bucket := group("bucket", "List the project's export buckets", newBucketListCmd(f, nil))
	cluster := group("cluster", "List the project's clusters", newClusterListCmd(f, nil))
	export.Example = `  atlas-backup export create --cluster demo --snapshot-id latest --bucket-id demo-export-bucket --watch
  atlas-backup export list --cluster demo
  atlas-backup export watch 6b05e9390000000000000001 --cluster demo`
	restore.Example = `  atlas-backup restore create --delivery-type download --cluster demo --snapshot-id latest --download-dir ./restore
  atlas-backup restore create --cluster demo --snapshot-id latest --collection sales.orders=sales.orders_back --watch
  atlas-backup restore list --cluster demo
  atlas-backup restore watch 6b05e9390000000000000002 --cluster demo --watch-timeout 2h`
	snapshot.Example = `  atlas-backup snapshot list --cluster demo
  atlas-backup snapshot collections latest --cluster demo --database sales`
	bucket.Example = `  atlas-backup bucket list`
	cluster.Example = `  atlas-backup cluster list -o json`

	root.AddCommand(
		export,
		restore,
		snapshot,
		bucket,
		cluster,
		newStatusCmd(f, nil),
		newConfigCmd(f),
		newSandboxCmd(f, nil),
		newVersionCmd(f, nil),
	)
	root.SetHelpCommand(&cobra.Command{
		Use:     "help [command]",
		Short:   "Help about any command",
		Example: `  atlas-backup help restore create`,
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				msg := fmt.Sprintf("unknown help topic %q", strings.Join(args, " "))
				if s := helpSuggestions(root, args); len(s) > 0 {
					msg += "; did you mean " + strings.Join(s, " or ") + "?"
				}
				return usageErrorf("%s (see 'atlas-backup --help')", msg)
			}
			return target.Help()
		},
	})
	// Cobra adds `completion` when it runs; add it now so that an unknown
	// shell is a usage error like any unknown subcommand.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			groupCommand(c)
			for _, sh := range c.Commands() {
				sh.Example = completionExamples[sh.Name()]
				c.Example += sh.Example + "\n"
			}
			c.Example = strings.TrimSuffix(c.Example, "\n")
		}
	}
	return root
}

// completionExamples show where each shell's script goes.
var completionExamples = map[string]string{
	"bash":       "  atlas-backup completion bash > ~/.local/share/bash-completion/completions/atlas-backup",
	"zsh":        `  atlas-backup completion zsh > "${fpath[1]}/_atlas-backup"`,
	"fish":       "  atlas-backup completion fish > ~/.config/fish/completions/atlas-backup.fish",
	"powershell": "  atlas-backup completion powershell | Out-String | Invoke-Expression",
}

// flagError words a flag the command line got wrong as a usage error. A
// command that holds subcommands reports a word that names none of them
// first ("exprot list --cluster demo": the unknown command, not --cluster,
// which only its subcommands know). An unknown flag gets the flags it may
// have meant.
func flagError(c *cobra.Command, err error) error {
	if args := c.Flags().Args(); c.HasSubCommands() && len(args) > 0 {
		return unknownCommand(c, args[0])
	}
	hint := ""
	if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
		if s := suggestFlags(c, name); len(s) > 0 {
			hint = "; did you mean --" + strings.Join(s, " or --") + "?"
		}
	}
	return &UsageError{Err: fmt.Errorf("%w%s (see '%s --help')", err, hint, c.CommandPath())}
}

// suggestFlags returns the names of c's visible flags the unknown name may
// have meant (pflag suggests nothing): the same name in another spelling
// (--snapshotID, --Bucket_Id); else the closest within two edits (--clustr);
// else the flags it abbreviates (--snapshot → --snapshot-id; --target →
// --target-cluster or --target-project-id), when there are at most three.
func suggestFlags(c *cobra.Command, name string) []string {
	var same, prefixed []string
	closest, closestD := "", 3
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if flatName(f.Name) == flatName(name) {
			same = append(same, f.Name)
		}
		if d := levenshtein(name, f.Name); d < closestD {
			closest, closestD = f.Name, d
		}
		if len(name) >= 3 && strings.HasPrefix(f.Name, strings.ToLower(name)) {
			prefixed = append(prefixed, f.Name)
		}
	})
	switch {
	case len(same) > 0:
		return same
	case closest != "":
		return []string{closest}
	case len(prefixed) > 3: // too short to tell
		return nil
	}
	return prefixed // VisitAll goes in name order
}

// flatName is a flag name without case, hyphens and underscores.
func flatName(s string) string {
	return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s))
}

// levenshtein is the edit distance between a and b.
func levenshtein(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			prev, row[j] = row[j], min(row[j]+1, row[j-1]+1, prev+cost)
		}
	}
	return row[len(b)]
}

// addGlobalFlags declares the persistent flags. Those that are config keys
// are read through the config (flag > env > profile > default); the others
// land in f.global.
func addGlobalFlags(root *cobra.Command, f *Factory) {
	pf := root.PersistentFlags()
	pf.String("project-id", "", "project (group) ID [$MONGODB_ATLAS_PROJECT_ID]")
	pf.StringP("output", "o", "table", "output format: table, json, yaml or go-template=TEMPLATE [$MONGODB_ATLAS_OUTPUT]")
	pf.StringVar(&f.global.profile, "profile", "", "config profile to use (default \"default\") [$ATLAS_BACKUP_PROFILE]")
	pf.StringVar(&f.global.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/atlas-backup/config.yaml) [$ATLAS_BACKUP_CONFIG]")
	pf.String("base-url", api.DefaultBaseURL, "Atlas base URL [$MONGODB_ATLAS_OPS_MANAGER_URL, $MONGODB_ATLAS_BASE_URL]")
	pf.String("api-version", "", "override the YYYY-MM-DD resource version sent in Accept")
	pf.BoolVar(&f.global.envelope, "envelope", false, "send envelope=true and read the real status from the body")
	pf.BoolVar(&f.global.pretty, "pretty", false, "send pretty=true where the operation takes it")
	pf.BoolVar(&f.global.sandbox, "sandbox", false, "start the built-in Atlas API simulator in-process and talk to it (no account needed)")
	pf.BoolVar(&f.global.debug, "debug", false, "trace HTTP exchanges on stderr, secrets redacted")
	pf.Duration("http-timeout", 30*time.Second, "per-request timeout, each attempt")
	pf.Int("max-retries", api.DefaultMaxRetries, "retries of a request that failed for a transient reason, 0 to 20 (0: never retry)")
	pf.String("ca-cert", "", "extra CA bundle (PEM) for a private CA")
	pf.BoolVar(&f.global.noColor, "no-color", false, "no ANSI colour [$NO_COLOR]")
	pf.BoolVarP(&f.global.quiet, "quiet", "q", false, "no progress output on stderr")
	pf.BoolVar(&f.global.noTokenCache, "no-token-cache", false, "do not keep a service account's OAuth token across runs [token_cache]")
	f.flags = pf
}

// group makes a command that holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short}
	groupCommand(c)
	c.AddCommand(subs...)
	return c
}

// groupCommand makes a command that only holds subcommands answer an unknown
// subcommand, or stray arguments, with a usage error instead of help.
func groupCommand(c *cobra.Command) {
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return unknownCommand(c, args[0])
	}
	c.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
}

// unknownCommand is the usage error for a word that names none of c's
// subcommands, with the ones it may have meant.
func unknownCommand(c *cobra.Command, word string) error {
	msg := fmt.Sprintf("unknown command %q for %q", word, c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2
	}
	if s := c.SuggestionsFor(word); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageErrorf("%s (see '%s --help')", msg, c.CommandPath())
}

// exactArgs is cobra.ExactArgs as a usage error. A cluster name given as
// an argument, as the official atlas CLI takes it (atlas backups exports
// jobs list demo), gets the flag that takes it: did you mean --cluster demo?
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		msg := fmt.Sprintf("%s takes %d argument(s) (%s), got %d", c.CommandPath(), n, names, len(args))
		if n == 0 {
			msg = fmt.Sprintf("%s takes 0 argument(s), got %d", c.CommandPath(), len(args))
		}
		if name := clusterArg(c, n, args); name != "" {
			msg += "; did you mean --cluster " + name + "?"
		}
		return usageErrorf("%s", msg)
	}
}

// clusterArg is the argument that looks like the cluster of a command with
// --cluster that was not given it: the one argument of a command that takes
// none, or the one that is no ID beside a job ID. "" when there is none.
func clusterArg(c *cobra.Command, n int, args []string) string {
	if fl := c.Flags().Lookup("cluster"); fl == nil || fl.Changed || len(args) != n+1 {
		return ""
	}
	var others []string
	for _, a := range args {
		if n == 0 || !idPattern().MatchString(a) {
			others = append(others, a)
		}
	}
	if len(others) != 1 || !clusterPattern().MatchString(others[0]) {
		return ""
	}
	return others[0]
}

// helpSuggestions offers, for a help topic with a mistyped word, the
// commands it may have meant: "help exprot create" → "export".
func helpSuggestions(root *cobra.Command, args []string) []string {
	c := root
	for _, a := range args {
		next, _, err := c.Find([]string{a})
		if err != nil || next == c {
			if c.SuggestionsMinimumDistance <= 0 {
				c.SuggestionsMinimumDistance = 2
			}
			return c.SuggestionsFor(a)
		}
		c = next
	}
	return nil
}
