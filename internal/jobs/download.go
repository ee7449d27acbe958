package jobs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/download"
	"github.com/atlas-backup/atlas-backup/internal/text"
	"github.com/atlas-backup/atlas-backup/internal/watch"
)

// DownloadInput is a download of a restore job's archives into a
// directory, once the job has its links.
type DownloadInput struct {
	Watch           Watch // how to wait for the links
	Dir             string
	PrivateEndpoint string // download through this endpoint's links; "": the public ones
	Parallel        int
	Force, NoWait   bool
	Client          *http.Client  // the archive client: download.NewClient, never the API's
	Stall           time.Duration // no data for this long fails an attempt
	Trace           io.Writer     // --debug
	// Start is called once the files are known, with their names; it
	// returns where their events go, and what ends the display (either
	// may be nil). nil: none.
	Start func(names []string) (onEvent func(download.Event), stop func())
	// OnLockWait is called when another process is downloading into Dir.
	OnLockWait func()
}

// DownloadReport is what became of each archive, in the job's order.
type DownloadReport struct {
	Seen     Seen[api.RestoreJob]
	Archives []api.Archive
	Results  []download.Result
}

// NotDownloadError is a restore job that has no archives to download.
type NotDownloadError struct{ ID, DeliveryType string }

func (e *NotDownloadError) Error() string {
	article := "a"
	if t := e.DeliveryType; t != "" && (t[0] == 'a' || t[0] == 'e' || t[0] == 'i' || t[0] == 'o' || t[0] == 'u') {
		article = "an"
	}
	return fmt.Sprintf("restore job %s is %s %s restore, not a download: it has no archives to download", e.ID, article, e.DeliveryType)
}

// NoLinkError is a finished download restore that lists no link (for the
// private endpoint asked for).
type NoLinkError struct{ ID, PrivateEndpoint string }

func (e *NoLinkError) Error() string {
	if e.PrivateEndpoint != "" {
		return fmt.Sprintf("restore job %s lists no download link for private endpoint %s", e.ID, e.PrivateEndpoint)
	}
	return fmt.Sprintf("restore job %s lists no download link", e.ID)
}

// Download waits, as Follow does, for a download restore's links, then
// downloads every distinct archive into in.Dir (see internal/download).
// The error is Follow's, *NotDownloadError, *NoLinkError, or what
// download.Run says of the directory; each archive's own failure is in
// its result.
func Download(ctx context.Context, d Deps, s Scope, id string, in DownloadInput) (DownloadReport, error) {
	var rep DownloadReport
	name := text.Escape(id)
	kind := Restore
	kind.Judge = func(j *api.RestoreJob) (watch.State, error) {
		if j.DeliveryType != api.DeliveryDownload {
			return watch.State{}, &NotDownloadError{ID: name, DeliveryType: text.Escape(j.DeliveryType)}
		}
		return Restore.Judge(j)
	}
	var err error
	if rep.Seen, err = Follow(ctx, d, kind, s, id, in.Watch); err != nil {
		return rep, err
	}
	rep.Archives = rep.Seen.Job.Archives(in.PrivateEndpoint)
	if len(rep.Archives) == 0 {
		return rep, &NoLinkError{ID: name, PrivateEndpoint: in.PrivateEndpoint}
	}
	links := make([]string, len(rep.Archives))
	for i, a := range rep.Archives {
		links[i] = a.URL
	}
	names := download.Names(links, func(i int) string { return fmt.Sprintf("restore-%s-%d.tar.gz", id, i+1) })
	files := make([]download.File, len(links))
	for i := range links {
		files[i] = download.File{URL: links[i], Name: names[i]}
	}
	o := download.Options{Dir: in.Dir, Source: id, Parallel: in.Parallel, Force: in.Force, NoWait: in.NoWait,
		Stall: in.Stall, Client: in.Client, Trace: in.Trace, OnLockWait: in.OnLockWait}
	if in.Start != nil {
		var stop func()
		if o.OnEvent, stop = in.Start(names); stop != nil {
			defer stop()
		}
	}
	rep.Results, err = download.Run(ctx, o, files)
	return rep, err
}
