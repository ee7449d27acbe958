//go:build !unix

package api

import "io/fs"

// untrusted trusts every token cache file and directory: owners and mode
// bits are Unix's (Windows keeps a user's cache under their profile).
func untrusted(fs.FileInfo) string { return "" }
