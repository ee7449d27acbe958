#!/bin/sh
# Release assets made by the binary itself (GoReleaser's before hook):
# shell completions in completions/ and man pages (section 1) in manpages/.
# DATE, an RFC 3339 time such as GoReleaser's {{ .CommitDate }}, dates the
# man pages; without it they carry the fixed date of the committed docs/man.
# Usage: scripts/release-assets.sh [DATE]
set -eu
cd "$(dirname "$0")/.."
rm -rf completions manpages
mkdir completions manpages
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -ldflags "-X main.date=${1:-unknown}" -o "$tmp/atlas-backup" .
for sh in bash zsh fish powershell; do
  "$tmp/atlas-backup" completion "$sh" > "completions/atlas-backup.$sh"
done
"$tmp/atlas-backup" gen-docs --man manpages
