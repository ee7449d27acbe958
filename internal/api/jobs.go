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
	return strings.TrimPrefix(j.StateReason.ErrorCode+": "+j.StateReason.Message, ": ")
}

// Ended judges a restore job by its Status: it has ended when the status
// is anything but Pending, successfully when it is Succeeded.
func (j *RestoreJob) Ended() (ended, ok bool) {
	s := j.Status()
	return s != RestorePending, s == RestoreSucceeded
}

func (j *ExportJob) jobID() string  { return j.ID }
func (j *RestoreJob) jobID() string { return j.ID }
