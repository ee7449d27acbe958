package cmd

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// overwrite describes a destructive action on a cluster, for the prompt.
type overwrite struct {
	cluster, projectID string
	from               string // what the cluster will hold afterwards
	flagHint           string // the flag that skips the question
}

// confirmOverwrite asks the user to type the target cluster's name before a
// restore overwrites it. Without a terminal on stdin there is no one to
// ask: it refuses, and says to add --yes. The prompt goes to stderr.
func confirmOverwrite(io output.Streams, o overwrite) error {
	if !io.IsStdinTTY() {
		return usageErrorf("this restore overwrites every database on cluster %s (project %s), and there is no terminal to confirm on: add %s to go ahead", o.cluster, o.projectID, o.flagHint)
	}
	fmt.Fprintf(io.ErrOut, "This restore OVERWRITES EVERY DATABASE on cluster %s (project %s)\nwith %s.\nType the cluster name to continue: ", o.cluster, o.projectID, o.from)
	line, err := bufio.NewReader(io.In).ReadString('\n')
	if strings.TrimSpace(line) != o.cluster {
		if err != nil && line == "" {
			fmt.Fprintln(io.ErrOut)
		}
		return usageErrorf("confirmation %q does not match cluster %q: nothing was sent", strings.TrimSpace(line), o.cluster)
	}
	return nil
}
