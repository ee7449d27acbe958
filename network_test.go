package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// These tests run the real binary behind a CONNECT proxy on loopback, against
// a sandbox served over TLS with a certificate from a CA made for the test.
// Nothing leaves loopback, DNS included:
//
//   - The proxied host is atlas.onion. The proxy dials the sandbox's real
//     address whatever host it is asked for, so the CLI never resolves the
//     name; and should the CLI ever stop using the proxy, Go's resolver
//     (forced in the child with GODEBUG=netdns=go) refuses to send a DNS
//     query for a .onion name (RFC 7686), so the test fails with "no such
//     host" instead of asking this machine's DNS server. (It would still try
//     atlas.onion.SUFFIX for each search domain in resolv.conf.)
//   - NO_PROXY needs a name that Go does not special-case, unlike localhost
//     and loopback IPs, so the test takes one from /etc/hosts, checked with a
//     resolver that cannot reach any DNS server.

// proxiedHost is the made-up name of the Atlas API behind the proxy.
const proxiedHost = "atlas.onion"

// demoBucketLine is how `bucket list` shows the demo bucket.
var demoBucketLine = regexp.MustCompile(`(?m)^` + sandbox.DemoBucketID + ` +` + sandbox.DemoBucketName + ` +AWS$`)

// With HTTPS_PROXY and --ca-cert, the CLI reaches Atlas through the proxy's
// tunnel and trusts the private CA.
func TestProxyHTTPS(t *testing.T) {
	t.Parallel()
	sb := startTLSSandbox(t, proxiedHost)
	proxy := startProxy(t, sb.addr)
	res := runAtlasBackup(t, sb.env(proxiedHost, "HTTPS_PROXY="+proxy.url), "bucket", "list", "--ca-cert", sb.caFile)
	res.noSecret(t, sb)
	if res.code != 0 || !demoBucketLine.MatchString(res.stdout) || res.stderr != "" {
		t.Fatalf("exit %d, want 0 with the demo bucket and nothing on stderr\n%s", res.code, res)
	}
	proxy.wantOnly(t, "CONNECT "+net.JoinHostPort(proxiedHost, sb.port))
	sb.wantListed(t)
}

// Without --ca-cert the certificate from the private CA is refused: exit 1,
// an error naming the cause, no request reaching Atlas.
func TestProxyUntrustedCertificate(t *testing.T) {
	t.Parallel()
	sb := startTLSSandbox(t, proxiedHost)
	proxy := startProxy(t, sb.addr)
	res := runAtlasBackup(t, sb.env(proxiedHost, "HTTPS_PROXY="+proxy.url), "bucket", "list")
	res.noSecret(t, sb)
	if res.code != 1 || res.stdout != "" ||
		!strings.Contains(res.stderr, "Error: ") || !strings.Contains(res.stderr, "certificate signed by unknown authority") {
		t.Fatalf("exit %d, want 1 with an unknown-authority error and nothing on stdout\n%s", res.code, res)
	}
	// The tunnel was opened (the proxy is used whatever the certificate),
	// but the handshake failed, so the sandbox saw no request.
	proxy.wantOnly(t, "CONNECT "+net.JoinHostPort(proxiedHost, sb.port))
	if reqs := sb.Requests(); len(reqs) != 0 {
		t.Errorf("the sandbox saw %d requests, want none: the handshake should have failed", len(reqs))
	}
}

// NO_PROXY sends a listed host direct, past HTTPS_PROXY; without it the
// same host goes through the proxy.
func TestProxyNoProxy(t *testing.T) {
	t.Parallel()
	host := hostsLoopbackName(t)
	for _, tt := range []struct {
		name    string
		noProxy []string
		want    []string // CONNECT lines the proxy must see, from the port
	}{
		{"NO_PROXY lists the host", []string{"NO_PROXY=" + host}, nil},
		{"NO_PROXY lists another host", []string{"NO_PROXY=other.invalid"}, []string{"CONNECT " + host + ":"}},
		{"without NO_PROXY", nil, []string{"CONNECT " + host + ":"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb := startTLSSandbox(t, host)
			proxy := startProxy(t, sb.addr)
			env := append(sb.env(host, "HTTPS_PROXY="+proxy.url), tt.noProxy...)
			res := runAtlasBackup(t, env, "bucket", "list", "--ca-cert", sb.caFile)
			res.noSecret(t, sb)
			if res.code != 0 || !demoBucketLine.MatchString(res.stdout) || res.stderr != "" {
				t.Fatalf("exit %d, want 0 with the demo bucket and nothing on stderr\n%s", res.code, res)
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, w+sb.port)
			}
			proxy.wantOnly(t, want...)
			sb.wantListed(t)
		})
	}
}

// tlsSandbox is a sandbox served over TLS on 127.0.0.1.
type tlsSandbox struct {
	*sandbox.Server
	addr   string // where it really listens, 127.0.0.1:PORT
	port   string
	caFile string // PEM of the CA that issued its certificate, for --ca-cert
}

// startTLSSandbox serves a sandbox, its answers checked against the OpenAPI
// contract, with a certificate for names and 127.0.0.1.
func startTLSSandbox(t *testing.T, names ...string) *tlsSandbox {
	t.Helper()
	cert, caPEM := issueCertificate(t, names)
	sb := sandbox.New()
	srv := httptest.NewUnstartedServer(spectest.Load(t).Middleware(t, sb))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is checked from the client's side
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := srv.Listener.Addr().String()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return &tlsSandbox{Server: sb, addr: addr, port: port, caFile: caFile}
}

// env points atlas-backup at the sandbox under the name host, with the
// sandbox's API keys, plus extra.
func (sb *tlsSandbox) env(host string, extra ...string) []string {
	c := sb.Credentials()
	return append([]string{
		"MONGODB_ATLAS_BASE_URL=https://" + net.JoinHostPort(host, sb.port),
		"MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID,
		"MONGODB_ATLAS_PUBLIC_API_KEY=" + c.PublicKey,
		"MONGODB_ATLAS_PRIVATE_API_KEY=" + c.PrivateKey,
	}, extra...)
}

// wantListed checks that the sandbox answered the bucket list.
func (sb *tlsSandbox) wantListed(t *testing.T) {
	t.Helper()
	reqs := sb.Requests()
	for _, r := range reqs {
		if r.Operation == "listExportBuckets" && r.Status == http.StatusOK {
			return
		}
	}
	var got []string
	for _, r := range reqs {
		got = append(got, fmt.Sprintf("%s %s %s -> %d", r.Operation, r.Method, r.Path, r.Status))
	}
	t.Errorf("the sandbox answered no listExportBuckets with 200; it saw %q", got)
}

// issueCertificate makes a CA and a server certificate from it for names and
// 127.0.0.1, valid for an hour either side of now. It returns the server's
// key pair and the CA certificate as PEM.
func issueCertificate(t *testing.T, names []string) (tls.Certificate, []byte) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "atlas-backup test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// connectProxy is an HTTPS proxy: it answers CONNECT by tunnelling to
// upstream, whatever host was asked for, and records every request it gets.
type connectProxy struct {
	url      string
	upstream string

	mu   sync.Mutex
	seen []string // "CONNECT host:port", or "METHOD URL" for anything else
}

// startProxy serves a connectProxy to upstream on 127.0.0.1.
func startProxy(t *testing.T, upstream string) *connectProxy {
	t.Helper()
	p := &connectProxy{upstream: upstream}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if r.Method == http.MethodConnect {
		p.seen = append(p.seen, r.Method+" "+r.Host)
	} else {
		p.seen = append(p.seen, r.Method+" "+r.URL.String())
	}
	p.mu.Unlock()
	if r.Method != http.MethodConnect {
		http.Error(w, "this proxy only tunnels (CONNECT)", http.StatusMethodNotAllowed)
		return
	}
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer up.Close()
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, rw.Reader); done <- struct{}{} }() // rw.Reader first returns what the client sent early
	go func() { io.Copy(conn, up); done <- struct{}{} }()
	<-done // one side has finished: close both so that the other copy ends too
	conn.Close()
	up.Close()
	<-done
}

// wantOnly checks that the proxy got exactly the requests want, in order.
func (p *connectProxy) wantOnly(t *testing.T, want ...string) {
	t.Helper()
	p.mu.Lock()
	got := append([]string(nil), p.seen...)
	p.mu.Unlock()
	// Digest authentication takes two requests; they may share one tunnel
	// or use two, so repeats of a single expected line are allowed.
	if len(want) == 1 && len(got) > 1 {
		all := true
		for _, g := range got {
			all = all && g == want[0]
		}
		if all {
			return
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the proxy saw %q, want %q", got, want)
	}
}

// noSecret checks that the private API key appears in neither stream.
func (r cliResult) noSecret(t *testing.T, sb *tlsSandbox) {
	t.Helper()
	key := sb.Credentials().PrivateKey
	if key == "" {
		t.Fatal("the sandbox has no private key to look for")
	}
	if strings.Contains(r.stdout, key) || strings.Contains(r.stderr, key) {
		t.Errorf("the private API key was printed\n%s", r)
	}
}

// hostsLoopbackName returns a name from /etc/hosts, other than localhost,
// that Go resolves from the file alone to IPv4 loopback; it skips the test
// when there is none.
func hostsLoopbackName(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/etc/hosts")
	if err != nil {
		t.Skipf("NO_PROXY needs a loopback name from /etc/hosts: %v", err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(fields[0])
		if err != nil || !ip.Is4() || !ip.IsLoopback() {
			continue
		}
		for _, n := range fields[1:] {
			if !strings.Contains(strings.ToLower(n), "localhost") && net.ParseIP(n) == nil {
				names = append(names, n)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// A resolver whose every DNS query fails here: what it resolves came
	// from /etc/hosts.
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("the test sends no DNS queries")
	}}
	for _, n := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		addrs, err := noDNS.LookupHost(ctx, n)
		cancel()
		if err != nil || len(addrs) == 0 {
			continue
		}
		loopback := true
		for _, a := range addrs {
			ip, err := netip.ParseAddr(a)
			loopback = loopback && err == nil && ip.Is4() && ip.IsLoopback()
		}
		if loopback {
			return n
		}
	}
	t.Skipf("NO_PROXY needs a name other than localhost that /etc/hosts maps to 127.x.x.x only; found none among %q", names)
	return ""
}
