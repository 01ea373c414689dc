#!/usr/bin/env bash
# Builds simd/kernels.c into src/kernels/simd/module.ts (the module as base64).
#
# Needs Debian's clang and lld (`apt-get install -y clang lld`; checked with clang 14.0.6) and
# node. CI never runs this: the generated module.ts is committed. Run it from anywhere:
#   packages/models/simd/build.sh
#
# Two links of the same object code: one importing a plain memory (tfjs-backend-wasm's
# single-threaded builds) and one importing a shared memory (its threaded build). They differ
# only in the import section, so module.ts holds the first module plus that one section of the
# second (check-and-emit.mjs verifies this).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../src/kernels/simd/module.ts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# -fno-vectorize/-fno-unroll-loops: the kernels are written with SIMD intrinsics already, and
# auto-vectorised scalar tails only double the size. No libc (-nostdlib, -ffreestanding).
CFLAGS=(--target=wasm32 -O3 -fno-vectorize -fno-slp-vectorize -fno-unroll-loops
  -msimd128 -mbulk-memory -nostdlib -ffreestanding -Wall -Wextra -Werror)
# The module owns no memory: it imports the backend's. --strip-all drops names and the
# producers section so the bytes depend only on the source and the compiler.
LDFLAGS=(--no-entry --import-memory --strip-all --export-dynamic)

"${CC:-clang}" "${CFLAGS[@]}" -c "$here/kernels.c" -o "$tmp/plain.o"
"${CC:-clang}" "${CFLAGS[@]}" -matomics -c "$here/kernels.c" -o "$tmp/shared.o"
"${WASM_LD:-wasm-ld}" "${LDFLAGS[@]}" "$tmp/plain.o" -o "$tmp/plain.wasm"
"${WASM_LD:-wasm-ld}" "${LDFLAGS[@]}" --shared-memory --max-memory=4294967296 "$tmp/shared.o" -o "$tmp/shared.wasm"

# The linked code must not touch memory it does not get from JavaScript: no global (the stack
# pointer is lld's only one) may be read or written, and nothing may grow memory. (There are no
# function imports, see check-and-emit.mjs, so calls can only reach the module's own code.)
"${LLVM_OBJDUMP:-llvm-objdump}" -d "$tmp/plain.wasm" > "$tmp/plain.dis"
if grep -E -q '\s(global\.(get|set)|memory\.(grow|init)|data\.drop|call_indirect)\s' "$tmp/plain.dis"; then
  echo "build.sh: the module uses the stack or a global, or grows memory:" >&2
  grep -E '\s(global\.(get|set)|memory\.(grow|init)|data\.drop|call_indirect)\s' "$tmp/plain.dis" | head >&2
  exit 1
fi

node "$here/check-and-emit.mjs" "$tmp/plain.wasm" "$tmp/shared.wasm" "$out" \
  "$here/kernels.c" "$("${CC:-clang}" --version | head -n 1)" "${CFLAGS[*]}" "${LDFLAGS[*]}"
