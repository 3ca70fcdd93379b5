#!/usr/bin/env bash
# Builds newlib (Debian's newlib-source) for the bare-metal x86-64 target.
# Usage: build-newlib.sh OUTDIR "TARGET CFLAGS"
# Result: OUTDIR/x86_64-elf/{include,lib/libc.a,lib/libm.a}. Built once, reused.
# Takes several minutes; prints a line per stage and per 100 files compiled
# (the full output goes to OUTDIR/build.log).
set -euo pipefail
say() { echo "build-newlib: $*"; }
# progress LOG: copies make's output to LOG; reports the libraries being
# configured and every 100th file compiled (about 1000 in all).
progress() {
  awk -v logf="$1" '
    { print > logf; fflush(logf) }
    /^=== configuring in (libc|libm) / { printf "build-newlib: configuring %s\n", $4; fflush() }
    / -c / { if (++n % 100 == 0) { printf "build-newlib: %d of about 1000 files compiled\n", n; fflush() } }
    END { printf "build-newlib: %d files compiled\n", n }'
}
out=$1; arch_flags=$2
src_tar=/usr/src/newlib/newlib-3.3.0.tar.xz
[ -f "$src_tar" ] || { echo "build-newlib: $src_tar missing (apt-get install newlib-source)" >&2; exit 1; }
mkdir -p "$out"; out=$(cd "$out" && pwd)
say "building newlib for the parent partition into $out (once; several minutes)"
work=$out/work; rm -rf "$work"; mkdir -p "$work"
say "unpacking $src_tar"
tar -C "$work" -xf "$src_tar"
srcdir=$(find "$work" -maxdepth 1 -mindepth 1 -type d | head -1)
mkdir -p "$work/build"; cd "$work/build"
export CC_FOR_TARGET="gcc $arch_flags -O2 -g"
export AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld RANLIB_FOR_TARGET=ranlib
export NM_FOR_TARGET=nm OBJCOPY_FOR_TARGET=objcopy STRIP_FOR_TARGET=strip READELF_FOR_TARGET=readelf
say "configuring"
"$srcdir/configure" --target=x86_64-elf --prefix="$out" --disable-multilib \
  --disable-newlib-supplied-syscalls --disable-nls --enable-newlib-nano-malloc \
  > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
: > "$out/build.log"
if ! make -j"$(nproc)" all-target-newlib 2>&1 | progress "$out/build.log"; then
  tail -30 "$out/build.log"; exit 1
fi
say "installing"
make install-target-newlib >> "$out/build.log" 2>&1
rm -rf "$work"
echo "newlib installed in $out/x86_64-elf"
