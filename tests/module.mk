# Test guests and benchmarks that live deeper than the */*/module.mk glob.
include tests/guests/mb2echo/module.mk

include tests/guests/guests.mk
include tests/guests/ahcitest/module.mk

BENCHES += tests/bench/boot/bench_boot.py
BENCHES += tests/bench/boot/bench_boot_svm.sh
BENCHES += tests/bench/children/bench_children.py
BENCHES += tests/bench/children/bench_checkpoint.py
BENCHES += tests/bench/children/bench_children_svm.sh
BENCHES += tests/bench/console/bench_console.py
BENCHES += tests/bench/smp/bench_smp.py
BENCHES += tests/bench/volume/bench_volume.py
BENCHES += tests/bench/vmbus/bench_vmbus_wire.py
BENCHES += tests/bench/netvsp/bench_netvsp_wire.py
BENCHES += tests/bench/storage/bench_storvsc.py
BENCHES += tests/bench/storage/bench_vhd_child_vs_parent.py
BENCHES += tests/bench/vcpu/bench_vcpu.py
BENCHES += tests/bench/linux/bench_linux.py
