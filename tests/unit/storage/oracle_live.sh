#!/usr/bin/env bash
# Live merge (`vhd live-merge`, storage/vhd/vhd_live.c) on real files,
# checked by other implementations:
#  - the merge runs in pieces (--blocks) with writes to the top between
#    them, as under a running VM, and resumes from its record each time;
#  - afterwards base, a standalone image, must read in qemu exactly as
#    the chain mid -> base did before (qemu-img compare against a raw
#    flattening taken before the merge): bases made by us (dynamic) and
#    by qemu-img (dynamic and fixed);
#  - the remaining chain top -> base read through libvhdi equals a raw
#    reference kept beside every write (top's writes 4 KiB-aligned, as
#    libvhdi needs; mid's unaligned ones end up in base, whose new blocks
#    have whole bitmaps);
#  - `vhd check` is clean, mid and its record are gone; qemu-img map
#    walks base's BAT. qemu-img check has no VHD support (exit 63, "does
#    not support checks"): that it says so, and nothing else, is checked.
. "$(dirname "$0")/oracle_lib.sh"
need qemu-img
[ -x "$VHD" ] || { echo "not ok 1 - $VHD not built"; exit 1; }
scratch
SIZE=$((16 << 20))
cd "$T"
# wr FILE OFF LEN REF: random data into FILE and into the raw REF.
wr() { head -c "$3" /dev/urandom > "$T/d"; "$VHD" write "$1" "$2" < "$T/d" && put_raw "$4" "$2" "$T/d"; }
# qcmp IMAGE RAW: qemu reads the VHD IMAGE as the raw file RAW.
qcmp() { qemu-img compare -q --image-opts "$(qopts "$1")" "driver=raw,file.filename=$2"; }

# scenario NAME BASE-KIND: BASE-KIND is ours, qemu or qemu-fixed.
scenario() {
  local name=$1 d=$T/$1 kind=$2 i off
  mkdir -p "$d"; cd "$d"
  truncate -s $SIZE ref.raw
  case $kind in
    ours) "$VHD" create --size $SIZE --block-size 1M base.vhd >>"$LOG" 2>&1 ;;
    qemu) qemu-img create -q -f vpc -o force_size=on base.vhd $SIZE ;;
    qemu-fixed) qemu-img create -q -f vpc -o subformat=fixed,force_size=on base.vhd $SIZE ;;
  esac
  # base's data: written by qemu-io when qemu made it.
  for i in 0 1 2 3 4; do
    off=$(( (i * 3331 + 17) * 512 * 7 % (SIZE - 65536) / 4096 * 4096 ))
    if [ $kind = ours ]; then wr base.vhd $off 65536 ref.raw 2>>"$LOG"; else
      qemu-io --image-opts -c "write -P $((0x30 + i)) $off 65536" "$(qopts base.vhd)" >>"$LOG" 2>&1
      pattern 65536 $((0x30 + i)) > "$T/d"; put_raw ref.raw $off "$T/d"
    fi
  done
  "$VHD" create --parent base.vhd mid.vhd >>"$LOG" 2>&1
  # mid: unaligned writes, partly present blocks, one whole block.
  for spec in "1000 3" "4095 2" "511 1025" "1048000 2000" "$((SIZE - 700)) 700" \
              "$((5 << 20)) 1" "$((3 << 20)) 1048576" "$((7 << 20 | 4608)) 77777"; do
    set -- $spec; wr mid.vhd $1 $2 ref.raw 2>>"$LOG"
  done
  "$VHD" convert --to raw mid.vhd base-after.raw >>"$LOG" 2>&1
  "$VHD" create --parent mid.vhd top.vhd >>"$LOG" 2>&1
  wr top.vhd $((2 << 20)) 8192 ref.raw 2>>"$LOG"
  # The merge in pieces, top written and read between them.
  "$VHD" live-merge --blocks 2 top.vhd mid.vhd >>"$LOG" 2>&1
  check "$name: merge under way after a first piece" bash -c "'$VHD' info top.vhd | grep -q '^live merge:'"
  for i in 1 2 3; do
    wr top.vhd $(( i * 1234567 / 4096 * 4096 )) $(( i * 12288 )) ref.raw 2>>"$LOG"
    "$VHD" read top.vhd 0 $SIZE > now.raw 2>>"$LOG"
    check "$name: top reads the reference between pieces ($i)" cmp now.raw ref.raw
    "$VHD" live-merge --blocks 1 top.vhd mid.vhd >>"$LOG" 2>&1
  done
  "$VHD" live-merge top.vhd >>"$LOG" 2>&1
  check "$name: mid and its record are gone" bash -c "[ ! -e mid.vhd ] && [ ! -e top.vhd.lmerge ]"
  check "$name: top's parent is base" bash -c "'$VHD' info top.vhd | grep -q 'parent: *base.vhd '"
  "$VHD" read top.vhd 0 $SIZE > now.raw 2>>"$LOG"
  check "$name: top reads the reference after the merge" cmp now.raw ref.raw
  check "$name: vhd check top" "$VHD" check top.vhd
  check "$name: vhd check base" "$VHD" check base.vhd
  check "$name: qemu-img compare: base = mid's view before the merge" qcmp base.vhd base-after.raw
  check "$name: qemu-img map walks base" bash -c "qemu-img map -f vpc --output=json base.vhd > /dev/null"
  qemu-img check -f vpc base.vhd > qc.out 2>&1; rc=$?
  check "$name: qemu-img check: no VHD support, nothing else" bash -c "[ $rc = 63 ] && grep -q 'does not support checks' qc.out"
  if [ -x /usr/bin/vhdiinfo ]; then
    vhdi_read top.vhd 0 $SIZE base.vhd > vhdi.raw 2>>"$LOG"
    check "$name: libvhdi reads top over base as the reference" cmp vhdi.raw ref.raw
  fi
  # The chain goes on working: a write after the merge.
  wr top.vhd 0 4096 ref.raw 2>>"$LOG"
  "$VHD" read top.vhd 0 $SIZE > now.raw 2>>"$LOG"
  check "$name: top written after the merge" cmp now.raw ref.raw
  cd "$T"
}

scenario ours ours
scenario qemu qemu
scenario fixed qemu-fixed

# Depth 4: b0 <- base <- mid <- top, the middle removed (base is itself a
# differencing disk); then a deeper image: c <- top over base <- mid.
mkdir -p "$T/deep"; cd "$T/deep"
truncate -s $SIZE ref.raw
"$VHD" create --size $SIZE --block-size 512K b0.vhd >>"$LOG" 2>&1
wr b0.vhd 0 $((SIZE / 2)) ref.raw 2>>"$LOG"
"$VHD" create --parent b0.vhd base.vhd >>"$LOG" 2>&1
wr base.vhd 3000 70000 ref.raw 2>>"$LOG"
"$VHD" create --parent base.vhd mid.vhd >>"$LOG" 2>&1
wr mid.vhd 12345 300000 ref.raw 2>>"$LOG"
"$VHD" create --parent mid.vhd c.vhd >>"$LOG" 2>&1
wr c.vhd 4096 8192 ref.raw 2>>"$LOG"
"$VHD" create --parent c.vhd top.vhd >>"$LOG" 2>&1
wr top.vhd 65536 4096 ref.raw 2>>"$LOG"
"$VHD" live-merge --blocks 1 top.vhd mid.vhd >>"$LOG" 2>&1
check "deep: the record is the child's (c.vhd)" test -e c.vhd.lmerge
wr top.vhd 200000 4096 ref.raw 2>>"$LOG"
"$VHD" live-merge top.vhd >>"$LOG" 2>&1
check "deep: mid gone" test ! -e mid.vhd
check "deep: c's parent is base" bash -c "'$VHD' info top.vhd | grep -A1 'parent: *c.vhd ' | grep -q 'parent: *base.vhd '"
"$VHD" read top.vhd 0 $SIZE > now.raw 2>>"$LOG"
check "deep: top reads the reference" cmp now.raw ref.raw
check "deep: vhd check top" "$VHD" check top.vhd
check "deep: vhd check base" "$VHD" check base.vhd
# Then base (holding mid by now) into b0, a dynamic image qemu reads.
"$VHD" convert --to raw base.vhd base-view.raw >>"$LOG" 2>&1
"$VHD" live-merge --blocks 1 top.vhd base.vhd >>"$LOG" 2>&1
"$VHD" live-merge top.vhd >>"$LOG" 2>&1
"$VHD" read top.vhd 0 $SIZE > now.raw 2>>"$LOG"
check "deep: base merged into b0 too, top still reads the reference" bash -c "[ ! -e base.vhd ] && cmp now.raw ref.raw"
check "deep: qemu-img compare: b0 = base's view before" qcmp b0.vhd base-view.raw
check "deep: vhd check b0" "$VHD" check b0.vhd
"$VHD" live-merge top.vhd nothere.vhd > /dev/null 2> err; rc=$?
check "refused: not a parent in the chain, one line" bash -c "[ $rc = 1 ] && [ \$(wc -l < err) = 1 ] && grep -q 'not a parent in this chain' err"
finish
