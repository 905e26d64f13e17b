// The pure parts of the pod activity: $(VAR) expansion, env resolution and the log sink.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { containerEnv, expand, fieldRefValue, LogSink, lookupIn, resolveContainer, runtimeNotes, spawnFailure } from '../src/activities';
import type { PodFacts } from '../src/activities';
import { HEARTBEAT_EVERY_MS, HEARTBEATS_PER_SECOND, heartbeatEvery } from '../src/activities/heartbeat-pacing';
import { activityPolls } from '../src/worker-polls';
import type { RunPodInput } from '../src/api/pod';
import type { PodSpec } from '../src/api/types';

const pod: PodFacts = {
  podName: 'pi-3-0',
  namespace: 'batch',
  labels: { app: 'pi', 'example.com/tier': 'gold' },
  annotations: { note: 'hello there' },
  index: 3,
};

describe('expand ($(VAR) as the kubelet does it)', () => {
  const vars = lookupIn({ VAR_A: 'A', VAR_B: 'B', VAR_C: 'C', VAR_EMPTY: '' });
  // Cases from kubernetes third_party/forked/golang/expansion/expand_test.go.
  const cases: Array<[string, string]> = [
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$(VAR_A)-1', 'A-1'],
    ['$(VAR_A)_$(VAR_B)_$(VAR_C)', 'A_B_C'],
    ['$$(VAR_B)_$(VAR_A)', '$(VAR_B)_A'],
    ['$$(VAR_B)_$$(VAR_A)', '$(VAR_B)_$(VAR_A)'],
    ['f000-$$VAR_A', 'f000-$VAR_A'],
    ['foo\\$(VAR_C)bar', 'foo\\Cbar'],
    ['foo\\\\$(VAR_C)bar', 'foo\\\\Cbar'],
    ['$$$$$$(BIG_MONEY)', '$$$(BIG_MONEY)'],
    ['$$$$$$(VAR_A)', '$$$(VAR_A)'],
    ['$$$$$$$(GOOD_ODDS)', '$$$$(GOOD_ODDS)'],
    ['$$$$$$$(VAR_A)', '$$$A'],
    ['$(VAR_A)$(VAR_B)$(VAR_C)', 'ABC'],
    ['$(VAR_A)$(VAR_B)$(VAR_EMPTY)$(VAR_C)', 'ABC'],
    ['$(VAR_EMPTY)', ''],
    ['$(UNDEFINED)', '$(UNDEFINED)'],
    ['$()', '$()'],
    ['$(VAR_A', '$(VAR_A'],
    ['$(VAR_A)$(VAR_B', 'A$(VAR_B'],
    ['$VAR_A', '$VAR_A'],
    ['VAR_A$', 'VAR_A$'],
    ['$', '$'],
    ['$$', '$'],
    ['$)', '$)'],
    ['(VAR_A)', '(VAR_A)'],
    ['$(VAR_A)é$(VAR_B)', 'AéB'],
    ['$😀', '$😀'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => {
      assert.equal(expand(input, vars), want);
    });
  }
});

describe('container env', () => {
  it('expands values from earlier vars only, and never expands valueFrom', () => {
    const result = containerEnv(
      {
        name: 'c',
        env: [
          { name: 'LATER_REF', value: '$(A)' },
          { name: 'A', value: 'one' },
          { name: 'B', value: '$(A)-two-$$(A)' },
          { name: 'ANN', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
          { name: 'EMPTY', value: '' },
        ],
      },
      { ...pod, annotations: { note: '$(A)' } },
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      LATER_REF: '$(A)',
      A: 'one',
      B: 'one-two-$(A)',
      ANN: '$(A)',
      EMPTY: '',
      JOB_COMPLETION_INDEX: '3',
    });
  });

  it('lets a container set its own JOB_COMPLETION_INDEX', () => {
    const result = containerEnv({ name: 'c', env: [{ name: 'JOB_COMPLETION_INDEX', value: '7' }] }, pod);
    assert.ok(result.ok);
    assert.equal(result.value.JOB_COMPLETION_INDEX, '7');
  });

  it('has no JOB_COMPLETION_INDEX without an index', () => {
    const result = containerEnv({ name: 'c' }, { ...pod, index: undefined });
    assert.ok(result.ok);
    assert.equal('JOB_COMPLETION_INDEX' in result.value, false);
  });

  it('answers the downward API fields', () => {
    assert.equal(fieldRefValue('metadata.name', pod), 'pi-3-0');
    assert.equal(fieldRefValue('metadata.namespace', pod), 'batch');
    assert.equal(fieldRefValue("metadata.labels['app']", pod), 'pi');
    assert.equal(fieldRefValue("metadata.labels['example.com/tier']", pod), 'gold');
    assert.equal(fieldRefValue("metadata.labels['missing']", pod), '');
    assert.equal(fieldRefValue("metadata.annotations['note']", pod), 'hello there');
    assert.equal(fieldRefValue('spec.nodeName', pod), os.hostname());
    assert.equal(fieldRefValue('metadata.uid', pod), undefined);
  });

  it('fails clearly on an unsupported fieldRef', () => {
    const result = containerEnv(
      { name: 'c', env: [{ name: 'U', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } }] },
      pod,
    );
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /env U: fieldRef "metadata.uid" is not supported/);
  });

  it('builds argv and the process env: host PATH and HOME only, HOSTNAME, container vars', () => {
    const result = resolveContainer(
      {
        name: 'c',
        command: ['sh', '-c'],
        args: ['echo $(GREETING) $(HOME) $$(GREETING)'],
        env: [
          { name: 'GREETING', value: 'hi' },
          { name: 'PATH', value: '/custom/bin' },
        ],
      },
      pod,
      { PATH: '/usr/bin', HOME: '/home/w', TEMPORAL_API_KEY: 'secret' },
    );
    assert.ok(result.ok);
    assert.equal(result.value.file, 'sh');
    // $(HOME) is not the container's: it stays literal, as on a cluster.
    assert.deepEqual(result.value.args, ['-c', 'echo hi $(HOME) $(GREETING)']);
    assert.deepEqual(result.value.env, {
      PATH: '/custom/bin',
      HOME: '/home/w',
      HOSTNAME: 'pi-3-0',
      GREETING: 'hi',
      JOB_COMPLETION_INDEX: '3',
    });
  });

  it('refuses args without a command, and an empty container', () => {
    const onlyArgs = resolveContainer({ name: 'c', args: ['hello'] }, pod);
    assert.equal(onlyArgs.ok, false);
    assert.match(!onlyArgs.ok ? onlyArgs.message : '', /only "args".*"command" is required/);
    const nothing = resolveContainer({ name: 'c' }, pod);
    assert.match(!nothing.ok ? nothing.message : '', /neither "command" nor "args"/);
  });

  it("words spawn failures as Docker does", () => {
    const enoent = Object.assign(new Error('spawn foo ENOENT'), { code: 'ENOENT' });
    assert.deepEqual(spawnFailure('foo', enoent), {
      message: 'exec: "foo": executable file not found in $PATH',
      exitCode: 127,
    });
    assert.equal(spawnFailure('./foo', enoent).message, 'exec: "./foo": stat ./foo: no such file or directory');
    assert.equal(spawnFailure('./foo', Object.assign(new Error('x'), { code: 'EACCES' })).exitCode, 126);
  });
});

describe('LogSink', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-sink-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps everything when it fits', () => {
    const sink = new LogSink(path.join(dir, 'a', 'small.log'));
    sink.write(Buffer.from('hello '));
    sink.write(Buffer.from('world\n'));
    sink.close();
    assert.deepEqual(sink.tail(), { text: 'hello world\n', truncated: false });
    assert.equal(fs.readFileSync(path.join(dir, 'a', 'small.log'), 'utf8'), 'hello world\n');
  });

  it('keeps exactly the newest tailBytes across chunk boundaries', () => {
    const sink = new LogSink(path.join(dir, 'tail.log'), { tailBytes: 10 });
    let all = '';
    for (let i = 0; i < 50; i++) {
      const chunk = `${i},`;
      all += chunk;
      sink.write(Buffer.from(chunk));
    }
    sink.close();
    assert.deepEqual(sink.tail(), { text: all.slice(-10), truncated: true });
  });

  it('does not start the tail inside a multi-byte character', () => {
    const sink = new LogSink(path.join(dir, 'utf8.log'), { tailBytes: 5 });
    sink.write(Buffer.from('aaaé€')); // é is 2 bytes, € is 3: the last 5 bytes are "é€"
    assert.deepEqual(sink.tail(), { text: 'é€', truncated: true });
    sink.write(Buffer.from('b')); // the last 5 bytes now start inside é
    assert.deepEqual(sink.tail(), { text: '€b', truncated: true });
  });

  it('keeps the tail within its byte budget even for invalid UTF-8', () => {
    const sink = new LogSink(path.join(dir, 'binary.log'), { tailBytes: 64 });
    sink.write(Buffer.alloc(200, 0xff));
    sink.close();
    const tail = sink.tail();
    assert.equal(tail.truncated, true);
    assert.ok(Buffer.byteLength(tail.text) <= 64);
    assert.match(tail.text, /^\uFFFD+$/);
  });

  it('rotates the file to .1 and stays bounded', () => {
    const file = path.join(dir, 'rotate.log');
    const sink = new LogSink(file, { rotateBytes: 100 });
    for (let i = 0; i < 30; i++) sink.write(Buffer.from(`line ${String(i).padStart(4, '0')}\n`)); // 10 bytes each
    sink.close();
    const current = fs.readFileSync(file, 'utf8');
    const previous = fs.readFileSync(`${file}.1`, 'utf8');
    assert.ok(current.length <= 100 && previous.length <= 100);
    assert.ok((previous + current).endsWith('line 0029\n'));
    assert.equal(previous + current, Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).slice(-((previous + current).length / 10)).join(''));
  });

  it('still keeps a tail when the file cannot be written', () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const errors: string[] = [];
    const sink = new LogSink(path.join(blocker, 'x.log'), { onError: (m) => errors.push(m) });
    sink.write(Buffer.from('still here'));
    assert.equal(sink.file, undefined);
    assert.equal(sink.tail().text, 'still here');
    assert.equal(errors.length, 1);
  });
});

describe('runtimeNotes: what the runtime tells once per Job', () => {
  const input = (spec: Partial<PodSpec>): RunPodInput => ({
    namespace: 'default',
    jobName: 'notes',
    jobUid: 'u',
    podName: 'notes-abcde',
    restartCount: 0,
    labels: {},
    annotations: {},
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'perl:5', command: ['true'] }], ...spec },
  });

  it('says the image is not pulled, and names every ignored field by its manifest path', () => {
    const notes = runtimeNotes(
      input({ tolerations: [{ key: 'k', operator: 'Exists' }], containers: [{ name: 'c', image: 'perl:5', command: ['true'], resources: { limits: { cpu: '1' } } }] }),
    );
    assert.deepEqual(notes, [
      `durable-jobs: the process runtime runs the containers' commands on this host; image "perl:5" is not pulled (job "default/notes")`,
      // resources.limits.cpu is enforced (cgroups), where the worker can.
      'durable-jobs: the process runtime ignores spec.template.spec.tolerations (job "default/notes")',
    ]);
  });

  it('says nothing about fields it honours', () => {
    assert.deepEqual(runtimeNotes(input({}), 'docker'), []);
    // nodeSelector is honoured by routing the pod to a task queue (src/api/task-queues.ts).
    assert.deepEqual(runtimeNotes(input({ nodeSelector: { disk: 'ssd' } }), 'docker'), []);
  });
});

describe('heartbeatEvery: the pods of one worker share a heartbeat budget', () => {
  it('keeps the short period for few pods', () => {
    assert.equal(heartbeatEvery(1, 20_000), HEARTBEAT_EVERY_MS);
    assert.equal(heartbeatEvery(HEARTBEATS_PER_SECOND * (HEARTBEAT_EVERY_MS / 1000), 20_000), HEARTBEAT_EVERY_MS);
  });
  it('stretches the period as pods are added, so the worker sends about the budget', () => {
    const running = 500;
    const every = heartbeatEvery(running, 60_000);
    assert.ok(every > HEARTBEAT_EVERY_MS);
    assert.equal(Math.round((running * 1000) / every), HEARTBEATS_PER_SECOND);
  });
  it('never waits past a third of the heartbeat timeout', () => {
    assert.equal(heartbeatEvery(1_000, 20_000), 20_000 / 3);
    assert.equal(heartbeatEvery(5, 300), 100);
  });
});

describe('activityPolls: a worker polls for pods in proportion to its pod slots', () => {
  it('one poll per two slots, at least 10 and at most 100, never more than the slots', () => {
    assert.equal(activityPolls(1), 1);
    assert.equal(activityPolls(4), 4);
    assert.equal(activityPolls(20), 10);
    assert.equal(activityPolls(100), 50);
    assert.equal(activityPolls(1_000), 100);
  });
});
