// Package output owns everything that touches the terminal: the standard
// streams, printers and progress.
package output

import (
	"io"
	"os"
)

// Streams are a command's standard streams. Results go to Out; progress,
// prompts, warnings and errors go to ErrOut.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// System returns the process's own standard streams.
func System() Streams { return Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr} }
