package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/atlas-backup/atlas-backup/internal/api"
	"github.com/atlas-backup/atlas-backup/internal/output"
)

// printDryRun prints the request a call would send: method, URL, headers
// (credentials as REDACTED) and the JSON body.
func printDryRun(ctx context.Context, c *api.Client, io output.Streams, call api.Call) error {
	d, err := c.DryRun(ctx, call)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n", d.Method, d.URL)
	keys := make([]string, 0, len(d.Header))
	for k := range d.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range d.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, api.RedactHeader(k, v))
		}
	}
	if len(d.Body) > 0 {
		b.WriteString("\n")
		json.Indent(&b, d.Body, "", "  ")
		b.WriteString("\n")
	}
	_, err = io.Out.Write(b.Bytes())
	return err
}
