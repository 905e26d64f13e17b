#!/usr/bin/env bash
# What CI can check of the worker image without a Docker engine: the Dockerfile's own steps
# (scripts/worker-image.sh) run on this host, into a temp dir laid out as the image is, and the `jobctl`
# of that tree then runs the pi Job end to end on an embedded dev server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "[worker image] sources as the Dockerfile's COPY sees them (.dockerignore applied) -> $root/src"
mkdir -p "$root/src" "$root/app"
git ls-files -z --cached --others --exclude-standard | grep -zv -E '^(node_modules|dist|\.git|\.data)/' | tar --null -T - -cf - | tar -xf - -C "$root/src"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[worker image] os-packages"
  bash scripts/worker-image.sh os-packages >/dev/null
fi
echo "[worker image] build"
bash scripts/worker-image.sh build "$root/src" >/dev/null
echo "[worker image] runtime"
cp "$root/src/package.json" "$root/src/package-lock.json" "$root/app/"
bash scripts/worker-image.sh runtime "$root/app" >/dev/null
cp -r "$root/src/bin" "$root/src/examples" "$root/app/"
mkdir -p "$root/app/dist"
cp -r "$root/src/dist/src" "$root/app/dist/src"
if [ -d "$root/app/node_modules/typescript" ]; then echo "[worker image] dev dependencies leaked into the runtime tree" >&2; exit 1; fi
echo "[worker image] the image's jobctl runs the pi Job"
out=$(cd "$root/app" && DURABLE_JOBS_HOME="$root/data" node bin/jobctl.js run examples/pi.yaml 2>"$root/stderr") || { cat "$root/stderr" >&2; exit 1; }
case "$out" in
  3.14159265358979323846*) echo "[worker image] ok: pi printed ($(printf %s "$out" | wc -c) bytes)" ;;
  *) echo "[worker image] unexpected output: ${out:0:200}" >&2; cat "$root/stderr" >&2; exit 1 ;;
esac
