// kubectl's `get cronjobs` table, the CronJob's JSON shape and `describe cronjob` layout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCronJob, type CronJob } from '../src/api';
import { jobFromCronJob } from '../src/cronjob';
import { cronJobsTable, describeCronJob, toKubeCronJob, type CronJobWithStatus } from '../src/cli/format/cronjob';

const NOW = Date.parse('2026-11-28T10:10:00Z');

function hello(spec: Record<string, unknown> = {}): CronJob {
  const c = parseCronJob({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', labels: { app: 'hello' } },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox', command: ['sh', '-c', 'date'] }] } } } },
      ...spec,
    },
  });
  return { ...c, metadata: { ...c.metadata, uid: 'u1', creationTimestamp: '2026-11-28T10:05:00Z' } };
}

const withStatus = (c: CronJob, status: CronJobWithStatus['status'] = {}): CronJobWithStatus => ({ ...c, status });

describe('CronJob output', () => {
  it("prints kubectl's get cronjobs columns, -o wide and -A", () => {
    const a = withStatus(hello(), { active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello-1', namespace: 'default' }], lastScheduleTime: '2026-11-28T10:09:00Z' });
    const b = withStatus({ ...hello({ timeZone: 'Europe/Paris', suspend: true }), metadata: { ...hello().metadata, name: 'other', creationTimestamp: '2026-11-27T10:10:00Z' } });
    assert.equal(
      cronJobsTable([a, b], { now: NOW }),
      [
        'NAME    SCHEDULE      TIMEZONE       SUSPEND   ACTIVE   LAST SCHEDULE   AGE',
        'hello   */1 * * * *   <none>         False     1        60s             5m',
        'other   */1 * * * *   Europe/Paris   True      0        <none>          24h',
        '',
      ].join('\n'),
    );
    const wide = cronJobsTable([a], { now: NOW, wide: true, allNamespaces: true }).split('\n');
    assert.match(wide[0], /^NAMESPACE\s+NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    assert.match(wide[1], /^default\s+hello\s+.*\s+hello\s+busybox\s+<none>$/);
    assert.equal(cronJobsTable([], { now: NOW }), '');
  });

  it('is a batch/v1 CronJob in JSON, with its defaults and status', () => {
    const k = toKubeCronJob(withStatus(hello(), { lastScheduleTime: '2026-11-28T10:09:00.123Z' })) as Record<string, any>;
    assert.equal(k.apiVersion, 'batch/v1');
    assert.equal(k.kind, 'CronJob');
    assert.deepEqual(k.metadata, { creationTimestamp: '2026-11-28T10:05:00Z', labels: { app: 'hello' }, name: 'hello', namespace: 'default', uid: 'u1' });
    assert.equal(k.spec.concurrencyPolicy, 'Allow');
    assert.equal(k.spec.successfulJobsHistoryLimit, 3);
    assert.equal(k.spec.failedJobsHistoryLimit, 1);
    assert.equal(k.spec.suspend, false);
    assert.deepEqual(k.spec.jobTemplate.metadata, {});
    assert.deepEqual(k.status, { lastScheduleTime: '2026-11-28T10:09:00Z' });
  });

  it("describes it in kubectl's layout, events from the cronjob-controller", () => {
    const c = withStatus(hello({ startingDeadlineSeconds: 30 }), { active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello-29404929', namespace: 'default' }] });
    const text = describeCronJob(c, jobFromCronJob(c, 'hello-0'), [{ type: 'Normal', reason: 'SuccessfulCreate', message: 'Created job hello-29404929', at: '2026-11-28T10:09:00Z' }], NOW);
    const lines = text.split('\n');
    assert.equal(lines[0], 'Name:                          hello');
    assert.ok(lines.includes('Schedule:                      */1 * * * *'), text);
    assert.ok(lines.includes('Concurrency Policy:            Allow'), text);
    assert.ok(lines.includes('Starting Deadline Seconds:     30s'), text);
    assert.ok(lines.includes('Successful Job History Limit:  3'), text);
    assert.ok(lines.includes('Pod Template:'), text);
    assert.match(text, /^ {2}Labels: {2}<none>$/m);
    assert.match(text, /^Last Schedule Time:\s+<unset>$/m);
    assert.match(text, /^Active Jobs:\s+hello-29404929$/m);
    assert.match(text, /^ {2}Normal {2}SuccessfulCreate {2}60s {3}cronjob-controller {2}Created job hello-29404929$/m);
  });
});
