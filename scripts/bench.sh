#!/usr/bin/env bash
# make bench: slipway's numbers as ratios against baselines measured in this same run.
#
# 1. Root filesystem of profiles/docker-host.yaml from a warm package cache:
#    slipway build (apt resolution, concurrent unpacking, libext2fs writer)
#    vs. the baseline: extract the same .debs and overlay into a directory (dpkg-deb | tar) and
#    run mkfs.ext4 -d on it at the same size.
# Wall time and peak memory (GNU time) of each, and the ratio. Sections 2-5 follow below.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/slipway}
PROFILE=${PROFILE:-profiles/docker-host.yaml}
RUNS=${RUNS:-3}
work=$(mktemp -d /var/tmp/slipway-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
name=$(basename "$PROFILE" .yaml)

measure() { # label, command... → prints "seconds peak_kib"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time.$label" "$@" >/dev/null 2>"$work/err.$label" || {
        cat "$work/err.$label" >&2; exit 1; }
    cat "$work/time.$label"
}

echo "warming the package cache ($PROFILE)…"
"$BIN" build "$PROFILE" -o "$work/warm" -q >/dev/null
size=$(stat -c %s "$work/warm/$name.rootfs.ext4")
cache=${SLIPWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway}

# The baseline's inputs: the very .debs the manifest lists, and the profile's overlay directories.
python3 - "$work/warm/$name.manifest.json" "$cache" > "$work/debs" <<'PY'
import json, sys, os
manifest = json.load(open(sys.argv[1]))
for p in manifest["packages"]:
    print(os.path.join(sys.argv[2], "debs", "sha256", p["sha256"] + ".deb"))
PY
overlays=$(python3 - "$work/warm/$name.manifest.json" "$PROFILE" <<'PY'
import json, sys, os
manifest = json.load(open(sys.argv[1]))
base = os.path.dirname(os.path.abspath(sys.argv[2]))
for layer in manifest["layers"]:
    if layer["kind"] == "overlay":
        print(os.path.normpath(os.path.join(base, layer["source"])))
PY
)
overlays=$(echo $overlays)  # one line: it goes into the baseline script's for loop

cat > "$work/baseline.sh" <<EOS
set -e
rm -rf "$work/tree" "$work/baseline.ext4"; mkdir "$work/tree"
while read -r deb; do dpkg-deb --fsys-tarfile "\$deb" | tar -x -C "$work/tree"; done < "$work/debs"
for o in $overlays; do cp -a "\$o/." "$work/tree/"; done
mkfs.ext4 -q -F -d "$work/tree" -O ^has_journal -m 0 "$work/baseline.ext4" $((size / 1024))k
EOS

printf '\n%-28s %10s %12s\n' "rootfs of $name" "wall s" "peak MiB"
best_ours=999999; best_base=999999; mem_ours=0; mem_base=0
for run in $(seq "$RUNS"); do
    read -r s m < <(measure ours "$BIN" build "$PROFILE" -o "$work/ours" -q --rootfs-only)
    printf '%-28s %10s %12s\n' "slipway build (run $run)" "$s" "$((m / 1024))"
    best_ours=$(python3 -c "print(min($best_ours, $s))"); mem_ours=$m
    read -r s m < <(measure base bash "$work/baseline.sh")
    printf '%-28s %10s %12s\n' "extract + mkfs.ext4 -d ($run)" "$s" "$((m / 1024))"
    best_base=$(python3 -c "print(min($best_base, $s))"); mem_base=$m
done
e2fsck -fn "$work/ours/$name.rootfs.ext4" >/dev/null
python3 -c "print(f'\nbest of $RUNS: slipway {$best_ours:.2f}s, baseline {$best_base:.2f}s → slipway is {$best_base/$best_ours:.2f}x the baseline speed (target ≥ 1.5x)')"

# 2. Whole images from a warm cache: build time (best of RUNS), image sizes (allocated bytes of
#    the sparse raw image and its zstd -3 size).
printf '\n%-14s %10s %12s %12s %12s\n' "image" "build s" "disk MiB" "used MiB" "zstd MiB"
for p in profiles/minimal.yaml "$PROFILE"; do
    n=$(basename "$p" .yaml)
    best=999999
    for run in $(seq "$RUNS"); do
        read -r s _ < <(measure "img-$n" "$BIN" build "$p" -o "$work/img" -q)
        best=$(python3 -c "print(min($best, $s))")
    done
    img="$work/img/$n.img"
    disk=$(( $(stat -c %s "$img") >> 20 ))
    used=$(( $(du -B1 "$img" | cut -f1) >> 20 ))
    zst=$(( $(zstd -3 -q -c "$img" | wc -c) >> 20 ))
    printf '%-14s %10s %12s %12s %12s\n' "$n" "$best" "$disk" "$used" "$zst"
done

# 3. Boot milestones under UEFI + TCG: each milestone's guest uptime (from the kernel's and the
#    initrd's stamps, and the ready line's) and host seconds since QEMU started. On docker-host the
#    health gate's "daemons ready" line gives each Docker daemon's ready time in guest uptime.
boot_milestones() { # image
    local start log=$work/boot.log
    # $EPOCHREALTIME, not a process per line: the guest shares the host's two cores with this loop.
    start=$EPOCHREALTIME
    # `|| [ -n "$line" ]`: the run stops on the match, maybe before the matched line's newline.
    "$BIN" run "$1" --accel tcg --expect "slipway: ready" --timeout 600 2>/dev/null | while IFS= read -r line || [ -n "$line" ]; do
        printf '%s\t%s\n' "$EPOCHREALTIME" "$line"
    done > "$log"
    python3 - "$log" "$start" <<'PY'
import re, sys
milestones = [("kernel runs /init", "Run /init as init process"), ("initrd mounted the root", "mounted root"),
              ("initrd switches root", "switching root"), ("daemons ready", "daemons ready"),
              ("slipway: ready", "slipway: ready")]
lines = [l.rstrip("\r\n").split("\t", 1) for l in open(sys.argv[1], errors="replace") if "\t" in l]
print(f"  {'milestone':<26} {'guest uptime s':>14} {'host s':>8}")
for label, marker in milestones:
    hit = next(((h, text) for h, text in lines if marker in text), None)
    if hit is None:
        continue
    host, text = hit
    host = float(host) - float(sys.argv[2])
    stamp = re.search(r"\[\s*(\d+\.\d+)\]|uptime (\d+(?:\.\d+)?)", text)
    guest = next((g for g in stamp.groups() if g), "-") if stamp else "-"
    print(f"  {label:<26} {guest:>14} {host:>8.2f}")
    if marker == "daemons ready":
        print("    " + re.sub(r".*daemons ready", "daemons ready", text)[:90])
PY
}
for n in minimal "$name"; do
    printf '\nboot of %s.img\n' "$n"
    boot_milestones "$work/img/$n.img"
done

# 4. First-boot apply of a config with 1000 files: slipway firstboot apply against the reference
#    Ignition (its fetch and files stages) on identical fresh roots.
fb="$work/firstboot"
mkdir -p "$fb/bin"
printf '#!/bin/sh\ncat >/dev/null\n' > "$fb/bin/setfiles"  # Debian's ignition relabels for SELinux
chmod 755 "$fb/bin/setfiles"
python3 - > "$fb/config.ign" <<'PY'
import json
files = [{"path": f"/srv/bench/d{i % 20}/file{i}", "mode": 420, "contents": {"source": f"data:,content%20{i}"}}
         for i in range(1000)]
print(json.dumps({"ignition": {"version": "3.3.0"}, "storage": {"files": files}}))
PY
fresh_root() {
    rm -rf "$1"; mkdir -p "$1/etc/selinux"; chmod 0755 "$1"
    printf 'SELINUX=disabled\nSELINUXTYPE=targeted\n' > "$1/etc/selinux/config"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$1/etc/passwd"; printf 'root:x:0:\n' > "$1/etc/group"
}
cat > "$fb/reference.sh" <<EOS
set -e
cd "$fb"; rm -f cache.json state
for stage in fetch files; do
    PATH="$fb/bin:\$PATH" /usr/lib/dracut/modules.d/30ignition/ignition -platform file -stage \$stage -root "$fb/ref" -config-cache cache.json \
        -state-file state -log-to-stdout >/dev/null
done
EOS
printf '\n%-34s %10s\n' "first boot, 1000 files" "wall s"
best_fb_ours=999999; best_fb_ref=999999
for run in $(seq "$RUNS"); do
    fresh_root "$fb/ours"; fresh_root "$fb/ref"
    read -r s _ < <(measure fb-ours "$BIN" firstboot apply "$fb/config.ign" --root "$fb/ours")
    printf '%-34s %10s\n' "slipway firstboot apply ($run)" "$s"; best_fb_ours=$(python3 -c "print(min($best_fb_ours, $s))")
    read -r s _ < <(measure fb-ref bash "$fb/reference.sh")
    printf '%-34s %10s\n' "ignition fetch + files ($run)" "$s"; best_fb_ref=$(python3 -c "print(min($best_fb_ref, $s))")
done
diff -r "$fb/ours/srv" "$fb/ref/srv" >/dev/null && echo "(both roots hold the same 1000 files)"
python3 -c "print(f'best of $RUNS: slipway {$best_fb_ours:.2f}s, ignition {$best_fb_ref:.2f}s → {$best_fb_ref/max($best_fb_ours,0.01):.2f}x')"

# 5. Updates: payload sizes, offline apply, reboot to blessed, fallback (scripts/bench-update.sh).
bash scripts/bench-update.sh "$BIN" "$work"

# 6. The shared build cache: cold, warm-local and warm-from-registry builds (scripts/bench-cache.sh).
bash scripts/bench-cache.sh "$BIN" "$work"
