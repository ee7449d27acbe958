package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/config"
	"github.com/atlas-backup/atlas-backup/internal/shell"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// wordAPIError words the API's typed errors with the flags their values
// came with and the commands that follow them up: internal/api speaks of
// export buckets and snapshots, the user typed --bucket-id and
// --snapshot-id.
//
//	--snapshot-id latest: cluster demo has no completed snapshot              (4)
//	--bucket-id "x": no export bucket of that name in project P (known: a, b) (4)
//	--bucket-id "x": 2 export buckets of project P have that name; give one's ID: … (2)
//	--ca-cert FILE: no such file or directory                                 (2)
//
// Atlas's own answers keep their line, and gain one that says what to do:
//
//	404 …: Cannot find resource cluster dmeo.
//	Project P has no cluster named dmeo; did you mean demo? See its clusters with: atlas-backup cluster list --project-id P (4)
//	409 EXPORT_ALREADY_IN_PROGRESS: … by export job J.
//	Export job J is in the way. Add --reuse to follow it instead of starting another, or follow it with: atlas-backup export watch J … (5)
//	401 …
//	Credentials used: API keys from MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY. (3)
//
// The worded error wraps err whole, so errors.As still finds everything in
// it (a *FleetError, the API's error for exit 4); an ambiguous name and an
// unusable CA file are usage errors (exit 2). An error holding none of them
// is returned as it is.
func wordAPIError(err error) error {
	var found []error
	collectAPIErrors(err, &found)
	if len(found) == 0 {
		return err
	}
	// Each API error's text is replaced, where the wrappers around it
	// (a fleet's "cluster: " lines, say) carry it, by its worded text. A
	// Replacer makes one pass, so no text is worded twice.
	var pairs []string
	usage := false
	for _, e := range found {
		worded, isUsage := wordOne(e)
		if worded == "" {
			continue
		}
		pairs = append(pairs, e.Error(), worded)
		usage = usage || isUsage
	}
	if len(pairs) == 0 {
		return err
	}
	var w error = &flagWordedError{msg: strings.NewReplacer(pairs...).Replace(err.Error()), err: err}
	if usage && !errors.As(err, new(*UsageError)) {
		w = &UsageError{Err: w}
	}
	return w
}

// wordOne is one API error worded with its flag or what follows it up,
// and whether it is a mistake in the command line; "" for one cmd has
// nothing to add to.
func wordOne(err error) (string, bool) {
	switch e := err.(type) {
	case *api.NotFoundError:
		switch {
		case e.Kind == api.KindSnapshot && e.Err == nil:
			return fmt.Sprintf("--snapshot-id %s: %s", e.Name, e.Error()), false
		case e.Kind == api.KindBucket:
			return fmt.Sprintf("--bucket-id %q: no export bucket of that name in project %s (%s)", e.Name, e.ProjectID, e.KnownText()), false
		case e.Err != nil:
			return e.Err.Error() + "\n" + notFoundNext(e), false
		}
	case *api.ConflictError:
		return e.Error() + "\n" + conflictNext(e), false
	case *api.Error:
		if e.IsAuth() && e.CredentialsSource != "" {
			return e.Error() + "\n" + e.CredentialsSource, false
		}
	case *api.AmbiguousError:
		if e.Kind == api.KindBucket {
			return fmt.Sprintf("--bucket-id %q: %d export buckets of project %s have that name; give one's ID: %s",
				e.Name, len(e.Matches), e.ProjectID, e.MatchesText()), true
		}
	case *api.CAFileError:
		return fmt.Sprintf("--ca-cert %s: %s", e.Path, e.Reason()), true
	case *api.FlexClusterError:
		return flexNext(e), true
	}
	return "", false
}

// flexNext says, after what Flex clusters do not support, what they do.
func flexNext(e *api.FlexClusterError) string {
	cluster := shell.Quote(e.Cluster)
	var next string
	switch e.What {
	case "exports":
		next = "To take its data out, download a snapshot: atlas-backup restore create --delivery-type download --cluster " + cluster + " --snapshot-id latest"
	case "point-in-time restores", "collection-level restores", "collection-level restores (a snapshot's databases and collections)":
		next = "Restore one of its daily snapshots into a cluster instead: atlas-backup restore create --delivery-type automated --cluster " + cluster + " --snapshot-id latest --target-cluster TARGET"
	case "on-demand snapshots":
		next = "Atlas takes a Flex cluster's snapshots daily; use the newest: --snapshot-id latest"
	default:
		return e.Error()
	}
	if e.Create {
		return fmt.Sprintf("%s (nothing was created).\n%s", e.Error(), next)
	}
	return e.Error() + ".\n" + next
}

// collectAPIErrors appends to found every error of err's tree that
// wordOne words, outermost first; it does not look inside them, nor inside
// what was worded already (a fleet's rows are, before Main sees them).
func collectAPIErrors(err error, found *[]error) {
	switch err.(type) {
	case nil, *flagWordedError:
		return
	case *api.NotFoundError, *api.AmbiguousError, *api.CAFileError, *api.ConflictError, *api.Error, *api.FlexClusterError:
		*found = append(*found, err)
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		collectAPIErrors(u.Unwrap(), found)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			collectAPIErrors(e, found)
		}
	}
}

// flagWordedError is an error whose API errors are worded with flags: its
// text is the worded one, and it unwraps to the error as it was.
type flagWordedError struct {
	msg string
	err error
}

func (e *flagWordedError) Error() string { return e.msg }
func (e *flagWordedError) Unwrap() error { return e.err }

// notFoundNext says, after Atlas's 404, what is not there and the command
// that lists what there is.
func notFoundNext(e *api.NotFoundError) string {
	where := capitalize(e.Where())
	sep := "; see"
	if strings.HasSuffix(where, "?") { // did you mean …?
		sep = " See"
	}
	cluster := text.Escape(e.Cluster)
	switch e.Kind {
	case api.KindCluster:
		return fmt.Sprintf("%s%s its clusters with: atlas-backup cluster list --project-id %s", where, sep, e.ProjectID)
	case api.KindSnapshot:
		return fmt.Sprintf("%s%s its snapshots with: atlas-backup snapshot list --cluster %s --project-id %s", where, sep, cluster, e.ProjectID)
	case api.KindExportJob, api.KindRestoreJob:
		noun := jobNoun(e.Kind)
		return fmt.Sprintf("%s%s its %s jobs with: atlas-backup %s list --cluster %s --project-id %s", where, sep, noun, noun, cluster, e.ProjectID)
	}
	return where
}

// conflictNext says, after Atlas's 409 to a create, which job is in the
// way and the commands that follow it: its watch, or the create again
// with --reuse.
func conflictNext(e *api.ConflictError) string {
	noun := jobNoun(e.Kind)
	cluster := text.Escape(e.Cluster)
	reuse := "Add --reuse to follow it instead of starting another"
	if e.Kind == api.KindRestoreJob {
		reuse = "If it is the same restore, add --reuse to follow it instead of starting another"
	}
	switch {
	case e.JobID != "" && e.OfCluster:
		return fmt.Sprintf("%s %s is in the way. %s, or follow it with: atlas-backup %s watch %s --cluster %s --project-id %s",
			capitalize(e.Kind), e.JobID, reuse, noun, e.JobID, cluster, e.ProjectID)
	case e.JobID != "":
		return fmt.Sprintf("%s %s, which is not one of cluster %s's, is in the way: wait for it to end, then run this command again.",
			capitalize(e.Kind), e.JobID, cluster)
	}
	same := "export of the same snapshot and bucket"
	if e.Kind == api.KindRestoreJob {
		same = "restore of the same snapshot and target"
	}
	return fmt.Sprintf("Another job is in the way. Add --reuse to follow a running %s instead of starting another, or see the cluster's jobs with: atlas-backup %s list --cluster %s --project-id %s",
		same, noun, cluster, e.ProjectID)
}

// jobNoun is the command noun of a kind of job: export, restore.
func jobNoun(kind string) string {
	if kind == api.KindRestoreJob {
		return "restore"
	}
	return "export"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// credentialKeys are the config keys of each way to authenticate
// (api.Credentials.Method), in the order the client tries them.
var credentialKeys = []struct {
	method, article string
	keys            []string
}{
	{"access token", "an access token", []string{config.KeyAccessToken}},
	{"service account", "a service account", []string{config.KeyClientID, config.KeyClientSecret}},
	{"API keys", "API keys", []string{config.KeyPublicAPIKey, config.KeyPrivateAPIKey}},
}

// describeCredentials says which credentials the client uses and where
// they came from, for the message of an answer that refuses them; and
// which other complete ones it leaves unused:
//
//	Credentials used: a service account, client_id and client_secret from profile "default" in FILE.
//	Also set, but not used (a service account comes first): API keys from MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY.
func describeCredentials(cfg *config.Config, cr api.Credentials, sandbox bool) string {
	if sandbox {
		return "Credentials used: the sandbox's own API keys (--sandbox)."
	}
	used := cr.Method()
	var article string
	var others []string
	for _, m := range credentialKeys {
		complete := true
		for _, k := range m.keys {
			complete = complete && cfg.Sources[k].Kind != config.SourceUnset
		}
		switch {
		case m.method == used:
			article = m.article + credentialOrigins(cfg, m.keys)
		case complete && article != "":
			others = append(others, m.article+credentialOrigins(cfg, m.keys))
		}
	}
	if article == "" {
		return ""
	}
	msg := "Credentials used: " + article + "."
	if len(others) > 0 {
		msg += fmt.Sprintf("\nAlso set, but not used (%s comes first): %s.", articleOf(used), strings.Join(others, "; "))
	}
	return msg
}

func articleOf(method string) string {
	for _, m := range credentialKeys {
		if m.method == method {
			return m.article
		}
	}
	return method
}

// credentialOrigins names where keys came from: " from MONGODB_ATLAS_CLIENT_ID
// and MONGODB_ATLAS_CLIENT_SECRET", ", client_id and client_secret from
// profile "default" in FILE", or key by key when their sources differ.
func credentialOrigins(cfg *config.Config, keys []string) string {
	same := true
	for _, k := range keys[1:] {
		same = same && cfg.Sources[k].Kind == cfg.Sources[keys[0]].Kind
	}
	switch kind := cfg.Sources[keys[0]].Kind; {
	case same && (kind == config.SourceEnv || kind == config.SourceFlag):
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = cfg.Origin(k)
		}
		return " from " + strings.Join(names, " and ")
	case same:
		return ", " + strings.Join(keys, " and ") + " from " + cfg.Origin(keys[0])
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " from " + cfg.Origin(k)
	}
	return ", " + strings.Join(parts, " and ")
}
