package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/api"
)

// wordAPIError words the API's typed lookup errors with the flags their
// values came with: internal/api speaks of export buckets and snapshots,
// the user typed --bucket-id and --snapshot-id.
//
//	--snapshot-id latest: cluster demo has no completed snapshot              (4)
//	--bucket-id "x": no export bucket of that name in project P (known: a, b) (4)
//	--bucket-id "x": 2 export buckets of project P have that name; give one's ID: … (2)
//	--ca-cert FILE: no such file or directory                                 (2)
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

// wordOne is one API error worded with its flag, and whether it is a
// mistake in the command line; "" for one cmd has no flag for.
func wordOne(err error) (string, bool) {
	switch e := err.(type) {
	case *api.NotFoundError:
		switch e.Kind {
		case api.KindSnapshot:
			return fmt.Sprintf("--snapshot-id %s: %s", e.Name, e.Error()), false
		case api.KindBucket:
			return fmt.Sprintf("--bucket-id %q: no export bucket of that name in project %s (%s)", e.Name, e.ProjectID, e.KnownText()), false
		}
	case *api.AmbiguousError:
		if e.Kind == api.KindBucket {
			return fmt.Sprintf("--bucket-id %q: %d export buckets of project %s have that name; give one's ID: %s",
				e.Name, len(e.Matches), e.ProjectID, e.MatchesText()), true
		}
	case *api.CAFileError:
		return fmt.Sprintf("--ca-cert %s: %s", e.Path, e.Reason()), true
	}
	return "", false
}

// collectAPIErrors appends to found every error of err's tree that
// wordOne words, outermost first; it does not look inside them, nor inside
// what was worded already (a fleet's rows are, before Main sees them).
func collectAPIErrors(err error, found *[]error) {
	switch err.(type) {
	case nil, *flagWordedError:
		return
	case *api.NotFoundError, *api.AmbiguousError, *api.CAFileError:
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
