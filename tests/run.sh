#!/usr/bin/env bash
# The one test command. Installs the Debian packages, builds once (build/, -DBB_WERROR=ON), then:
#   a) unit tests: every CTest test that is not from an integration executable below
#   b) PostgreSQL integration: a throw-away PostgreSQL (unix socket, own dir and port) exported as
#      BB_TEST_PG_CONNINFO for bb_db_test, bb_manager_integration_test, bb_backupd_grpc_test,
#      bb_backupctl_cli_test, bb_changed_extents_test (root too: changed-extent incrementals on
#      a reflink XFS), bb_multi_daemon_test, bb_object_store_conformance_test,
#      bb_crash_test (the failpoint matrix, the crash soak, the volume/snapshot failpoints: root
#      too; PostgreSQL going away: a throw-away server of its own), bb_api_integration_test (the
#      REST API over HTTP against backupd, API tokens), bb_tls_auth_test (HTTPS, gRPC TLS and
#      mutual TLS, gRPC token auth), bb_remote_attach_test (root too: backups
#      through a snapshot exported by tgtd and read with libiscsi), bb_roles_test (root too: a
#      role volume and a role backup backupd, the backup host reading the volume host's exports)
#   c) root: bb_volume_driver_conformance_test (XFS loop mounts), bb_iscsi_live_test (a real tgtd
#      on 127.0.0.1, started through devstack/lib/tgt.sh if none runs, read through libiscsi),
#      bb_connector_conformance_test (local, loop, libiscsi and iscsiadm connectors; tgtd too)
#   d) end to end: tests/e2e/*.sh (root; each script is one test; exit 77 means skipped)
#   v) test VM: one boot of the devstack/vm guest (real LVM, device-mapper, iscsi_tcp; qemu TCG)
#      with backupd/backupctl copied in and the host's PostgreSQL forwarded; runs tests/vm/*.sh
#   e) failpoint coverage: every failpoint of `backupd --list-failpoints` was reached by b-d
# Usage: tests/run.sh [--quick] [--no-deps] [--soak N] [--fuzz-seconds N] [--vm-only]
#   --quick: stage a only; --soak N: the crash soak makes N runs (default 50); --vm-only: stage v only
#     (BB_VM_TESTS=lvm_e2e,backupd_smoke: only those tests/vm/*.sh scripts, for iteration)
#   --fuzz-seconds N: stage f runs the API fuzzer N seconds (default 60, or BB_FUZZ_SECONDS)
# CI=true: a skipped test or stage counts as a failure, except a test that tests/expected_skips.txt
# lists with the exact reason it printed (e.g. the iscsiadm connector's live cases on a host
# without iscsi_tcp); those are listed in the summary with their reason. The last line is always
# "N passed, N failed, N skipped"; the exit code is non-zero when anything failed.
# Everything started here (PostgreSQL, temp dirs) is removed on exit, also on Ctrl-C.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=devstack/lib/common.sh
source "$root/devstack/lib/common.sh"
# shellcheck source=devstack/lib/build.sh
source "$root/devstack/lib/build.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$root/devstack/lib/postgres.sh"
# shellcheck source=devstack/vm/lib.sh
source "$root/devstack/vm/lib.sh"

quick=0
vm_only=0
deps=1
soak_runs=50
fuzz_seconds=${BB_FUZZ_SECONDS:-60}
while (($#)); do
  arg=$1
  shift
  case $arg in
    --quick) quick=1 ;;
    --no-deps) deps=0 ;;
    --vm-only) vm_only=1 ;;
    --soak)
      soak_runs=${1:-}
      shift || true
      if [[ ! $soak_runs =~ ^[1-9][0-9]*$ ]]; then
        echo "--soak needs a positive number of runs, e.g. --soak 500" >&2
        exit 2
      fi
      ;;
    --fuzz-seconds)
      fuzz_seconds=${1:-}
      shift || true
      if [[ ! $fuzz_seconds =~ ^[1-9][0-9]*$ ]]; then
        echo "--fuzz-seconds needs a positive number, e.g. --fuzz-seconds 3600" >&2
        exit 2
      fi
      ;;
    -h | --help)
      sed -n '2,27p' "$0"
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

BB_BUILD_DIR=${BB_BUILD_DIR:-build}
export BB_BUILD_DIR
build_dir=$(bb_build_dir)
ci=0
[[ ${CI:-} == true || ${CI:-} == 1 ]] && ci=1
# The stages decide where the tests find PostgreSQL, not the caller's environment.
unset BB_TEST_PG_CONNINFO

pg_stages=(bb_db_test bb_manager_integration_test bb_backupd_grpc_test bb_backupctl_cli_test
  bb_changed_extents_test bb_multi_daemon_test bb_object_store_conformance_test bb_crash_test bb_api_integration_test
  bb_tls_auth_test bb_remote_attach_test bb_roles_test bb_pack_gc_test)
pg_parallel_stages=(bb_crash_test bb_backupctl_cli_test)
root_stages=(bb_volume_driver_conformance_test bb_iscsi_live_test bb_connector_conformance_test)

passed=0
failed=0
skipped=0
failures=()
skips=()
expected_skips=() # skips that tests/expected_skips.txt allows, with their reason
work=""
pg_dir=""
vm_state="" # the test VM's state dir while it runs (stage v)
vm_pg_dir=""
vm_image_pid="" # the guest image build, started in the background before the project build
fuzz_build_pid="" # the fuzzer's clang build, in the background (niced, one job) during stages b-d
started=$SECONDS
stage_names=() # every stage's banner and its start, for the times printed at the end
stage_starts=()

cleanup() {
  trap '' INT TERM
  # The background builds run in their own sessions (setsid): their whole group goes.
  local pid
  for pid in "$vm_image_pid" "$fuzz_build_pid"; do
    [[ -n $pid ]] || continue
    kill -TERM -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  vm_image_pid=""
  fuzz_build_pid=""
  if [[ -n $pg_dir ]]; then
    (bb_pg_stop "$pg_dir") >/dev/null 2>&1 || true
    pg_dir=""
  fi
  vm_stop
  [[ -n $work && -d $work ]] && rm -rf "$work"
  work=""
}
trap cleanup EXIT
trap 'fail run "interrupted (SIGINT)"; finish' INT
trap 'fail run "terminated (SIGTERM)"; finish' TERM

work=$(mktemp -d /tmp/bb-tests.XXXXXX)
chmod 755 "$work"

pass() {
  passed=$((passed + 1))
}
fail() { # NAME MESSAGE
  failed=$((failed + 1))
  failures+=("$1: $2")
  echo "FAILED: $1: $2"
}
skip() { # NAME MESSAGE
  skipped=$((skipped + 1))
  if skip_expected "$1" "$2"; then
    expected_skips+=("$1: $2")
    echo "SKIPPED (expected, tests/expected_skips.txt): $1: $2"
    return
  fi
  skips+=("$1: $2")
  echo "SKIPPED: $1: $2"
}
# skip_expected NAME MESSAGE: true when tests/expected_skips.txt has a line "<glob><TAB><reason>"
# whose glob matches the test's name (without the stage label) and whose reason is exactly the
# message the test printed when it skipped.
skip_expected() {
  local name=${1#*/} glob reason
  [[ -r $root/tests/expected_skips.txt ]] || return 1
  while IFS=$'\t' read -r glob reason; do
    [[ -z $glob || $glob == \#* ]] && continue
    # shellcheck disable=SC2053 # the glob is meant to match as a pattern
    [[ $name == $glob && $2 == "$reason" ]] && return 0
  done <"$root/tests/expected_skips.txt"
  return 1
}
stage() {
  printf '\n======== %s\n' "$*"
  stage_names+=("${1%% (*}")
  stage_starts+=("$SECONDS")
}
# One line per stage with its wall time (the CI budget is 60 minutes for the whole run).
print_stage_times() {
  local i end
  ((${#stage_names[@]})) || return 0
  echo "Stage times:"
  for i in "${!stage_names[@]}"; do
    end=${stage_starts[i + 1]:-$SECONDS}
    printf '  %5d s  %s\n' $((end - stage_starts[i])) "${stage_names[i]}"
  done
}

finish() {
  local i
  cleanup
  # Only skips that tests/expected_skips.txt does not allow become failures; the allowed ones
  # stay in the "skipped" count and are listed below with their reason.
  if ((ci && ${#skips[@]} > 0)); then
    echo
    echo "CI=true: skipped tests and stages count as failures:"
    for i in "${skips[@]}"; do
      echo "  $i"
      failures+=("$i (skipped under CI=true)")
    done
    failed=$((failed + ${#skips[@]}))
    skipped=$((skipped - ${#skips[@]}))
  fi
  echo
  print_stage_times
  echo "Test run took $((SECONDS - started)) s."
  if ((${#failures[@]})); then
    echo "Failures:"
    for i in "${failures[@]}"; do echo "  $i"; done
  fi
  if ((${#expected_skips[@]})); then
    echo "Expected skips (tests/expected_skips.txt; not failures under CI=true):"
    for i in "${expected_skips[@]}"; do echo "  $i"; done
  fi
  if ((!ci && ${#skips[@]})); then
    echo "Skipped:"
    for i in "${skips[@]}"; do echo "  $i"; done
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  ((failed == 0))
  exit $?
}

# --- v) test VM (run after stage d, or alone with --vm-only) ----------------------------------
vm_stop() {
  if [[ -n $vm_state ]]; then
    BB_VM_STATE=$vm_state "$root/devstack/vm/stop.sh" || true
    vm_state=""
  fi
  if [[ -n $vm_pg_dir ]]; then
    (bb_pg_stop "$vm_pg_dir") >/dev/null 2>&1 || true
    vm_pg_dir=""
  fi
}

# One boot for every VM test (the guest runs under TCG on both cores, so it starts after the build
# and stops before stage e). Each tests/vm/*.sh is one test, run on the host with BB_VM_STATE,
# BB_VM_PG_DIR/BB_VM_PG_PORT (a PostgreSQL on the host's 127.0.0.1, forwarded into the guest at
# 10.0.2.100:PORT) and BB_VM_PREFIX (the guest's copy of backupd, backupctl and schema/).
vm_stage() {
  local t0 script name rc prefix=/opt/bb port
  stage "v) test VM (devstack/vm; tests/vm/*.sh in one boot)"
  if ((EUID != 0)); then
    skip vm "needs root: the guest image is built with mmdebstrap --mode=root"
    return
  fi
  if ! command -v qemu-system-x86_64 >/dev/null; then
    skip vm "qemu cannot run here: qemu-system-x86_64 is not installed (devstack/install-deps.sh)"
    return
  fi
  t0=$SECONDS
  if [[ -n $vm_image_pid ]]; then
    wait "$vm_image_pid"
    rc=$?
    vm_image_pid=""
    if ((rc != 0)); then
      tail -n 40 "$work/vm-image.log"
      fail vm "the guest image could not be built (devstack/vm/build-image.sh, exit $rc; log above)"
      return
    fi
    echo "guest image built alongside the project build ($(grep -o 'built in [0-9]* s' \
      "$work/vm-image.log" || echo cached)); waited $((SECONDS - t0)) s for it"
  elif ! "$root/devstack/vm/build-image.sh" >/dev/null; then
    fail vm "the guest image could not be built (devstack/vm/build-image.sh)"
    return
  fi
  echo "guest image ready ($(bb_vm_image_dir))"
  vm_pg_dir=$work/vm-pg
  port=$(bb_vm_free_port)
  if ! (BB_PG_FAST=1 BB_PG_LISTEN=127.0.0.1 bb_pg_start "$vm_pg_dir" "$port"); then
    fail vm "the host PostgreSQL for the guest did not start"
    return
  fi
  vm_state=$work/vm
  if ! BB_VM_STATE=$vm_state BB_VM_GUESTFWD=$port BB_VM_OWNER_PID=$$ "$root/devstack/vm/boot.sh"; then
    fail vm "the test VM did not boot"
    vm_stop
    return
  fi
  # Without debug info: a tenth of the size, and ssh under TCG copies a few MB/s.
  mkdir -p "$work/vm-bin"
  if ! strip --strip-debug -o "$work/vm-bin/backupd" "$build_dir/cmd/backupd/backupd" ||
    ! strip --strip-debug -o "$work/vm-bin/backupctl" "$build_dir/cmd/backupctl/backupctl" ||
    ! strip --strip-debug -o "$work/vm-bin/bb_volume_driver_conformance_test" \
      "$build_dir/tests/conformance/bb_volume_driver_conformance_test" ||
    ! strip --strip-debug -o "$work/vm-bin/bb_connector_conformance_test" \
      "$build_dir/tests/conformance/bb_connector_conformance_test" ||
    ! BB_VM_STATE=$vm_state "$root/devstack/vm/copy-in.sh" "$work/vm-bin/backupd" \
      "$work/vm-bin/backupctl" "$work/vm-bin/bb_volume_driver_conformance_test" \
      "$work/vm-bin/bb_connector_conformance_test" "$prefix/bin" ||
    ! BB_VM_STATE=$vm_state "$root/devstack/vm/copy-in.sh" "$root/schema" "$prefix"; then
    fail vm "could not copy the binaries into the guest"
    vm_stop
    return
  fi
  shopt -s nullglob
  for script in "$root"/tests/vm/*.sh; do
    name=vm/$(basename "$script" .sh)
    # BB_VM_TESTS=NAME[,NAME...]: only those scripts (iteration on one guest test).
    if [[ -n ${BB_VM_TESTS:-} && ",$BB_VM_TESTS," != *",$(basename "$script" .sh),"* ]]; then
      continue
    fi
    echo "--- $name"
    t0=$SECONDS
    BB_VM_STATE=$vm_state BB_VM_PG_DIR=$vm_pg_dir BB_VM_PG_PORT=$port BB_VM_PREFIX=$prefix \
      timeout --foreground -k 30 1200 bash "$script"
    rc=$?
    case $rc in
      0)
        pass
        echo "--- $name: PASS ($((SECONDS - t0)) s)"
        ;;
      77) skip "$name" "the script skipped itself" ;;
      124) fail "$name" "timed out after 1200 s" ;;
      *) fail "$name" "exit code $rc ($((SECONDS - t0)) s)" ;;
    esac
  done
  shopt -u nullglob
  vm_stop
}
# --- dependencies and the one build ---------------------------------------------------------
if ((deps)); then
  stage "dependencies (devstack/install-deps.sh)"
  if ! "$root/devstack/install-deps.sh"; then
    fail install-deps "could not install the Debian packages"
    finish
  fi
fi

# The guest image (cold: minutes of mmdebstrap, mostly downloads and dpkg) is built while the
# project compiles; stage v waits for it.
if ((!quick && EUID == 0)) && command -v qemu-system-x86_64 >/dev/null; then
  setsid "$root/devstack/vm/build-image.sh" >"$work/vm-image.log" 2>&1 &
  vm_image_pid=$!
fi

stage "build ($build_dir)"
mkdir -p "$build_dir"
if ! (bb_configure); then
  fail build "cmake configure failed"
  finish
fi
# -k 0: build every target that can be built, so the tests of the modules that compile still run
# while another module is broken. A build failure is one failed test.
# --vm-only builds just what the guest runs (the lvm and iscsiadm conformance cases run there).
build_targets=()
((vm_only)) && build_targets=(backupd backupctl bb_volume_driver_conformance_test
  bb_connector_conformance_test)
if ! ninja -C "$build_dir" -k 0 "${build_targets[@]}"; then
  fail build "ninja failed (see the compiler errors above); tests whose executable exists still run"
fi

if ((vm_only)); then
  vm_stage
  finish
fi

# --- which CTest test belongs to which stage --------------------------------------------------
# A test's executable is its command's first word; a target whose executable was never built
# shows up as "<target>_NOT_BUILT" with no command.
if ! ctest --test-dir "$build_dir" --show-only=json-v1 >"$work/tests.json" 2>"$work/ctest-list.err"; then
  cat "$work/ctest-list.err" >&2
  fail ctest "cannot list the tests"
  finish
fi
jq -r '.tests | to_entries[] |
  [(.key + 1 | tostring), .value.name,
   ((.value.command // [""])[0] | split("/") | last)] | @tsv' "$work/tests.json" >"$work/tests.tsv"

declare -A exe_seen=()
unit_ids=()
declare -A stage_ids=()
while IFS=$'\t' read -r id name exe; do
  if [[ -z $exe && $name == *_NOT_BUILT ]]; then
    exe=${name%_NOT_BUILT}
    echo "note: test executable $exe was not built; its tests count as failed"
  fi
  exe_seen[$exe]=1
  case " ${pg_stages[*]} ${root_stages[*]} " in
    *" $exe "*) stage_ids[$exe]+="$id " ;;
    *) unit_ids+=("$id") ;;
  esac
done <"$work/tests.tsv"

# Reads CTest's JUnit file: one "PASS|FAIL|SKIP<TAB>name<TAB>why" line per test case. A test that
# did not run because its executable is missing is a failure; a GTEST_SKIP or a disabled test is
# a skip, whose why is the reason GTEST_SKIP printed (the line after "...: Skipped" in its
# output). The name is the test's, without CTest's "  # GetParam() = ..." suffix.
junit_results() { # FILE
  awk '
    function attr(line, key,    m) {
      if (match(line, key "=\"[^\"]*\"")) return substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 3)
      return ""
    }
    function unxml(s) {
      gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s)
      gsub(/&amp;/, "\\&", s)
      return s
    }
    function done_case() {
      if (name == "") return
      if (result == "") result = (status == "fail") ? "FAIL" : "PASS"
      if (result == "SKIP" && reason != "") why = reason
      printf "%s\t%s\t%s\n", result, name, why
      name = ""
    }
    /<testcase / {
      done_case(); name = attr($0, "name"); status = attr($0, "status"); result = ""; why = ""
      reason = ""; next_is_reason = 0
      sub(/  # GetParam\(\) = .*$/, "", name)
      if ($0 ~ /\/>[ \t]*$/) done_case()
      next
    }
    next_is_reason { reason = unxml($0); next_is_reason = 0 }
    name != "" && /: Skipped$/ { next_is_reason = 1 }
    name != "" && /<failure/ && result == "" { result = "FAIL"; why = attr($0, "message"); next }
    name != "" && /<skipped/ && result == "" {
      why = attr($0, "message")
      result = (why == "SKIP_REGULAR_EXPRESSION_MATCHED" || why == "Disabled") ? "SKIP" : "FAIL"
      if (why == "SKIP_REGULAR_EXPRESSION_MATCHED") why = "GTEST_SKIP"
      next
    }
    /<\/testcase>/ { done_case() }
    END { done_case() }
  ' "$1"
}

# run_ctest LABEL JOBS ID...: runs those CTest tests and counts their results.
run_ctest() {
  local label=$1 jobs=$2 xml result name why
  shift 2
  (($#)) || return 0
  xml=$work/$label.xml
  rm -f "$xml"
  local ids
  ids=$(
    IFS=,
    echo "$*"
  )
  # The soak is one test of about 1.5 s per run.
  ctest --test-dir "$build_dir" -I "0,0,0,$ids" -j "$jobs" --timeout $((900 + 6 * soak_runs)) \
    --output-on-failure \
    --output-junit "$xml" || true
  if [[ ! -s $xml ]]; then
    fail "$label" "ctest produced no results"
    return 0
  fi
  while IFS=$'\t' read -r result name why; do
    case $result in
      PASS) pass ;;
      SKIP) skip "$label/$name" "${why:-skipped}" ;;
      *) fail "$label/$name" "${why:-failed}" ;;
    esac
  done < <(junit_results "$xml")
}

# require_executables LABEL EXE...: an expected test executable that CTest does not know yet is
# a failure (the module is not written or not registered yet).
require_executables() {
  local label=$1 exe
  shift
  for exe in "$@"; do
    [[ -n ${exe_seen[$exe]:-} ]] || fail "$label/$exe" "test executable does not exist (not written or not registered with CTest yet)"
  done
}

# --- a) unit ------------------------------------------------------------------------------------
stage "a) unit tests (${#unit_ids[@]} CTest tests)"
if ((${#unit_ids[@]} == 0)); then
  echo "no unit tests registered"
fi
run_ctest unit "$(nproc)" "${unit_ids[@]}"
if ((quick)); then
  finish
fi

# Stages b-d mostly wait on daemons and PostgreSQL, one test at a time: the fuzzer's clang build
# (stage f) uses the idle CPU meanwhile, niced and with one job so the tests keep their pace.
if command -v clang++ >/dev/null; then
  BB_FUZZ_BUILD_DIR=$root/build-fuzz BB_FUZZ_JOBS=1 setsid nice -n 19 "$root/api/fuzz/run.sh" \
    --build-only >"$work/fuzz-build.log" 2>&1 &
  fuzz_build_pid=$!
fi

# Every daemon of stages b-d records the failpoints it reaches here (stage e reads it).
export BB_FAILPOINT_HITS=$work/failpoint-hits
export BB_SOAK_RUNS=$soak_runs BB_SOAK_REPORT=$work/soak-report
: >"$BB_FAILPOINT_HITS"

# --- b) PostgreSQL integration --------------------------------------------------------------
stage "b) PostgreSQL integration tests (${pg_stages[*]})"
pg_dir=$work/pg
pg_port=$((20000 + RANDOM % 20000))
if (
  BB_PG_FAST=1
  bb_pg_start "$pg_dir" "$pg_port"
); then
  BB_TEST_PG_CONNINFO=$(bb_pg_conninfo "$pg_dir")
  export BB_TEST_PG_CONNINFO
  echo "BB_TEST_PG_CONNINFO=$BB_TEST_PG_CONNINFO"
  require_executables pg "${pg_stages[@]}"
  for exe in "${pg_stages[@]}"; do
    # Two at a time where every case has its own database, daemon and state dir and touches no
    # shared service (measured: bb_crash_test 431 s -> 275 s); the suites that start and stop
    # the host's tgtd around their cases (remote attach, roles) must run one case at a time.
    jobs=1
    case " ${pg_parallel_stages[*]} " in *" $exe "*) jobs=2 ;; esac
    # shellcheck disable=SC2086 # the ids are a space-separated list
    run_ctest "pg-$exe" "$jobs" ${stage_ids[$exe]:-}
  done
  if [[ -s $BB_SOAK_REPORT ]]; then
    echo
    cat "$BB_SOAK_REPORT"
  fi
else
  fail pg "the throw-away PostgreSQL did not start; stage b not run"
fi

# --- c) root ------------------------------------------------------------------------------------
stage "c) root tests (${root_stages[*]})"
if ((EUID != 0)); then
  for exe in "${root_stages[@]}"; do
    skip "root/$exe" "needs root: $exe (XFS loop mount, loop devices, tgtd)"
  done
else
  require_executables root "${root_stages[@]}"
  for exe in "${root_stages[@]}"; do
    # shellcheck disable=SC2086 # the ids are a space-separated list
    run_ctest "root-$exe" 1 ${stage_ids[$exe]:-}
  done
fi
if [[ -n $pg_dir ]]; then
  (bb_pg_stop "$pg_dir") || true
  pg_dir=""
  unset BB_TEST_PG_CONNINFO
fi

# --- d) end to end --------------------------------------------------------------------------------
stage "d) end-to-end scripts (tests/e2e/*.sh)"
shopt -s nullglob
e2e_scripts=("$root"/tests/e2e/*.sh)
shopt -u nullglob
if ((${#e2e_scripts[@]} == 0)); then
  echo "no e2e scripts"
fi
for script in "${e2e_scripts[@]}"; do
  name=e2e/$(basename "$script" .sh)
  if ((EUID != 0)); then
    skip "$name" "needs root: loop devices and mounts"
    continue
  fi
  echo "--- $name"
  t0=$SECONDS
  # --foreground keeps the script in our process group, so Ctrl-C reaches it and it cleans up.
  timeout --foreground -k 60 1500 bash "$script"
  rc=$?
  case $rc in
    0)
      pass
      echo "--- $name: PASS ($((SECONDS - t0)) s)"
      ;;
    77) skip "$name" "the script skipped itself" ;;
    124) fail "$name" "timed out after 1500 s" ;;
    130 | 143)
      fail "$name" "interrupted"
      finish
      ;;
    *) fail "$name" "exit code $rc ($((SECONDS - t0)) s)" ;;
  esac
done

vm_stage

# --- e) failpoint coverage --------------------------------------------------------------------
stage "e) failpoint coverage (every failpoint of the table reached by stages b-d)"
if ! listed=$("$build_dir/cmd/backupd/backupd" --list-failpoints | cut -f1); then
  fail failpoint-coverage "backupd --list-failpoints failed"
elif [[ -z $listed ]]; then
  fail failpoint-coverage "the failpoint table is empty"
else
  missing=$(comm -23 <(sort -u <<<"$listed") <(sort -u "$BB_FAILPOINT_HITS"))
  if [[ -n $missing ]]; then
    fail failpoint-coverage "never reached by any test: ${missing//$'\n'/ }"
  else
    echo "all $(wc -l <<<"$listed") failpoints were reached"
    pass
  fi
fi

# --- f) fuzzing -------------------------------------------------------------------------------
stage "f) API fuzzer (api/fuzz/run.sh, ${fuzz_seconds} s; clang build in build-fuzz)"
t0=$SECONDS
if [[ -n $fuzz_build_pid ]]; then
  # Its failure shows again, with the compiler's errors, when run.sh below builds.
  wait "$fuzz_build_pid" || echo "the background fuzzer build failed; building again below"
  fuzz_build_pid=""
  echo "fuzzer built alongside stages b-d; waited $((SECONDS - t0)) s for it"
fi
BB_FUZZ_BUILD_DIR=$root/build-fuzz timeout --foreground -k 60 $((fuzz_seconds + 1200)) \
  "$root/api/fuzz/run.sh" "$fuzz_seconds"
rc=$?
case $rc in
  0)
    pass
    echo "--- api-fuzzer: PASS ($((SECONDS - t0)) s with the build)"
    ;;
  77) skip api-fuzzer "clang++ is not installed" ;;
  *) fail api-fuzzer "exit code $rc: a crash or a broken invariant (its input is named above)" ;;
esac

finish
