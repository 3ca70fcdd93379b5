# Shared helpers for the storage oracle scripts (sourced, not run).
# TAP output: ok N - name / not ok N - name.
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
# Prefer the sanitizer build of the tool when it exists.
VHD=${VHD:-$ROOT/build/host/tools/vhd/vhd}
[ -x "$VHD" ] || VHD=$ROOT/build/tools/vhd
PY=/usr/bin/python3
n=0
fails=0
ok()   { n=$((n + 1)); echo "ok $n - $1"; }
nok()  { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# check NAME CMD...: passes when CMD exits 0.
check() { local name=$1; shift; if "$@" >>"$LOG" 2>&1; then ok "$name"; else nok "$name"; tail -5 "$LOG" | sed 's/^/# /'; fi; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "1..0 # SKIP $1 missing"; exit 0; }; }
scratch() {
  mkdir -p "$ROOT/build/storage-scratch"
  T=$(mktemp -d "$ROOT/build/storage-scratch/oracle.XXXXXX")
  LOG=$T/log
  [ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
}
# pattern LEN BYTE: LEN bytes of value BYTE (decimal) on stdout.
pattern() { head -c "$1" /dev/zero | tr '\0' "\\$(printf '%03o' "$2")"; }
# qemu options that make qemu 7.2 trust the footer's current size.
qopts() { echo "driver=vpc,force_size_calc=current_size,file.filename=$1"; }
qsize() { qemu-img info --output=json --image-opts "$(qopts "$1")" | $PY -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])'; }
vsize() { "$VHD" info --json "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["virtual_size"])'; }
# put_raw FILE OFF SRC: writes SRC into the raw reference FILE at OFF.
put_raw() { dd if="$3" of="$1" bs=64K seek="$2" oflag=seek_bytes conv=notrunc status=none; }
# same_range A_CMD_OUTPUT_FILE REF OFF LEN
same_range() { cmp <(head -c "$4" "$1") <(tail -c +$(($3 + 1)) "$2" | head -c "$4"); }
# vhdi_read FILE OFF LEN [PARENTS...]: reads through libvhdi (python3-libvhdi).
vhdi_read() {
  $PY - "$@" <<'PYEOF'
import sys, pyvhdi
path, off, ln = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
chain = [path] + sys.argv[4:]
files = []
for p in chain:
    f = pyvhdi.file(); f.open(p); files.append(f)
for child, parent in zip(files, files[1:]):
    child.set_parent(parent)
f = files[0]
f.seek(off)
out = sys.stdout.buffer
left = ln
while left:
    b = f.read(min(left, 1 << 20))
    if not b: break
    out.write(b); left -= len(b)
PYEOF
}
vhdi_size() { $PY -c 'import sys,pyvhdi; f=pyvhdi.file(); f.open(sys.argv[1]); print(f.get_media_size())' "$1"; }
finish() { echo "1..$n"; [ "$fails" -eq 0 ]; }
