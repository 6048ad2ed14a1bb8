#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets (Fuzz/) with AddressSanitizer and runs each for
# FUZZ_SECONDS (default 600) from the kept inputs in Fuzz/Corpus plus the repository's own profiles
# and first-boot configs. Prints executions and findings per target; exits 1 if any input crashed,
# hung (FUZZ_TIMEOUT seconds, default 10) or passed FUZZ_RSS_MB of memory (default 2048).
# A finding is left in out/fuzz/TARGET/: minimize it, add it to Fuzz/Corpus/KIND and fix the bug;
# `make test` replays every kept input (Tests/FuzzRegressionTests).
# FUZZ_TARGETS picks targets (default: all), e.g. FUZZ_TARGETS="profile ignition" make fuzz.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
targets=${FUZZ_TARGETS:-profile ignition butane tar image gpt}
work=out/fuzz
declare -A product=([profile]=FuzzProfile [ignition]=FuzzIgnition [butane]=FuzzButane [tar]=FuzzTar [image]=FuzzImage [gpt]=FuzzGPT)
declare -A seeds=([profile]="profiles" [ignition]="Tests/FirstBootTests/Corpus" [butane]="" [tar]="" [image]="" [gpt]="")

flags=(--scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
for target in $targets; do
    [ -n "${product[$target]:-}" ] || { echo "make fuzz: unknown target $target (known: ${!product[*]})" >&2; exit 2; }
    echo "== building ${product[$target]}"
    SLIPWAY_FUZZ=1 swift build "${flags[@]}" --product "${product[$target]}" 2>&1 | grep -v "Cannot export" | tail -n 3
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "make fuzz: building ${product[$target]} failed" >&2; exit 1; }
done

failed=0
printf '\n%-9s %10s %8s %9s %s\n' target runs "exec/s" "findings" "peak RSS"
for target in $targets; do
    dir=$work/$target
    rm -rf "$dir" && mkdir -p "$dir/corpus"
    cp Fuzz/Corpus/"$target"/* "$dir/corpus/"
    for source in ${seeds[$target]}; do
        find "$source" -maxdepth 2 -type f \( -name '*.yaml' -o -name '*.ign' -o -name '*.json' \) \
            -exec cp {} "$dir/corpus/" \;
    done
    # Swift's runtime keeps some allocations until exit on purpose: leaks are not findings here.
    ASAN_OPTIONS=detect_leaks=0 .build-fuzz/debug/"${product[$target]}" "$dir/corpus" -max_total_time="$seconds" \
        -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -detect_leaks=0 \
        -artifact_prefix="$dir/" -print_final_stats=1 > "$dir/log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | head -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | head -n 1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log" | head -n 1)
    findings=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf '%-9s %10s %8s %9s %s MB\n' "$target" "${runs:-?}" "${speed:-?}" "$findings" "${rss:-?}"
    if [ "$status" != 0 ] || [ "$findings" != 0 ]; then
        failed=1
        echo "   $target: exit $status; see $dir/log and the inputs in $dir/" >&2
    fi
done
exit $failed
