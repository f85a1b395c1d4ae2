#!/usr/bin/env bash
# The kernels' cross-CPU check: Tests/kernels/kernel_check.c (every path against the written
# specification) and math_accuracy.c's hashes, built for x86-64 and ARM64, run natively, as
# older x86-64 CPUs under qemu (Nehalem: no AVX, no FMA; Haswell: AVX2 + FMA) and as ARM64
# (NEON) under qemu. Every run must print the same hashes. Needs clang or gcc, and for the
# emulated runs qemu-user-static, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross
# (scripts/install-deps.sh); without them those runs are skipped with a SKIP line.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-O2 -ffp-contract=off -I Sources/CKernels/include -I Sources/CKernels)
kernels=(Sources/CKernels/*.c)
cc=$(command -v clang || command -v gcc)

"$cc" "${flags[@]}" "${kernels[@]}" Tests/kernels/kernel_check.c -lm -o "$out/kernel_check"
"$cc" "${flags[@]}" "${kernels[@]}" Tests/kernels/math_accuracy.c -lm -o "$out/math_check"
"$out/kernel_check"  # the per-path lines
run_checks() {  # name, then the command (if any) that runs the programs; writes NAME.hashes
    local name=$1; shift
    { "$@" "$out/kernel_check" --hash; "$@" "$out/math_check" --hash; } > "$out/$name.all" 2> "$out/$name.err" || {
        cat "$out/$name.err"; echo "FAIL $name: the checks failed"; exit 1; }
    grep -v 'paths checked' "$out/$name.all" > "$out/$name.hashes"
}
run_checks native
echo "native ($(grep 'paths checked' "$out/native.all")):"
sed 's/^/  /' "$out/native.hashes"

compare() {  # name, then the command that runs the programs
    local name=$1
    run_checks "$@"
    if cmp -s "$out/native.hashes" "$out/$name.hashes"; then
        echo "$name: the same hashes ($(grep 'paths checked' "$out/$name.all"))"
    else
        diff "$out/native.hashes" "$out/$name.hashes"; echo "FAIL $name: hashes differ from native"; exit 1
    fi
}

if command -v qemu-x86_64-static > /dev/null; then
    compare nehalem qemu-x86_64-static -cpu Nehalem
    compare haswell qemu-x86_64-static -cpu Haswell
else
    echo "SKIP emulated x86-64 CPUs: no qemu-x86_64-static"
fi
if command -v aarch64-linux-gnu-gcc > /dev/null && command -v qemu-aarch64-static > /dev/null; then
    # the ARM64 programs are built statically and replace the x86-64 ones under the same names
    native_dir=$out; out=$(mktemp -d)
    cp "$native_dir/native.hashes" "$out/"
    aarch64-linux-gnu-gcc -static "${flags[@]}" "${kernels[@]}" Tests/kernels/kernel_check.c -lm -o "$out/kernel_check"
    aarch64-linux-gnu-gcc -static "${flags[@]}" "${kernels[@]}" Tests/kernels/math_accuracy.c -lm -o "$out/math_check"
    compare arm64 qemu-aarch64-static
    rm -rf "$out"; out=$native_dir
else
    echo "SKIP ARM64: no aarch64-linux-gnu-gcc or qemu-aarch64-static"
fi
echo "kernels: every build and CPU gave the same bits"
