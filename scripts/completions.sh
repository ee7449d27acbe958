#!/bin/sh
# Shell completions for the release archive, made by the binary itself.
set -e
rm -rf completions
mkdir completions
go build -o completions/atlas-backup .
for sh in bash zsh fish powershell; do
  ./completions/atlas-backup completion "$sh" > "completions/atlas-backup.$sh"
done
rm completions/atlas-backup
