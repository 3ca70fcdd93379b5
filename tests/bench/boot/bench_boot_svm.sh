#!/usr/bin/env bash
# The exit-path benchmark on the SVM image under QEMU TCG (issue 17):
# bench_boot.py with HVPART_PLATFORM=qemu-svm; the VT-x figures on Bochs
# come from bench_boot.py itself.
HVPART_PLATFORM=qemu-svm exec "$(dirname "$0")/bench_boot.py"
