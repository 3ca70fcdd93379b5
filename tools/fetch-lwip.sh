#!/usr/bin/env bash
# Fetches and unpacks Debian's lwip source package (the lwIP TCP/IP stack
# the parent's network stack is built from, docs/ARCHITECTURE.md "The
# parent on the network").
# Usage: fetch-lwip.sh OUTDIR
# Result: OUTDIR/src/ is the unpacked tree (Debian's patches applied), and
# OUTDIR/VERSION its Debian version. Done once: the download is kept in
# OUTDIR/dl/ and reused; the objects are built by partition/net/module.mk.
#
# The host's apt has no deb-src lines, and we leave its configuration
# alone: a private apt configuration under OUTDIR/apt names only
# bookworm's sources (Signed-By the debian-archive-keyring), with its own
# lists and cache. `apt-get source --download-only` checks each file's
# size and hash against that signed Sources index; dpkg-source -x checks
# them again against the .dsc and applies Debian's patches.
set -euo pipefail
say() { echo "fetch-lwip: $*"; }
die() { echo "fetch-lwip: $*" >&2; exit 1; }
out=${1:?usage: fetch-lwip.sh OUTDIR}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring is missing (Debian package debian-archive-keyring)"
for t in apt-get dpkg-source; do
  command -v "$t" >/dev/null || die "$t is missing (Debian packages apt, dpkg-dev)"
done
mkdir -p "$out"; out=$(cd "$out" && pwd)
a=$out/apt
mkdir -p "$a/sources.list.d" "$a/lists/partial" "$a/cache/archives/partial" "$out/dl"
echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main" > "$a/sources.list"
apt=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/sources.list.d"
     -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache"
     -o "APT::Sandbox::User=$(id -un)" -o "Acquire::Retries=3")
if ! ls "$out"/dl/lwip_*.dsc >/dev/null 2>&1; then
  say "downloading Debian's lwip source package (private apt configuration in $a)"
  apt-get "${apt[@]}" -q --error-on=any update >&2 ||
    die "apt-get update of bookworm's sources (private config $a) failed: this machine cannot reach deb.debian.org?"
  (cd "$out/dl" && apt-get "${apt[@]}" -q source --download-only lwip >&2) ||
    die "apt-get source lwip failed"
fi
dsc=$(ls "$out"/dl/lwip_*.dsc | sort -V | tail -1)
rm -rf "$out/src.new"
# The .dsc's OpenPGP signature is checked only where debian-keyring is
# installed; its hashes, which apt already checked, are checked always.
dpkg-source -q -x "$dsc" "$out/src.new" >&2 || die "dpkg-source -x $dsc failed"
rm -rf "$out/src"; mv "$out/src.new" "$out/src"
# dpkg-source leaves a copy of the upstream tarball beside its output.
rm -f "$out"/lwip_*.orig.tar.*
basename "$dsc" .dsc | sed 's/^lwip_//' > "$out/VERSION"
say "lwIP $(cat "$out/VERSION") unpacked in $out/src"
