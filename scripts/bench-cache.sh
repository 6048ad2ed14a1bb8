#!/usr/bin/env bash
# make bench, part 6: the shared build cache. Run by bench.sh with the slipway binary and a scratch
# directory (or alone: scripts/bench-cache.sh [BIN] [DIR]). One profile (CACHE_PROFILE, default
# profiles/docker-host.yaml), whole image, best of CACHE_RUNS (default 2) for the warm builds:
#
#   cold                 an empty cache, no registry: apt resolves, every .deb comes from the mirror
#   warm-local           the same cache again, no registry
#   warm-from-registry   a second runner's empty cache and a registry the first runner filled
#                        (docker-registry on loopback): resolutions, .debs and the root image pulled
#
# Each as a ratio to the cold build, and the images compared byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/slipway}
scratch=${2:-$(mktemp -d /var/tmp/slipway-bench-cache.XXXXXX)}
work=$scratch/cache
PROFILE=${CACHE_PROFILE:-profiles/docker-host.yaml}
RUNS=${CACHE_RUNS:-2}
name=$(basename "$PROFILE" .yaml)
unset SLIPWAY_CACHE_REGISTRY
rm -rf "$work"; mkdir -p "$work/registry"

# A registry on a free loopback port, its storage in the scratch directory.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/registry/config.yml" <<EOS
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry/storage}}
http: {addr: 127.0.0.1:$port}
EOS
/usr/bin/docker-registry serve "$work/registry/config.yml" > "$work/registry/log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null; wait $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
repo=127.0.0.1:$port/slipway/bench

seconds() { # output-dir cache [registry] → wall seconds of one build
    local started
    started=$EPOCHREALTIME
    "$BIN" build "$PROFILE" -o "$work/$1" --cache "$work/$2" ${3:+--cache-registry "$3"} -q
    python3 -c "print(f'{$EPOCHREALTIME - $started:.2f}')"
}
best() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }

printf '\nshared build cache: %s, whole image\n' "$name"
cold=$(seconds cold cache-cold)
local_runs=(); for _ in $(seq "$RUNS"); do local_runs+=("$(seconds local cache-cold)"); done
warm_local=$(best "${local_runs[@]}")
# The first runner fills the registry from its warm cache (this build pushes and is not compared).
push=$(seconds push cache-cold "$repo")
registry_runs=()
for run in $(seq "$RUNS"); do
    registry_runs+=("$(seconds "registry-$run" "cache-runner-$run" "$repo")")
done
warm_registry=$(best "${registry_runs[@]}")
cmp "$work/cold/$name.img" "$work/local/$name.img"
cmp "$work/cold/$name.img" "$work/registry-1/$name.img"
stored=$(du -sm "$work/registry/storage" | cut -f1)

printf '  %-34s %10s %8s\n' "build" "wall s" "ratio"
printf '  %-34s %10s %8s\n' "cold (empty cache, mirror)" "$cold" "1.00x"
for row in "warm-local:$warm_local" "warm-from-registry (empty cache):$warm_registry" "pushing to an empty registry:$push"; do
    label=${row%:*}; value=${row##*:}
    printf '  %-34s %10s %7sx\n' "$label" "$value" "$(python3 -c "print(f'{$cold/$value:.2f}')")"
done
echo "  (ratio: cold time / this time; images byte-identical; registry holds $stored MiB)"
