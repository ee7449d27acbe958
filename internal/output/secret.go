package output

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ReadSecret reads a secret: when In is a real terminal (System decided it)
// after the prompt "name: " on stderr, without echo; otherwise one line of
// stdin. ctx ends the wait (and
// restores the terminal).
func (streams Streams) ReadSecret(ctx context.Context, key string) (string, error) {
	if streams.In == nil {
		return "", nil
	}
	type result struct {
		value string
		err   error
	}
	done := make(chan result, 1)
	restore := func() {}
	if in, ok := streams.In.(*os.File); ok && streams.stdinTerm {
		fd := int(in.Fd())
		if state, err := term.GetState(fd); err == nil {
			restore = func() { term.Restore(fd, state) }
		}
		fmt.Fprintf(streams.ErrOut, "%s: ", key)
		go func() {
			b, err := term.ReadPassword(fd)
			done <- result{string(b), err}
		}()
		defer fmt.Fprintln(streams.ErrOut) // the Enter that was not echoed
	} else {
		go func() {
			line, err := bufio.NewReader(streams.In).ReadString('\n')
			if line != "" {
				err = nil // a last line without a newline
			}
			done <- result{line, err}
		}()
	}
	select {
	case r := <-done:
		if r.err != nil && !errors.Is(r.err, io.EOF) {
			return "", fmt.Errorf("read %s: %w", key, r.err)
		}
		return strings.TrimSpace(r.value), nil
	case <-ctx.Done():
		restore()
		return "", context.Cause(ctx)
	}
}
