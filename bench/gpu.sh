#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, from a clean copy of the repo plus the folder that
# tools/gpu-carry.sh fills (default .gpu-carry: node, the node_modules the bench needs, the
# Vulkan loader as Debian .debs): unpacks what is missing, then runs bench/gpu.ts.
# Usage: bash bench/gpu.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
carry=${LMB_GPU_CARRY:-.gpu-carry}
if ! command -v node >/dev/null; then
  mkdir -p /tmp/lmb-node && tar -xJf "$carry/node.tar.xz" -C /tmp/lmb-node
  export PATH=/tmp/lmb-node/bin:$PATH
fi
[ -d node_modules ] || tar -xJf "$carry/node_modules.tar.xz"
if ! ldconfig -p | grep -q libvulkan.so.1 && ls "$carry"/*.deb >/dev/null 2>&1; then
  for f in "$carry"/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -z "${VK_DRIVER_FILES:-}" ] && [ -e "$nvidia_icd" ] && export VK_DRIVER_FILES=$nvidia_icd
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
echo "node $(node --version), VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
exec node --import tsx bench/gpu.ts "$@"
