#!/usr/bin/env bash
# Host tools that pods and examples rely on, installed from Debian's packages when missing and possible.
# Idempotent and quiet when everything is there; says what to do when it cannot install.
set -u
need=()

# perl 5.36's bundled Math::BigInt breaks on bpi(2000) ("Can't use an undefined value as an ARRAY
# reference"), which the seeds' pi Job runs; Debian's newer libmath-bigint-perl fixes it. The failure
# shows only when the number is printed, so the check runs the pi Job's own command (3-4 CPU-s, which
# `npm test` pays before its first test: skipped where Debian's package, the fix, is installed already).
if command -v perl >/dev/null 2>&1 &&
  ! dpkg-query -W -f='${Status}' libmath-bigint-perl 2>/dev/null | grep -q 'ok installed' &&
  ! perl -Mbignum=bpi -wle 'print bpi(2000)' >/dev/null 2>&1; then
  need+=(libmath-bigint-perl)
fi

# bwrap runs each pod in its own PID and mount namespace (src/activities/sandbox.ts): no process of a
# pod outlives it or its worker, and emptyDir volumes appear at their mountPath. Linux only.
if [ "$(uname -s)" = Linux ] && ! command -v bwrap >/dev/null 2>&1; then
  need+=(bubblewrap)
fi

# `--cluster` (npm run test:cluster): the Temporal server runs on PostgreSQL, which the test starts
# itself from Debian's binaries (/usr/lib/postgresql/<major>/bin, off PATH), and iproute2 puts the two
# worker hosts in network namespaces.
if [ "${1:-}" = --cluster ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
fi

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[durable-jobs] installing host packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${need[@]}" >/dev/null; } ||
    { echo "[durable-jobs] could not install ${need[*]}; install them with your package manager" >&2; exit 0; }
else
  echo "[durable-jobs] recommended host packages are missing: ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
fi
exit 0
