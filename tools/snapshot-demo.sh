#!/usr/bin/env bash
# Regenerates everything under snapshots/demo/ and the README's report picture from the demo
# family, in order (after retraining it, say). About 5 minutes on 2 cores with a cold token store.
set -euo pipefail
cd "$(dirname "$0")/.."
lmb() { node bin/lmb.js "$@"; }
lmb run --suite demo
rm -rf snapshots/demo/scatter-*
lmb scatter seed-1@final seed-2@final --suite demo
lmb pca --suite demo
lmb curves --suite demo
lmb induction --suite demo --out > /dev/null
lmb report --suite demo
node --import tsx tools/screenshot-report.ts
