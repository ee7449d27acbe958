package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// The handlers run with s.mu held.

// Backup schedules (…/clusters/{clusterName}/backup/schedule, versions
// 2023-01-01 and 2024-08-05), the projects' backup compliance policies
// (…/backupCompliancePolicy, versions 2023-01-01 and 2023-10-01) and the
// project list (GET /groups, version 2023-01-01).
//
// Every cluster with backup on has the same policy, Atlas's default one
// with longer daily retention: every 6 hours (kept for its restore window,
// at least 2 days), daily (30 days, the seeded daily snapshots'), weekly
// on Saturday (8 weeks) and on the last day of the month (12 months). Its
// daily snapshots are taken at the time of day of its newest seeded daily
// snapshot (or, with none, of its creation): referenceHourOfDay and
// referenceMinuteOfHour, in UTC; nextSnapshot is the next such time after
// now, by the sandbox's clock. restoreWindowDays is there only when its
// continuous cloud backup (pitEnabled) is on (RestoreWindowDays).

// The IDs of the backup policy and its items, the same for every cluster
// (the snapshots' policyItems name them).
const (
	demoPolicyID             = "65f0d0d0d0e0f00000000000"
	demoHourlyPolicyItemID   = "65f0d0d0d0e0f00000000002"
	demoWeeklyPolicyItemID   = "65f0d0d0d0e0f00000000003"
	demoMonthlyPolicyItemID  = "65f0d0d0d0e0f00000000004"
	complianceHourlyItemID   = "65f0d0d0d0e0f00000000011"
	complianceDailyItemID    = "65f0d0d0d0e0f00000000012"
	complianceWeeklyItemID   = "65f0d0d0d0e0f00000000013"
	complianceMonthlyItemID  = "65f0d0d0d0e0f00000000014"
	complianceOnDemandItemID = "65f0d0d0d0e0f00000000015"
)

// setReferenceTime sets the time of day of the cluster's scheduled daily
// snapshots: that of its newest seeded one, or of its creation.
func (c *cluster) setReferenceTime() {
	at := c.createdAt
	for _, sn := range c.snapshots { // newest first
		if sn.kind == "scheduled" && sn.frequency == "daily" {
			at = sn.requestedAt
			break
		}
	}
	at = at.UTC()
	c.referenceHour, c.referenceMinute = at.Hour(), at.Minute()
}

// nextSnapshot is the next time of day of the cluster's daily snapshots
// after now.
func (c *cluster) nextSnapshot(now time.Time) time.Time {
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), c.referenceHour, c.referenceMinute, 0, 0, time.UTC)
	if !next.After(now) {
		next = next.Add(24 * time.Hour)
	}
	return next
}

// pitEnabled reports whether the cluster's continuous cloud backup is on.
func (c *cluster) pitEnabled() bool { return c.backupEnabled && c.restoreWindowDays > 0 }

// policyItem is the spec's DiskBackupApiPolicyItem (and the compliance
// policy's BackupComplianceScheduledPolicyItem and
// BackupComplianceOnDemandPolicyItem), keys in alphabetical order.
type policyItem struct {
	FrequencyInterval int    `json:"frequencyInterval"`
	FrequencyType     string `json:"frequencyType"`
	ID                string `json:"id"`
	RetentionUnit     string `json:"retentionUnit"`
	RetentionValue    int    `json:"retentionValue"`
}

// schedulePolicy is the spec's AdvancedDiskBackupSnapshotSchedulePolicy.
type schedulePolicy struct {
	ID          string       `json:"id"`
	PolicyItems []policyItem `json:"policyItems"`
}

// scheduleView is DiskBackupSnapshotSchedule (2023-01-01) and, with
// autoCopySettingsEnabled, DiskBackupSnapshotSchedule20240805, keys in
// alphabetical order. copySettings is empty, so the two versions' copy
// settings (replicationSpecId or zoneId) do not differ here.
type scheduleView struct {
	AutoCopySettingsEnabled           *bool            `json:"autoCopySettingsEnabled,omitempty"`
	AutoExportEnabled                 bool             `json:"autoExportEnabled"`
	ClusterID                         string           `json:"clusterId"`
	ClusterName                       string           `json:"clusterName"`
	CopySettings                      []any            `json:"copySettings"`
	ExtraRetentionSettings            []any            `json:"extraRetentionSettings"`
	Links                             []link           `json:"links"`
	NextSnapshot                      string           `json:"nextSnapshot"`
	Policies                          []schedulePolicy `json:"policies"`
	ReferenceHourOfDay                int              `json:"referenceHourOfDay"`
	ReferenceMinuteOfHour             int              `json:"referenceMinuteOfHour"`
	RestoreWindowDays                 int              `json:"restoreWindowDays,omitempty"`
	UseOrgAndGroupNamesInExportPrefix bool             `json:"useOrgAndGroupNamesInExportPrefix"`
}

// getSchedule answers a cluster's backup schedule. A cluster with backup
// off has none: Atlas documents no answer for it, and the sandbox answers
// 400 BACKUP_NOT_ENABLED, as for its other backup operations of such a
// cluster (older Atlas answered BACKUP_CONFIG_NOT_FOUND here).
func (s *Server) getSchedule(x *exchange) (int, any, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return 0, nil, err
	}
	if err := backupEnabled(c, "reading its backup schedule"); err != nil {
		return 0, nil, err
	}
	hourlyDays := max(2, c.restoreWindowDays)
	self := x.clusterURL(c.groupID, c.name)
	v := scheduleView{
		ClusterID:              c.id(),
		ClusterName:            c.name,
		CopySettings:           []any{},
		ExtraRetentionSettings: []any{},
		Links:                  []link{{Href: self + "/backup/schedule", Rel: "self"}, {Href: self, Rel: relCluster}},
		NextSnapshot:           timeString(c.nextSnapshot(s.now())),
		Policies: []schedulePolicy{{ID: demoPolicyID, PolicyItems: []policyItem{
			{FrequencyInterval: 6, FrequencyType: "hourly", ID: demoHourlyPolicyItemID, RetentionUnit: "days", RetentionValue: hourlyDays},
			{FrequencyInterval: 1, FrequencyType: "daily", ID: demoPolicyItemID, RetentionUnit: "days", RetentionValue: 30},
			{FrequencyInterval: 6, FrequencyType: "weekly", ID: demoWeeklyPolicyItemID, RetentionUnit: "weeks", RetentionValue: 8},
			{FrequencyInterval: 40, FrequencyType: "monthly", ID: demoMonthlyPolicyItemID, RetentionUnit: "months", RetentionValue: 12},
		}}},
		ReferenceHourOfDay:    c.referenceHour,
		ReferenceMinuteOfHour: c.referenceMinute,
	}
	if c.pitEnabled() {
		v.RestoreWindowDays = c.restoreWindowDays
	}
	if x.version >= "2024-08-05" {
		off := false
		v.AutoCopySettingsEnabled = &off
	}
	return http.StatusOK, v, nil
}

// The ops project's backup compliance policy: who authorized it, and since when.
const (
	complianceEmail     = "dana.reyes@ops.example.com"
	complianceFirstName = "Dana"
	complianceLastName  = "Reyes"
	complianceAge       = 40 * 24 * time.Hour // updated that long before the sandbox started
)

// complianceView is DataProtectionSettings (2023-01-01) and
// DataProtectionSettings20231001, which have the same properties; keys in
// alphabetical order.
type complianceView struct {
	AuthorizedEmail         string       `json:"authorizedEmail"`
	AuthorizedUserFirstName string       `json:"authorizedUserFirstName"`
	AuthorizedUserLastName  string       `json:"authorizedUserLastName"`
	CopyProtectionEnabled   bool         `json:"copyProtectionEnabled"`
	Deletable               bool         `json:"deletable"`
	EncryptionAtRestEnabled bool         `json:"encryptionAtRestEnabled"`
	OnDemandPolicyItem      policyItem   `json:"onDemandPolicyItem"`
	PitEnabled              bool         `json:"pitEnabled"`
	ProjectID               string       `json:"projectId"`
	RestoreWindowDays       int          `json:"restoreWindowDays"`
	ScheduledPolicyItems    []policyItem `json:"scheduledPolicyItems"`
	State                   string       `json:"state"`
	UpdatedDate             string       `json:"updatedDate"`
	UpdatedUser             string       `json:"updatedUser"`
}

// getCompliancePolicy answers a project's backup compliance policy: the ops
// project's, ACTIVE, with point in time on for DefaultRestoreWindowDays.
// The spec does not say what a project without one answers; the sandbox
// answers 404 RESOURCE_NOT_FOUND (the spec's 404 example code), which a
// client tells from an unknown project by its detail only.
func (s *Server) getCompliancePolicy(x *exchange) (int, any, *apiError) {
	p, err := s.store.project(x.params["groupId"])
	if err != nil {
		return 0, nil, err
	}
	if !p.compliance {
		return 0, nil, newError(http.StatusNotFound, codeNotFound,
			fmt.Sprintf("No backup compliance policy is set for project %s.", p.id), p.id)
	}
	return http.StatusOK, complianceView{
		AuthorizedEmail:         complianceEmail,
		AuthorizedUserFirstName: complianceFirstName,
		AuthorizedUserLastName:  complianceLastName,
		OnDemandPolicyItem:      policyItem{FrequencyInterval: 0, FrequencyType: "ondemand", ID: complianceOnDemandItemID, RetentionUnit: "days", RetentionValue: 3},
		PitEnabled:              true,
		ProjectID:               p.id,
		RestoreWindowDays:       DefaultRestoreWindowDays,
		ScheduledPolicyItems: []policyItem{
			{FrequencyInterval: 6, FrequencyType: "hourly", ID: complianceHourlyItemID, RetentionUnit: "days", RetentionValue: DefaultRestoreWindowDays},
			{FrequencyInterval: 1, FrequencyType: "daily", ID: complianceDailyItemID, RetentionUnit: "days", RetentionValue: 7},
			{FrequencyInterval: 6, FrequencyType: "weekly", ID: complianceWeeklyItemID, RetentionUnit: "weeks", RetentionValue: 4},
			{FrequencyInterval: 40, FrequencyType: "monthly", ID: complianceMonthlyItemID, RetentionUnit: "months", RetentionValue: 12},
		},
		State:       "ACTIVE",
		UpdatedDate: timeString(p.created.Add(complianceAge)),
		UpdatedUser: complianceEmail,
	}, nil
}

// groupView is the spec's Group as commercial Atlas answers it (no
// regionUsageRestrictions), keys in alphabetical order.
type groupView struct {
	ClusterCount              int64   `json:"clusterCount"`
	Created                   string  `json:"created"`
	ID                        string  `json:"id"`
	Links                     []link  `json:"links"`
	Name                      string  `json:"name"`
	OrgID                     string  `json:"orgId"`
	Tags                      []label `json:"tags"`
	WithDefaultAlertsSettings bool    `json:"withDefaultAlertsSettings"`
}

// listGroups lists every project, oldest first. clusterCount counts its
// dedicated and Flex clusters.
func (s *Server) listGroups(x *exchange) (int, any, *apiError) {
	ps := make([]*project, 0, len(s.store.projects))
	for _, p := range s.store.projects {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *project) int { return a.created.Compare(b.created) })
	views := make([]groupView, len(ps))
	for i, p := range ps {
		views[i] = groupView{
			ClusterCount:              int64(len(p.clusters) + len(p.flex)),
			Created:                   timeString(p.created),
			ID:                        p.id,
			Links:                     []link{{Href: x.baseURL() + apiPrefix + "/groups/" + p.id, Rel: "self"}},
			Name:                      p.name,
			OrgID:                     DemoOrgID,
			Tags:                      []label{},
			WithDefaultAlertsSettings: true,
		}
	}
	return http.StatusOK, paginate(x, views), nil
}
