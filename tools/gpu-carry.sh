#!/usr/bin/env bash
# Fills .gpu-carry/ with what bench/gpu.sh needs on a bare GPU machine: this machine's node,
# node_modules without the packages and platform binaries the bench does not load, and Debian's
# Vulkan loader as a .deb. Run it here, then carry .gpu-carry (about 50 MB) to the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu-carry
rm -rf "$out" && mkdir -p "$out"
node_dir=$(dirname "$(dirname "$(command -v node)")")
tar -cJf "$out/node.tar.xz" -C "$node_dir" bin/node
XZ_OPT=-9 tar -cJf "$out/node_modules.tar.xz" \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
  --exclude='node_modules/@duckdb' --exclude='node_modules/@typescript' --exclude='node_modules/typescript' \
  --exclude='node_modules/@rolldown' --exclude='node_modules/rolldown' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/lightningcss*' --exclude='node_modules/vega*' --exclude='node_modules/@resvg' \
  --exclude='node_modules/vite' --exclude='node_modules/vitest' --exclude='node_modules/@vitest' --exclude='node_modules/@types' \
  node_modules
(cd "$out" && apt-get download libvulkan1 >/dev/null)
du -sh "$out"/*
