#!/usr/bin/env bash
# The worker image's build steps, in one place for the Dockerfile and for CI: CI has no Docker engine,
# so it runs the same steps on the host, into a directory, and then runs a Job with the result.
#   worker-image.sh os-packages        Debian packages pods need (bubblewrap, perl's bignum for pi)
#   worker-image.sh build DIR          install with dev dependencies and compile (DIR holds the sources)
#   worker-image.sh runtime DIR        production dependencies only, no install scripts
set -euo pipefail
step=${1:?usage: worker-image.sh os-packages|build DIR|runtime DIR}
case "$step" in
  os-packages)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends bubblewrap perl libmath-bigint-perl tini ca-certificates
    ;;
  build)
    cd "${2:?build needs the source dir}"
    # `prepare` compiles TypeScript into dist/.
    npm ci --no-audit --no-fund
    ;;
  runtime)
    cd "${2:?runtime needs the app dir}"
    # The compiled dist/ comes from the build step; install scripts only check versions here.
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
    ;;
  *)
    echo "worker-image.sh: unknown step $step" >&2
    exit 2
    ;;
esac
