package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// completionTimeout bounds the API lookups behind shell completion, which
// try once; on any failure completion offers nothing and says nothing.
const completionTimeout = time.Second

// completeFromAPI offers values looked up with list, as "VALUE\tDESCRIPTION".
func completeFromAPI(f *Factory, cluster func() string, list func(ctx context.Context, c *api.Client, projectID, cluster string) ([]string, error)) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		none := cobra.ShellCompDirectiveNoFileComp
		cfg, err := f.Config()
		if err != nil || cfg.ProjectID == "" {
			return nil, none
		}
		client, err := f.completionClient()
		if err != nil {
			return nil, none
		}
		ctx, cancel := context.WithTimeout(c.Context(), completionTimeout)
		defer cancel()
		values, err := list(ctx, client, cfg.ProjectID, cluster())
		if err != nil {
			return nil, none
		}
		// The shell shows these: what Atlas sent is escaped, value and
		// description alike, so that none can add a line or drive the
		// terminal.
		for i, v := range values {
			value, desc, ok := strings.Cut(v, "\t")
			values[i] = text.Escape(value)
			if ok {
				values[i] += "\t" + text.Escape(desc)
			}
		}
		return values, none
	}
}

func completeSnapshotIDs(f *Factory, cluster func() string) cobra.CompletionFunc {
	return completeFromAPI(f, cluster, func(ctx context.Context, c *api.Client, projectID, cluster string) ([]string, error) {
		if cluster == "" {
			return nil, fmt.Errorf("no cluster")
		}
		snaps, err := c.ListSnapshots(ctx, projectID, cluster, api.ListOptions{})
		if err != nil {
			return nil, err
		}
		out := []string{api.Latest + "\tthe newest completed snapshot"}
		for _, s := range snaps.Items {
			out = append(out, fmt.Sprintf("%s\t%s %s", s.ID, s.Status, output.FormatTime(s.CreatedAt)))
		}
		return out, nil
	})
}

func completeBucketIDs(f *Factory) cobra.CompletionFunc {
	return completeFromAPI(f, func() string { return "" }, func(ctx context.Context, c *api.Client, projectID, _ string) ([]string, error) {
		buckets, err := c.ListBuckets(ctx, projectID, api.ListOptions{})
		if err != nil {
			return nil, err
		}
		var out []string
		for _, b := range buckets.Items {
			out = append(out, fmt.Sprintf("%s\t%s (%s)", b.ID, b.BucketName, b.CloudProvider), b.BucketName+"\t"+b.CloudProvider+" bucket")
		}
		return out, nil
	})
}

func completeExportIDs(f *Factory, s *clusterScope) cobra.CompletionFunc {
	return completeJobArg(completeFromAPI(f, func() string { return s.Cluster }, func(ctx context.Context, c *api.Client, projectID, cluster string) ([]string, error) {
		jobs, err := c.ListExports(ctx, projectID, cluster, api.ListOptions{})
		if err != nil {
			return nil, err
		}
		var out []string
		for _, j := range jobs.Items {
			out = append(out, fmt.Sprintf("%s\t%s %s", j.ID, j.State, output.FormatTime(j.CreatedAt)))
		}
		return out, nil
	}))
}

func completeRestoreIDs(f *Factory, s *clusterScope) cobra.CompletionFunc {
	return completeJobArg(completeFromAPI(f, func() string { return s.Cluster }, func(ctx context.Context, c *api.Client, projectID, cluster string) ([]string, error) {
		return restoreIDs(ctx, c, projectID, cluster, false)
	}))
}

// completeAnyRestoreIDs completes the ID of a restore job or of a
// collection restore job (restore get, restore watch).
func completeAnyRestoreIDs(f *Factory, s *clusterScope) cobra.CompletionFunc {
	return completeJobArg(completeFromAPI(f, func() string { return s.Cluster }, func(ctx context.Context, c *api.Client, projectID, cluster string) ([]string, error) {
		return restoreIDs(ctx, c, projectID, cluster, true)
	}))
}

// restoreIDs are the cluster's restore jobs, and with collections its
// collection restore jobs (when that list answers), as completions.
func restoreIDs(ctx context.Context, c *api.Client, projectID, cluster string, collections bool) ([]string, error) {
	jobs, err := c.ListRestores(ctx, projectID, cluster, api.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, j := range jobs.Items {
		out = append(out, fmt.Sprintf("%s\t%s %s", j.ID, j.DeliveryType, j.Status()))
	}
	if !collections {
		return out, nil
	}
	if colls, err := c.ListCollectionRestores(ctx, projectID, cluster, api.ListOptions{}); err == nil {
		for _, j := range colls.Items {
			out = append(out, fmt.Sprintf("%s\tcollections %s", j.ID, j.State))
		}
	}
	return out, nil
}

// completeJobArg completes the one job ID argument, and nothing after it.
func completeJobArg(next cobra.CompletionFunc) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return next(c, args, toComplete)
	}
}

// completeNamespaces completes --database with the databases of the
// cluster's latest completed snapshot, and --collection (collections)
// with DB.COLL: before a dot, the databases as "DB." (no space after,
// for the collection to follow); after it, that database's collections.
// Nothing after "=" (the target is a name of the user's).
func completeNamespaces(f *Factory, cluster func() string, collections bool) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		db, _, dotted := strings.Cut(toComplete, ".")
		complete := completeFromAPI(f, cluster, func(ctx context.Context, client *api.Client, projectID, cluster string) ([]string, error) {
			if cluster == "" {
				return nil, fmt.Errorf("no cluster")
			}
			snapshotID, _, err := client.ResolveSnapshot(ctx, projectID, cluster, api.Latest)
			if err != nil {
				return nil, err
			}
			if collections && dotted {
				list, err := client.ListSnapshotCollections(ctx, projectID, cluster, snapshotID, db, api.ListOptions{All: true})
				if err != nil {
					return nil, err
				}
				out := make([]string, len(list.Items))
				for i, coll := range list.Items {
					out[i] = db + "." + coll.Name
				}
				return out, nil
			}
			list, err := client.ListSnapshotDatabases(ctx, projectID, cluster, snapshotID, api.ListOptions{All: true})
			if err != nil {
				return nil, err
			}
			out := make([]string, len(list.Items))
			for i, d := range list.Items {
				out[i] = d.Name
				if collections {
					out[i] += "."
				}
			}
			return out, nil
		})
		if strings.Contains(toComplete, "=") {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		values, directive := complete(c, args, toComplete)
		if collections && !dotted {
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		return values, directive
	}
}
