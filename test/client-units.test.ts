// The client's pure parts: kubectl label selectors, visibility queries, merge patches, pod picking,
// log tails, pod-name parsing and jobctl's argument parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SelectorParseError, parseSelector, selectorMatchesLabels } from '../src/api/label-selector';
import { jobNamesFromPodName } from '../src/client/jobs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPodLogFile, podLogFile } from '../src/data-dir/layout';
import { firstPod, podLogs, tailLines } from '../src/client/logs';
import { makeJob } from './helpers/jobs';
import { applyMergePatch, jsonEqual, mergePatchFor } from '../src/client/merge';
import { listQuery, parseJobWorkflowId } from '../src/client/visibility';
import type { PodRecord } from '../src/controller/state';
import { parseDuration, parseResourceArgs } from '../src/cli/common';
import { CliError } from '../src/cli/output';

describe('label selectors (kubectl -l)', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['missing notin (db)', true],
    ['app notin (web)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['example.com/team=a', true],
    ['app in (web),!missing,tier', true],
  ];
  for (const [selector, matches] of cases) {
    it(`"${selector}" ${matches ? 'selects' : 'does not select'} the labels`, () => {
      assert.equal(selectorMatchesLabels(parseSelector(selector), labels), matches);
    });
  }

  it('refuses malformed selectors the way kubectl does', () => {
    for (const bad of ['app in web', 'a b', 'app=web,', '=web', 'app=-bad-', 'app in (a b)']) {
      assert.throws(() => parseSelector(bad), SelectorParseError, bad);
    }
  });
});

describe('visibility queries', () => {
  it('puts namespace, name and the = / in requirements on the server; the rest stays on the client', () => {
    const q = listQuery({ namespace: 'ns', selector: parseSelector("app=web,env in (a,b),tier!=x,!old,has") }, true);
    assert.equal(q, "WorkflowType = 'job' AND ExecutionStatus != 'ContinuedAsNew' AND JobNamespace = 'ns' AND JobLabels = 'app=web' AND JobLabels IN ('env=a', 'env=b')");
    assert.equal(listQuery({ name: 'pi' }, true), "WorkflowType = 'job' AND ExecutionStatus != 'ContinuedAsNew' AND JobName = 'pi'");
  });

  it('falls back to the workflow id prefix without search attributes', () => {
    assert.equal(listQuery({ namespace: 'ns', selector: parseSelector('app=web') }, false), "WorkflowType = 'job' AND ExecutionStatus != 'ContinuedAsNew' AND WorkflowId STARTS_WITH 'job/ns/'");
    assert.equal(listQuery({}, false), "WorkflowType = 'job' AND ExecutionStatus != 'ContinuedAsNew' AND WorkflowId STARTS_WITH 'job/'");
    assert.equal(listQuery({ namespace: 'ns', name: 'pi' }, false), "WorkflowType = 'job' AND ExecutionStatus != 'ContinuedAsNew' AND WorkflowId STARTS_WITH 'job/ns/pi'");
  });

  it('reads Job workflow ids back', () => {
    assert.deepEqual(parseJobWorkflowId('job/default/pi'), { namespace: 'default', name: 'pi' });
    assert.equal(parseJobWorkflowId('remove/job/default/pi/run'), undefined);
  });
});

describe('merge patches (apply)', () => {
  it('patches only what differs, keeps what the new manifest does not set, and round-trips', () => {
    const from = { metadata: { labels: { a: '1', b: '2' } }, spec: { parallelism: 1, suspend: false, template: { x: [1, 2] } } };
    const to = { metadata: { labels: { a: '1', c: '3' } }, spec: { parallelism: 3, suspend: false, template: { x: [1, 2] } } };
    const patch = mergePatchFor(from, to);
    assert.deepEqual(patch, { metadata: { labels: { c: '3' } }, spec: { parallelism: 3 } });
    assert.deepEqual(applyMergePatch(from, patch), { metadata: { labels: { a: '1', b: '2', c: '3' } }, spec: { parallelism: 3, suspend: false, template: { x: [1, 2] } } });
    assert.equal(mergePatchFor(from, structuredClone(from)), undefined, 'nothing to change');
  });

  it('replaces arrays whole and removes fields set to null', () => {
    assert.deepEqual(mergePatchFor({ a: [1, 2] }, { a: [2, 1] }), { a: [2, 1] });
    assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null } }), { a: 1, b: { d: 3 } });
    assert.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }));
    assert.ok(!jsonEqual({ a: [1] }, { a: [1, 2] }));
  });
});

function pod(name: string, over: Partial<PodRecord>): PodRecord {
  return { name, phase: 'Succeeded', restartCount: 0, creationTimestamp: '2024-01-01T00:00:00Z', running: false, ...over };
}

describe('logs', () => {
  it('picks the pod kubectl picks for job/NAME: running first, then fewer restarts, then oldest', () => {
    const old = pod('old', { creationTimestamp: '2024-01-01T00:00:00Z' });
    const young = pod('young', { creationTimestamp: '2024-01-02T00:00:00Z' });
    const running = pod('running', { phase: 'Running', running: true, creationTimestamp: '2024-01-03T00:00:00Z' });
    const restarted = pod('restarted', { phase: 'Running', running: true, restartCount: 2, creationTimestamp: '2023-01-01T00:00:00Z' });
    assert.equal(firstPod([young, old])?.name, 'old');
    assert.equal(firstPod([young, old, restarted, running])?.name, 'running');
    assert.equal(firstPod([]), undefined);
  });

  it('--tail counts lines from the end', () => {
    assert.equal(tailLines('a\nb\nc\n', 2), 'b\nc\n');
    assert.equal(tailLines('a\nb\nc', 1), 'c');
    assert.equal(tailLines('a\nb\n', 0), '');
    assert.equal(tailLines('a\nb\n', undefined), 'a\nb\n');
    assert.equal(tailLines('a\n', 5), 'a\n');
  });

  it('reads a rotated log whole, a character cut by the rotation included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-logs-'));
    try {
      const file = podLogFile(dir, 'default', 'pi-abcde', 'main', 0);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const text = Buffer.from('older → newer\n');
      const cut = text.indexOf('→') + 1;
      fs.writeFileSync(`${file}.1`, text.subarray(0, cut));
      fs.writeFileSync(file, text.subarray(cut));
      const record = pod('pi-abcde', { containers: [{ name: 'main', init: false, exitCode: 0, reason: 'Completed', startedAt: '', finishedAt: '', logTail: '', logTruncated: false, logFile: file }] });
      assert.equal(podLogs(makeJob('pi'), record, {}).logs[0]?.text, 'older → newer\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads only the log file a record may name: a forged /etc/passwd gives the record tail', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-logs-'));
    try {
      const real = podLogFile(dir, 'default', 'pi-abcde', 'main', 0);
      fs.mkdirSync(path.dirname(real), { recursive: true });
      fs.writeFileSync(real, 'the whole log\n');
      const job = makeJob('pi');
      const record = (logFile: string) =>
        pod('pi-abcde', { containers: [{ name: 'main', init: false, exitCode: 0, reason: 'Completed', startedAt: '', finishedAt: '', logTail: 'the tail\n', logTruncated: false, logFile }] });
      assert.equal(podLogs(job, record(real), {}).logs[0]?.text, 'the whole log\n');
      assert.ok(isPodLogFile(real, 'default', 'pi-abcde', 'main', 0));
      for (const forged of ['/etc/passwd', `${dir}/logs/default/other-abcde/main-0.log`, `${dir}/logs/default/pi-abcde/../pi-abcde/main-0.log`, 'logs/default/pi-abcde/main-0.log']) {
        assert.ok(!isPodLogFile(forged, 'default', 'pi-abcde', 'main', 0), forged);
        assert.deepEqual(podLogs(job, record(forged), {}).logs[0], { pod: 'pi-abcde', container: 'main', text: 'the tail\n', source: 'record', truncated: false }, forged);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the Job a pod name was generated from', () => {
    assert.deepEqual(jobNamesFromPodName('pi-x7k2q'), ['pi']);
    assert.deepEqual(jobNamesFromPodName('idx-3-x7k2q'), ['idx', 'idx-3']);
    assert.deepEqual(jobNamesFromPodName('nodash'), []);
  });
});

describe('jobctl arguments', () => {
  it('takes TYPE NAME..., TYPE/NAME and kubectl\'s aliases', () => {
    assert.deepEqual(parseResourceArgs(['jobs', 'a', 'b']), { kind: 'jobs', refs: [{ kind: 'jobs', name: 'a' }, { kind: 'jobs', name: 'b' }] });
    assert.deepEqual(parseResourceArgs(['job.batch/a', 'po/p']), { refs: [{ kind: 'jobs', name: 'a' }, { kind: 'pods', name: 'p' }] });
    assert.deepEqual(parseResourceArgs(['pods']), { kind: 'pods', refs: [] });
    assert.throws(() => parseResourceArgs(['deployments']), /the server doesn't have a resource type "deployments"/);
    assert.deepEqual(parseResourceArgs(['cj', 'x'], ['cronjobs']), { kind: 'cronjobs', refs: [{ kind: 'cronjobs', name: 'x' }] });
    assert.deepEqual(parseResourceArgs(['cronjob.batch/x'], ['cronjobs']), { refs: [{ kind: 'cronjobs', name: 'x' }] });
    assert.throws(() => parseResourceArgs(['cronjobs']), /cronjobs is not supported here/);
    assert.throws(() => parseResourceArgs(['job', 'job/a']), CliError);
    assert.throws(() => parseResourceArgs(['pod/x'], ['jobs']), CliError);
  });

  it('reads Go durations for --timeout', () => {
    assert.equal(parseDuration('30s', 'timeout'), 30_000);
    assert.equal(parseDuration('1m30s', 'timeout'), 90_000);
    assert.equal(parseDuration('500ms', 'timeout'), 500);
    assert.equal(parseDuration('2h', 'timeout'), 7_200_000);
    assert.equal(parseDuration('-1s', 'timeout'), -1000);
    assert.equal(parseDuration('0', 'timeout'), 0);
    assert.throws(() => parseDuration('soon', 'timeout'), /invalid duration "soon"/);
    assert.throws(() => parseDuration('10x', 'timeout'), /invalid duration/);
  });
});
