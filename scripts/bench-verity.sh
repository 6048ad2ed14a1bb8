#!/usr/bin/env bash
# make bench, verified roots (root.verity): the hash tree's size and build time for a root, against
# veritysetup format of the same filesystem as the baseline, and the boot-time cost of verity:
# minimal booted to ready with and without it, in this same run.
#
#   scripts/bench-verity.sh [BIN]    PROFILE (default profiles/docker-host.yaml) names the root measured
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${BIN:-.build/release/slipway}}
PROFILE=${PROFILE:-profiles/docker-host.yaml}
RUNS=${RUNS:-3}
work=$(mktemp -d /var/tmp/slipway-bench-verity.XXXXXX)
trap 'rm -rf "$work"' EXIT
name=$(basename "$PROFILE" .yaml)

verity_profile() { # base profile, output file
    printf 'name: %s\nextends: %s\nroot:\n  verity: true\n' "$(basename "$1" .yaml)" "$(realpath "$1")" > "$2"
}
seconds() { # command... → wall seconds
    /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    cat "$work/time"
}

# 1. The tree of PROFILE's root: a --rootfs-only build with verity (warm cache) under a pseudo
#    terminal, where the build prints each phase's time; best of RUNS. The baseline: veritysetup
#    format of the same filesystem (a copy of it without the tree), same layout, no superblock.
verity_profile "$PROFILE" "$work/$name-verity.yaml"
"$BIN" build "$work/$name-verity.yaml" -o "$work/warm" -q >/dev/null
best_ours=999999; best_vs=999999
for run in $(seq "$RUNS"); do
    s=$(script -qec "$BIN build $work/$name-verity.yaml -o $work/verity --rootfs-only" /dev/null | tr '\r' '\n' |
        sed -n 's/.*verity hash tree: .*(\([0-9.]*\)s)$/\1/p' | tail -1)
    best_ours=$(python3 -c "print(min($best_ours, ${s:-999999}))")
    blocks=$(dumpe2fs -h "$work/verity/$name.rootfs.ext4" 2>/dev/null | sed -n 's/^Block count: *//p')
    cp --sparse=always "$work/verity/$name.rootfs.ext4" "$work/vs.ext4"
    truncate -s $((blocks * 4096)) "$work/vs.ext4"
    s=$(seconds veritysetup format --no-superblock --hash-offset=$((blocks * 4096)) "$work/vs.ext4" "$work/vs.ext4")
    best_vs=$(python3 -c "print(min($best_vs, $s))")
done
fs=$((blocks * 4096))
with=$(stat -c %s "$work/verity/$name.rootfs.ext4")
vs=$(stat -c %s "$work/vs.ext4")
python3 - "$name" "$fs" "$with" "$vs" "$best_ours" "$best_vs" <<'PY'
import sys
name, fs, withtree, vs_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ours, vs = map(float, sys.argv[5:7])
tree = withtree - fs
print(f"\nverity tree of {name}'s root (best of runs)")
print(f"  filesystem {fs / 2**20:.1f} MiB, tree {tree / 2**10:.0f} KiB ({100 * tree / fs:.2f} % of it);"
      f" veritysetup's {(vs_size - fs) / 2**10:.0f} KiB")
print(f"  slipway {ours:.2f} s, veritysetup format {vs:.2f} s → {vs / max(ours, 0.01):.1f}x the baseline speed"
      " (phase times are to 0.1 s)")
PY

# 2. Boot-time cost: minimal with and without verity, ready time in guest uptime (the ready line)
#    and the initrd's root mount, RUNS boots each.
verity_profile profiles/minimal.yaml "$work/minimal-verity.yaml"
"$BIN" build profiles/minimal.yaml -o "$work/boot-plain" -q >/dev/null
"$BIN" build "$work/minimal-verity.yaml" -o "$work/boot-verity" -q >/dev/null
printf '\n%-28s %16s %16s\n' "boot of minimal (TCG)" "root mounted s" "ready s"
for run in $(seq "$RUNS"); do
    for kind in plain verity; do
        "$BIN" run "$work/boot-$kind/minimal.img" --accel tcg --expect "slipway: ready" --timeout 600 \
            >"$work/boot.log" 2>/dev/null || true
        python3 - "$work/boot.log" "$kind ($run)" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
mounted = re.search(r"\[\s*(\d+\.\d+)\] mounted root", text)
ready = re.search(r"slipway: ready \(uptime (\d+(?:\.\d+)?)s\)", text)
print(f"{sys.argv[2]:<28} {mounted.group(1) if mounted else '-':>16} {ready.group(1) if ready else '-':>16}")
PY
    done
done
