package sandbox

import (
	"context"
	"errors"
	"fmt"
	"github.com/atlas-backup/atlas-backup/internal/text"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// shutdownGrace is how long Serve lets requests in flight finish.
const shutdownGrace = 5 * time.Second

// Serve answers on ln until ctx is done, then stops accepting connections
// and lets the requests in flight finish, for up to five seconds.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// A fresh context: the one we were given is already done.
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// note is what the banner says of a cluster that is not simply IDLE.
func (c *cluster) note() string {
	var notes []string
	if c.state != "IDLE" {
		notes = append(notes, c.state)
	}
	if c.paused {
		notes = append(notes, "paused")
	}
	return strings.Join(notes, ", ")
}

// WriteBanner describes the seeded data and prints the environment a client
// needs to reach the sandbox at baseURL, and where archives are served when
// SetArchiveURL has said so.
func (s *Server) WriteBanner(w io.Writer, baseURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	fmt.Fprintf(w, "Atlas API sandbox listening on %s (jobs take %s)\n", baseURL, s.jobDuration)
	if s.archiveBase != "" {
		fmt.Fprintf(w, "Download restore archives served on %s (%s each)\n", s.archiveBase, FormatSize(s.archiveSize))
	}
	fmt.Fprintln(w)
	for _, id := range []string{DemoProjectID, DemoStagingID, DemoOpsID} {
		p := s.store.projects[id]
		fmt.Fprintf(w, "Project %s (%s)\n", p.id, p.name)
		fleetShown := false
		var pit []string // the clusters with point in time on, and their windows
		for _, name := range p.clusterNames() {
			c := p.clusters[name]
			if c.pitEnabled() && !c.fleet {
				pit = append(pit, fmt.Sprintf("%s (%dd)", c.name, c.restoreWindowDays))
			}
			switch {
			case c.fleet && fleetShown:
				continue
			case c.fleet: // one line for all of them
				fleetShown = true
				fmt.Fprintf(w, "  clusters %s to %s: %d replica sets with backup on, %d snapshots each\n",
					FleetClusterName(1), FleetClusterName(s.fleet), s.fleet, len(c.snapshots))
				pit = append(pit, fmt.Sprintf("%s to %s (%dd)", FleetClusterName(1), FleetClusterName(s.fleet), c.restoreWindowDays))
				continue
			}
			fmt.Fprintf(w, "  cluster %-12s", name)
			if note := c.note(); note != "" {
				fmt.Fprintf(w, " %s;", note)
			}
			switch {
			case !c.backupEnabled:
				fmt.Fprintf(w, " backup off: no snapshots\n")
				continue
			case len(c.snapshots) == 0:
				fmt.Fprintf(w, " no snapshots yet\n")
				continue
			}
			fmt.Fprintf(w, " snapshots:")
			for _, sn := range c.snapshots {
				switch {
				case sn.failed && sn.ended(now):
					fmt.Fprintf(w, " %s (failed %s ago)", sn.id, text.Age(now.Sub(sn.requestedAt)))
				case !sn.completed(now):
					fmt.Fprintf(w, " %s (%s)", sn.id, "inProgress")
				default:
					fmt.Fprintf(w, " %s (%s old)", sn.id, text.Age(now.Sub(sn.createdAt)))
				}
			}
			fmt.Fprintln(w)
			if c.replicaSets != nil {
				fmt.Fprintf(w, "          sharded, replica sets: %s\n", strings.Join(c.replicaSets, ", "))
			}
			for _, j := range c.exports {
				fmt.Fprintf(w, "          export job %s: %s\n", j.id, j.view(now).State)
			}
			for _, j := range c.restores {
				state := "running"
				if j.ended(now) {
					state = "ended"
				}
				fmt.Fprintf(w, "          %s restore job %s into %s: %s\n", j.deliveryType, j.id, j.targetCluster, state)
			}
		}
		for _, name := range sortedKeys(p.flex) {
			f := p.flex[name]
			fmt.Fprintf(w, "  flex cluster %-8s snapshots:", name)
			for _, sn := range f.snapshots {
				if !sn.completed() {
					fmt.Fprintf(w, " %s (RUNNING)", sn.id)
					continue
				}
				fmt.Fprintf(w, " %s (%s old)", sn.id, text.Age(now.Sub(sn.finished)))
			}
			fmt.Fprintln(w)
		}
		if len(pit) > 0 {
			fmt.Fprintf(w, "  point in time on (restore window): %s; off for the others\n", strings.Join(pit, ", "))
		}
		if p.compliance {
			fmt.Fprintf(w, "  backup compliance policy ACTIVE: point in time, %d days\n", DefaultRestoreWindowDays)
		}
		for _, b := range p.buckets {
			where := b.provider
			if b.region != "" {
				where += ", " + b.region
			}
			fmt.Fprintf(w, "  export bucket %s  %s (%s)\n", b.id, b.name, where)
		}
		for _, ep := range p.privateEndpoints {
			fmt.Fprintf(w, "  private endpoint %s: download restores also link through it\n", ep)
		}
	}
	fmt.Fprintf(w, "Every completed snapshot holds %s; the newest of each cluster also %s.\n",
		demoNamespacesText(), DemoNewCollection)
	c := s.creds
	fmt.Fprintf(w, `
Point atlas-backup (or curl) at it from another shell:
  export MONGODB_ATLAS_BASE_URL=%s
  export MONGODB_ATLAS_PROJECT_ID=%s
  export MONGODB_ATLAS_PUBLIC_API_KEY=%s
  export MONGODB_ATLAS_PRIVATE_API_KEY=%s
or, instead of the API keys, a service account:
  export MONGODB_ATLAS_CLIENT_ID=%s
  export MONGODB_ATLAS_CLIENT_SECRET=%s
or a fixed access token:
  export MONGODB_ATLAS_ACCESS_TOKEN=%s
These are demo credentials that only this sandbox accepts. Press Ctrl-C to stop.
`, baseURL, DemoProjectID, c.PublicKey, c.PrivateKey, c.ClientID, c.ClientSecret, c.AccessToken)
}
