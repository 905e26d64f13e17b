// End to end, through `jobctl` against one dev server and one worker: the kubectl habits of issue 13
// (get -w, -o jsonpath / custom-columns, --sort-by, --show-labels, get events, describe pod, version,
// config view, cluster-info, completion, short usage errors, connection errors, apply warnings,
// spec.managedBy). jobctl runs in this process (helpers/jobctl-server.ts), the real process for watching
// until a signal, for an environment of its own, and for a usage error's exit code.
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseConnectionFailure } from '../src/client/connection-errors';
import path from 'node:path';
import { JOBCTL, ROOT, jobYaml, startJobctlServer, type JobctlServer, type Ran } from './helpers/jobctl-server';
import { processesWith, token } from './helpers/procs';

function ok(ran: Ran, what: string): Ran {
  assert.equal(ran.code, 0, `${what} failed (${ran.code}):\n${ran.stderr}${ran.stdout}`);
  return ran;
}

function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.trim().split(/\s{3,}/));
}

/** A long-running `jobctl` (a watch): its output so far, and a way to stop it as Ctrl-C would. */
function startJobctl(s: JobctlServer, args: string[]) {
  const env = { ...process.env, TEMPORAL_ADDRESS: s.address, DURABLE_JOBS_HOME: s.dataDir, DURABLE_JOBS_TASK_QUEUE: s.taskQueue, NO_COLOR: '1' };
  const child = spawn(process.execPath, [JOBCTL, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    out: () => stdout,
    err: () => stderr,
    async until(what: string, done: (out: string) => boolean, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!done(stdout)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
      child.kill(signal);
      return closed;
    },
  };
}

describe('kubectl habits against a dev server', () => {
  let s: JobctlServer;
  before(async () => {
    s = await startJobctlServer('jobctl-habits');
  });
  after(async () => {
    await s?.teardown();
  });

  it('get -w and --watch-only follow Jobs and pods until SIGTERM; then jsonpath, custom-columns, --sort-by, --show-labels, events, describe pod', async () => {
    // Another controller's Job, created first: by the time the watched Job is done, ours would have run it.
    const external = jobYaml('external', 'echo should-not-run', { labels: { app: 'habits' } }).replace('spec:\n', 'spec:\n  managedBy: example.com/my-controller\n');
    ok(await s.jobctl(['create', '-f', s.file('external.yaml', external)]), 'create external');

    const jobsWatch = startJobctl(s, ['get', 'jobs', '-w', '-l', 'app=habits', '--show-labels']);
    const podsWatch = startJobctl(s, ['get', 'pods', '--watch-only', '-l', 'job-name=watched']);
    // The first listing (with the external Job) is printed before the watched Job exists.
    await jobsWatch.until('the first listing', (o) => /^external\s/m.test(o));
    // `ports` is a field no runtime here honours: the Job says so in a Warning event.
    const watched = jobYaml('watched', 'echo watched; sleep 1', { labels: { app: 'habits', tier: 'b' } }).replace('{name: main, image: busybox,', '{name: main, image: busybox, ports: [{containerPort: 8080}],');
    ok(await s.jobctl(['create', '-f', s.file('watched.yaml', watched)]), 'create watched');
    await jobsWatch.until('watched Complete', (o) => /^watched\s+Complete\s/m.test(o));
    await podsWatch.until('the pod Completed', (o) => /^watched-[a-z0-9]{5}\s+0\/1\s+Completed\s/m.test(o));
    assert.equal(await jobsWatch.stop('SIGTERM'), 0, jobsWatch.err());
    assert.equal(await podsWatch.stop('SIGINT'), 0, podsWatch.err());

    const jobLines = rows(jobsWatch.out());
    assert.deepEqual(jobLines[0], ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'LABELS']);
    assert.equal(jobLines.filter((r) => r[0] === 'NAME').length, 1, 'one header only');
    assert.equal(jobLines[1][0], 'external');
    assert.equal(jobLines.at(-1)?.[0], 'watched');
    assert.equal(jobLines.at(-1)?.at(-1), 'app=habits,tier=b');
    // Nothing changed about the external Job after the listing: it is printed once.
    assert.equal(jobLines.filter((r) => r[0] === 'external').length, 1);
    const podLines = rows(podsWatch.out());
    assert.deepEqual(podLines[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], 'the first change comes with the header');
    assert.ok(podLines.slice(1).every((r) => /^watched-/.test(r[0])));

    const [names, columns, sorted, ext, extPods, events, pods] = await Promise.all([
      s.jobctl(['get', 'jobs', '-l', 'app=habits', '-o', 'jsonpath={.items[*].metadata.name}']),
      s.jobctl(['get', 'jobs', '-l', 'app=habits', '-o', 'custom-columns=NAME:.metadata.name,MANAGER:.spec.managedBy,SUCCEEDED:.status.succeeded']),
      s.jobctl(['get', 'jobs', '-l', 'app=habits', '--sort-by=.metadata.labels.tier', '-o', 'name']),
      s.jobctl(['get', 'job', 'external', '-o', 'jsonpath={range .status.conditions[*]}{.type}{"\\n"}{end}|{.status.startTime}|{.status.active}']),
      s.jobctl(['get', 'pods', '-l', 'job-name=external']),
      s.jobctl(['get', 'events']),
      s.jobctl(['get', 'pods', '-l', 'job-name=watched', '-o', 'jsonpath={.items[0].metadata.name}']),
    ]);
    assert.equal(ok(names, 'jsonpath').stdout, 'external watched');
    assert.deepEqual(rows(ok(columns, 'custom-columns').stdout), [
      ['NAME', 'MANAGER', 'SUCCEEDED'],
      ['external', 'example.com/my-controller', '<none>'],
      ['watched', '<none>', '1'],
    ]);
    // The Job without the field sorts first.
    assert.equal(ok(sorted, 'sort-by').stdout, 'job.batch/external\njob.batch/watched\n');
    // spec.managedBy: no conditions, no startTime, no pods.
    assert.equal(ok(ext, 'external status').stdout, '||');
    assert.equal(ok(extPods, 'external pods').stdout, '');
    assert.match(extPods.stderr, /No resources found in default namespace\./);

    const eventRows = rows(ok(events, 'get events').stdout);
    assert.deepEqual(eventRows[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.ok(eventRows.some((r) => r[1] === 'Normal' && r[2] === 'SuccessfulCreate' && r[3] === 'job/watched'), events.stdout);
    assert.ok(eventRows.some((r) => r[2] === 'Completed' && r[3] === 'job/watched'), events.stdout);
    assert.ok(
      eventRows.some((r) => r[1] === 'Warning' && r[2] === 'IgnoredFields' && r[3] === 'job/watched' && r[4] === 'the process runtime ignores spec.template.spec.containers[0].ports'),
      events.stdout,
    );
    assert.ok(!eventRows.some((r) => r[3] === 'job/external'), 'the external Job has no events');

    const podName = ok(pods, 'pod name').stdout;
    const described = ok(await s.jobctl(['describe', 'pod', podName]), 'describe pod').stdout;
    assert.match(described, new RegExp(`^Name:\\s+${podName}$`, 'm'));
    assert.match(described, /^Status:\s+Succeeded$/m);
    assert.match(described, /^Controlled By:\s+Job\/watched$/m);
    assert.match(described, /^ {4}Port:\s+8080\/TCP$/m);
    assert.match(described, /^ {4}State:\s+Terminated\n {6}Reason:\s+Completed\n {6}Exit Code:\s+0$/m);
    assert.match(described, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+job-controller\\s+Created pod: ${podName}`));
    const missing = await s.jobctl(['describe', 'pod', 'nothing-abcde']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "nothing-abcde" not found\n');
  });

  it('apply warns of an image without a command, as a server Warning: line, and still creates the Job', async () => {
    const yaml = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: image-only}',
      'spec:',
      // Suspended: it runs no pod (which would fail), and the server's teardown removes it.
      '  suspend: true',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      containers: [{name: web, image: nginx}]',
      '',
    ].join('\n');
    const ran = ok(await s.jobctl(['apply', '-f', s.file('image-only.yaml', yaml)]), 'apply');
    assert.equal(ran.stdout, 'job.batch/image-only created\n');
    assert.match(ran.stderr, /^Warning: spec\.template\.spec\.containers\[0\] \("web"\): image "nginx" has no command: .*runtimeClassName: docker to run the image\n$/);
  });

  it('delete pod forces a retry: the pod is terminated with --grace-period, counted as failed, and replaced', async () => {
    // The first pod ignores SIGTERM and would outlive its hour-long terminationGracePeriodSeconds; only
    // --grace-period=1 (then SIGKILL) lets `delete pod` return. Its replacement finds the mark and succeeds.
    const mark = path.join(path.dirname(s.file('retry.keep', '')), 'retry.mark');
    const word = `1000.${token()}`;
    const script = `if [ -e ${mark} ]; then echo replacement; exit 0; fi; touch ${mark}; trap '' TERM; exec sleep ${word}`;
    const yaml = jobYaml('retry', script, { backoffLimit: 2 }).replace('terminationGracePeriodSeconds: 1', 'terminationGracePeriodSeconds: 3600');
    ok(await s.jobctl(['create', '-f', s.file('retry.yaml', yaml)]), 'create');
    const deadline = Date.now() + 60_000;
    let pod = '';
    while (pod === '' || processesWith(word).length === 0) {
      assert.ok(Date.now() < deadline, 'the first pod did not start');
      pod = ok(await s.jobctl(['get', 'pods', '-l', 'job-name=retry', '-o', 'jsonpath={.items[0].metadata.name}']), 'get pods').stdout.trim();
    }

    const deleted = ok(await s.jobctl(['delete', 'pod', pod, '--grace-period=1']), 'delete pod');
    assert.equal(deleted.stdout, `pod "${pod}" deleted\n`);
    assert.deepEqual(processesWith(word), [], 'the pod process is gone when delete returns');

    ok(await s.jobctl(['wait', '--for=condition=complete', 'job/retry', '--timeout=120s']), 'wait');
    const counts = ok(await s.jobctl(['get', 'job', 'retry', '-o', 'jsonpath={.status.failed},{.status.succeeded},{.status.terminating}']), 'get job');
    assert.equal(counts.stdout, '1,1,0');
    const pods = rows(ok(await s.jobctl(['get', 'pods', '-l', 'job-name=retry', '--sort-by', '.metadata.creationTimestamp']), 'get pods').stdout);
    assert.deepEqual(pods.slice(1).map((r) => [r[0] === pod, r[2]]), [[true, 'Error'], [false, 'Completed']]);
    assert.equal(ok(await s.jobctl(['logs', pods[2][0]]), 'logs').stdout, 'replacement\n');

    // A finished pod, and one that never was: kubectl's NotFound and exit code 1.
    const again = await s.jobctl(['delete', 'pod', pod]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^Error from server \\(NotFound\\): pods "${pod}" not found`));
    const missing = await s.jobctl(['delete', 'pod/retry-zzzzz']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'Error from server (NotFound): pods "retry-zzzzz" not found\n']);
  });

  it('version, config view, cluster-info and completion', async () => {
    const [version, client, json, view, info, bash, zsh] = await Promise.all([
      s.jobctl(['version']),
      s.jobctl(['version', '--client'], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } }),
      s.jobctl(['version', '-o', 'json']),
      s.jobctl(['config', 'view'], { env: { TEMPORAL_API_KEY: 'very-secret-key', TEMPORAL_NAMESPACE: 'team-a' } }),
      s.jobctl(['cluster-info']),
      s.jobctl(['completion', 'bash']),
      s.jobctl(['completion', 'zsh']),
    ]);
    assert.match(ok(version, 'version').stdout, /^Client Version: v\d+\.\d+\.\d+\nServer Version: v\d+\.\d+\.\d+.* \(Temporal\)\n$/);
    assert.match(ok(client, 'version --client').stdout, /^Client Version: v\d+\.\d+\.\d+\n$/);
    const doc = JSON.parse(ok(json, 'version -o json').stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string; platform: string } };
    assert.match(doc.clientVersion.gitVersion, /^v\d/);
    assert.equal(doc.serverVersion.platform, 'temporal');

    const viewText = ok(view, 'config view').stdout;
    assert.ok(!viewText.includes('very-secret-key'));
    assert.match(viewText, /^apiKey: REDACTED$/m);
    assert.match(viewText, /^namespace: team-a$/m);
    assert.match(viewText, new RegExp(`^ {2}address: ${s.address.replace(/\./g, '\\.')}\n {2}source: TEMPORAL_ADDRESS$`, 'm'));
    assert.match(viewText, /^tls:\n {2}enabled: true$/m);

    assert.match(ok(info, 'cluster-info').stdout, new RegExp(`^Temporal frontend is running at ${s.address.replace(/\./g, '\\.')} \\(Temporal [^)]+\\), namespace "default"$`, 'm'));
    assert.match(ok(bash, 'completion bash').stdout, /complete -o default -F _jobctl jobctl\n$/);
    assert.match(ok(zsh, 'completion zsh').stdout, /^#compdef jobctl\n/);
  });

  it("usage errors in kubectl's short form; connection errors that say what failed and where", async () => {
    const [flag, arg, shell, refused, tls, namespace] = await Promise.all([
      s.jobctl(['get', '--bogus', 'jobs'], { process: true }),
      s.jobctl(['logs']),
      s.jobctl(['completion', 'fish']),
      s.jobctl(['get', 'jobs'], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } }),
      s.jobctl(['get', 'jobs'], { env: { TEMPORAL_TLS: 'true' } }),
      s.jobctl(['get', 'job', 'x'], { env: { TEMPORAL_NAMESPACE: 'no-such-namespace' } }),
    ]);
    assert.equal(flag.code, 1);
    assert.equal(flag.stderr, "error: unknown option '--bogus'\nSee 'jobctl get --help' for usage.\n");
    assert.equal(arg.code, 1);
    assert.equal(arg.stderr, "error: missing required argument 'target'\nSee 'jobctl logs --help' for usage.\n");
    assert.equal(shell.code, 1);
    assert.equal(shell.stderr, 'error: Unsupported shell type "fish".\n');

    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: cannot connect to Temporal at 127\.0\.0\.1:1: connection refused/);
    assert.equal(tls.code, 1);
    // (The SDK's TLS stack may print a DeprecationWarning of Node's first: an IP address as server name.)
    assert.match(tls.stderr, new RegExp(`^error: cannot connect to Temporal at ${s.address.replace(/\./g, '\\.')}: TLS failed`, 'm'));
    // A frontend that answers the probe was merely slow for the SDK; a TLS client cannot talk to it at all.
    const deadline = new Error('Failed to connect before the deadline');
    assert.equal(await diagnoseConnectionFailure(s.address, false, deadline), 'timeout');
    assert.equal(await diagnoseConnectionFailure(s.address, true, deadline), 'tls');
    assert.equal(namespace.code, 1);
    assert.equal(
      namespace.stderr.split('\n')[0],
      `error: Temporal namespace "no-such-namespace" was not found on the server at ${s.address} (set TEMPORAL_NAMESPACE, or create it: temporal operator namespace create no-such-namespace)`,
    );
  });
});
