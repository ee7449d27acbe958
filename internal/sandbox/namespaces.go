package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The handlers run with s.mu held.

// What a snapshot holds: its databases and their collections, each with a
// document count, which collection restore jobs restore (and count).
//
// Every completed snapshot of every cluster holds the same demo databases
// (DemoDatabases), listed in name order:
//
//	analytics  events
//	inventory  items, stock
//	sales      customers, invoices, orders
//
// and the newest completed snapshot of each seeded cluster (as New seeds
// it), like every on-demand snapshot taken through the API, also holds
// sales.returns (DemoNewCollection): a collection created since the
// snapshot before, so that a namespace check against an older snapshot, or
// a point-in-time restore to an earlier time, can miss it. Older snapshots
// hold fewer documents: 3% fewer per snapshot, counted from the newest.
//
// A snapshot that has not completed holds nothing yet: its namespace reads
// answer 400 SNAPSHOT_NOT_COMPLETED, as exports and restores of it do.

// DemoDatabases are the databases every completed snapshot holds, in name
// order, with their collections in name order.
var DemoDatabases = []DemoDatabase{
	{Name: "analytics", Collections: []string{"events"}},
	{Name: "inventory", Collections: []string{"items", "stock"}},
	{Name: "sales", Collections: []string{"customers", "invoices", "orders"}},
}

// DemoDatabase is a database of the demo snapshots and its collections.
type DemoDatabase struct {
	Name        string
	Collections []string
}

// DemoNewCollection is the collection that only the newest completed
// snapshot of each seeded cluster (and on-demand snapshots taken through
// the API) holds.
const DemoNewCollection = "sales.returns"

// demoDocuments are the document counts of the newest snapshot.
var demoDocuments = map[string]int64{
	"analytics.events": 48000,
	"inventory.items":  1240,
	"inventory.stock":  5600,
	"sales.customers":  3150,
	"sales.invoices":   9870,
	"sales.orders":     12480,
	DemoNewCollection:  320,
}

// demoNamespacesText lists DemoDatabases for the banner:
// "analytics (events), inventory (items, stock) and sales (…)".
func demoNamespacesText() string {
	parts := make([]string, len(DemoDatabases))
	for i, d := range DemoDatabases {
		parts[i] = d.Name + " (" + strings.Join(d.Collections, ", ") + ")"
	}
	return "databases " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// snapDatabase is a database a snapshot holds.
type snapDatabase struct {
	name        string
	collections []snapCollection // in name order
}

// snapCollection is a collection of a snapshot's database.
type snapCollection struct {
	name      string
	documents int64
}

// demoCatalog is what a snapshot holds: gen 0 the newest snapshot (with
// DemoNewCollection), gen i the i-th older one (3% fewer documents each).
func demoCatalog(gen int) []snapDatabase {
	scale := func(n int64) int64 { return n * int64(100-3*min(gen, 30)) / 100 }
	newDB, newColl, _ := strings.Cut(DemoNewCollection, ".")
	out := make([]snapDatabase, 0, len(DemoDatabases))
	for _, d := range DemoDatabases {
		db := snapDatabase{name: d.Name}
		names := slices.Clone(d.Collections)
		if gen == 0 && d.Name == newDB {
			names = append(names, newColl)
			slices.Sort(names)
		}
		for _, c := range names {
			db.collections = append(db.collections, snapCollection{name: c, documents: scale(demoDocuments[d.Name+"."+c])})
		}
		out = append(out, db)
	}
	return out
}

func (d *snapDatabase) collection(name string) *snapCollection {
	for i := range d.collections {
		if d.collections[i].name == name {
			return &d.collections[i]
		}
	}
	return nil
}

// database finds one of the snapshot's databases, or nil.
func (sn *snapshot) database(name string) *snapDatabase {
	for i := range sn.databases {
		if sn.databases[i].name == name {
			return &sn.databases[i]
		}
	}
	return nil
}

// namespaces are the snapshot's collections as db.collection.
func (sn *snapshot) namespaces() []string {
	var out []string
	for _, d := range sn.databases {
		for _, c := range d.collections {
			out = append(out, d.name+"."+c.name)
		}
	}
	return out
}

// latestCompleted is the cluster's newest completed snapshot, or nil.
func (c *cluster) latestCompleted(now time.Time) *snapshot {
	for _, sn := range c.snapshots { // newest first
		if sn.completed(now) {
			return sn
		}
	}
	return nil
}

// databaseView is the spec's DiskBackupDatabaseResponse.
type databaseView struct {
	Links []link `json:"links"`
	Name  string `json:"name"`
}

// collectionView is the spec's DiskBackupCollectionResponse: the
// collection's name only, without its database's.
type collectionView struct {
	Links []link `json:"links"`
	Name  string `json:"name"`
}

// snapshotDatabasesURL is the absolute URL of a snapshot's databases.
func (x *exchange) snapshotDatabasesURL() string {
	return x.clusterURL(x.params["groupId"], x.params["clusterName"]) + "/backup/snapshots/" + x.params["snapshotId"] + "/databases"
}

func (x *exchange) databaseView(d *snapDatabase) databaseView {
	self := x.snapshotDatabasesURL() + "/" + url.PathEscape(d.name)
	return databaseView{Name: d.name, Links: []link{
		{Href: self, Rel: "self"},
		{Href: self + "/collections", Rel: relCollections},
	}}
}

func (x *exchange) collectionView(d *snapDatabase, c *snapCollection) collectionView {
	self := x.snapshotDatabasesURL() + "/" + url.PathEscape(d.name) + "/collections/" + url.PathEscape(c.name)
	return collectionView{Name: c.name, Links: []link{{Href: self, Rel: "self"}}}
}

// relCollections is the rel of a database's link to its collections.
const relCollections = "https://cloud.mongodb.com/collections"

// completedSnapshotOf finds the snapshot of the request's path: it must
// exist (404) and have completed (400 SNAPSHOT_NOT_COMPLETED).
func (s *Server) completedSnapshotOf(x *exchange) (*snapshot, *apiError) {
	c, err := s.store.cluster(x.params["groupId"], x.params["clusterName"])
	if err != nil {
		return nil, err
	}
	return completedSnapshot(c, x.params["snapshotId"], s.now())
}

// databaseOf finds the database of the request's path in its snapshot.
func (s *Server) databaseOf(x *exchange) (*snapDatabase, *apiError) {
	sn, err := s.completedSnapshotOf(x)
	if err != nil {
		return nil, err
	}
	name := x.params["databaseName"]
	d := sn.database(name)
	if d == nil {
		return nil, newError(http.StatusNotFound, codeNotFound,
			fmt.Sprintf("Cannot find resource database %s in snapshot %s.", name, sn.id), name, sn.id)
	}
	return d, nil
}

func (s *Server) listSnapshotDatabases(x *exchange) (int, any, *apiError) {
	sn, err := s.completedSnapshotOf(x)
	if err != nil {
		return 0, nil, err
	}
	views := make([]databaseView, len(sn.databases))
	for i := range sn.databases {
		views[i] = x.databaseView(&sn.databases[i])
	}
	return http.StatusOK, paginate(x, views), nil
}

func (s *Server) getSnapshotDatabase(x *exchange) (int, any, *apiError) {
	d, err := s.databaseOf(x)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, x.databaseView(d), nil
}

func (s *Server) listSnapshotCollections(x *exchange) (int, any, *apiError) {
	d, err := s.databaseOf(x)
	if err != nil {
		return 0, nil, err
	}
	views := make([]collectionView, len(d.collections))
	for i := range d.collections {
		views[i] = x.collectionView(d, &d.collections[i])
	}
	return http.StatusOK, paginate(x, views), nil
}

func (s *Server) getSnapshotCollection(x *exchange) (int, any, *apiError) {
	d, err := s.databaseOf(x)
	if err != nil {
		return 0, nil, err
	}
	name := x.params["collectionName"]
	c := d.collection(name)
	if c == nil {
		ns := d.name + "." + name
		return 0, nil, newError(http.StatusNotFound, codeNotFound,
			fmt.Sprintf("Cannot find resource collection %s in snapshot %s.", ns, x.params["snapshotId"]), ns, x.params["snapshotId"])
	}
	return http.StatusOK, x.collectionView(d, c), nil
}
