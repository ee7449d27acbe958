package api

import (
	"fmt"
	"strings"
)

// UnknownStateError is a job state Atlas does not document: a watch stops on
// it rather than wait for something that may never come.
type UnknownStateError struct{ State string }

func (e *UnknownStateError) Error() string {
	return fmt.Sprintf("unknown export state %q (known: %s)", e.State,
		strings.Join([]string{ExportQueued, ExportInProgress, ExportSuccessful, ExportFailed, ExportCancelled}, ", "))
}

// Ended judges an export job: whether it has reached an end state and
// whether that end is a success. States compare case-insensitively.
func (j *ExportJob) Ended() (ended, ok bool, err error) {
	is := func(state string) bool { return strings.EqualFold(j.State, state) }
	switch {
	case is(ExportQueued), is(ExportInProgress):
		return false, false, nil
	case is(ExportSuccessful):
		return true, true, nil
	case is(ExportFailed), is(ExportCancelled):
		return true, false, nil
	}
	return false, false, &UnknownStateError{State: j.State}
}

// Progress describes an export job's state for people: "InProgress (12/42
// collections)".
func (j *ExportJob) Progress() string {
	if j.ExportStatus != nil && j.ExportStatus.TotalCollections > 0 {
		return fmt.Sprintf("%s (%d/%d collections)", j.State, j.ExportStatus.ExportedCollections, j.ExportStatus.TotalCollections)
	}
	return j.State
}

// Reason says why an export job failed, from its stateReason.
func (j *ExportJob) Reason() string {
	if j.StateReason == nil || (j.StateReason.ErrorCode == "" && j.StateReason.Message == "") {
		return ""
	}
	return oneLine(strings.TrimPrefix(j.StateReason.ErrorCode+": "+j.StateReason.Message, ": "))
}

// Ended judges a restore job by its Status: it has ended when the status
// is anything but Pending, successfully when it is Succeeded.
func (j *RestoreJob) Ended() (ended, ok bool) {
	s := j.Status()
	return s != RestorePending, s == RestoreSucceeded
}

// collectionRestoreStates are the states Atlas documents for a collection
// restore job, in the order a job goes through them.
var collectionRestoreStates = []string{CollectionRestoreInitializing, CollectionRestoreInProgress, CollectionRestoreFinalizing,
	CollectionRestoreSuccessful, CollectionRestoreFailed, CollectionRestoreCanceled}

// UnknownJobStateError is a state Atlas does not document for a kind of
// job (a collection restore job's): a watch stops on it rather than wait
// for something that may never come.
type UnknownJobStateError struct {
	Kind  string // "collection restore job"
	State string
	Known []string
}

func (e *UnknownJobStateError) Error() string {
	return fmt.Sprintf("unknown %s state %q (known: %s)", e.Kind, e.State, strings.Join(e.Known, ", "))
}

// Ended judges a collection restore job: it has ended when SUCCESSFUL,
// FAILED or CANCELED, successfully when SUCCESSFUL. States compare
// case-insensitively; one Atlas does not document counts as not ended
// (CheckState says so).
func (j *CollectionRestoreJob) Ended() (ended, ok bool) {
	switch {
	case strings.EqualFold(j.State, CollectionRestoreSuccessful):
		return true, true
	case strings.EqualFold(j.State, CollectionRestoreFailed), strings.EqualFold(j.State, CollectionRestoreCanceled):
		return true, false
	}
	return false, false
}

// CheckState is nil for a state Atlas documents, else an
// *UnknownJobStateError.
func (j *CollectionRestoreJob) CheckState() error {
	for _, s := range collectionRestoreStates {
		if strings.EqualFold(j.State, s) {
			return nil
		}
	}
	return &UnknownJobStateError{Kind: "collection restore job", State: j.State, Known: collectionRestoreStates}
}

// Progress describes a collection restore job's state for people:
// "IN_PROGRESS (15500/20000 documents)", or the state alone before Atlas
// has counted any document.
func (j *CollectionRestoreJob) Progress() string {
	if j.TotalDocuments > 0 || j.RestoredDocuments > 0 {
		return fmt.Sprintf("%s (%d/%d documents)", j.State, j.RestoredDocuments, j.TotalDocuments)
	}
	return j.State
}

// Reason says why a collection restore job failed or was canceled, from
// its errorMessage, on one line.
func (j *CollectionRestoreJob) Reason() string { return oneLine(j.ErrorMessage) }

// collectionFailed are the per-collection end states that are not a
// success.
var collectionFailed = []string{CollectionStateNotFound, CollectionStateUnsupported, CollectionStateRollback,
	CollectionStateNotRestored, CollectionStateFailed, CollectionStateIndexBuildFailed}

// OK says whether a collection's state is no failure: anything but
// NOT_FOUND, UNSUPPORTED, ROLLBACK, NOT_RESTORED, FAILED and
// INDEX_BUILD_FAILED (case aside). A job that succeeded with a collection
// not OK did not restore everything it was asked to.
func (s *CollectionState) OK() bool {
	for _, f := range collectionFailed {
		if strings.EqualFold(s.State, f) {
			return false
		}
	}
	return true
}

// Why says what went wrong with a collection, on one line: its state, and
// the index build's error message when there is one ("INDEX_BUILD_FAILED:
// index build failed: E11000 duplicate key").
func (s *CollectionState) Why() string {
	why := s.State
	if s.IndexStatus != nil && s.IndexStatus.ErrorMessage != "" {
		why += ": " + oneLine(s.IndexStatus.ErrorMessage)
	}
	return why
}

func (j *ExportJob) jobID() string            { return j.ID }
func (j *RestoreJob) jobID() string           { return j.ID }
func (j *CollectionRestoreJob) jobID() string { return j.ID }

// Archive is one download link of a restore job, with the replica set it
// holds when the job says (a sharded cluster's components).
type Archive struct {
	URL            string
	ReplicaSetName string
}

// Archives lists a download job's distinct links, in the job's order:
// deliveryUrl, then the components' own links; or, given a private
// endpoint ID, the links through that endpoint.
func (j *RestoreJob) Archives(endpointID string) []Archive {
	var out []Archive
	seen := map[string]int{}
	add := func(link, replicaSet string) {
		if link == "" {
			return
		}
		if i, ok := seen[link]; ok {
			if out[i].ReplicaSetName == "" {
				out[i].ReplicaSetName = replicaSet
			}
			return
		}
		seen[link] = len(out)
		out = append(out, Archive{URL: link, ReplicaSetName: replicaSet})
	}
	private := func(urls []PrivateURL, replicaSet string) {
		for _, p := range urls {
			if p.EndpointID == endpointID {
				add(p.DeliveryURL, replicaSet)
			}
		}
	}
	if endpointID == "" {
		for _, u := range j.DeliveryURL {
			add(u, "")
		}
		for _, c := range j.Components {
			add(c.DownloadURL, c.ReplicaSetName)
		}
		return out
	}
	private(j.PrivateDownloadDeliveryURLs, "")
	for _, c := range j.Components {
		private(c.PrivateDownloadDeliveryURLs, c.ReplicaSetName)
	}
	return out
}
