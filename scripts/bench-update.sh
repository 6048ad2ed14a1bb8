#!/usr/bin/env bash
# make bench, part 5: updates. Run by bench.sh with the slipway binary and a scratch directory.
#
#   payload size against the slot's used bytes (minimal and docker-host)
#   offline apply (`slipway update apply`) against dd writing the same root filesystem raw
#   reboot to blessed, and a bad update back on v1, against a plain boot to ready (minimal, TCG)
set -euo pipefail
BIN=$1
work=$2/update
mkdir -p "$work"
cd "$(dirname "$0")/.."
root=$(pwd)

"$BIN" keys generate "$work/keys" >/dev/null
profile() { # name base version [extra yaml]
    cat > "$work/$1.yaml" <<EOS
name: $2
extends: $root/profiles/$2.yaml
version: "$3"
update:
  keys: [keys/update.pub]
  tries: 2
${4:-}
EOS
}
seconds() { python3 -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.2f}')" "$1"; }

printf '\n%-14s %12s %12s %10s\n' "payload" "slot used" "payload" "ratio"
for base in minimal docker-host; do
    profile "$base-v1" "$base" 1.0.0
    profile "$base-v2" "$base" 2.0.0
    "$BIN" build "$work/$base-v1.yaml" -o "$work/$base-v1" -q >/dev/null
    "$BIN" build "$work/$base-v2.yaml" -o "$work/$base-v2" -q --signing-key "$work/keys/update.key" --json > "$work/$base-v2.json"
    used=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rootfs']['usedBytes'])" "$work/$base-v2.json")
    size=$(stat -c %s "$work/$base-v2/$base.update")
    printf '%-14s %10s MiB %10s MiB %9sx\n' "$base" "$((used >> 20))" "$((size >> 20))" \
        "$(python3 -c "print(f'{$size/$used:.2f}')")"
done

# Offline apply against dd of the raw root filesystem into the same slot (conv=sparse keeps holes).
printf '\n%-40s %10s\n' "offline apply, docker-host" "wall s"
img=$work/apply.img
start_b=$(sfdisk --json "$work/docker-host-v1/docker-host.img" | python3 -c "
import json,sys; t=json.load(sys.stdin)['partitiontable']
print(next(p['start'] for p in t['partitions'] if p.get('name')=='ROOT-B'))")
best_ours=999999; best_dd=999999
for run in 1 2 3; do
    cp --sparse=always "$work/docker-host-v1/docker-host.img" "$img"
    t=$EPOCHREALTIME; "$BIN" update apply "$img" "$work/docker-host-v2/docker-host.update" -q >/dev/null; s=$(seconds "$t")
    printf '%-40s %10s\n' "slipway update apply ($run)" "$s"; best_ours=$(python3 -c "print(min($best_ours, $s))")
    cp --sparse=always "$work/docker-host-v1/docker-host.img" "$img"
    t=$EPOCHREALTIME
    dd if="$work/docker-host-v2/docker-host.rootfs.ext4" of="$img" bs=1M seek=$((start_b * 512)) oflag=seek_bytes \
        conv=notrunc,sparse,fsync status=none
    s=$(seconds "$t")
    printf '%-40s %10s\n' "dd of the raw root filesystem ($run)" "$s"; best_dd=$(python3 -c "print(min($best_dd, $s))")
done
python3 -c "print(f'best of 3: apply {$best_ours:.2f}s (verifies, decompresses, checks twice), dd {$best_dd:.2f}s → {$best_ours/max($best_dd,0.01):.2f}x the raw copy')"

# Boots of minimal under TCG, host seconds from QEMU's start: a plain boot of v1 to ready, v2 from
# an offline apply to blessed, and a v2 whose init exits back on v1 and blessed (2 tries + 1 boot).
profile minimal-noinit minimal 2.0.0 '
root:
  layers:
    - files:
        - { path: /sbin/exit-init, mode: "0755", content: "#!/bin/sh\nexit 1\n" }
init: /sbin/exit-init'
"$BIN" build "$work/minimal-noinit.yaml" -o "$work/minimal-noinit" -q --signing-key "$work/keys/update.key" >/dev/null
boot() { # image expect reboots → seconds
    local t=$EPOCHREALTIME
    "$BIN" run "$1" --persist --accel tcg --memory 512M --reboots "$3" --expect "$2" --timeout 600 >/dev/null 2>&1
    seconds "$t"
}
printf '\n%-44s %10s %8s\n' "boots of minimal (TCG)" "host s" "ratio"
cp --sparse=always "$work/minimal-v1/minimal.img" "$img"
plain=$(boot "$img" "slipway: ready" 0)
printf '%-44s %10s %8s\n' "v1 to ready (baseline)" "$plain" "1.00x"
cp --sparse=always "$work/minimal-v1/minimal.img" "$img"
"$BIN" update apply "$img" "$work/minimal-v2/minimal.update" -q >/dev/null
blessed=$(boot "$img" "slot b version 2.0.0 is good" 0)
printf '%-44s %10s %7sx\n' "v2 (offline apply) to blessed" "$blessed" "$(python3 -c "print(f'{$blessed/$plain:.2f}')")"
cp --sparse=always "$work/minimal-v1/minimal.img" "$img"
"$BIN" update apply "$img" "$work/minimal-noinit/minimal.update" -q >/dev/null
back=$(boot "$img" "slot a version 1.0.0 is good" 3)
printf '%-44s %10s %7sx\n' "bad v2 (init exits) back on v1, blessed" "$back" "$(python3 -c "print(f'{$back/$plain:.2f}')")"
