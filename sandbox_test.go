package main

import (
	"net/http/httptest"
	"testing"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
	"github.com/atlas-backup/atlas-backup/internal/spectest"
)

// testSandbox is the sandbox served on loopback for a test or a script:
// its API, with every request and answer checked against the contract, and
// its archive server on a second origin.
type testSandbox struct {
	*sandbox.Server
	api, archives *httptest.Server
}

// serveSandbox starts one; cleanup (t.Cleanup, or a script's Defer) stops it.
func serveSandbox(t *testing.T, spec *spectest.Validator, cleanup func(func()), opts ...sandbox.Option) *testSandbox {
	s := &testSandbox{Server: sandbox.New(opts...)}
	s.api = httptest.NewServer(contractCheck(t, spec, spec.Middleware(t, s.Server)))
	cleanup(s.api.Close)
	// The archives are no part of the contract: another origin, unchecked.
	s.archives = httptest.NewServer(s.ArchiveHandler())
	cleanup(s.archives.Close)
	s.SetArchiveURL(s.archives.URL)
	return s
}

// startSandbox serves a sandbox for a Go test and returns it with the
// environment that points atlas-backup at it, authenticating with auth:
// "keys" (API keys, Digest), "sa" (a service account) or "token".
func startSandbox(t *testing.T, auth string, opts ...sandbox.Option) (*testSandbox, []string) {
	t.Helper()
	s := serveSandbox(t, spectest.Load(t), t.Cleanup, opts...)
	return s, s.env(auth)
}

// env is the environment that points atlas-backup at the sandbox.
func (s *testSandbox) env(auth string) []string {
	c := s.Credentials()
	env := []string{"MONGODB_ATLAS_BASE_URL=" + s.api.URL, "MONGODB_ATLAS_PROJECT_ID=" + sandbox.DemoProjectID}
	switch auth {
	case "keys":
		return append(env, "MONGODB_ATLAS_PUBLIC_API_KEY="+c.PublicKey, "MONGODB_ATLAS_PRIVATE_API_KEY="+c.PrivateKey)
	case "sa":
		return append(env, "MONGODB_ATLAS_CLIENT_ID="+c.ClientID, "MONGODB_ATLAS_CLIENT_SECRET="+c.ClientSecret)
	case "token":
		return append(env, "MONGODB_ATLAS_ACCESS_TOKEN="+c.AccessToken)
	}
	panic("unknown auth " + auth)
}
