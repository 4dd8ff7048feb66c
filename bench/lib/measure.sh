# shellcheck shell=bash
# Measuring helpers of bench/run.sh. Requires common.sh; BENCH_RESULTS, BENCH_SCR, BENCH_IMG and
# BENCH_MUT set by run.sh.
#   record TOOL KEY VALUE        append one raw figure (TSV: tool, key, value)
#   warm                         read IMG and MUT into the page cache (every tool starts hot)
#   measure TOOL STEP CMD...     run CMD under GNU time; records STEP_s, STEP_cpu_s, STEP_rss_kb;
#                                stdin/stdout as the caller redirected them, stderr to the step log
#   timed_sync TOOL STEP DIR     sync -f DIR and add its wall time to STEP_s
#   dir_bytes DIR / dir_objects DIR   bytes (du -sb) and number of files below DIR

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$BENCH_RESULTS"; }

warm() { cat "$BENCH_IMG" "$BENCH_MUT" >/dev/null; }

now_ns() { date +%s%N; }
# seconds between two now_ns readings, 3 decimals
elapsed_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

measure() {
  local tool=$1 step=$2 tf="$BENCH_SCR/time.out" w u s rss
  shift 2
  local log="$BENCH_SCR/logs/$tool-$step.log"
  if ! /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" 2>>"$log"; then
    bb_warn "$tool $step failed (log $log):"
    tail -n 5 "$log" >&2
    record "$tool" "${step}_failed" "$(tail -n 1 "$log" | tr '\t' ' ')"
    return 1
  fi
  read -r w u s rss < <(tail -n 1 "$tf")
  record "$tool" "${step}_s" "$w"
  record "$tool" "${step}_cpu_s" "$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')"
  record "$tool" "${step}_rss_kb" "$rss"
}

timed_sync() {
  local t0 t1
  t0=$(now_ns)
  sync -f "$3"
  t1=$(now_ns)
  record "$1" "${2}_sync_s" "$(elapsed_s "$t0" "$t1")"
}

dir_bytes() { du -sb "$1" | cut -f1; }
dir_objects() { find "$1" -type f | wc -l; }
