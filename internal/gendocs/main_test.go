package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDocs keeps docs/ (markdown) and docs/man (man pages) in step with the
// command tree, as `go run ./internal/gendocs --markdown docs --man docs/man`
// writes them. ATLAS_BACKUP_UPDATE=1 rewrites them.
func TestDocs(t *testing.T) {
	tmp := t.TempDir()
	md, man := filepath.Join(tmp, "md"), filepath.Join(tmp, "man")
	if err := genDocs(md, man, ""); err != nil {
		t.Fatal(err)
	}
	update := os.Getenv("ATLAS_BACKUP_UPDATE") != ""
	syncDocs(t, md, filepath.Join("..", "..", "docs"), "atlas-backup*.md", update)
	syncDocs(t, man, filepath.Join("..", "..", "docs", "man"), "atlas-backup*.1", update)
}

// syncDocs compares the files matching pattern in dir with those generated
// in gen; with update it makes dir match instead.
func syncDocs(t *testing.T, gen, dir, pattern string, update bool) {
	t.Helper()
	want := map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join(gen, pattern))
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want[filepath.Base(path)] = b
	}
	if len(want) == 0 {
		t.Fatalf("no %s generated", pattern)
	}
	have, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, path := range have {
		if _, ok := want[filepath.Base(path)]; ok {
			continue
		}
		if !update {
			t.Errorf("%s: no such command any more: run ATLAS_BACKUP_UPDATE=1 go test ./internal/gendocs", path)
		} else if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	if update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range want {
		path := filepath.Join(dir, name)
		got, err := os.ReadFile(path)
		if err == nil && bytes.Equal(got, b) {
			continue
		}
		if !update {
			t.Errorf("%s is stale or missing: run ATLAS_BACKUP_UPDATE=1 go test ./internal/gendocs", path)
		} else if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
