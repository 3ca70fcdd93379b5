#!/usr/bin/env bash
# The CPU-bound loop in a child against bare on the SVM image (issue 17):
# bench_children.py under QEMU TCG (HVPART_PLATFORM=qemu-svm: wall time,
# best of five, moved by the host's load) and under Bochs ryzen
# (HVPART_PLATFORM=bochs-svm: instruction-exact ticks, every figure);
# the VT-x figures on Bochs come from bench_children.py itself.
here=$(dirname "$0")
rc=0
HVPART_PLATFORM=qemu-svm "$here/bench_children.py" || rc=1
HVPART_PLATFORM=bochs-svm "$here/bench_children.py" || rc=1
exit $rc
