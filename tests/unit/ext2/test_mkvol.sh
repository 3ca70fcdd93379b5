#!/usr/bin/env bash
# Host test for tools/mkvol (TAP): builds images from a folder and checks
# them with debugfs/dumpe2fs/e2fsck; checks sizes, suffixes and errors.
set -u
cd "$(dirname "$0")/../../.." || exit 1
export PATH="$PATH:/sbin:/usr/sbin"
scratch=build/test-scratch/mkvol.$$
rm -rf "$scratch"; mkdir -p "$scratch/src/sub"
printf 'kernel bytes' > "$scratch/src/sub/kernel.bin"
head -c 3000000 /dev/urandom > "$scratch/src/disk.vhd"
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
echo "1..9"

tools/mkvol --help >"$scratch/help" 2>&1; rc=$?
grep -q '^Usage: tools/mkvol FOLDER IMAGE' "$scratch/help"; ok $((rc + $?)) "--help prints usage and exits 0"

tools/mkvol "$scratch/src" "$scratch/a.img" >"$scratch/out" 2>&1; ok $? "default size builds"

size=$(stat -c %s "$scratch/a.img")
# content ~3 MiB: + 50% + 16 MiB, rounded to whole MiB
[ "$size" -ge $((19 * 1048576)) ] && [ "$size" -le $((22 * 1048576)) ] && [ $((size % 1048576)) -eq 0 ]
ok $? "default size is content + 50% + 16 MiB rounded ($size bytes)"

dumpe2fs -h "$scratch/a.img" 2>/dev/null | grep -q 'Filesystem volume name: *hvpart$'
ok $? "label is hvpart"

got=$(debugfs -R 'cat /sub/kernel.bin' "$scratch/a.img" 2>/dev/null)
[ "$got" = "kernel bytes" ] && e2fsck -fn "$scratch/a.img" >/dev/null 2>&1
ok $? "content copied and e2fsck clean"

tools/mkvol "$scratch/src" "$scratch/b.img" --size 8M >/dev/null 2>&1 &&
  [ "$(stat -c %s "$scratch/b.img")" -eq $((8 * 1048576)) ]
ok $? "--size 8M gives an 8 MiB image"

out=$(tools/mkvol "$scratch/src" "$scratch/c.img" --size 12X 2>&1); rc=$?
[ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s' "$out" | grep -q "bad size"
ok $? "bad size suffix: one-line error"

out=$(tools/mkvol "$scratch/missing" "$scratch/d.img" 2>&1); rc=$?
[ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "not a directory"
ok $? "missing folder: clear error"

out=$(tools/mkvol "$scratch/src" "$scratch/e.img" --size 1M 2>&1); rc=$?
[ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "mke2fs failed"
ok $? "content larger than --size: clear error"

[ "$failed" -eq 0 ] && rm -rf "$scratch"
exit "$failed"
