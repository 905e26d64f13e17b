// End to end: jobctl against a real dev server (Job search attributes registered) and a real worker
// running real pod processes. Every verb, output format, selector, namespace, error and exit code.
// jobctl runs in this process (helpers/jobctl-server.ts: the same `runCli` as bin/jobctl.js); the real
// process where it matters here: exit codes 0 and 1, stdin, an environment of its own.
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { processesWith } from './helpers/procs';
import { JOB_SHAPE, POD_SHAPE, assertShape } from './helpers/kube-shape';
import { jobYaml, startJobctlServer, type JobctlServer, type Ran } from './helpers/jobctl-server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function ok(ran: Ran, what: string): Ran {
  assert.equal(ran.code, 0, `${what} failed (${ran.code}):\n${ran.stderr}${ran.stdout}`);
  return ran;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** A table's cells, split on kubectl's 3+ space padding. */
function table(text: string): string[][] {
  return lines(text).map((l) => l.trim().split(/\s{3,}/));
}

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('jobctl verbs against a dev server', () => {
  let s: JobctlServer;
  const getJson = async (name: string, ns = 'default') => JSON.parse(ok(await s.jobctl(['get', 'job', name, '-n', ns, '-o', 'json']), `get ${name}`).stdout);

  before(async () => {
    s = await startJobctlServer('jobctl-verbs');
  });
  after(async () => {
    await s?.teardown();
  });

  it('create, wait, get: tables, -o json|yaml|name|wide in Kubernetes\' shape; a finished Job still exists', async () => {
    const file = s.file('hello.yaml', jobYaml('hello', 'echo hello', { labels: { app: 'hello' } }));
    const created = ok(await s.jobctl(['create', '-f', file], { process: true }), 'create');
    assert.equal(created.stdout, 'job.batch/hello created\n');

    const again = await s.jobctl(['create', '-f', file], { process: true });
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim(), 'Error from server (AlreadyExists): jobs "hello" already exists');

    const waited = ok(await s.jobctl(['wait', '--for=condition=complete', 'job/hello', '--timeout=60s']), 'wait');
    assert.equal(waited.stdout, 'job.batch/hello condition met\n');

    const [applied, createdAgain, tbl, wide, json, yaml, names, slashed, noMatch] = await Promise.all([
      s.jobctl(['apply', '-f', file]),
      s.jobctl(['create', '-f', file]),
      s.jobctl(['get', 'jobs']),
      s.jobctl(['get', 'jobs', '-o', 'wide', '-l', 'app=hello']),
      s.jobctl(['get', 'job', 'hello', '-o', 'json']),
      s.jobctl(['get', 'job', 'hello', '-o', 'yaml']),
      s.jobctl(['get', 'jobs', '-l', 'app=hello', '-o', 'name']),
      s.jobctl(['get', 'job.batch/hello']),
      s.jobctl(['get', 'jobs', '-l', 'app=nothing']),
    ]);
    assert.equal(ok(applied, 'apply').stdout, 'job.batch/hello unchanged\n');
    // Only deleting a Job frees its name, as in Kubernetes.
    assert.equal(createdAgain.code, 1);
    assert.match(createdAgain.stderr, /Error from server \(AlreadyExists\): jobs "hello" already exists/);

    const rows = table(ok(tbl, 'get jobs').stdout);
    assert.deepEqual(rows[0], ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    const hello = rows.find((r) => r[0] === 'hello');
    assert.ok(hello, tbl.stdout);
    assert.equal(hello[1], 'Complete');
    assert.equal(hello[2], '1/1');
    assert.match(hello[3], /^\d+s$/);
    assert.match(hello[4], /^\d+s$/);
    // Columns line up: every cell of a column starts at the header's offset.
    const header = lines(tbl.stdout)[0];
    const statusAt = header.indexOf('STATUS');
    for (const line of lines(tbl.stdout).slice(1)) assert.match(line.slice(statusAt), /^(Complete|Running|Failed|Suspended) /, line);

    const w = table(ok(wide, 'get -o wide').stdout);
    assert.deepEqual(w[0], ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.equal(w.length, 2);
    assert.deepEqual(w[1].slice(5, 7), ['main', 'busybox']);
    assert.match(w[1][7], /^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/);

    const obj = JSON.parse(ok(json, 'get -o json').stdout);
    assertShape(obj, JOB_SHAPE);
    assert.equal(obj.apiVersion, 'batch/v1');
    assert.equal(obj.kind, 'Job');
    assert.equal(obj.metadata.name, 'hello');
    assert.equal(obj.metadata.namespace, 'default');
    assert.match(obj.metadata.uid, UUID);
    assert.equal(obj.metadata.labels.app, 'hello');
    assert.deepEqual(obj.spec.selector.matchLabels, { 'batch.kubernetes.io/controller-uid': obj.metadata.uid });
    assert.equal(obj.spec.template.metadata.labels['job-name'], 'hello');
    assert.deepEqual(obj.spec.template.spec.containers[0].command, ['sh', '-c', 'echo hello']);
    assert.equal(obj.spec.completions, 1);
    assert.equal(obj.spec.parallelism, 1);
    assert.equal(obj.spec.backoffLimit, 6);
    assert.equal(obj.spec.suspend, false);
    assert.equal(obj.status.succeeded, 1);
    assert.equal(obj.status.active, undefined, 'zero counters are omitted, as kubectl prints them');
    assert.equal(obj.status.ready, 0);
    assert.ok(Date.parse(obj.status.completionTime) >= Date.parse(obj.status.startTime));
    assert.deepEqual(
      obj.status.conditions.map((c: { type: string; status: string; reason: string }) => `${c.type}/${c.status}/${c.reason}`),
      ['SuccessCriteriaMet/True/CompletionsReached', 'Complete/True/CompletionsReached'],
    );
    assert.deepEqual(parseYaml(ok(yaml, 'get -o yaml').stdout), obj, '-o yaml is the same object');
    assert.equal(ok(names, 'get -o name').stdout, 'job.batch/hello\n');
    assert.equal(table(ok(slashed, 'get job.batch/hello').stdout)[1][0], 'hello');
    assert.equal(ok(noMatch, 'get -l nothing').stdout, '');
    assert.equal(noMatch.stderr.trim(), 'No resources found in default namespace.');

    // The client set the search attributes at start, so listing is a server-side visibility query
    // (and the workflow upserted the phase when the Job completed).
    const ids: string[] = [];
    for await (const wf of s.env.client.workflow.list({ query: `JobName = 'hello' AND JobLabels = 'app=hello' AND JobPhase = 'Complete'` })) ids.push(wf.workflowId);
    assert.deepEqual(ids, ['job/default/hello']);
  });

  it('apply -f from a directory, stdin and multi-document files; --dry-run=client; -n; invalid manifests create nothing', async () => {
    const dir = s.file('dir/a.yaml', `${jobYaml('multi-a', 'true')}---\n${jobYaml('multi-b', 'true')}`).replace(/a\.yaml$/, '');
    s.file('dir/b.yml', jobYaml('multi-c', 'true'));
    s.file('dir/notes.txt', 'not a manifest');
    const applied = ok(await s.jobctl(['apply', '-f', dir, '-n', 'batch-dir']), 'apply -f dir');
    assert.deepEqual(lines(applied.stdout), ['job.batch/multi-a created', 'job.batch/multi-b created', 'job.batch/multi-c created']);

    const stdin = ok(await s.jobctl(['create', '-f', '-', '-n', 'team-b'], { input: jobYaml('from-stdin', 'true') }), 'create -f -');
    assert.equal(stdin.stdout, 'job.batch/from-stdin created\n');

    const dry = s.file('dry.yaml', jobYaml('dry', 'true'));
    const bad = s.file('bad.yaml', jobYaml('bad', 'true').replace('restartPolicy: Never', 'restartPolicy: Always'));
    const good = s.file('good.yaml', jobYaml('good-before-bad', 'true'));
    const elsewhere = s.file('ns.yaml', jobYaml('pinned', 'true', { namespace: 'team-a' }));
    const [dryRun, dryYaml, invalid, mismatch, listed, other] = await Promise.all([
      s.jobctl(['apply', '-f', dry, '--dry-run=client']),
      s.jobctl(['create', '-f', dry, '--dry-run=client', '-o', 'yaml']),
      s.jobctl(['apply', '-f', good, '-f', bad]),
      s.jobctl(['apply', '-f', elsewhere, '-n', 'team-b']),
      s.jobctl(['get', 'jobs', '-n', 'batch-dir', '-o', 'name']),
      s.jobctl(['get', 'jobs', '-n', 'team-b', '-o', 'name']),
    ]);
    assert.equal(ok(dryRun, 'dry run').stdout, 'job.batch/dry created (dry run)\n');
    const dryObject = parseYaml(ok(dryYaml, 'dry run -o yaml').stdout);
    assertShape(dryObject, JOB_SHAPE);
    assert.equal(dryObject.metadata.name, 'dry');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /The Job "bad" is invalid: spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /the namespace from the provided object "team-a" does not match the namespace "team-b"/);
    assert.deepEqual(lines(ok(listed, 'get -n batch-dir').stdout).sort(), ['job.batch/multi-a', 'job.batch/multi-b', 'job.batch/multi-c']);
    assert.deepEqual(lines(ok(other, 'get -n team-b').stdout), ['job.batch/from-stdin']);

    const [dryGone, goodGone] = await Promise.all([s.jobctl(['get', 'job', 'dry']), s.jobctl(['get', 'job', 'good-before-bad'])]);
    assert.equal(dryGone.code, 1, 'a dry run creates nothing');
    assert.equal(dryGone.stderr.trim(), 'Error from server (NotFound): jobs "dry" not found');
    assert.equal(goodGone.code, 1, 'one invalid manifest stops every Job of the command');
  });

  it('namespaces keep same-named Jobs apart; -l selectors with every operator; -A', async () => {
    const labelled = [
      jobYaml('s1', 'true', { labels: { env: 'prod', tier: 'web' } }),
      jobYaml('s2', 'true', { labels: { env: 'dev' } }),
      jobYaml('s3', 'true'),
    ].join('---\n');
    ok(await s.jobctl(['create', '-f', s.file('sel.yaml', labelled), '-n', 'sel']), 'create sel');
    ok(await s.jobctl(['create', '-f', s.file('same-a.yaml', jobYaml('same', 'echo in-a', { namespace: 'ns-a', labels: { owner: 'a' } }))]), 'same in ns-a');
    ok(await s.jobctl(['create', '-f', s.file('same-b.yaml', jobYaml('same', 'echo in-b', { namespace: 'ns-b', labels: { owner: 'b' } }))]), 'same in ns-b');

    const select = async (selector: string) => {
      const r = ok(await s.jobctl(['get', 'jobs', '-n', 'sel', '-l', selector, '-o', 'name']), `-l ${selector}`);
      return lines(r.stdout).map((l) => l.replace('job.batch/', '')).sort();
    };
    const cases: Array<[string, string[]]> = [
      ['env=prod', ['s1']],
      ['env==prod', ['s1']],
      ['env!=prod', ['s2', 's3']],
      ['env in (prod,dev)', ['s1', 's2']],
      ['env notin (prod)', ['s2', 's3']],
      ['env', ['s1', 's2']],
      ['!env', ['s3']],
      ['env=prod,tier=web', ['s1']],
      ['env=dev,tier=web', []],
      ['job-name=s3', ['s3']],
    ];
    const got = await Promise.all(cases.map(([sel]) => select(sel)));
    cases.forEach(([sel, want], i) => assert.deepEqual(got[i], want, `-l ${sel}`));

    const [badSel, all, a, b] = await Promise.all([
      s.jobctl(['get', 'jobs', '-l', 'env in prod']),
      s.jobctl(['get', 'jobs', '-A', '-l', 'owner']),
      s.jobctl(['wait', '--for=condition=complete', 'job/same', '-n', 'ns-a', '--timeout=60s']),
      s.jobctl(['wait', '--for=condition=complete', 'job/same', '-n', 'ns-b', '--timeout=60s']),
    ]);
    assert.equal(badSel.code, 1);
    assert.match(badSel.stderr, /^error: /);
    const rows = table(ok(all, 'get -A').stdout);
    assert.deepEqual(rows[0], ['NAMESPACE', 'NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    assert.deepEqual(rows.slice(1).map((r) => `${r[0]}/${r[1]}`), ['ns-a/same', 'ns-b/same']);
    ok(a, 'wait ns-a');
    ok(b, 'wait ns-b');
    const [logsA, logsB, jsonA] = await Promise.all([
      s.jobctl(['logs', 'job/same', '-n', 'ns-a']),
      s.jobctl(['logs', 'job/same', '-n', 'ns-b']),
      getJson('same', 'ns-a'),
    ]);
    assert.equal(ok(logsA, 'logs a').stdout, 'in-a\n');
    assert.equal(ok(logsB, 'logs b').stdout, 'in-b\n');
    assert.equal(jsonA.metadata.namespace, 'ns-a');
    assert.equal(jsonA.metadata.labels.owner, 'a');
  });

  it('get pods (-l job-name / batch.kubernetes.io/job-name, -o json with exit codes) and describe job', async () => {
    ok(await s.jobctl(['create', '-f', s.file('pods.yaml', jobYaml('pods-demo', 'echo ok', { completions: 2, parallelism: 2 }))]), 'create pods-demo');
    ok(await s.jobctl(['create', '-f', s.file('fails.yaml', jobYaml('fails', 'echo boom; exit 3', { backoffLimit: 0 }))]), 'create fails');
    const [c, f] = await Promise.all([
      s.jobctl(['wait', '--for=condition=complete', 'job/pods-demo', '--timeout=60s']),
      s.jobctl(['wait', '--for=condition=failed', 'job/fails', '--timeout=60s']),
    ]);
    ok(c, 'wait complete');
    assert.equal(ok(f, 'wait failed').stdout, 'job.batch/fails condition met\n');

    const [podsTbl, failedJson, describe, describeMissing, never] = await Promise.all([
      s.jobctl(['get', 'pods', '-l', 'job-name=pods-demo']),
      s.jobctl(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=fails', '-o', 'json']),
      s.jobctl(['describe', 'job', 'pods-demo']),
      s.jobctl(['describe', 'job/nope']),
      s.jobctl(['wait', '--for=condition=complete', 'job/fails', '--timeout=5s']),
    ]);
    const rows = table(ok(podsTbl, 'get pods').stdout);
    assert.deepEqual(rows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.equal(rows.length, 3);
    for (const r of rows.slice(1)) {
      assert.match(r[0], /^pods-demo-[a-z0-9]{5}$/);
      assert.deepEqual(r.slice(1, 4), ['0/1', 'Completed', '0']);
    }

    const list = JSON.parse(ok(failedJson, 'get pods -o json').stdout);
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.items.length, 1);
    const pod = list.items[0];
    assertShape(pod, POD_SHAPE);
    assert.equal(pod.kind, 'Pod');
    assert.match(pod.metadata.name, /^fails-[a-z0-9]{5}$/);
    assert.equal(pod.metadata.labels['batch.kubernetes.io/job-name'], 'fails');
    assert.equal(pod.status.phase, 'Failed');
    const terminated = pod.status.containerStatuses[0].state.terminated;
    assert.equal(terminated.exitCode, 3);
    assert.equal(terminated.reason, 'Error');
    assert.ok(Date.parse(terminated.finishedAt) >= Date.parse(terminated.startedAt));

    const byName = ok(await s.jobctl(['get', 'pod', pod.metadata.name, '-o', 'name']), 'get pod NAME');
    assert.equal(byName.stdout, `pod/${pod.metadata.name}\n`);

    const text = ok(describe, 'describe').stdout;
    assert.match(text, /^Name:\s+pods-demo$/m);
    assert.match(text, /^Namespace:\s+default$/m);
    assert.match(text, /^Completions:\s+2$/m);
    assert.match(text, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 2 Succeeded \/ 0 Failed$/m);
    assert.match(text, /^Pod Template:$/m);
    assert.match(text, /^Conditions:$/m);
    assert.match(text, /^\s+Complete\s+True\s+CompletionsReached$/m);
    assert.match(text, /^Events:$/m);
    assert.equal((text.match(/Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: pods-demo-/g) ?? []).length, 2);
    assert.match(text, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
    assert.equal(describeMissing.code, 1);
    assert.equal(describeMissing.stderr.trim(), 'Error from server (NotFound): jobs "nope" not found');
    assert.equal(never.code, 1, 'a Failed Job never becomes complete');
    assert.match(never.stderr, /jobs\/fails is Failed/);
  });

  it('logs: job/NAME, POD, -c, --all-containers, --tail, --previous, -f', async () => {
    const restart = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: restarts}',
      'spec:',
      '  template:',
      '    spec:',
      '      restartPolicy: OnFailure',
      '      containers:',
      '      - name: main',
      '        image: busybox',
      '        command: ["sh", "-c", "if [ -e /scratch/ran ]; then echo second run; else touch /scratch/ran; echo first run; exit 1; fi"]',
      '        volumeMounts: [{name: scratch, mountPath: /scratch}]',
      '      volumes: [{name: scratch, emptyDir: {}}]',
      '',
    ].join('\n');
    const multi = jobYaml('multi', 'printf "l1\\nl2\\nl3\\n"', {
      initContainers: '      - {name: init, image: busybox, command: ["sh", "-c", "echo init-out"]}',
      extraContainers: '      - {name: side, image: busybox, command: ["sh", "-c", "echo side-out"]}',
    });
    // The streamer prints half its lines, then waits for a file the test writes only once `logs -f` has
    // shown those lines: the rest can only come if the log is streamed while the pod runs.
    const gate = `${s.file('gate/.keep', '').replace(/\.keep$/, '')}open`;
    const stream = jobYaml('streamer', `for i in 1 2 3 4 5; do echo tick-$i; done; while [ ! -e ${gate} ]; do sleep 0.1; done; for i in 6 7 8 9 10; do echo tick-$i; done`);
    // The in-place restart waits out a 10 s backoff: start it first, check it last.
    ok(await s.jobctl(['create', '-f', s.file('restart.yaml', restart), '-f', s.file('multi.yaml', multi)]), 'create');
    ok(await s.jobctl(['wait', '--for=condition=complete', 'job/multi', '--timeout=60s']), 'wait multi');

    const [first, side, all, tail, wrongC, noPrev, podName] = await Promise.all([
      s.jobctl(['logs', 'job/multi']),
      s.jobctl(['logs', 'job/multi', '-c', 'side']),
      s.jobctl(['logs', 'jobs/multi', '--all-containers']),
      s.jobctl(['logs', 'job/multi', '--tail=1']),
      s.jobctl(['logs', 'job/multi', '-c', 'nope']),
      s.jobctl(['logs', 'job/multi', '--previous']),
      s.jobctl(['get', 'pods', '-l', 'job-name=multi', '-o', 'name']),
    ]);
    assert.equal(ok(first, 'logs').stdout, 'l1\nl2\nl3\n');
    assert.equal(first.stderr.trim(), 'Defaulted container "main" out of: main, side, init (init)');
    assert.equal(ok(side, 'logs -c').stdout, 'side-out\n');
    assert.equal(ok(all, 'logs --all-containers').stdout, 'init-out\nl1\nl2\nl3\nside-out\n');
    assert.equal(ok(tail, 'logs --tail').stdout, 'l3\n');
    assert.equal(wrongC.code, 1);
    assert.match(wrongC.stderr, /container nope is not valid for pod multi-/);
    assert.equal(noPrev.code, 1);
    assert.match(noPrev.stderr, /previous terminated container "main" in pod "multi-[a-z0-9]{5}" not found/);
    const pod = ok(podName, 'get pods -o name').stdout.trim().replace('pod/', '');
    assert.equal(ok(await s.jobctl(['logs', pod, '-c', 'side']), 'logs POD').stdout, 'side-out\n');

    // -f streams a running pod's log as it is written and ends with the pod.
    ok(await s.jobctl(['create', '-f', s.file('stream.yaml', stream)]), 'create streamer');
    await until(
      'the streamer pod to run',
      async () => JSON.parse((await s.jobctl(['get', 'pods', '-l', 'job-name=streamer', '-o', 'json'])).stdout || '{"items":[]}'),
      (l: { items: Array<{ status: { phase: string } }> }) => l.items.some((p) => p.status.phase === 'Running'),
    );
    let sawFirstHalf = false;
    // Should nothing be streamed, the gate still opens, so that the test fails instead of waiting forever.
    const fallback = setTimeout(() => fs.writeFileSync(gate, ''), 60_000);
    const followed = await s.jobctl(['logs', '-f', 'job/streamer'], {
      onStdout: (all) => {
        if (!sawFirstHalf && all.includes('tick-5\n')) {
          sawFirstHalf = true;
          fs.writeFileSync(gate, '');
        }
      },
    });
    clearTimeout(fallback);
    assert.ok(sawFirstHalf, 'the first half was streamed while the pod waited');
    assert.equal(ok(followed, 'logs -f').stdout, Array.from({ length: 10 }, (_, i) => `tick-${i + 1}\n`).join(''));

    ok(await s.jobctl(['wait', '--for=condition=complete', 'job/restarts', '--timeout=60s']), 'wait restarts');
    const [current, previous] = await Promise.all([s.jobctl(['logs', 'job/restarts']), s.jobctl(['logs', 'job/restarts', '-p'])]);
    assert.equal(ok(current, 'logs').stdout, 'second run\n');
    assert.equal(ok(previous, 'logs --previous').stdout, 'first run\n');
  });

  it('scale, patch, suspend, resume change a running Job; refused changes say why', async () => {
    const token = `${2000 + Math.floor(Math.random() * 7000)}.${process.pid}`;
    ok(await s.jobctl(['create', '-f', s.file('long.yaml', jobYaml('long', `sleep ${token}`, { completions: 3, parallelism: 1 }))]), 'create long');
    const active = (n: number) => until(`long to have ${n} active`, () => getJson('long'), (j) => (j.status.active ?? 0) === n && (j.status.ready ?? 0) === n);
    await active(1);

    assert.equal(ok(await s.jobctl(['scale', 'job', 'long', '--replicas=2']), 'scale').stdout, 'job.batch/long scaled\n');
    assert.equal((await active(2)).spec.parallelism, 2);
    // `ready` counts a pod once its sandbox started; its shell's exec of sleep may come a moment after.
    await until('two pod processes to run', async () => processesWith(token).filter((p) => p.cmdline.startsWith('sleep')).length, (n) => n === 2);

    const [immutable, labelled, badJson, finished, missing] = await Promise.all([
      s.jobctl(['patch', 'job', 'long', '-p', '{"spec":{"completions":5}}']),
      s.jobctl(['patch', 'job/long', '--type=merge', '-p', '{"metadata":{"labels":{"team":"a"}}}']),
      s.jobctl(['patch', 'job', 'long', '-p', '{"spec":']),
      s.jobctl(['suspend', 'hello']),
      s.jobctl(['scale', 'job', 'nope', '--replicas=1']),
    ]);
    assert.equal(immutable.code, 1);
    assert.equal(immutable.stderr.trim(), 'The Job "long" is invalid: spec.completions: Invalid value: 5: field is immutable');
    assert.equal(ok(labelled, 'patch labels').stdout, 'job.batch/long patched\n');
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /^error: unable to parse/);
    assert.equal(finished.code, 1, 'a finished Job takes no changes');
    assert.match(finished.stderr, /hello.*finished/);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): jobs "nope" not found');
    await until('the label to be listed', async () => (await s.jobctl(['get', 'jobs', '-l', 'team=a', '-o', 'name'])).stdout, (o) => o === 'job.batch/long\n');
    const unchanged = ok(await s.jobctl(['patch', 'job', 'long', '-p', '{"metadata":{"labels":{"team":"a"}}}']), 'patch again');
    assert.equal(unchanged.stdout, 'job.batch/long patched (no change)\n');

    assert.equal(ok(await s.jobctl(['suspend', 'long']), 'suspend').stdout, 'job.batch/long suspended\n');
    ok(await s.jobctl(['wait', '--for=condition=suspended', 'job/long', '--timeout=30s']), 'wait suspended');
    await active(0);
    await until('suspended pods to stop', async () => processesWith(token).length, (n) => n === 0);
    const suspended = table(ok(await s.jobctl(['get', 'job', 'long']), 'get').stdout);
    assert.equal(suspended[1][1], 'Suspended');

    assert.equal(ok(await s.jobctl(['resume', 'job/long']), 'resume').stdout, 'job.batch/long resumed\n');
    await active(2);
    ok(await s.jobctl(['patch', 'job', 'long', '-p', 'spec: {suspend: true}']), 'patch suspend (YAML)');
    assert.equal((await active(0)).spec.suspend, true);

    // apply on an existing Job patches what differs (the scale above is undone) and refuses immutable fields.
    const reapplied = ok(await s.jobctl(['apply', '-f', s.file('long.yaml', jobYaml('long', `sleep ${token}`, { completions: 3, parallelism: 1 }))]), 'apply again');
    assert.equal(reapplied.stdout, 'job.batch/long configured\n');
    assert.equal((await getJson('long')).spec.parallelism, 1);
    const immutableApply = await s.jobctl(['apply', '-f', s.file('long4.yaml', jobYaml('long', `sleep ${token}`, { completions: 4, parallelism: 1 }))]);
    assert.equal(immutableApply.code, 1);
    assert.match(immutableApply.stderr, /The Job "long" is invalid: spec\.completions: Invalid value: 4: field is immutable/);

    const deleted = ok(await s.jobctl(['delete', 'job', 'long']), 'delete');
    assert.equal(deleted.stdout, 'job.batch "long" deleted\n');
    assert.deepEqual(processesWith(token), []);
  });

  it('wait times out; delete by name, -f, -l and --all frees the names; NotFound and --ignore-not-found', async () => {
    const token = `${2000 + Math.floor(Math.random() * 7000)}.${process.pid}`;
    const sleeper = s.file('sleeper.yaml', jobYaml('sleeper', `sleep ${token}`, { labels: { app: 'sleepy' } }));
    ok(await s.jobctl(['create', '-f', sleeper]), 'create sleeper');
    const timedOut = await s.jobctl(['wait', '--for=condition=complete', 'job/sleeper', '--timeout=1s']);
    assert.equal(timedOut.code, 1);
    assert.equal(timedOut.stderr.trim(), 'error: timed out waiting for the condition on jobs/sleeper');
    await until('the sleeper pod process', async () => processesWith(token).length, (n) => n > 0);

    const byLabel = ok(await s.jobctl(['delete', 'jobs', '-l', 'app=sleepy']), 'delete -l');
    assert.equal(byLabel.stdout, 'job.batch "sleeper" deleted\n');
    assert.deepEqual(processesWith(token), [], 'deleting a Job stops its pods');
    const [gone, missing, ignored, recreate] = await Promise.all([
      s.jobctl(['get', 'job', 'sleeper']),
      s.jobctl(['delete', 'job', 'sleeper']),
      s.jobctl(['delete', 'job', 'sleeper', '--ignore-not-found']),
      s.jobctl(['wait', '--for=delete', 'job/sleeper', '--timeout=5s']),
    ]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): jobs "sleeper" not found');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): jobs "sleeper" not found');
    assert.equal(ok(ignored, '--ignore-not-found').stdout, '');
    ok(recreate, 'wait --for=delete');

    // A finished Job is deleted too, and its name is free again.
    const [byName, byFile] = await Promise.all([s.jobctl(['delete', 'job', 'hello']), s.jobctl(['delete', '-f', s.file('d.yaml', jobYaml('fails', 'true'))])]);
    assert.equal(ok(byName, 'delete hello').stdout, 'job.batch "hello" deleted\n');
    assert.equal(ok(byFile, 'delete -f').stdout, 'job.batch "fails" deleted\n');
    assert.equal(ok(await s.jobctl(['create', '-f', s.file('hello2.yaml', jobYaml('hello', 'echo again'))]), 'create again').stdout, 'job.batch/hello created\n');

    const all = ok(await s.jobctl(['delete', 'jobs', '--all', '-n', 'sel']), 'delete --all');
    assert.deepEqual(lines(all.stdout).sort(), ['job.batch "s1" deleted', 'job.batch "s2" deleted', 'job.batch "s3" deleted']);
    const empty = await s.jobctl(['get', 'jobs', '-n', 'sel']);
    assert.equal(empty.stderr.trim(), 'No resources found in sel namespace.');
  });

  it('says when no worker answers, and names the address when no server does; unknown resources and flags fail', async () => {
    const queue = `nobody-${process.pid}`;
    ok(await s.jobctl(['create', '-f', s.file('orphan.yaml', jobYaml('orphan', 'true'))], { env: { DURABLE_JOBS_TASK_QUEUE: queue } }), 'create orphan');
    const [got, noServer, unknown, badOutput] = await Promise.all([
      s.jobctl(['get', 'job', 'orphan']),
      s.jobctl(['get', 'jobs'], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } }),
      s.jobctl(['get', 'deployments']),
      s.jobctl(['get', 'jobs', '-o', 'xml']),
    ]);
    assert.equal(ok(got, 'get orphan').stderr.trim(), `Warning: no worker is polling task queue "${queue}" (Job default/orphan is running); start one with \`jobctl worker\``);
    assert.equal(table(got.stdout)[1][0], 'orphan', 'the Job is still listed from what the server stores');
    assert.equal(noServer.code, 1);
    assert.match(noServer.stderr, /^error: cannot connect to Temporal at 127\.0\.0\.1:1/);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), 'error: the server doesn\'t have a resource type "deployments"');
    assert.equal(badOutput.code, 1);
    assert.match(badOutput.stderr, /unable to match a printer suitable for the output format "xml"/);
    await s.env.client.workflow.getHandle('job/default/orphan').terminate('test cleanup');
  });
});
