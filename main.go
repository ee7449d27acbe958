// Command atlas-backup starts and follows MongoDB Atlas Cloud Backup export
// and restore jobs.
package main

import (
	"os"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// Set by the release build (-ldflags "-X main.version=..."). What they do
// not set comes from Go's build info (cmd.ReadBuild): the module version of
// go install …@VERSION, the VCS revision of a build from a checkout.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], output.System(), cmd.ReadBuild(cmd.BuildInfo{Version: version, Commit: commit, Date: date})))
}
