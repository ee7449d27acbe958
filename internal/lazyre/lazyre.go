// Package lazyre compiles a regular expression the first time it is used,
// not at start-up: help, completion and --version pay for none of them.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function that compiles expr once, on its first call; a bad
// expr panics then, as regexp.MustCompile does.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
