package cmd

import "github.com/atlas-backup/atlas-backup/internal/output"

// Factory carries what commands share, built once per invocation. Its
// dependencies are lazy: help, completion and flag errors touch nothing.
type Factory struct {
	IO    output.Streams
	Build BuildInfo
}
