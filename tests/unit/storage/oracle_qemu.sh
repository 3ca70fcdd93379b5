#!/usr/bin/env bash
# Oracle tests against qemu-img/qemu-io 7.2 and libvhdi:
#  (1) files made by qemu-img read the same through us as through qemu;
#  (2) files we write read the same through qemu and libvhdi;
#  (3) our CHS geometry equals qemu's for the same size.
. "$(dirname "$0")/oracle_lib.sh"
need qemu-img; need qemu-io
[ -x "$VHD" ] || { echo "not ok 1 - $VHD not built"; exit 1; }
scratch

# --- (1) qemu-img files read by us ------------------------------------
MAX_CHS=$((65535 * 16 * 255 * 512))     # 127.5 GiB: the CHS limit
for sub in dynamic fixed; do
  for sz in 1M 100M $MAX_CHS 2040G; do
    for force in off on; do
      f=$T/q-$sub-$sz-$force.vhd
      opts=subformat=$sub; [ $force = on ] && opts=$opts,force_size=on
      qemu-img create -q -f vpc -o $opts "$f" "$sz" >>"$LOG" 2>&1 || { nok "qemu-img create $sub $sz force=$force"; continue; }
      size=$(qsize "$f")
      last=$((size - 70000))      # unaligned, crosses into the partial last block
      mid=$(( (size / 2) & ~511 ))
      qemu-io -f vpc -c "write -P 0xa1 0 64k" -c "write -P 0xb2 $mid 256k" \
        -c "write -P 0xc3 $last 70000" "$f" >>"$LOG" 2>&1 || { nok "qemu-io write $sub $sz"; continue; }
      name="qemu-img $sub $sz force_size=$force"
      check "$name: same virtual size" test "$(vsize "$f")" = "$size"
      ok_all=1
      for spec in "0 65536 161" "$mid 262144 178" "$last 70000 195" "65536 4096 0" "$((mid - 512)) 1024 -"; do
        set -- $spec
        "$VHD" read "$f" "$1" "$2" > "$T/ours" 2>>"$LOG" || ok_all=0
        qemu-io -f vpc -c "read -v $1 $2" "$f" >/dev/null 2>&1 || ok_all=0
        if [ "$3" != - ]; then cmp -s "$T/ours" <(pattern "$2" "$3") || ok_all=0; fi
      done
      # Straddling read: 512 zero bytes then 512 of 0xb2.
      cmp -s "$T/ours" <(cat <(pattern 512 0) <(pattern 512 178)) || ok_all=0
      if [ $ok_all = 1 ]; then ok "$name: patterns read back"; else nok "$name: patterns read back"; fi
      # Whole-disk comparison with qemu-img convert -O raw (sparse files,
      # compared by qemu-img compare, which skips holes).  A sparse fixed
      # 127G would make us read 127G of holes: patterns only there.
      if [ "$sub" = dynamic ] || [ "$sz" = 1M ] || [ "$sz" = 100M ]; then
        qemu-img convert -f vpc -O raw "$f" "$T/q.raw" && "$VHD" convert --to raw "$f" "$T/o.raw" >>"$LOG" 2>&1
        check "$name: whole disk equals qemu-img convert -O raw" bash -c "[ \$(stat -c %s '$T/q.raw') = \$(stat -c %s '$T/o.raw') ] && qemu-img compare -q -f raw -F raw '$T/q.raw' '$T/o.raw'"
        rm -f "$T/q.raw" "$T/o.raw"
      fi
      check "$name: vhd check clean" "$VHD" check "$f"
      rm -f "$f"
    done
  done
done

# --- (2) our files read by qemu and libvhdi ---------------------------
for type in dynamic fixed; do
  for sz in 1M 100M 2040G; do
    # fixed 2040G: a sparse 2 TiB file, checked by ranges only
    f=$T/o-$type-$sz.vhd; ref=$T/ref.raw; rm -f "$ref"
    "$VHD" create --type $type --size $sz "$f" >>"$LOG" 2>&1 || { nok "vhd create $type $sz"; continue; }
    size=$(vsize "$f"); truncate -s "$size" "$ref"
    for off in 0 1000 $((size / 3)) $((size - 5000)); do
      head -c 12345 /dev/urandom > "$T/d"; len=12345
      [ $off -gt $((size - len)) ] && { head -c $((size - off)) "$T/d" > "$T/d2"; mv "$T/d2" "$T/d"; }
      "$VHD" write "$f" $off < "$T/d" 2>>"$LOG" && put_raw "$ref" $off "$T/d"
    done
    name="vhd $type $sz"
    check "$name: qemu sees the current size" test "$(qsize "$f")" = "$size"
    check "$name: libvhdi sees the current size" test "$(vhdi_size "$f")" = "$size"
    if [ "$sz" != 2040G ]; then
      check "$name: qemu-img compare equal" qemu-img compare -q --image-opts "$(qopts "$f")" "driver=raw,file.filename=$ref"
    fi
    ok_all=1
    for spec in "0 20000" "$((size / 3 - 100)) 13000" "$((size - 6000)) 6000"; do
      set -- $spec
      vhdi_read "$f" $1 $2 > "$T/l" 2>>"$LOG" && same_range "$T/l" "$ref" $1 $2 || ok_all=0
      qemu-io --image-opts -c "read -v $1 $2" "$(qopts "$f")" 2>>"$LOG" | $PY -c '
import sys, re
left = int(sys.argv[1]); out = bytearray()
for line in sys.stdin:
    m = re.match(r"^[0-9a-f]+:\s", line)
    if not m or not left: continue
    k = min(16, left)
    out += bytes.fromhex("".join(line.split(":", 1)[1].split()[:k])); left -= k
sys.stdout.buffer.write(out)' "$2" > "$T/q"
      same_range "$T/q" "$ref" $1 $2 || ok_all=0
    done
    if [ $ok_all = 1 ]; then ok "$name: libvhdi and qemu-io read our data"; else nok "$name: libvhdi and qemu-io read our data"; fi
    # qemu writes into our file; we read it back and the file stays clean.
    qemu-io --image-opts -c "write -P 0x5c 4096 8192" "$(qopts "$f")" >>"$LOG" 2>&1
    "$VHD" read "$f" 4096 8192 > "$T/o"
    check "$name: we read what qemu-io wrote into our file" cmp "$T/o" <(pattern 8192 92)
    check "$name: vhd check clean after qemu wrote" "$VHD" check "$f"
    rm -f "$f" "$ref"
  done
done

# --- (3) CHS geometry -----------------------------------------------
# qemu-img (without force_size) picks a CHS and rounds the size up to
# C*H*S; for that size the spec's algorithm must give the same CHS.
chs() { $PY -c 'import sys; d=open(sys.argv[1],"rb").read()[-512:]; print(d[56:60].hex())' "$1"; }
same=1
for sz in 1M 10M 100M 1G 10G 100G 127G 200G 2040G; do
  qemu-img create -q -f vpc "$T/c.vhd" $sz >>"$LOG" 2>&1
  exact=$(vsize "$T/c.vhd")
  "$VHD" create --size "$exact" "$T/o.vhd" >>"$LOG" 2>&1
  if [ "$(chs "$T/c.vhd")" != "$(chs "$T/o.vhd")" ]; then same=0; echo "# CHS differs at $sz ($exact)"; fi
  rm -f "$T/c.vhd" "$T/o.vhd"
done
if [ $same = 1 ]; then ok "CHS geometry equals qemu-img's for 9 sizes"; else nok "CHS geometry equals qemu-img's for 9 sizes"; fi
finish
