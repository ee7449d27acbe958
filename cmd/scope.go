package cmd

import (
	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
)

// clusterScope is the cluster a command is about, in its project, with
// the printer every API command resolves first.
type clusterScope struct {
	apiScope
	Cluster string
}

// scopeOf is the scope of a cluster of the project.
func scopeOf(projectID, cluster string) *clusterScope {
	return &clusterScope{apiScope: apiScope{ProjectID: projectID}, Cluster: cluster}
}

// jobs is the scope as the workflows take it.
func (s *clusterScope) jobs() jobs.Scope {
	return jobs.Scope{ProjectID: s.ProjectID, Cluster: s.Cluster}
}

func (s *clusterScope) addFlags(c *cobra.Command, what string) {
	c.Flags().StringVar(&s.Cluster, "cluster", "", "cluster whose "+what+" (required)")
}

// resolve fills in the printer and the project, then checks the cluster.
func (s *clusterScope) resolve(e runEnv) error {
	if err := e.resolveAPI(&s.apiScope); err != nil {
		return err
	}
	return checkCluster("cluster", s.Cluster)
}

// listFlags are --page, --limit and --all.
type listFlags struct {
	page, limit int
	all         bool
}

func (l *listFlags) add(c *cobra.Command) {
	c.Flags().IntVar(&l.page, "page", 0, "page number, from 1 (default: Atlas's first page)")
	c.Flags().IntVar(&l.limit, "limit", 0, "items per page, 1 to 500 (default: Atlas's 100)")
	c.Flags().BoolVar(&l.all, "all", false, "follow every page and print them all together")
}

func (l *listFlags) options(c *cobra.Command) (api.ListOptions, error) {
	if c.Flags().Changed("limit") && (l.limit < 1 || l.limit > 500) {
		return api.ListOptions{}, usageErrorf("--limit %d: must be from 1 to 500", l.limit)
	}
	if c.Flags().Changed("page") && l.page < 1 {
		return api.ListOptions{}, usageErrorf("--page %d: must be 1 or more", l.page)
	}
	if l.all && c.Flags().Changed("page") {
		return api.ListOptions{}, usageErrorf("--all and --page: --all reads every page; give one or the other")
	}
	return api.ListOptions{Page: l.page, Limit: l.limit, All: l.all}, nil
}

// jobID checks a job ID argument.
func jobID(kind, id string) error {
	if idPattern().MatchString(id) {
		return nil
	}
	what := kind + " job ID"
	if kind == "snapshot" {
		what = "snapshot ID"
	}
	return usageErrorf("%s %q: must be a 24-character hexadecimal ID (^[a-f0-9]{24}$)", what, id)
}
