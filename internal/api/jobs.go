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

func (j *ExportJob) jobID() string  { return j.ID }
func (j *RestoreJob) jobID() string { return j.ID }

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
