#!/usr/bin/env bash
# Checks that every volume driver is "one folder + one registration line + the conformance suite"
# (docs/writing-a-volume-driver.md):
#   check_volume_driver_layout.sh [ROOT]   checks the tree at ROOT (default: this repository)
#   check_volume_driver_layout.sh --selftest
#                                          proves the check fails on a driver folder without its
#                                          instantiation, CMake file or registry line, in a copy
# A driver folder is a folder volume_drivers/<name>/ with a header declaring a class derived from
# VolumeDriver, or with a CMakeLists.txt. Each must have:
#   - CMakeLists.txt calling bb_volume_driver(<name> ...) (volume_drivers/CMakeLists.txt adds
#     every folder that has a CMakeLists.txt, and the call adds the conformance file to the suite);
#   - <name>_driver_conformance_test.cc instantiating VolumeDriverConformanceTest;
#   - its line X("<name>", ...) in volume_drivers/driver_registry.cc.
# And every registry line has its folder. Exit 0 when all hold; 1 with one line per problem.
set -euo pipefail

check() { # ROOT
  local root=$1 problems=0 dir name registry=$1/volume_drivers/driver_registry.cc
  [[ -f $registry ]] || {
    echo "no $registry"
    return 1
  }
  local -A folders=()
  for dir in "$root"/volume_drivers/*/; do
    dir=${dir%/}
    name=${dir##*/}
    if [[ -f $dir/CMakeLists.txt ]] ||
      grep -Eqs 'class[[:space:]]+[A-Za-z0-9_]+[[:space:]]*(final[[:space:]]*)?:[[:space:]]*public[[:space:]]+(bb::)?VolumeDriver\b' "$dir"/*.h; then
      folders[$name]=1
    fi
  done
  for name in "${!folders[@]}"; do
    dir=$root/volume_drivers/$name
    if ! grep -Eqs "^[[:space:]]*bb_volume_driver\($name([[:space:]]|\$)" "$dir/CMakeLists.txt"; then
      echo "volume_drivers/$name: no CMakeLists.txt calling bb_volume_driver($name ...)"
      problems=$((problems + 1))
    fi
    local conf=$dir/${name}_driver_conformance_test.cc
    # One statement, possibly over several lines: join the file before matching.
    if ! { tr '\n' ' ' <"$conf"; } 2>/dev/null |
      grep -Eq 'INSTANTIATE_TEST_SUITE_P\([[:space:]]*[A-Za-z0-9_]+[[:space:]]*,[[:space:]]*VolumeDriverConformanceTest[[:space:]]*,'; then
      echo "volume_drivers/$name: ${name}_driver_conformance_test.cc does not instantiate VolumeDriverConformanceTest"
      problems=$((problems + 1))
    fi
    if ! grep -Eq "^[[:space:]]*X\(\"$name\"," "$registry"; then
      echo "volume_drivers/$name: no registration line X(\"$name\", ...) in volume_drivers/driver_registry.cc"
      problems=$((problems + 1))
    fi
  done
  local registered
  while IFS= read -r registered; do
    if [[ -z ${folders[$registered]:-} ]]; then
      echo "driver_registry.cc registers \"$registered\", but volume_drivers/$registered/ is not a driver folder"
      problems=$((problems + 1))
    fi
  done < <(sed -nE 's/^[[:space:]]*X\("([^"]+)",.*/\1/p' "$registry")
  if ((problems > 0)); then
    return 1
  fi
  echo "${#folders[@]} driver folders (${!folders[*]}): each has its CMakeLists.txt, conformance instantiation and registry line"
}

selftest() {
  local here root tmp out
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  root=$(cd "$here/../.." && pwd)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/volume_drivers"
  cp "$root/volume_drivers/driver_registry.cc" "$tmp/volume_drivers/"
  cp -r "$root/volume_drivers/"*/ "$tmp/volume_drivers/"
  check "$tmp" >/dev/null || {
    echo "selftest: the copy of this tree does not pass"
    return 1
  }
  expect_failure() { # WHAT PATTERN
    if out=$(check "$tmp"); then
      echo "selftest: passed although $1"
      return 1
    fi
    grep -q -- "$2" <<<"$out" || {
      echo "selftest: $1, but the output does not say '$2': $out"
      return 1
    }
  }
  # A new driver folder with only its class: everything else is missing.
  mkdir "$tmp/volume_drivers/toy"
  printf 'class ToyDriver : public VolumeDriver {\n};\n' >"$tmp/volume_drivers/toy/toy_driver.h"
  expect_failure "toy/ has no CMakeLists.txt" "volume_drivers/toy: no CMakeLists.txt"
  expect_failure "toy/ has no instantiation" "toy_driver_conformance_test.cc does not instantiate"
  expect_failure "toy is not registered" 'no registration line X("toy"'
  printf 'bb_volume_driver(toy SOURCES toy_driver.cc)\n' >"$tmp/volume_drivers/toy/CMakeLists.txt"
  sed -i 's/^\(#define BB_VOLUME_DRIVERS(X).*\)$/\1\n  X("toy", CreateToyVolumeDriver) \\/' \
    "$tmp/volume_drivers/driver_registry.cc"
  # A test file that mentions the suite without instantiating it does not count.
  printf '// VolumeDriverConformanceTest comes later\n' >"$tmp/volume_drivers/toy/toy_driver_conformance_test.cc"
  expect_failure "toy's conformance file instantiates nothing" "toy_driver_conformance_test.cc does not instantiate"
  printf 'INSTANTIATE_TEST_SUITE_P(\n    ToyDriver, VolumeDriverConformanceTest,\n    ::testing::Values(Toy()), VolumeDriverFactoryName);\n' \
    >"$tmp/volume_drivers/toy/toy_driver_conformance_test.cc"
  check "$tmp" >/dev/null || {
    echo "selftest: a complete toy driver does not pass: $(check "$tmp")"
    return 1
  }
  # A registry line without its folder.
  rm -r "$tmp/volume_drivers/toy"
  expect_failure "toy is registered without a folder" 'registers "toy", but volume_drivers/toy/'
  echo "selftest: ok"
}

if [[ ${1:-} == --selftest ]]; then
  selftest
else
  check "${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
fi
