package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Call is one API operation, built by the functions below and sent with Do
// or described with DryRun.
type Call = call

func clusterPath(projectID, cluster, rest string) string {
	return "/groups/" + url.PathEscape(projectID) + "/clusters/" + url.PathEscape(cluster) + "/backup/" + rest
}

// CreateExportCall starts an export job.
func CreateExportCall(projectID, cluster string, r ExportRequest) Call {
	return call{method: http.MethodPost, path: clusterPath(projectID, cluster, "exports"), body: r, version: VersionBackup}
}

// CreateRestoreCall starts a restore job of a dedicated cluster (the
// client's RestoreCall picks the Flex form for a Flex cluster).
func CreateRestoreCall(projectID, cluster string, r RestoreRequest) Call {
	return call{method: http.MethodPost, path: clusterPath(projectID, cluster, "restoreJobs"), body: r, version: VersionBackup, pretty: true}
}

// RestoreCall is the request a restore create sends: to the dedicated
// route, or for a cluster this client knows to be a Flex one, to the Flex
// route (a point in time is then a *FlexClusterError).
func (c *Client) RestoreCall(projectID, cluster string, r RestoreRequest) (Call, error) {
	if c.IsFlex(projectID, cluster) {
		return flexRestoreCall(projectID, cluster, r)
	}
	return CreateRestoreCall(projectID, cluster, r), nil
}

// DryRun describes the request a call would send, without sending it.
func (c *Client) DryRun(ctx context.Context, k Call) (*DryRun, error) { return c.dryRun(ctx, k) }

// CreateExport starts an export job. A failure that leaves unknown whether
// a job was started is an *OutcomeUnknownError.
func (c *Client) CreateExport(ctx context.Context, projectID, cluster string, r ExportRequest) (*ExportJob, []byte, error) {
	job, raw, err := decodeOne[ExportJob](c.do(ctx, CreateExportCall(projectID, cluster, r)))
	return job, raw, createOutcome(err)
}

// CreateRestore starts a restore job, of a dedicated or a Flex cluster. A
// failure that leaves unknown whether a job was started is an
// *OutcomeUnknownError.
func (c *Client) CreateRestore(ctx context.Context, projectID, cluster string, r RestoreRequest) (job *RestoreJob, raw []byte, err error) {
	err = c.viaFlex(projectID, cluster, func() error {
		job, raw, err = decodeOne[RestoreJob](c.do(ctx, CreateRestoreCall(projectID, cluster, r)))
		return err
	}, func() error {
		k, err := flexRestoreCall(projectID, cluster, r)
		if err != nil {
			return err
		}
		job, raw, err = flexJob(c.do(ctx, k))
		return err
	})
	return job, raw, createOutcome(err)
}

// flexJob decodes a Flex restore job as a restore job.
func flexJob(resp *Response, err error) (*RestoreJob, []byte, error) {
	fj, raw, err := decodeOne[flexRestoreJob](resp, err)
	if err != nil {
		return nil, nil, err
	}
	j := fj.restoreJob()
	return &j, raw, nil
}

// decodeOne decodes a single object; an answer of another shape (an array,
// a string, an object without an id) is a *BadAnswerError.
func decodeOne[T any](resp *Response, err error) (*T, []byte, error) {
	if err != nil {
		return nil, nil, err
	}
	var v T
	if err := json.Unmarshal(resp.Raw, &v); err != nil {
		return nil, nil, resp.bad("not the object expected: "+err.Error(), resp.Raw)
	}
	if id, ok := any(&v).(interface{ jobID() string }); ok && id.jobID() == "" {
		return nil, nil, resp.bad("the object has no id", resp.Raw)
	}
	return &v, resp.Raw, nil
}

// ListOptions choose the page of a list: Page and Limit map to pageNum and
// itemsPerPage (0: Atlas's defaults); All follows every page.
type ListOptions struct {
	Page, Limit int
	All         bool
}

// maxItemsPerPage is the largest page Atlas serves.
const maxItemsPerPage = 500

// List is a list answer: the typed items and, for -o json, the raw results
// as one JSON array (all pages merged with All).
type List[T any] struct {
	Items []T
	Raw   []byte
	items []json.RawMessage
}

// Page is the list's page-th page (from 1) of limit items, cut on this
// side (a list merged from several of Atlas's).
func (l *List[T]) Page(page, limit int) *List[T] {
	from := min(max(page-1, 0)*limit, len(l.Items))
	to := min(from+limit, len(l.Items))
	return &List[T]{Items: l.Items[from:to], items: l.items[from:to], Raw: rawArray(l.items[from:to])}
}

// RawAt is item i as Atlas sent it.
func (l *List[T]) RawAt(i int) []byte { return l.items[i] }

func list[T any](ctx context.Context, c *Client, k call, o ListOptions) (*List[T], error) {
	limit := o.Limit
	if o.All && limit == 0 {
		limit = maxItemsPerPage
	}
	seen := &pagesSeen{request: http.MethodGet + " /api/atlas/v2" + k.path, next: map[string]int{}, self: map[string]int{}}
	fetch := func(ctx context.Context, page int) (*listPage, error) {
		q := url.Values{}
		if o.Page > 0 || o.All {
			q.Set("pageNum", strconv.Itoa(page))
		}
		if limit > 0 {
			q.Set("itemsPerPage", strconv.Itoa(limit))
		}
		k := k
		k.query = q
		resp, err := c.do(ctx, k)
		if err != nil {
			return nil, err
		}
		p := &listPage{resp: resp}
		if err := json.Unmarshal(resp.Raw, &p.body); err != nil {
			return nil, resp.bad("not a list: "+err.Error(), resp.Raw)
		}
		if o.All {
			if err := seen.check(page, p); err != nil {
				return nil, err
			}
		}
		return p, nil
	}
	page := max(o.Page, 1)
	first, err := fetch(ctx, page)
	if err != nil {
		return nil, err
	}
	all, last := first.body.Results, first.resp
	if o.All && first.more() {
		bound, err := seen.bound(page, first.body.TotalCount, limit)
		if err != nil {
			return nil, err
		}
		p, fetched := first, 1
		if first.body.TotalCount != nil {
			// The number of pages is known: fetch the rest at once, a few
			// at a time, and keep them in order.
			rest, err := fetchPages(ctx, page+1, (*first.body.TotalCount+limit-1)/limit, fetch)
			if err != nil {
				return nil, err
			}
			for _, r := range rest {
				all = append(all, r.body.Results...)
				p, last = r, r.resp
			}
			page, fetched = page+len(rest), fetched+len(rest)
		}
		// Jobs created while paging push the oldest past the pages
		// counted: follow next from the last page as the links say, as far
		// as the bound.
		for ; p.more(); fetched++ {
			if fetched >= bound.pages {
				return nil, &PagingError{Request: seen.request, Page: page, Reason: bound.reason}
			}
			page++
			if p, err = fetch(ctx, page); err != nil {
				return nil, err
			}
			all = append(all, p.body.Results...)
			last = p.resp
		}
	}
	out := &List[T]{Items: make([]T, len(all)), items: all, Raw: rawArray(all)}
	for i, item := range all {
		if err := json.Unmarshal(item, &out.Items[i]); err != nil {
			return nil, last.bad(fmt.Sprintf("list item %d is not the object expected: %v", i+1, err), item)
		}
	}
	return out, nil
}

// rawArray is one JSON array of items, each as Atlas sent it.
func rawArray(items []json.RawMessage) []byte {
	var raw bytes.Buffer
	raw.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			raw.WriteByte(',')
		}
		raw.Write(item)
	}
	raw.WriteByte(']')
	return raw.Bytes()
}

// Paging bounds: a server whose pages never end, or repeat, cannot keep a
// list going. With a totalCount, a list may take the pages it makes plus an
// allowance for results added while paging (a tenth more, and at least
// minPageAllowance); without one, maxPages.
const minPageAllowance = 10

// maxPages is a var for the tests, which follow fewer.
var maxPages = 10_000

// pagesSeen checks the pages of one list as they come, in whatever order:
// no page may link to the same next page as another, or be another again
// by the pageNum of its self link.
type pagesSeen struct {
	request string // "GET /api/atlas/v2/…"
	mu      sync.Mutex
	next    map[string]int // next link → the page that had it
	self    map[string]int // pageNum of the self link → the page that had it
}

func (s *pagesSeen) check(page int, p *listPage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	repeat := func(reason string) error {
		return &PagingError{Request: s.request, Page: page, Reason: reason + " (the pages repeat)"}
	}
	if href := p.link("next"); href != "" {
		if other, ok := s.next[href]; ok {
			return repeat(fmt.Sprintf("it links to the same next page as page %d", other))
		}
		s.next[href] = page
	}
	if u, err := url.Parse(p.link("self")); err == nil && u.Query().Get("pageNum") != "" {
		num := u.Query().Get("pageNum")
		if other, ok := s.self[num]; ok {
			return repeat(fmt.Sprintf("its self link says pageNum %s, as page %d's did", num, other))
		}
		s.self[num] = page
	}
	return nil
}

// pageBound is how many pages a list may take, and what to say when it
// takes more.
type pageBound struct {
	pages  int
	reason string
}

// bound reads the bound from the first page's totalCount (nil when it has
// none); a count of more than maxPages pages is refused at once.
func (s *pagesSeen) bound(page int, total *int, limit int) (pageBound, error) {
	if total == nil {
		return pageBound{maxPages, fmt.Sprintf("it still links to a next page, and without a totalCount at most %d pages are followed", maxPages)}, nil
	}
	counted := max(1, (*total+limit-1)/limit)
	if counted > maxPages {
		return pageBound{}, &PagingError{Request: s.request, Page: page,
			Reason: fmt.Sprintf("its totalCount %d makes %s of %d, more than the %d pages followed at most", *total, pagesOf(counted), limit, maxPages)}
	}
	allowance := max(minPageAllowance, counted/10)
	return pageBound{counted + allowance, fmt.Sprintf("it still links to a next page, but totalCount %d makes %s of %d, and at most %d more are allowed for results added meanwhile",
		*total, pagesOf(counted), limit, allowance)}, nil
}

// pagesOf is "1 page" or "3 pages".
func pagesOf(n int) string {
	if n == 1 {
		return "1 page"
	}
	return strconv.Itoa(n) + " pages"
}

// ListSnapshots lists a cluster's snapshots, newest first.
func (c *Client) ListSnapshots(ctx context.Context, projectID, cluster string, o ListOptions) (l *List[Snapshot], err error) {
	err = c.viaFlex(projectID, cluster, func() error {
		l, err = list[Snapshot](ctx, c, call{method: http.MethodGet, path: clusterPath(projectID, cluster, "snapshots"), version: VersionBackup, pretty: true}, o)
		return err
	}, func() error {
		fl, err := list[flexSnapshot](ctx, c, call{method: http.MethodGet, path: flexPath(projectID, cluster, "snapshots"), version: VersionFlex, pretty: true}, o)
		if err == nil {
			l = convertList(fl, flexSnapshot.snapshot)
		}
		return err
	})
	return l, err
}

// GetSnapshot reads one snapshot.
func (c *Client) GetSnapshot(ctx context.Context, projectID, cluster, id string) (s *Snapshot, raw []byte, err error) {
	err = c.viaFlex(projectID, cluster, func() error {
		s, raw, err = decodeOne[Snapshot](c.do(ctx, call{method: http.MethodGet, path: clusterPath(projectID, cluster, "snapshots/"+url.PathEscape(id)), version: VersionBackup, pretty: true}))
		return err
	}, func() error {
		var fs *flexSnapshot
		// The Flex snapshot read takes no pretty.
		fs, raw, err = decodeOne[flexSnapshot](c.do(ctx, call{method: http.MethodGet, path: flexPath(projectID, cluster, "snapshots/"+url.PathEscape(id)), version: VersionFlex}))
		if err == nil {
			v := fs.snapshot()
			s = &v
		}
		return err
	})
	return s, raw, err
}

// ListClusters lists a project's dedicated clusters.
func (c *Client) ListClusters(ctx context.Context, projectID string, o ListOptions) (*List[Cluster], error) {
	return list[Cluster](ctx, c, call{method: http.MethodGet, path: "/groups/" + url.PathEscape(projectID) + "/clusters", version: VersionCluster, pretty: true}, o)
}

// GetCluster reads one cluster, dedicated or Flex.
func (c *Client) GetCluster(ctx context.Context, projectID, cluster string) (cl *Cluster, raw []byte, err error) {
	err = c.viaFlex(projectID, cluster, func() error {
		cl, raw, err = decodeOne[Cluster](c.do(ctx, call{method: http.MethodGet, path: "/groups/" + url.PathEscape(projectID) + "/clusters/" + url.PathEscape(cluster), version: VersionCluster, pretty: true}))
		return err
	}, func() error {
		fc, known := c.flex.get(projectID, cluster) // read already, when the dedicated route said it is Flex
		if fc == nil {
			if fc, known, err = c.getFlexCluster(ctx, projectID, cluster); err != nil {
				return err
			}
		}
		v := fc.cluster()
		cl, raw = &v, known
		return nil
	})
	return cl, raw, err
}

// ListBuckets lists a project's export buckets.
func (c *Client) ListBuckets(ctx context.Context, projectID string, o ListOptions) (*List[Bucket], error) {
	return list[Bucket](ctx, c, call{method: http.MethodGet, path: "/groups/" + url.PathEscape(projectID) + "/backup/exportBuckets", version: VersionBuckets, pretty: true}, o)
}

// GetBucket reads one export bucket (its region, which lists leave out).
func (c *Client) GetBucket(ctx context.Context, projectID, id string) (*Bucket, []byte, error) {
	return decodeOne[Bucket](c.do(ctx, call{method: http.MethodGet, path: "/groups/" + url.PathEscape(projectID) + "/backup/exportBuckets/" + url.PathEscape(id), version: VersionBuckets}))
}

// GetExport reads one export job.
func (c *Client) GetExport(ctx context.Context, projectID, cluster, id string) (*ExportJob, []byte, error) {
	return decodeOne[ExportJob](c.do(ctx, call{method: http.MethodGet, path: clusterPath(projectID, cluster, "exports/"+url.PathEscape(id)), version: VersionBackup}))
}

// ListExports lists a cluster's export jobs.
func (c *Client) ListExports(ctx context.Context, projectID, cluster string, o ListOptions) (*List[ExportJob], error) {
	return list[ExportJob](ctx, c, call{method: http.MethodGet, path: clusterPath(projectID, cluster, "exports"), version: VersionBackup, pretty: true}, o)
}

// GetRestore reads one restore job, of a dedicated or a Flex cluster.
func (c *Client) GetRestore(ctx context.Context, projectID, cluster, id string) (job *RestoreJob, raw []byte, err error) {
	err = c.viaFlex(projectID, cluster, func() error {
		job, raw, err = decodeOne[RestoreJob](c.do(ctx, call{method: http.MethodGet, path: clusterPath(projectID, cluster, "restoreJobs/"+url.PathEscape(id)), version: VersionBackup, pretty: true}))
		return err
	}, func() error {
		job, raw, err = flexJob(c.do(ctx, call{method: http.MethodGet, path: flexPath(projectID, cluster, "restoreJobs/"+url.PathEscape(id)), version: VersionFlex, pretty: true}))
		return err
	})
	return job, raw, err
}

// ListRestores lists a cluster's restore jobs, dedicated or Flex.
func (c *Client) ListRestores(ctx context.Context, projectID, cluster string, o ListOptions) (l *List[RestoreJob], err error) {
	err = c.viaFlex(projectID, cluster, func() error {
		l, err = list[RestoreJob](ctx, c, call{method: http.MethodGet, path: clusterPath(projectID, cluster, "restoreJobs"), version: VersionBackup, pretty: true}, o)
		return err
	}, func() error {
		fl, err := list[flexRestoreJob](ctx, c, call{method: http.MethodGet, path: flexPath(projectID, cluster, "restoreJobs"), version: VersionFlex, pretty: true}, o)
		if err == nil {
			l = convertList(fl, flexRestoreJob.restoreJob)
		}
		return err
	})
	return l, err
}

// CancelRestoreCall cancels a restore job.
func CancelRestoreCall(projectID, cluster, id string) Call {
	return call{method: http.MethodDelete, path: clusterPath(projectID, cluster, "restoreJobs/"+url.PathEscape(id)), version: VersionBackup, pretty: true}
}

// CancelRestore cancels a restore job (Atlas answers 204 No Content). A
// Flex cluster's cannot be: a *FlexClusterError.
func (c *Client) CancelRestore(ctx context.Context, projectID, cluster, id string) error {
	_, err := c.do(ctx, CancelRestoreCall(projectID, cluster, id))
	return err
}

// listPage is one page of a list answer.
type listPage struct {
	resp *Response
	body struct {
		Results    []json.RawMessage `json:"results"`
		TotalCount *int              `json:"totalCount"`
		Links      []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
		} `json:"links"`
	}
}

// link is the href of the page's link of relation rel, "" when it has none.
func (p *listPage) link(rel string) string {
	for _, l := range p.body.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// more reports whether the page says another follows: a next link, and
// results (an empty page ends a list, whatever its links say).
func (p *listPage) more() bool {
	if len(p.body.Results) == 0 {
		return false
	}
	for _, l := range p.body.Links {
		if l.Rel == "next" {
			return true
		}
	}
	return false
}

// pagesInFlight bounds the pages fetched at once by --all.
const pagesInFlight = 4

// fetchPages fetches pages from to last (inclusive), pagesInFlight at a
// time, and returns them in order; the first error ends it.
func fetchPages(ctx context.Context, from, last int, fetch func(context.Context, int) (*listPage, error)) ([]*listPage, error) {
	if last < from {
		return nil, nil
	}
	out := make([]*listPage, last-from+1)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(pagesInFlight)
	for i := range out {
		g.Go(func() (err error) {
			out[i], err = fetch(ctx, from+i)
			return err
		})
	}
	return out, g.Wait()
}
