#!/usr/bin/env bash
# Debian/Ubuntu packages GEMBench builds and runs with: pkg-config, OpenBLAS (cblas),
# HDF5, zlib, OpenSSL's libcrypto (SHA-256, MD5), libarchive (bench fetch unpacks CIFAR's
# .tar.gz), Fashion-MNIST, qemu-user-static with the ARM64 cross compiler (scripts/check-kernels.sh
# runs the kernels as other CPUs), chromium with its driver (the headless-browser test of
# report.html), librsvg's rsvg-convert with the DejaVu fonts (bench report draws each SVG
# figure again as PDF and PNG), and slurm-wlm with munge (scripts/slurm-test.sh runs a
# one-node SLURM cluster). Uses sudo when not root.
set -euo pipefail
packages=(pkg-config libopenblas-dev libhdf5-dev zlib1g-dev libssl-dev libarchive-dev dataset-fashion-mnist
          qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross
          chromium chromium-driver librsvg2-bin fonts-dejavu-core slurm-wlm munge)
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" > /dev/null
