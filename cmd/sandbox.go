package cmd

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-backup/atlas-backup/internal/output"
	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/text"
)

// SandboxOptions are the sandbox command's flags, and what it was given.
type SandboxOptions struct {
	IO    output.Streams
	Quiet bool

	Addr            string
	ArchiveAddr     string
	ArchiveAddrSet  bool   // --archive-addr was given
	ArchiveSize     string // as given, e.g. 64MiB
	JobDuration     time.Duration
	ExportOutcome   string
	RestoreOutcome  string
	SnapshotOutcome string
	Faults          []string
	RetryAfter      int  // seconds; only when RetryAfterSet
	RetryAfterSet   bool // --retry-after was given
	Clusters        int  // --clusters: fleet clusters to add

	// Filled in by validate.
	archiveSize     int64
	exportOutcome   sandbox.Outcome
	restoreOutcome  sandbox.Outcome
	snapshotOutcome sandbox.Outcome
	faults          []sandbox.Fault
}

// DefaultSandboxAddr is where `atlas-backup sandbox` listens unless told otherwise.
const DefaultSandboxAddr = "127.0.0.1:8484"

// DefaultSandboxArchiveAddr is where `atlas-backup sandbox` serves the archives
// of download restores unless told otherwise.
const DefaultSandboxArchiveAddr = "127.0.0.1:8485"

// defaultSandboxArchiveSize is the size of each archive `atlas-backup sandbox`
// serves unless told otherwise (--sandbox keeps the package's 4 MiB).
const defaultSandboxArchiveSize = "64MiB"

// maxSandboxClusters is the most --clusters: their names (fleet-001 …
// fleet-999) keep three digits, so that name order is number order.
const maxSandboxClusters = 999

// minSandboxArchiveSize is the smallest --archive-size: below it no archive
// has exactly the size asked for.
const minSandboxArchiveSize = 4 << 10

func newSandboxCmd(f *Factory, runF func(context.Context, *SandboxOptions) error) *cobra.Command {
	opts := &SandboxOptions{IO: f.IO}
	c := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the built-in Atlas API simulator on loopback, in the foreground",
		Long: `Run a local simulator of the Atlas Admin API v2 operations atlas-backup uses:
projects (list), clusters (list, get), backup schedules and compliance
policies, export buckets, snapshots and the databases and collections they
hold, export jobs, restore jobs and collection restore jobs, and Flex
clusters with their snapshots, restores and downloads, with HTTP Digest,
OAuth service-account and Bearer-token authentication, Atlas's versioned
media types, validation and error bodies.

It starts with demo data and prints it, with the environment variables that
point atlas-backup at it: three projects, with clusters with completed
snapshots of different ages, among them the sharded demo-sharded and legacy,
whose backup is off; the Flex clusters flex-dev and flex-qa (demo project);
export buckets; and ops-project, whose clusters are what a backup audit
looks for (orders: a failed snapshot, a failed export, a restore that never
ends; billing: its newest snapshot 4 days old) and which has a backup
compliance policy. Point in time is on for demo (7 days), demo-sharded (2),
onboarding, warehouse, orders and fleet clusters (7), off for the others;
point-in-time restores outside the window are refused. --clusters N adds N
replica-set clusters with backup and point in time on and snapshots,
fleet-001 to fleet-N, for rehearsing runs over many clusters. Jobs move
through their real states over --job-duration. --export-outcome,
--restore-outcome and --snapshot-outcome make jobs and on-demand snapshots
end badly; --fault injects errors so scripts can rehearse their error
paths. Each request is logged on stderr (not with --quiet). Ctrl-C stops
it; it then prints, on stderr (not with --quiet), the most API requests it
was serving at once.

A finished download restore links to .tar.gz archives on a second origin,
--archive-addr (if its default port is taken, a free one is used and shown),
in Atlas's shape: ORIGIN/TOKEN/restore-SNAPSHOT_ID.tar.gz, where the token is
the link's only authorization, served over plain HTTP with Content-Length,
ETag, Range and If-Range. Each archive is a real, deterministic .tar.gz of
--archive-size bytes (64MiB, 512KiB, 4194304, ...); a sharded cluster's job
has one per replica set, and a Flex download (snapshotUrl) has one, whose
link works for four hours. Only the staging project has a private endpoint.

Clusters are in the states Atlas shows (IDLE, UPDATING, and in the staging
project CREATING, paused and DELETING); demo's newest snapshot stays
inProgress and flex-dev's RUNNING, so latest skips them; POST
.../backup/snapshots takes an on-demand snapshot that goes queued,
inProgress, completed (or failed, with --snapshot-outcome failed) over
--job-duration. Flex restores and downloads go PENDING, QUEUED, RUNNING,
COMPLETED (FAILED with a --restore-outcome other than success). Dedicated
routes answer a Flex cluster's name 400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API,
and Flex routes a dedicated one's 400 CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API.

Every completed snapshot holds the databases analytics (events), inventory
(items, stock) and sales (customers, invoices, orders), with document
counts; the newest completed snapshot of each cluster (and an on-demand one)
also holds sales.returns, so that an older snapshot, or a point in time
before it, misses a collection. Collection restore jobs (restore create
--collection/--database) go INITIALIZING, IN_PROGRESS (the documents
counted up, one collection after another), FINALIZING and SUCCESSFUL over
--job-duration. A source the snapshot does not hold ends NOT_FOUND (the job
still succeeds); create-new into a namespace the target has (the source
cluster's latest snapshot, and what earlier jobs restored into it) restores
into NAME_restored_N, the effectiveTargetNamespace; a collection restored
under a name ending _badindex ends INDEX_BUILD_FAILED; --restore-outcome
failed or cancelled ends the job FAILED or CANCELED, its last collection
FAILED or NOT_RESTORED and those before it ROLLBACK. A cluster takes part in
one collection restore job at a time (409); there is no cancel (405).

A fault is OPERATION:KIND[:TIMES[:AFTER]]. OPERATION is an operation name from the
Atlas API spec (getBackupExport, createBackupRestoreJob, listClusters,
...), createToken or revokeToken for the OAuth endpoints, downloadArchive for
the archives, or * for all. KIND is one of:
  400..599        that HTTP status, in Atlas's error shape (429 and 503 carry
                  Retry-After: 1; see --retry-after)
  drop            close the connection without an answer
  slow=DURATION   answer late
  cut=BYTES       send the real answer's status line and headers (with its
                  full Content-Length) and its first BYTES body bytes, then
                  close the connection
  html            answer 502 with a load balancer's HTML error page
  badjson         answer 200 with the real answer's body cut in half: not JSON
  empty           answer 200 with the usual Content-Type and no body
  ctype           answer 200 with Content-Type text/plain and plain text
  corrupt         (downloadArchive only) the real archive, same length and
                  headers, with a wrong CRC-32 in its gzip trailer
Status faults on downloadArchive answer in S3's XML error shape.
cut, badjson and empty carry out the request (a create does start its job)
before they spoil its answer; html and ctype answer in its place. Answers
spoiled on purpose carry an X-Sandbox-Fault header naming the fault. TIMES
limits a fault to the first TIMES matching requests; AFTER lets that many
through untouched first (listBackupExports:drop:1:1 drops page 2).

--retry-after SECONDS makes every injected 429 and 5xx, html included, carry
Retry-After: SECONDS; 0 means "retry at once", for rehearsing retries without
waiting.`,
		Example: `  atlas-backup sandbox
  atlas-backup sandbox --addr 127.0.0.1:9000 --job-duration 5s
  atlas-backup sandbox --clusters 50 --fault '*:slow=200ms'
  atlas-backup sandbox --export-outcome failed --fault getBackupExport:503:2
  atlas-backup sandbox --snapshot-outcome failed --restore-outcome failed
  atlas-backup sandbox --fault getBackupExport:cut=20:1 --fault listBackupSnapshots:html:1 --retry-after 0
  atlas-backup sandbox --archive-size 256MiB --fault downloadArchive:cut=1000000:1 --fault downloadArchive:corrupt:1`,
		Args: exactArgs(0, "none"),
	}
	g := &f.global
	c.RunE = runCmd(opts, nil, func(c *cobra.Command, _ []string) error {
		opts.Quiet = g.quiet
		opts.RetryAfterSet = c.Flags().Changed("retry-after")
		opts.ArchiveAddrSet = c.Flags().Changed("archive-addr")
		return nil
	}, sandboxRun, runF)
	fl := c.Flags()
	fl.StringVar(&opts.Addr, "addr", DefaultSandboxAddr, "address to listen on (HOST:PORT; port 0 picks a free one)")
	fl.StringVar(&opts.ArchiveAddr, "archive-addr", DefaultSandboxArchiveAddr, "address to serve download archives on (HOST:PORT; port 0 picks a free one, as does a taken default)")
	fl.StringVar(&opts.ArchiveSize, "archive-size", defaultSandboxArchiveSize, "size of each download archive (bytes, or with KiB, MiB or GiB)")
	fl.DurationVar(&opts.JobDuration, "job-duration", sandbox.DefaultJobDuration, "how long a job takes to reach its end state")
	fl.StringVar(&opts.ExportOutcome, "export-outcome", "success", "how export jobs end: success, failed or cancelled")
	fl.StringVar(&opts.RestoreOutcome, "restore-outcome", "success", "how restore jobs (collection restore jobs too) end: success, failed, cancelled or expired")
	fl.StringVar(&opts.SnapshotOutcome, "snapshot-outcome", "success", "how on-demand snapshots end: success or failed")
	fl.StringArrayVar(&opts.Faults, "fault", nil, "inject a fault, OPERATION:KIND[:TIMES[:AFTER]] (repeatable)")
	fl.IntVar(&opts.Clusters, "clusters", 0, "add `N` replica-set clusters with backup on and snapshots, fleet-001 to fleet-N (at most 999)")
	fl.IntVar(&opts.RetryAfter, "retry-after", 0, "Retry-After `SECONDS` on every injected 429 and 5xx, html included (default: 1, on 429 and 503 only)")
	return c
}

func (o *SandboxOptions) validate() error {
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return usageErrorf("--addr %q: must be HOST:PORT, e.g. 127.0.0.1:8484", o.Addr)
	}
	_, archivePort, err := net.SplitHostPort(o.ArchiveAddr)
	if err != nil {
		return usageErrorf("--archive-addr %q: must be HOST:PORT, e.g. 127.0.0.1:8485", o.ArchiveAddr)
	}
	if o.ArchiveAddr == o.Addr && archivePort != "0" {
		return usageErrorf("--archive-addr %q: must differ from --addr: archives are served on an origin of their own", o.ArchiveAddr)
	}
	if o.archiveSize, err = sandbox.ParseSize(o.ArchiveSize); err != nil {
		return usageErrorf("--archive-size %v", err)
	}
	if o.archiveSize < minSandboxArchiveSize || o.archiveSize > sandbox.MaxArchiveSize {
		return usageErrorf("--archive-size %q: must be from 4KiB to %s (archives are held in memory)", o.ArchiveSize, sandbox.FormatSize(sandbox.MaxArchiveSize))
	}
	if o.JobDuration < 0 {
		return usageErrorf("--job-duration %s: must not be negative", o.JobDuration)
	}
	if o.exportOutcome, err = sandbox.ParseOutcome(o.ExportOutcome, false); err != nil {
		return usageErrorf("--export-outcome %v", err)
	}
	if o.restoreOutcome, err = sandbox.ParseOutcome(o.RestoreOutcome, true); err != nil {
		return usageErrorf("--restore-outcome %v", err)
	}
	if o.snapshotOutcome, err = sandbox.ParseSnapshotOutcome(o.SnapshotOutcome); err != nil {
		return usageErrorf("--snapshot-outcome %v", err)
	}
	if o.Clusters < 0 || o.Clusters > maxSandboxClusters {
		return usageErrorf("--clusters %d: must be from 0 to %d", o.Clusters, maxSandboxClusters)
	}
	if o.RetryAfterSet && o.RetryAfter < 0 {
		return usageErrorf("--retry-after %d: must be 0 or more seconds", o.RetryAfter)
	}
	o.faults = nil
	for _, spec := range o.Faults {
		fault, err := sandbox.ParseFault(spec)
		if err != nil {
			return usageErrorf("--fault %v", err)
		}
		o.faults = append(o.faults, fault)
	}
	return nil
}

func sandboxRun(ctx context.Context, opts *SandboxOptions) error {
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer ln.Close()
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		fmt.Fprintf(opts.IO.ErrOut, "Warning: the sandbox listens on %s, beyond this machine; anyone who reaches it can use its demo credentials.\n", ln.Addr())
	}
	aln, err := listenArchives(opts)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer aln.Close()
	if ip := aln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		fmt.Fprintf(opts.IO.ErrOut, "Warning: the sandbox serves archives on %s, beyond this machine; anyone who reaches it can download them with the links it hands out.\n", aln.Addr())
	}
	sandboxOpts := []sandbox.Option{
		sandbox.WithArchiveSize(opts.archiveSize),
		sandbox.WithJobDuration(opts.JobDuration),
		sandbox.WithExportOutcome(opts.exportOutcome),
		sandbox.WithRestoreOutcome(opts.restoreOutcome),
		sandbox.WithSnapshotOutcome(opts.snapshotOutcome),
		sandbox.WithFaults(opts.faults...),
		sandbox.WithClusters(opts.Clusters),
	}
	if opts.RetryAfterSet {
		sandboxOpts = append(sandboxOpts, sandbox.WithRetryAfter(opts.RetryAfter))
	}
	if !opts.Quiet {
		sandboxOpts = append(sandboxOpts, sandbox.WithLog(func(format string, args ...any) {
			// Paths and names come from whoever sends requests: escaped.
			fmt.Fprintln(opts.IO.ErrOut, time.Now().Format("15:04:05 ")+text.Escape(fmt.Sprintf(format, args...)))
		}))
	}
	sb := sandbox.New(sandboxOpts...)
	sb.SetArchiveURL("http://" + aln.Addr().String())
	sb.WriteBanner(opts.IO.Out, "http://"+ln.Addr().String())
	for _, fault := range opts.faults {
		fmt.Fprintf(opts.IO.Out, "Injecting fault %s\n", fault)
	}
	// Both servers stop when ctx is done, or when either fails.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- sandbox.Serve(ctx, ln, sb) }()
	go func() { errc <- sandbox.Serve(ctx, aln, sb.ArchiveHandler()) }()
	err = <-errc
	cancel()
	if err2 := <-errc; err == nil {
		err = err2
	}
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if opts.Quiet {
		fmt.Fprintln(opts.IO.ErrOut, "Sandbox stopped.")
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Sandbox stopped. Peak API requests in flight at once: %d.\n", sb.PeakInFlight())
	}
	return nil
}

// listenArchives listens on --archive-addr. When that is the default and its
// port is taken (by another sandbox, say), it picks a free port on the same
// host instead and says so, unless --quiet: the links in the jobs name it.
func listenArchives(opts *SandboxOptions) (net.Listener, error) {
	ln, err := net.Listen("tcp", opts.ArchiveAddr)
	if err == nil || opts.ArchiveAddrSet {
		return ln, err
	}
	host, _, _ := net.SplitHostPort(opts.ArchiveAddr)
	ln, err2 := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, err
	}
	if !opts.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "Note: %s is taken (%v); archives are served on %s instead (set --archive-addr to choose).\n", opts.ArchiveAddr, err, ln.Addr())
	}
	return ln, nil
}
