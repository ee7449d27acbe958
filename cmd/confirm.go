package cmd

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/atlas-backup/atlas-backup/internal/output"
)

// confirmation is a destructive action the user must confirm by typing the
// cluster's name.
type confirmation struct {
	warning string // what will happen, shown before the question
	cluster string // the name to type
	refusal string // the error when there is no terminal to ask on
}

// confirm asks the question on stderr when stdin is a terminal. Without one
// there is no one to ask: it refuses, and the refusal says to add --yes.
// Ctrl-C (ctx) ends the wait for an answer at once; Ctrl-D (the end of
// input) with nothing typed is a "no".
func confirm(ctx context.Context, io output.Streams, c confirmation) error {
	if !io.IsStdinTTY() {
		return usageErrorf("%s", c.refusal)
	}
	fmt.Fprintf(io.ErrOut, "%s\nType the cluster name to continue: ", c.warning)
	type answer struct {
		line string
		err  error
	}
	answers := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(io.In).ReadString('\n')
		answers <- answer{line, err}
	}()
	var a answer
	select {
	case a = <-answers:
	case <-ctx.Done():
		fmt.Fprintln(io.ErrOut)
		return fmt.Errorf("nothing was sent: %w", context.Cause(ctx))
	}
	got := strings.TrimSpace(a.line)
	if a.err != nil && got == "" {
		fmt.Fprintln(io.ErrOut) // the prompt's line was left open
		return usageErrorf("cancelled at the confirmation prompt (end of input): nothing was sent")
	}
	if got != c.cluster {
		return usageErrorf("confirmation %q does not match cluster %q: nothing was sent", got, c.cluster)
	}
	return nil
}
