// Command atlas-backup starts and follows MongoDB Atlas Cloud Backup export
// and restore jobs.
package main

import (
	"os"

	"github.com/atlas-backup/atlas-backup/cmd"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// Set by the release build (-ldflags "-X main.version=...").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], output.System(), cmd.BuildInfo{Version: version, Commit: commit, Date: date}))
}
