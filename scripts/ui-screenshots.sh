#!/usr/bin/env bash
# Screenshots of what the Temporal Web UI shows for Jobs, taken with headless Chromium:
#   - the workflow list, with a Failed Job (red) next to a running one;
#   - the failed Job: its failure (the Kubernetes reason) and its failed pod activities;
#   - the running Job: its history, its current details (phase, counts, active pods, last events) and
#     its pending pod activities.
# Usage: scripts/ui-screenshots.sh [OUT_DIR]   (default: ./ui-screenshots)
# Needs a built tree (npm install) and Chromium (Debian: apt-get install chromium).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-ui-screenshots}" && cd "${1:-ui-screenshots}" && pwd)"
chromium="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$chromium" ]; then
  echo "ui-screenshots: no Chromium found (Debian: apt-get install chromium)" >&2
  exit 1
fi

work="$(mktemp -d)"
dev_pid=""
cleanup() {
  if [ -n "$dev_pid" ]; then kill -INT "$dev_pid" 2>/dev/null || true; wait "$dev_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DURABLE_JOBS_HOME="$work/data" NO_COLOR=1
jobctl() { node "$root/bin/jobctl.js" "$@"; }

# node itself, not the jobctl function: a backgrounded function is a subshell, and the cleanup's SIGINT
# to it would never reach the dev server.
node "$root/bin/jobctl.js" dev > "$work/dev.log" 2>&1 &
dev_pid=$!
for _ in $(seq 1 120); do
  grep -q 'Temporal Web UI:' "$work/dev.log" && break
  kill -0 "$dev_pid" 2>/dev/null || { cat "$work/dev.log" >&2; exit 1; }
  sleep 1
done
ui="$(sed -n 's/.*Temporal Web UI: \(http[^ ]*\) *(server \([^)]*\)).*/\1/p' "$work/dev.log" | head -1)"
export TEMPORAL_ADDRESS="$(sed -n 's/.*Temporal Web UI: [^ ]* *(server \([^)]*\)).*/\1/p' "$work/dev.log" | head -1)"
[ -n "$ui" ] || { cat "$work/dev.log" >&2; exit 1; }

cat > "$work/jobs.yaml" <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: fails}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: busybox, command: ["sh", "-c", "echo computing; echo 'error: no input' >&2; exit 3"]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: runs}
spec:
  completions: 5
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: busybox, command: ["sh", "-c", "echo working; sleep 600"]}
EOF
jobctl create -f "$work/jobs.yaml"
jobctl wait --for=condition=failed job/fails --timeout=120s
sleep 2

shot() { # name url
  # Chromium's own --screenshot waits for the page to go idle, which a running workflow's page (it polls)
  # never does: scripts/screenshot.js drives Chromium over DevTools and shoots after a fixed wait.
  node --experimental-websocket --no-warnings "$root/scripts/screenshot.js" "$chromium" "$2" "$out/$1.png" 8000 ||
    { echo "ui-screenshots: no screenshot of $2" >&2; return 1; }
  echo "$out/$1.png"
}
ns=default
# The UI addresses a workflow by id and run id: the Job's current run.
wf() {
  (cd "$root" && node -e '
    const { Client, Connection } = require("@temporalio/client");
    (async () => {
      const client = new Client({ connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS }) });
      const d = await client.workflow.getHandle(process.argv[1]).describe();
      process.stdout.write(`${process.argv[2]}/namespaces/default/workflows/${encodeURIComponent(d.workflowId)}/${d.runId}`);
      process.exit(0);
    })();' "job/default/$1" "$ui")
}
shot workflows "$ui/namespaces/$ns/workflows"
shot failed-job "$(wf fails)"
shot workflows-failed-filter "$ui/namespaces/$ns/workflows?query=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "ExecutionStatus=\"Failed\"")"
shot running-job "$(wf runs)"
# Its current details (phase, counts, active pods, last events) and its running pods.
shot running-job-details "$(wf runs)/user-metadata"
shot running-job-pods "$(wf runs)/pending-activities"
jobctl delete job runs > /dev/null
