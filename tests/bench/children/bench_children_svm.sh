#!/usr/bin/env bash
# The CPU-bound loop in a child against bare on the SVM image under QEMU
# TCG (issue 17): bench_children.py with HVPART_PLATFORM=qemu-svm; the
# VT-x figures on Bochs come from bench_children.py itself.
HVPART_PLATFORM=qemu-svm exec "$(dirname "$0")/bench_children.py"
