#!/usr/bin/env bash
# Installs the Debian packages listed in tools/deps/*.txt that are missing.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: tools/deps.sh [--check] [--list]
Installs every Debian package named in tools/deps/*.txt (one per line,
'#' starts a comment) that dpkg-query reports as not installed: runs
`apt-get update` once, then `apt-get install -y --no-install-recommends`,
as root or through sudo. Prints nothing when everything is installed.
  --check   only report missing packages; exit 1 if any are missing
  --list    print the full package list and exit
  -h, --help  show this help
USAGE
}

check_only=0; list_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=1 ;;
    --list) list_only=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shopt -s nullglob
lists=("$here"/deps/*.txt)
[ ${#lists[@]} -gt 0 ] || { echo "deps.sh: no package lists in $here/deps/" >&2; exit 1; }

# Strip comments and blanks; one name per line, deduplicated.
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]\+/\n/g' "${lists[@]}" | grep -v '^$' | sort -u)
if [ "$list_only" = 1 ]; then printf '%s\n' "${pkgs[@]}"; exit 0; fi

# One dpkg-query call for all packages (fast path: nothing missing).
declare -A ok=()
while read -r name status; do
  [ "$status" = installed ] && ok[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${pkgs[@]}" 2>/dev/null || true)
missing=()
for p in "${pkgs[@]}"; do [ -n "${ok[$p]:-}" ] || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$check_only" = 1 ]; then
  echo "deps.sh: missing packages: ${missing[*]}" >&2; exit 1
fi

echo "deps.sh: installing missing packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q >&2
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
