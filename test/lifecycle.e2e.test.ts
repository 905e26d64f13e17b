// ttlSecondsAfterFinished end to end (JOB-SEMANTICS 7.1) on a real dev server, which, unlike the
// time-skipping server, really deletes executions: the finished Job disappears from `jobctl get` once
// its TTL has passed, its history closed when it finished, and its name is free again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jobRemovalWorkflowId } from '../src/workflows/messages';
import { startJobctlServer, type JobctlServer } from './helpers/jobctl-server';
import { until } from './helpers/runs';

function ttlJob(name: string, ttl: number): string {
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    `metadata: {name: ${name}}`,
    'spec:',
    `  ttlSecondsAfterFinished: ${ttl}`,
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '      - {name: main, image: busybox, command: ["sh", "-c", "echo done"]}',
    '',
  ].join('\n');
}

describe('ttlSecondsAfterFinished on a dev server', { timeout: 120_000 }, () => {
  let s: JobctlServer;
  before(async () => {
    s = await startJobctlServer('ttl-e2e');
  });
  after(async () => {
    await s?.teardown();
  });

  it('removes the finished Job after its TTL, and only then; the name can be used again', async () => {
    // Long enough that the `get` below runs before it passes even on a loaded 2-core machine (where
    // starting a jobctl process alone can take seconds).
    const TTL = 10;
    const file = s.file('ttl.yaml', ttlJob('short-lived', TTL));
    assert.equal((await s.jobctl(['create', '-f', file])).code, 0);
    const waited = await s.jobctl(['wait', '--for=condition=complete', 'job/short-lived', '--timeout=30s']);
    assert.equal(waited.code, 0, waited.stderr);
    const handle = s.env.client.workflow.getHandle('job/default/short-lived');
    // `wait` sees the Complete condition, which the workflow reports a task before its history closes:
    // on a loaded machine, describe() right after it can still find it running.
    await handle.result();
    const { runId, status, closeTime } = await handle.describe();
    // The TTL counts from the Job's end, which `wait` may report a while later on a loaded machine.
    const finishedAt = closeTime?.getTime() ?? Date.now();
    assert.equal(status.name, 'COMPLETED');
    const stillThere = await s.jobctl(['get', 'job', 'short-lived', '-o', 'name']);
    assert.equal(stillThere.stdout, 'job.batch/short-lived\n', 'a finished Job stays until its TTL passes');
    const json = await s.jobctl(['get', 'job', 'short-lived', '-o', 'json']);
    const completionTime = Date.parse((JSON.parse(json.stdout) as { status: { completionTime: string } }).status.completionTime);
    // completionTime has whole seconds: the history closed within the second the Job completed, or soon after.
    assert.ok(finishedAt - completionTime < TTL * 1000, "the Job's history closed when it finished, not after the TTL");

    await until('the Job to be removed', async () => ((await s.jobctl(['get', 'job', 'short-lived'])).code === 1 ? true : undefined), 60_000);
    assert.ok(Date.now() - finishedAt >= TTL * 1000 - 500, 'not removed before its TTL');
    const gone = await s.jobctl(['get', 'job', 'short-lived']);
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): jobs "short-lived" not found');
    const removal = await s.env.client.workflow.getHandle(jobRemovalWorkflowId('job/default/short-lived', runId)).result();
    assert.equal(removal, 'removed');
    assert.equal((await s.jobctl(['create', '-f', file])).code, 0, 'the name is free again');
  });
});
