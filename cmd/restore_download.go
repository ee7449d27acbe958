package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/download"
	"github.com/atlas-backup/atlas-backup/internal/jobs"
	"github.com/atlas-backup/atlas-backup/internal/lazyre"
	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/shell"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// downloadFlags are what a download of restore archives takes: the
// directory, --parallel, --force and --private-endpoint.
type downloadFlags struct {
	dir             string
	parallel        int
	force           bool
	privateEndpoint string
	noWait          bool
	dirFlag         string // the name of the directory flag: dir, or download-dir
}

var endpointPattern = lazyre.New(`^vpce-[0-9a-f]{17}$`)

func (d *downloadFlags) add(c *cobra.Command, dirFlag, dirUsage string) {
	d.dirFlag = dirFlag
	c.Flags().StringVar(&d.dir, dirFlag, d.dir, dirUsage)
	c.Flags().IntVar(&d.parallel, "parallel", download.DefaultParallel, "archives downloaded at once, 1 to 16")
	c.Flags().BoolVar(&d.force, "force", false, "download again archives that are already complete on disk")
	c.Flags().StringVar(&d.privateEndpoint, "private-endpoint", "", "download through this private endpoint (vpce-…) instead")
	c.Flags().BoolVar(&d.noWait, "no-wait", false, "fail at once (exit 1) when another download is writing into the directory, instead of waiting for it")
	c.MarkFlagDirname(dirFlag)
}

// validate checks the flags, and that the directory could be made (or is
// one) and written, before anything is sent. It makes nothing: the
// directory is made when a download starts.
func (d *downloadFlags) validate() error {
	if d.parallel < 1 || d.parallel > 16 {
		return usageErrorf("--parallel %d: must be from 1 to 16", d.parallel)
	}
	if d.privateEndpoint != "" && !endpointPattern().MatchString(d.privateEndpoint) {
		return usageErrorf("--private-endpoint %q: must match %s", d.privateEndpoint, endpointPattern())
	}
	// The directory, or the nearest of its parents that exists, must be a
	// directory this process can write in.
	dir := filepath.Clean(d.dir)
	for {
		fi, err := os.Stat(dir)
		if err == nil && !fi.IsDir() {
			return usageErrorf("--%s %q: %s is not a directory", d.dirFlag, d.dir, dir)
		}
		if err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if !errors.Is(err, fs.ErrNotExist) || parent == dir {
			return usageErrorf("--%s %q: cannot create it: %v", d.dirFlag, d.dir, unwrapPath(err))
		}
		dir = parent
	}
	probe, err := os.CreateTemp(dir, ".atlas-backup-probe-*")
	if err != nil {
		what := "cannot write in it"
		if dir != filepath.Clean(d.dir) {
			what = "cannot create it"
		}
		return usageErrorf("--%s %q: %s: %v", d.dirFlag, d.dir, what, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// RestoreDownloadOptions are what `restore download` was given.
type RestoreDownloadOptions struct {
	WatchOptions
	dl downloadFlags
}

func (o *RestoreDownloadOptions) validate() error {
	if err := o.WatchOptions.validate(); err != nil {
		return err
	}
	return o.dl.validate()
}

func newRestoreDownloadCmd(f *Factory, runF func(context.Context, *RestoreDownloadOptions) error) *cobra.Command {
	opts := &RestoreDownloadOptions{WatchOptions: WatchOptions{JobOptions: JobOptions{runEnv: f.env(), kind: "restore"}}, dl: downloadFlags{dir: "."}}
	c := jobCommand("download", "Wait for a download restore, then download its archives", &opts.JobOptions)
	c.RunE = runCmd(opts, &opts.format, opts.prepare, restoreDownloadRun, runF)
	c.Long = `Wait, as restore watch does, until a download restore job has its links, then
download every archive it lists into --dir (created if missing): one for a
replica set, one per shard and config server for a sharded cluster.

Each archive is written as NAME.part and renamed to NAME only when the bytes
on disk were flushed and checked: every byte is there, the gzip stream checks
out to its end and the tar inside reaches its end-of-archive marker. Run the
same command again after an interruption, a dropped connection or Ctrl-C:
.part files resume where they stopped, and complete archives are skipped when
the directory's manifest (.atlas-backup-manifest.json) records them as this
job's. Any other file in an archive's place is an error: use another --dir, or
--force, which replaces it only once the new archive is complete. One
download writes into a directory at a time: another waits for it (or, with
--no-wait, fails at once). Symbolic links are never followed. No Atlas
credential is sent to the archive host: the links carry their own token.

stdout is a table of FILE, SIZE, SHARD and RESULT (downloaded, resumed,
skipped or failed), or with -o json an array of {path, bytes,
replicaSetName, result}. Exit 0 when every archive is complete on disk; 6
when the job failed, was cancelled or expired; 7 when --watch-timeout passes;
1 when a download failed (its .part is kept).`
	c.Example = `  atlas-backup restore download 6b05f41c0000000000000001 --cluster demo --dir ./restore
  atlas-backup restore download 6b05f41c0000000000000001 --cluster demo --private-endpoint vpce-0a1b2c3d4e5f60718 -o json`
	opts.watch.add(c, false)
	opts.dl.add(c, "dir", "directory to download into (created if missing)")
	c.ValidArgsFunction = completeRestoreIDs(f, &opts.clusterScope)
	return c
}

func restoreDownloadRun(ctx context.Context, o *RestoreDownloadOptions) error {
	return downloadRestore(ctx, o.runEnv, o.watch, o.dl, &o.clusterScope, o.ID)
}

// downloadRestore waits for a download restore job's links and downloads
// its archives (jobs.Download), then prints the report with s.Printer.
func downloadRestore(ctx context.Context, e runEnv, w watchFlags, d downloadFlags, s *clusterScope, id string) error {
	name := text.Escape(id) // Atlas's, for a job just created
	kind := restoreJobKind(s)
	resume := fmt.Sprintf("atlas-backup restore download %s --cluster %s --project-id %s --dir %s", shell.Quote(name), s.Cluster, s.ProjectID, shell.Quote(d.dir))
	if d.privateEndpoint != "" {
		resume += " --private-endpoint " + d.privateEndpoint
	}
	kind.resumeWith = func(string) string { return resume }
	client, err := e.Client()
	if err != nil {
		return err
	}
	archives, stall, err := e.archiveClient()
	if err != nil {
		return err
	}
	display := e.display()
	defer display.Stop()
	in := jobs.DownloadInput{
		Watch: e.watch(w, display), Dir: d.dir, PrivateEndpoint: d.privateEndpoint,
		Parallel: d.parallel, Force: d.force, NoWait: d.noWait,
		Client: archives, Stall: stall,
		Start: func(names []string) (func(download.Event), func()) {
			display.Stop() // the links are there: the bars take over
			bars := output.NewDownloadProgress(e.IO, e.g.quiet, names)
			return bars.Event, bars.Stop
		},
		OnLockWait: func() {
			e.notef("Waiting for another atlas-backup download into %s to finish…", d.dir)
		},
	}
	if e.g.debug {
		in.Trace = e.IO.ErrOut
	}
	rep, err := jobs.Download(api.WithRetryNotes(ctx, e.notesTo(display)), jobs.Deps{Client: client}, s.jobs(), id, in)
	display.Stop()
	var stopped *jobs.StoppedError
	var noLink *jobs.NoLinkError
	switch {
	case errors.As(err, &stopped) && errors.As(err, new(*InterruptedError)):
		return fmt.Errorf("stopped waiting for restore job %s; it keeps running. Resume with: %s (%w)", name, resume, stopped.Err)
	case errors.As(err, &noLink):
		return &NotFoundError{Err: noLink}
	case err != nil && rep.Archives != nil && ctx.Err() != nil:
		return fmt.Errorf("stopped waiting for the directory %s; nothing was downloaded. Resume with: %s (%w)", d.dir, resume, context.Cause(ctx))
	case err != nil && rep.Archives != nil:
		return err // the directory: busy, or not to be locked
	case err != nil:
		return kind.watchEnd(err)
	}

	if perr := printDownloads(e.IO, s.Printer, rep.Results, rep.Archives); perr != nil && !errors.Is(perr, syscall.EPIPE) {
		return perr // a reader that went away (| head) still gets the downloads' exit code, below
	}
	if cause := context.Cause(ctx); ctx.Err() != nil {
		return fmt.Errorf("stopped downloading; the .part files are kept. Resume with: %s (%w)", resume, cause)
	}
	var failed []error
	resumable := false
	for _, r := range rep.Results {
		if r.Err != nil {
			failed = append(failed, fmt.Errorf("%s: %v", r.File.Name, r.Err))
			resumable = resumable || !download.Permanent(r.Err)
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case resumable:
		return fmt.Errorf("%w\nThe .part files are kept; running the same command again resumes: %s", errors.Join(failed...), resume)
	}
	return errors.Join(failed...)
}

// printDownloads prints the report: the FILE, SIZE, SHARD, RESULT table, or
// for -o json (and yaml, go-template) an array of {path, bytes,
// replicaSetName, result, error}.
func printDownloads(io output.Streams, p output.Printer, results []download.Result, archives []api.Archive) error {
	type entry struct {
		Path           string `json:"path"`
		Bytes          int64  `json:"bytes"`
		ReplicaSetName string `json:"replicaSetName,omitempty"`
		Result         string `json:"result"`
		Error          string `json:"error,omitempty"`
	}
	entries := make([]entry, len(results))
	table := output.DownloadsTable()
	for i, r := range results {
		entries[i] = entry{Path: r.Path, Bytes: r.Bytes, ReplicaSetName: archives[i].ReplicaSetName, Result: string(r.Outcome)}
		if r.Err != nil {
			entries[i].Error = r.Err.Error()
		}
		table.Add(r.Path, download.Size(r.Bytes), archives[i].ReplicaSetName, string(r.Outcome))
	}
	raw, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	return p.Print(io.Out, output.Value{Raw: raw, Table: table})
}
