#!/usr/bin/python3
"""Host-volume benchmark (issue 7), Bochs with clock sync=none (TSC ticks
count instructions). The parent writes and reads a 64 MiB file on C: and
reads the same number of raw sectors, in one run (Measure-Volume):
  bench volume_file_write: N ticks/MiB (target -)
  bench volume_file_read: N ticks/MiB (target -)
  bench volume_raw_read: N ticks/MiB (target -)
  bench volume_file_read_vs_raw: P % (target >= 80)
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
import hvtest  # noqa: E402

d = os.path.join(hvtest.BUILD, "test-vol")
os.makedirs(d, exist_ok=True)
image = os.path.join(d, "bench-vol.img")
with tempfile.TemporaryDirectory() as folder:
    with open(os.path.join(folder, "readme.txt"), "w") as f:
        f.write("benchmark volume\n")
    subprocess.run([os.path.join(hvtest.ROOT, "tools", "mkvol"), folder, image, "--size", "100M"],
                   check=True, stdout=subprocess.DEVNULL)
iso = hvtest.scenario_iso("bench-volume", ["Measure-Volume -SizeBytes 64MB", "Stop-VMHost"])
with hvtest.Machine(iso, name="bench-volume", disks=[image], watchdog=900, sync="none") as m:
    m.expect(r"FileReadVsRaw\s*:\s*\d+%", 800)
    out = m.output()
os.unlink(image)
w = int(re.search(r"FileWriteTscPerMiB\s*:\s*(\d+)", out).group(1))
r = int(re.search(r"FileReadTscPerMiB\s*:\s*(\d+)", out).group(1))
raw = int(re.search(r"RawReadTscPerMiB\s*:\s*(\d+)", out).group(1))
pct = 100.0 * raw / r if r else 0.0
print("bench volume_file_write: %d ticks/MiB (target -)" % w)
print("bench volume_file_read: %d ticks/MiB (target -)" % r)
print("bench volume_raw_read: %d ticks/MiB (target -)" % raw)
print("bench volume_file_read_vs_raw: %.1f %% (target >= 80)" % pct)
sys.exit(0 if pct >= 80 else 1)
