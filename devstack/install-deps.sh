#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test and run the devstack.
# This is the ONE list of packages: tests/run.sh and devstack/stack.sh call this script.
# Idempotent: when everything is installed it does nothing (no apt call, no root needed).
# Usage: devstack/install-deps.sh [--optional]   (--optional adds clang-format and shellcheck)
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libzstd-dev liblz4-dev libssl-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  # REST API (api/): cpp-httplib, Debian's build with OpenSSL (its HTTPS server); libcurl for its
  # tests, and the real OpenStack client for tests/e2e/cinder_cli_test.sh; the openssl CLI makes
  # the TLS tests' throw-away CA (tests/tools/make_test_pki.sh)
  libcpp-httplib-dev libcurl4-openssl-dev python3-cinderclient openssl
  # iSCSI: libiscsi, the userspace initiator the iscsi connector links (the kernel's iscsi_tcp is
  # not needed, nor always there); tgt, the userspace target (tgtd/tgtadm, devstack/lib/tgt.sh);
  # libiscsi-bin's iscsi-ls/iscsi-inq for looking at an export by hand; open-iscsi, the kernel
  # initiator's iscsiadm/iscsid for the iscsiadm connector (its logins need the iscsi_tcp module)
  libiscsi-dev libiscsi-bin tgt open-iscsi
  # the API fuzzer (api/fuzz, tests/run.sh stage f): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # runtime and tests: PostgreSQL server (binaries under /usr/lib/postgresql/*/bin), XFS with
  # reflink on a loop image, losetup/blockdev/mount, JSON parsing in the scripts
  postgresql
  xfsprogs util-linux mount e2fsprogs coreutils procps jq
  # the test VM (devstack/vm): guest image from Debian packages, qemu (TCG), socat for the
  # guest -> host port forwards, ssh into the guest
  qemu-system-x86 qemu-utils mmdebstrap socat openssh-client xz-utils
)
if [[ ${1:-} == --optional ]]; then
  packages+=(clang-format shellcheck)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "install-deps: installing: ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "install-deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"

# Check again: a package that apt could not install is an error here, not later in the build.
for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [[ $status != installed ]]; then
    echo "install-deps: $p is still not installed" >&2
    exit 1
  fi
done
echo "install-deps: done"
