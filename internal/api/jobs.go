package api

import (
	"fmt"
	"strings"
)

// UnknownStateError is a job state Atlas does not document: a watch stops on
// it rather than wait for something that may never come.
type UnknownStateError struct{ State string }

func (e *UnknownStateError) Error() string {
	return fmt.Sprintf("unknown export state %q (known: Queued, InProgress, Successful, Failed, Cancelled)", e.State)
}

// Ended judges an export job: whether it has reached an end state and
// whether that end is a success. States compare case-insensitively.
func (j *ExportJob) Ended() (ended, ok bool, err error) {
	switch strings.ToLower(j.State) {
	case "queued", "inprogress":
		return false, false, nil
	case "successful":
		return true, true, nil
	case "failed", "cancelled":
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

// Ended judges a restore job, which has no state field: it has ended when it
// is failed, cancelled or expired (unsuccessfully), or finished, or (for a
// download) has its delivery URL (successfully).
func (j *RestoreJob) Ended() (ended, ok bool) {
	switch {
	case j.Failed, j.Cancelled, j.Expired:
		return true, false
	case j.FinishedAt != nil, j.DeliveryType == DeliveryDownload && len(j.DeliveryURL) > 0:
		return true, true
	}
	return false, false
}
