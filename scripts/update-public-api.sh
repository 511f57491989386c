#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of every project that tracks its public API
# (Microsoft.CodeAnalysis.PublicApiAnalyzers; a project is tracked when it has a PublicAPI.Shipped.txt
# next to its .csproj), then builds each one to check that no RS00xx diagnostic is left.
#
#   scripts/update-public-api.sh                 # every tracked project under src/
#   scripts/update-public-api.sh src/Torsion.Web # only these project folders
#
# Run it after a merge that adds, changes or removes public API (a conflict in PublicAPI.Unshipped.txt
# included: the file is rebuilt from the code, so just run this and commit the result). Review the diff:
# every line is a public API change.
#
# How: the Unshipped file is reset to "#nullable enable" plus its "*REMOVED*" lines (removals of
# shipped API, which only a person can decide), then the analyzer's own code fixes write the entries:
# RS0016 adds each public symbol missing from Shipped + Unshipped, RS0017 drops entries whose symbol
# is gone. PublicAPI.Shipped.txt is never touched: moving entries there is part of a release.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ $# -gt 0 ]]; then
  dirs=("$@")
else
  mapfile -t dirs < <(find src -mindepth 2 -maxdepth 2 -name PublicAPI.Shipped.txt -printf '%h\n' | sort)
fi
if [[ ${#dirs[@]} -eq 0 ]]; then
  echo "update-public-api: no project with a PublicAPI.Shipped.txt under src/" >&2
  exit 1
fi

status=0
for dir in "${dirs[@]}"; do
  dir="${dir%/}"
  shopt -s nullglob
  projects=("$dir"/*.csproj)
  shopt -u nullglob
  if [[ ${#projects[@]} -ne 1 ]]; then
    echo "update-public-api: $dir: expected exactly one .csproj, found ${#projects[@]}" >&2
    exit 1
  fi
  project="${projects[0]}"
  shipped="$dir/PublicAPI.Shipped.txt"
  unshipped="$dir/PublicAPI.Unshipped.txt"
  if [[ ! -f "$shipped" ]]; then
    echo "update-public-api: $dir has no PublicAPI.Shipped.txt (not tracked); create it with the line '#nullable enable'" >&2
    exit 1
  fi

  # Keep only the deliberate removals; git conflict markers and every other entry go.
  removed="$(grep -E '^\*REMOVED\*' "$unshipped" 2>/dev/null || true)"
  {
    echo '#nullable enable'
    if [[ -n "$removed" ]]; then printf '%s\n' "$removed"; fi
  } > "$unshipped"

  echo "== $project: writing PublicAPI.Unshipped.txt (dotnet format analyzers --diagnostics RS0016 RS0017)"
  nice -n 10 dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity warn

  echo "== $project: checking with a Release build"
  log="$(mktemp)"
  if ! nice -n 10 dotnet build "$project" -c Release -nologo -v quiet >"$log" 2>&1; then
    grep -E '(error|warning) RS00[0-9]{2}' "$log" | sort -u >&2 || true
    if ! grep -qE '(error|warning) RS00[0-9]{2}' "$log"; then tail -n 30 "$log" >&2; fi
    echo "update-public-api: $project does not build cleanly (see above)" >&2
    status=1
  elif grep -qE 'warning RS00[0-9]{2}' "$log"; then
    grep -E 'warning RS00[0-9]{2}' "$log" | sort -u >&2
    status=1
  fi
  rm -f "$log"
  echo "== $unshipped: $(grep -cvE '^(#nullable enable)?$' "$unshipped") entries"
done
exit $status
