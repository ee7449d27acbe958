#!/bin/sh
# Release assets (GoReleaser's before hook): completions made by the binary
# itself in completions/, man pages (section 1) by internal/gendocs in manpages/.
# DATE, an RFC 3339 time such as GoReleaser's {{ .CommitDate }}, dates the
# man pages; without it they carry the fixed date of the committed docs/man.
# Usage: scripts/release-assets.sh [DATE]
set -eu
cd "$(dirname "$0")/.."
rm -rf completions manpages
mkdir completions manpages
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/atlas-backup" .
for sh in bash zsh fish powershell; do
  "$tmp/atlas-backup" completion "$sh" > "completions/atlas-backup.$sh"
done
go run ./internal/gendocs --man manpages --date "${1:-}"
