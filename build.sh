#!/usr/bin/env bash
# The repository's entry points, for people and CI alike.
#   ./build.sh test     build everything and run every test (unit and end-to-end)
#   ./build.sh sample   pack EdgeML.Build into artifacts/packages and run the digits sample against it
#   ./build.sh pack     only pack (a fresh prerelease version each time, so NuGet never serves a stale copy)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

version="0.1.0-dev.$(date -u +%Y%m%d%H%M%S)"

pack() {
  for project in src/EdgeML.Runtime src/EdgeML.Build.Sdk; do
    dotnet pack "$project" -c Release -o artifacts/packages -p:Version="$version" -nr:false
  done
  echo "Packed EdgeML.Build $version into artifacts/packages"
}

case "${1:-test}" in
  pack) pack ;;
  # The exact version just packed: a floating version would let NuGet's no-op restore keep an older one.
  sample) pack && dotnet run --project samples/Digits -c Release -p:EdgeMLBuildVersion="$version" ;;
  test) dotnet test EdgeML.Build.sln -c Release --logger trx --results-directory artifacts/test-results ;;
  *) echo "usage: ./build.sh [test|sample|pack]" >&2; exit 2 ;;
esac
