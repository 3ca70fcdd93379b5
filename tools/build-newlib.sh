#!/usr/bin/env bash
# Builds newlib (Debian's newlib-source) for the bare-metal x86-64 target.
# Usage: build-newlib.sh OUTDIR "TARGET CFLAGS"
# Result: OUTDIR/x86_64-elf/{include,lib/libc.a,lib/libm.a}. Built once, reused.
set -euo pipefail
out=$1; arch_flags=$2
src_tar=/usr/src/newlib/newlib-3.3.0.tar.xz
[ -f "$src_tar" ] || { echo "build-newlib: $src_tar missing (apt-get install newlib-source)" >&2; exit 1; }
mkdir -p "$out"; out=$(cd "$out" && pwd)
work=$out/work; rm -rf "$work"; mkdir -p "$work"
tar -C "$work" -xf "$src_tar"
srcdir=$(find "$work" -maxdepth 1 -mindepth 1 -type d | head -1)
mkdir -p "$work/build"; cd "$work/build"
export CC_FOR_TARGET="gcc $arch_flags -O2 -g"
export AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld RANLIB_FOR_TARGET=ranlib
export NM_FOR_TARGET=nm OBJCOPY_FOR_TARGET=objcopy STRIP_FOR_TARGET=strip READELF_FOR_TARGET=readelf
"$srcdir/configure" --target=x86_64-elf --prefix="$out" --disable-multilib \
  --disable-newlib-supplied-syscalls --disable-nls --enable-newlib-nano-malloc \
  > "$out/configure.log" 2>&1
make -j"$(nproc)" all-target-newlib > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
make install-target-newlib >> "$out/build.log" 2>&1
rm -rf "$work"
echo "newlib installed in $out/x86_64-elf"
