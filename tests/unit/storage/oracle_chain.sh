#!/usr/bin/env bash
# Differencing chains and bad input through the `vhd` tool:
#  - a depth-3 chain checked against our own flattening (a raw reference
#    file written with dd) and, for 4 KiB-aligned writes, against libvhdi;
#  - a moved chain resolves through W2ru; a wrong parent UUID and a missing
#    parent are refused; merge; corrupted files give one-line errors.
. "$(dirname "$0")/oracle_lib.sh"
[ -x "$VHD" ] || { echo "not ok 1 - $VHD not built"; exit 1; }
scratch
SIZE=$((24 << 20))
mkdir -p "$T/a"
cd "$T/a"
ref=$T/ref.raw; truncate -s $SIZE "$ref"
# wr FILE OFF LEN: random data into FILE and the reference.
wr() { head -c "$3" /dev/urandom > "$T/d"; "$VHD" write "$1" "$2" < "$T/d" && put_raw "$ref" "$2" "$T/d"; }

"$VHD" create --size $SIZE --block-size 1M base.vhd >>"$LOG" 2>&1
"$VHD" create --parent base.vhd s1.vhd >>"$LOG" 2>&1
"$VHD" create --parent s1.vhd s2.vhd >>"$LOG" 2>&1
"$VHD" create --parent s2.vhd s3.vhd >>"$LOG" 2>&1
check "create depth-3 chain" test -f s3.vhd
# 4 KiB-aligned writes at every level (libvhdi-safe).
aligned_ok=1
i=0
for f in base.vhd s1.vhd s2.vhd s3.vhd; do
  for k in 0 1 2 3 4 5; do
    off=$(( ( (i * 7919 + k * 1048573) % (SIZE / 4096 - 64) ) * 4096 )); i=$((i + 1))
    wr $f $off $(( (k + 1) * 12288 )) 2>>"$LOG" || aligned_ok=0
  done
  wr $f $((SIZE - 4096)) 4096 2>>"$LOG" || aligned_ok=0
done
check "4K-aligned writes at every level" test $aligned_ok = 1
check "chain info shows 3 parents" bash -c "'$VHD' info --json s3.vhd | $PY -c 'import json,sys; j=json.load(sys.stdin); assert len(j[\"chain\"])==3, j'"
"$VHD" convert --to raw s3.vhd "$T/flat.raw" >>"$LOG" 2>&1
check "flattened chain equals reference (aligned)" cmp "$T/flat.raw" "$ref"
vhdi_read s3.vhd 0 $SIZE s2.vhd s1.vhd base.vhd > "$T/l.raw" 2>>"$LOG"
check "libvhdi reads the chain like the reference" cmp "$T/l.raw" "$ref"
check "vhdiinfo names the parent UUID" bash -c "vhdiinfo s3.vhd | grep -qi \"\$('$VHD' info --json s2.vhd | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"uuid\"])')\""
# Unaligned writes (our own flattening only: libvhdi mis-decodes mixed
# bitmap bytes).
for spec in "1000 3" "4095 2" "511 1025" "1048000 2000" "$((SIZE - 700)) 700" "$((5 << 20)) 1"; do
  set -- $spec; wr s3.vhd $1 $2 2>>"$LOG"
  wr s2.vhd $(( $1 + 3 )) $(( $2 > 3 ? $2 - 3 : 1 )) 2>/dev/null; true
done
# s2 writes changed s2 and also show through s3 only where s3 has no
# data; rebuild the reference from scratch the slow but certain way.
"$VHD" convert --to raw s3.vhd "$T/flat2.raw" >>"$LOG" 2>&1
"$VHD" read s3.vhd 0 $SIZE > "$T/read.raw" 2>>"$LOG"
check "vhd read equals vhd convert" cmp "$T/flat2.raw" "$T/read.raw"
# Our own flattening oracle: sector-by-sector layer walk in python over
# each level's raw view of its own allocated sectors.
for f in base s1 s2 s3; do "$VHD" convert --to raw $f.vhd "$T/$f.raw" >>"$LOG" 2>&1; done
check "byte-sparse writes: s3 = s3 over s2 over s1 over base" $PY - "$T" <<'PYEOF'
import sys, struct
T = sys.argv[1]
def sectors_present(path):
    d = open(path, 'rb').read()
    foot = d[-512:]
    hoff = struct.unpack('>Q', foot[16:24])[0]
    hdr = d[hoff:hoff+1024]
    bat_off = struct.unpack('>Q', hdr[16:24])[0]
    n = struct.unpack('>I', hdr[28:32])[0]; bs = struct.unpack('>I', hdr[32:36])[0]
    spb = bs // 512; bmb = ((spb + 7) // 8 + 511) // 512 * 512
    have = set()
    for b in range(n):
        e = struct.unpack('>I', d[bat_off+4*b:bat_off+4*b+4])[0]
        if e == 0xffffffff: continue
        bm = d[e*512:e*512+bmb]
        for s in range(spb):
            if bm[s//8] & (0x80 >> (s % 8)): have.add(b*spb + s)
    return have
layers = ['s3', 's2', 's1', 'base']
raws = {l: open(f'{T}/{l}.raw', 'rb').read() for l in layers}
have = {l: sectors_present(f'{T}/a/{l}.vhd') for l in layers[:-1]}
got = open(f'{T}/flat2.raw', 'rb').read()
# Walk the chain: each layer's own data for its sectors, else below.
# (Each lower raw view is itself flattened, so one step down suffices.)
out = bytearray(raws['base'])
for l in ['s1', 's2', 's3']:
    for s in have[l]:
        out[s*512:(s+1)*512] = raws[l][s*512:(s+1)*512]
assert out == got, 'mismatch'
PYEOF
"$VHD" check s3.vhd >>"$LOG" 2>&1
check "vhd check clean on the chain" "$VHD" check s3.vhd

# Move the chain to another folder: the absolute W2ku path is gone, the
# relative W2ru one still resolves.
mkdir -p "$T/b"; cp base.vhd s1.vhd s2.vhd s3.vhd "$T/b/"; cd "$T"; mv a a.gone
"$VHD" convert --to raw b/s3.vhd "$T/moved.raw" >>"$LOG" 2>&1
check "moved chain resolves through W2ru" cmp "$T/moved.raw" "$T/flat2.raw"
check "moved chain names the moved parents" bash -c "'$VHD' info b/s3.vhd | grep -q 'parent: *b/s2.vhd '"
# Wrong parent UUID: another disk under s2's name.
cp b/s2.vhd s2.keep; rm b/s2.vhd; "$VHD" create --size $SIZE b/s2.vhd >>"$LOG" 2>&1
"$VHD" info b/s3.vhd > "$T/out" 2> "$T/err"; rc=$?
check "wrong parent UUID refused" test $rc -ne 0
check "wrong parent UUID: one line naming file and problem" bash -c "[ \$(wc -l < '$T/err') = 1 ] && grep -q '^vhd: b/s3.vhd: .*wrong UUID' '$T/err'"
rm b/s2.vhd
"$VHD" read b/s3.vhd 0 512 > /dev/null 2> "$T/err"; rc=$?
check "missing parent refused with a reason" bash -c "[ $rc -ne 0 ] && grep -q 'parent disk not found' '$T/err'"
mv s2.keep b/s2.vhd

# Merge s3 into s2: s2 then reads like the whole chain did.
"$VHD" merge b/s3.vhd >>"$LOG" 2>&1
check "merge removes the child" test ! -e b/s3.vhd
"$VHD" convert --to raw b/s2.vhd "$T/m.raw" >>"$LOG" 2>&1
check "merged parent equals the flattened chain" cmp "$T/m.raw" "$T/flat2.raw"
check "merged chain checks clean" "$VHD" check b/s2.vhd

# A differencing disk of ours over a parent made by qemu-img.
mkdir -p "$T/x"; qemu-img create -q -f vpc -o force_size=on "$T/x/qbase.vhd" 8M
qemu-io -f vpc -c "write -P 0x3c 0 4M" "$T/x/qbase.vhd" >>"$LOG" 2>&1
"$VHD" create --parent "$T/x/qbase.vhd" "$T/x/kid.vhd" >>"$LOG" 2>&1
pattern 8192 126 | "$VHD" write "$T/x/kid.vhd" 1M 2>>"$LOG"
"$VHD" read "$T/x/kid.vhd" 0 2M > "$T/x/got" 2>>"$LOG"
cat <(pattern 1048576 60) <(pattern 8192 126) <(pattern $((1048576 - 8192)) 60) > "$T/x/want"
check "our child over a qemu-img parent reads through" cmp "$T/x/got" "$T/x/want"
vhdi_read "$T/x/kid.vhd" 0 2097152 "$T/x/qbase.vhd" > "$T/x/lgot" 2>>"$LOG"
check "libvhdi reads our child over the qemu-img parent" cmp "$T/x/lgot" "$T/x/want"

# qemu opens a differencing disk as a standalone one and puts its first
# new block right after the BAT; our parent locators must survive that.
"$VHD" create --parent "$T/x/qbase.vhd" "$T/x/kid2.vhd" >>"$LOG" 2>&1
qemu-io --image-opts -c "write -P 0x11 0 64k" "$(qopts "$T/x/kid2.vhd")" >>"$LOG" 2>&1
check "qemu-io writing our differencing disk leaves its locators intact" "$VHD" check "$T/x/kid2.vhd"

# Corruption corpus through the tool: non-zero exit, one line, no crash.
"$VHD" create --size 4M --block-size 512K c.vhd >>"$LOG" 2>&1
head -c 600000 /dev/urandom | "$VHD" write c.vhd 0
corrupt() {  # NAME PYTHON-EXPR-ON-BYTEARRAY-d
  cp c.vhd "x-$1.vhd"
  $PY -c "
import struct,sys
d=bytearray(open(sys.argv[1],'rb').read())
$2
open(sys.argv[1],'wb').write(d)" "x-$1.vhd"
}
corrupt endsum    'd[-512+70]^=1'
corrupt bothsum   'd[-512+70]^=1; d[70]^=1'
corrupt hdrsum    'd[512+100]^=1'
corrupt trunc     'del d[len(d)//2:]'
corrupt nofooter  'del d[-512:]; d[0:8]=b"xxxxxxxx"'
corrupt batpast   'd[1536:1540]=struct.pack(">I", 0x7fffff)'
corrupt batovl    'd[1540:1544]=struct.pack(">I", struct.unpack(">I", d[1536:1540])[0]+1)'
corrupt blocksize 'd[512+32:512+36]=struct.pack(">I", 3<<17); s=(~sum(d[512:512+36]+bytes(4)+d[512+40:512+1024]))&0xffffffff; d[512+36:512+40]=struct.pack(">I", s)'
cp b/s1.vhd x-orphan.vhd; mv b/base.vhd b/base.away
for x in endsum bothsum hdrsum trunc nofooter batpast batovl blocksize orphan; do
  "$VHD" check x-$x.vhd > "$T/out" 2> "$T/err"; rc=$?
  check "corrupt $x: check exits 1 and says why" bash -c "[ $rc = 1 ] && [ -s '$T/out' ] && ! grep -qi 'sanitizer\|segv' '$T/err'"
  if [ $x != endsum ]; then
    "$VHD" read x-$x.vhd 0 4096 > /dev/null 2> "$T/err"; rc=$?
    check "corrupt $x: read refused with one line" bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] && grep -q '^vhd: x-$x.vhd: ' '$T/err'"
  else
    "$VHD" read x-$x.vhd 0 4096 > "$T/o" 2> "$T/err"; rc=$?
    check "corrupt endsum: reads via the footer copy with a warning" bash -c "[ $rc = 0 ] && grep -q 'using the copy' '$T/err'"
  fi
done
sed 's/^/# /' "$T/out"
# Tool contract: size suffixes and bad arguments.
"$VHD" create --type fixed --size 1K k.vhd >>"$LOG" 2>&1
check "size suffix K" test "$(stat -c %s k.vhd)" = 1536
"$VHD" create --size 12X y.vhd 2> "$T/err"; rc=$?
check "bad size refused" bash -c "[ $rc -ne 0 ] && [ \$(wc -l < '$T/err') = 1 ]"
"$VHD" create --size 1M k.vhd 2> "$T/err"; rc=$?
check "existing file refused" bash -c "[ $rc -ne 0 ] && grep -q '^vhd: k.vhd: file already exists' '$T/err'"
"$VHD" read k.vhd 1000 100 2> "$T/err" > /dev/null; rc=$?
check "read past the end refused" bash -c "[ $rc -ne 0 ] && grep -q 'past the disk end' '$T/err'"
"$VHD" convert --from raw "$T/flat2.raw" conv.vhd >>"$LOG" 2>&1
"$VHD" convert --to fixed conv.vhd conv-fixed.vhd >>"$LOG" 2>&1
"$VHD" convert --to raw conv-fixed.vhd conv.raw >>"$LOG" 2>&1
check "convert raw -> dynamic -> fixed -> raw round trip" cmp conv.raw "$T/flat2.raw"
check "convert to dynamic keeps zero blocks sparse" bash -c "[ \$('$VHD' info --json conv.vhd | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"allocated_blocks\"])') -lt 24 ]"
finish
