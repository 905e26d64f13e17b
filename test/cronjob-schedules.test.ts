// CronJobs on real Temporal Schedules (dev server; the time-skipping server has none) with a real worker.
// Scheduled times are produced with the Schedule's own backfill and trigger rather than by waiting for
// the clock: a yearly schedule backfilled over past years gives known, distinct scheduled minutes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseObjects } from '../src/api';
import type { CronJob } from '../src/api/cronjob';
import { CronJobsClient, JobsClient, NotFoundError } from '../src/client';
import { cronExpressionsFor } from '../src/api/cron';
import { cronJobScheduleId, dueTime } from '../src/cronjob';
import { createJobWorker } from '../src/worker';
import { cachedWorkflowBundle } from '../src/workflow-bundle';
import { startJobctlServer, type JobctlServer } from './helpers/jobctl-server';

function cronJob(name: string, script: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): CronJob {
  const text = JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '0 0 1 1 *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name, ...labels }, annotations: { team: 'batch' } },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: 1,
              containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
            },
          },
        },
      },
    },
  });
  return parseObjects(text).objects[0] as CronJob;
}

const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('CronJob on Temporal Schedules', () => {
  let s: JobctlServer;
  let jobs: JobsClient;
  let cronJobs: CronJobsClient;
  const jobNames = async (cj: string) => (await jobs.list({ namespace: 'default', selector: `app=${cj}` })).items.map((i) => i.job.metadata.name).sort();

  before(async () => {
    s = await startJobctlServer('cronjobs');
    jobs = new JobsClient(s.env.client, { taskQueue: s.taskQueue });
    cronJobs = new CronJobsClient(jobs);
  });
  after(async () => {
    await s?.teardown();
  });

  const created = (d: { events: Array<{ reason: string; message: string }> }) =>
    d.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message.replace('Created job ', ''));
  const NEW_YEAR = minutes('2026-01-01T00:00:00Z');

  it('names Jobs <cronjob>-<scheduled minutes>, copies the template metadata, links the owner, keeps the history limit', async () => {
    const owner = await cronJobs.create(cronJob('yearly', 'sleep 1', { successfulJobsHistoryLimit: 1 }));
    // Two Jobs by hand first: the history limit counts every Job the CronJob owns.
    await cronJobs.createJobFrom('default', 'yearly', 'yearly-a');
    await cronJobs.createJobFrom('default', 'yearly', 'yearly-b');
    await until('manual Jobs complete', async () => (await jobs.list({ selector: 'app=yearly' })).items, (i) => i.length === 2 && i.every((x) => x.job.status.completionTime));
    const before = Date.now();
    await cronJobs.trigger('default', 'yearly');
    const first = await until('a scheduled run completes and trims', () => cronJobs.describe('default', 'yearly'), (d) => d.events.filter((e) => e.reason === 'SuccessfulDelete').length === 2);
    const [name] = created(first);
    const job = first.jobs.find((j) => j.job.metadata.name === name)?.job ?? (await jobs.get('default', name)).job;
    const scheduled = job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? '';
    assert.equal(name, `yearly-${minutes(scheduled)}`);
    assert.ok(Date.parse(scheduled) >= before - 1000 && Date.parse(scheduled) <= Date.now(), scheduled);
    assert.equal(job.metadata.labels?.app, 'yearly');
    assert.equal(job.metadata.annotations?.team, 'batch');
    assert.deepEqual(job.metadata.ownerReferences, [
      { apiVersion: 'batch/v1', kind: 'CronJob', name: 'yearly', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    assert.deepEqual(
      first.events.map((e) => [e.type, e.reason, e.message]),
      [
        ['Normal', 'SuccessfulCreate', `Created job ${name}`],
        ['Normal', 'SawCompletedJob', `Saw completed job: ${name}, status: Complete`],
        ['Normal', 'SuccessfulDelete', 'Deleted job yearly-a'],
        ['Normal', 'SuccessfulDelete', 'Deleted job yearly-b'],
      ],
    );
    assert.deepEqual(await until('the oldest two are gone', () => jobNames('yearly'), (n) => n.length === 1), [name]);
    const info = await cronJobs.get('default', 'yearly');
    assert.equal(info.cronJob.status.lastScheduleTime, scheduled);
    assert.equal(info.cronJob.status.lastSuccessfulTime, job.status.completionTime);

    // Three missed times (2020, 2021, 2022) arrive at once: Kubernetes never back-fills; every late run
    // stands for the most recent time that has come (2026-01-01), so exactly one Job is made for it.
    await cronJobs.backfill('default', 'yearly', new Date('2019-12-31T00:00:00Z'), new Date('2022-01-02T00:00:00Z'));
    const second = await until('the catch-up Job completes', () => cronJobs.describe('default', 'yearly'), (d) => d.events.filter((e) => e.reason === 'SawCompletedJob').length === 2 && d.events.filter((e) => e.reason === 'SuccessfulDelete').length === 3);
    assert.deepEqual(created(second), [name, `yearly-${NEW_YEAR}`]);
    assert.deepEqual(await until('one Job left', () => jobNames('yearly'), (n) => n.length === 1 && n[0] !== name), [`yearly-${NEW_YEAR}`]);
    assert.equal((await cronJobs.get('default', 'yearly')).cronJob.status.lastScheduleTime, scheduled, 'lastScheduleTime is the latest scheduled time a Job was made for');
  });

  it('Forbid: nothing starts while a Job runs; once it is gone the most recent missed time runs (BUFFER_ONE)', async () => {
    await cronJobs.create(cronJob('forbid', 'sleep 300', { concurrencyPolicy: 'Forbid' }));
    await cronJobs.trigger('default', 'forbid');
    const [first] = await until('the first Job runs', () => jobNames('forbid'), (n) => n.length === 1);
    await until('its pod runs', () => jobs.get('default', first), (i) => i.job.status.active === 1);
    await cronJobs.backfill('default', 'forbid', new Date('2019-12-31T00:00:00Z'), new Date('2022-01-02T00:00:00Z'));
    // Held back while the first Job runs: still one Job, one active.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await jobNames('forbid'), [first]);
    assert.deepEqual((await cronJobs.get('default', 'forbid')).cronJob.status.active?.map((r) => r.name), [first]);
    await jobs.delete('default', first);
    const names = await until('the held-back time runs', () => jobNames('forbid'), (n) => n.length === 1 && n[0] !== first);
    assert.deepEqual(names, [`forbid-${NEW_YEAR}`]);
    const sched = await s.env.client.schedule.getHandle(cronJobScheduleId('default', 'forbid')).describe();
    assert.equal(sched.policies.overlap, 'BUFFER_ONE');
    const d = await cronJobs.describe('default', 'forbid');
    assert.ok(d.events.some((e) => e.reason === 'MissingJob' && e.message === `Active job went missing: ${first}`), JSON.stringify(d.events));
    const skipped = d.events.find((e) => e.reason === 'JobAlreadyActive');
    assert.equal(skipped?.message, 'Not starting job because prior execution is running and concurrency policy is Forbid', JSON.stringify(d.events));
    // Left running: the cascade is tested below, and the dev server removes executions slowly (seconds
    // each, queued behind one another); the file's teardown stops the pod.
  });

  it('Replace: a new time deletes the running Job (its pods stopped) and starts the new one', async () => {
    const order = s.file('replace-order', '');
    await cronJobs.create(
      cronJob('replace', `echo "start $HOSTNAME" >> ${order}; trap 'echo "stop $HOSTNAME" >> ${order}; exit 0' TERM; sleep 300 & wait`, { concurrencyPolicy: 'Replace' }),
    );
    await cronJobs.trigger('default', 'replace');
    const first = await until('the first Job runs', () => jobNames('replace'), (n) => n.length === 1);
    await until('its pod runs', () => jobs.get('default', first[0]), (i) => i.job.status.active === 1);
    await cronJobs.backfill('default', 'replace', new Date('2019-12-31T00:00:00Z'), new Date('2020-01-02T00:00:00Z'));
    const second = `replace-${NEW_YEAR}`;
    const names = await until('the first Job is replaced', () => jobNames('replace'), (n) => n.length === 1 && n[0] === second);
    assert.deepEqual(names, [second]);
    await assert.rejects(jobs.get('default', first[0]), NotFoundError);
    const d = await cronJobs.describe('default', 'replace');
    assert.ok(d.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${first[0]}`), JSON.stringify(d.events));
    assert.deepEqual(d.cronJob.status.active?.map((r) => r.name), [second]);
    // The old pod had its grace period and was gone before the new Job's pod started.
    const lines = (await until('the new pod runs', async () => fs.readFileSync(order, 'utf8').trim().split('\n'), (l) => l.length === 3)).map((l) => l.split(' ')[0]);
    assert.deepEqual(lines, ['start', 'stop', 'start']);
    // Left running, as above.
  });

  it('more than 100 missed times: TooManyMissedTimes, and still a Job for the most recent one', async () => {
    await cronJobs.create(cronJob('hourly', 'true', { schedule: '0 * * * *' }));
    const tenDaysAgo = Math.floor((Date.now() - 10 * 24 * 3600_000) / 3600_000) * 3600_000;
    await cronJobs.backfill('default', 'hourly', new Date(tenDaysAgo), new Date(tenDaysAgo + 1000));
    const d = await until('the Job is made', () => cronJobs.describe('default', 'hourly'), (x) => created(x).length === 1);
    const warning = d.events.find((e) => e.reason === 'TooManyMissedTimes');
    assert.equal(warning?.type, 'Warning');
    assert.match(warning?.message ?? '', /^too many missed start times: 2(39|40|41)\. Set or decrease \.spec\.startingDeadlineSeconds or check clock skew$/);
    const [name] = created(d);
    const hour = Number(name.slice('hourly-'.length)) * 60_000;
    assert.equal(hour % 3600_000, 0);
    assert.ok(Date.now() - hour < 2 * 3600_000, name);
  });

  it('suspend pauses the Schedule and resume unpauses it; patch is validated', async () => {
    await cronJobs.create(cronJob('pausable', 'true', { schedule: '*/5 * * * *' }));
    const handle = s.env.client.schedule.getHandle(cronJobScheduleId('default', 'pausable'));
    assert.equal((await handle.describe()).state.paused, false);
    await cronJobs.suspend('default', 'pausable');
    assert.equal((await handle.describe()).state.paused, true);
    const suspended = await cronJobs.get('default', 'pausable');
    assert.equal(suspended.cronJob.spec.suspend, true);
    assert.deepEqual(suspended.nextScheduleTimes, []);
    await cronJobs.resume('default', 'pausable');
    const resumed = await cronJobs.get('default', 'pausable');
    assert.equal(resumed.cronJob.spec.suspend, false);
    assert.ok(resumed.nextScheduleTimes.length > 0);
    await assert.rejects(cronJobs.patch('default', 'pausable', { spec: { schedule: '61 * * * *' } }), /spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    assert.equal(await cronJobs.apply(cronJob('pausable', 'true', { schedule: '*/10 * * * *' })), 'configured');
    assert.deepEqual((await handle.describe()).spec.calendars?.[0]?.minute, [{ start: 0, end: 59, step: 10 }]);
    assert.equal(await cronJobs.apply(cronJob('pausable', 'true', { schedule: '*/10 * * * *' })), 'unchanged');
    await cronJobs.patch('default', 'pausable', { spec: { schedule: '@hourly', timeZone: 'Europe/Paris' } });
    const patched = await handle.describe();
    assert.equal(patched.spec.timezone, 'Europe/Paris');
    assert.equal((await cronJobs.get('default', 'pausable')).cronJob.spec.schedule, '@hourly');
  });

  it('create job --from=cronjob and delete with cascade: the Schedule and every Job go', async () => {
    await cronJobs.create(cronJob('doomed', 'sleep 300'));
    await cronJobs.createJobFrom('default', 'doomed', 'doomed-manual');
    await cronJobs.backfill('default', 'doomed', new Date('2019-12-31T00:00:00Z'), new Date('2020-01-02T00:00:00Z'));
    await until('two Jobs', () => jobNames('doomed'), (n) => n.length === 2);
    const manual = (await jobs.get('default', 'doomed-manual')).job;
    assert.equal(manual.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
    await cronJobs.delete('default', 'doomed');
    await assert.rejects(cronJobs.get('default', 'doomed'), NotFoundError);
    assert.deepEqual(await jobNames('doomed'), []);
    await assert.rejects(s.env.client.schedule.getHandle(cronJobScheduleId('default', 'doomed')).describe());
  });

  it("e2e: the seeds' batch/v1beta1 hello CronJob through the real jobctl: warning, get, a triggered run completes as a Job, describe, suspend, delete", async () => {
    const file = s.file(
      'hello.yaml',
      [
        'apiVersion: batch/v1beta1',
        'kind: CronJob',
        'metadata:',
        '  name: hello',
        'spec:',
        '  schedule: "*/1 * * * *"',
        '  jobTemplate:',
        '    spec:',
        '      template:',
        '        spec:',
        '          containers:',
        '          - name: hello',
        '            image: busybox',
        '            imagePullPolicy: IfNotPresent',
        '            command:',
        '            - /bin/sh',
        '            - -c',
        '            - date; echo Hello from the Kubernetes cluster',
        '          restartPolicy: OnFailure',
        '',
      ].join('\n'),
    );
    const ok = (r: { code: number | null; stdout: string; stderr: string }, what: string) => {
      assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r;
    };
    const applied = ok(await s.jobctl(['apply', '-f', file]), 'apply');
    assert.equal(applied.stdout, 'cronjob.batch/hello created\n');
    assert.equal(applied.stderr, 'Warning: batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob\n');
    assert.equal(ok(await s.jobctl(['apply', '-f', file]), 'apply again').stdout, 'cronjob.batch/hello unchanged\n');

    const table = ok(await s.jobctl(['get', 'cronjobs']), 'get cronjobs').stdout;
    const rows = table.trim().split('\n').map((l) => l.trim().split(/\s{3,}/));
    assert.deepEqual(rows[0], ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    const hello = rows.find((r) => r[0] === 'hello');
    assert.ok(hello, table);
    assert.deepEqual(hello.slice(1, 4), ['*/1 * * * *', '<none>', 'False']);
    assert.equal(ok(await s.jobctl(['get', 'cj', '-o', 'name']), 'get -o name').stdout.split('\n').includes('cronjob.batch/hello'), true);
    const json = JSON.parse(ok(await s.jobctl(['get', 'cronjob', 'hello', '-o', 'json']), 'get -o json').stdout);
    assert.equal(json.apiVersion, 'batch/v1');
    assert.equal(json.kind, 'CronJob');
    assert.equal(json.spec.concurrencyPolicy, 'Allow');
    assert.equal(json.spec.successfulJobsHistoryLimit, 3);

    // A run now, as the next minute would start it.
    await cronJobs.trigger('default', 'hello');
    const jobName = await until(
      'a hello Job completes',
      async () => {
        const got = ok(await s.jobctl(['get', 'jobs']), 'get jobs').stdout;
        return got.split('\n').map((l) => l.trim().split(/\s{3,}/)).find((r) => /^hello-\d+$/.test(r[0] ?? '') && r[1] === 'Complete')?.[0];
      },
      (n) => n !== undefined,
    );
    assert.ok(jobName);
    const logs = ok(await s.jobctl(['logs', `job/${jobName}`]), 'logs').stdout;
    assert.match(logs, /Hello from the Kubernetes cluster/);
    const described = ok(await s.jobctl(['describe', 'cronjob', 'hello']), 'describe').stdout;
    assert.match(described, /^Name:\s+hello$/m);
    assert.match(described, /^Schedule:\s+\*\/1 \* \* \* \*$/m);
    assert.match(described, /^Concurrency Policy:\s+Allow$/m);
    assert.match(described, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+cronjob-controller\\s+Created job ${jobName}`));
    assert.notEqual(ok(await s.jobctl(['get', 'cronjob', 'hello']), 'get').stdout.split('\n')[1]?.trim().split(/\s{3,}/)[5], '<none>');

    assert.equal(ok(await s.jobctl(['create', 'job', 'hello-manual', '--from=cronjob/hello']), 'create --from').stdout, 'job.batch/hello-manual created\n');
    ok(await s.jobctl(['wait', '--for=condition=complete', 'job/hello-manual', '--timeout=60s']), 'wait manual');

    assert.equal(ok(await s.jobctl(['suspend', 'cronjob', 'hello']), 'suspend').stdout, 'cronjob.batch/hello suspended\n');
    assert.equal(ok(await s.jobctl(['get', 'cronjob', 'hello']), 'get').stdout.split('\n')[1]?.trim().split(/\s{3,}/)[3], 'True');
    ok(await s.jobctl(['patch', 'cronjob', 'hello', '-p', '{"spec":{"suspend":false,"schedule":"@hourly"}}']), 'patch');
    const patched = ok(await s.jobctl(['get', 'cronjob', 'hello']), 'get').stdout.split('\n')[1]?.trim().split(/\s{3,}/);
    assert.deepEqual(patched?.slice(1, 4), ['@hourly', '<none>', 'False']);

    assert.equal(ok(await s.jobctl(['delete', 'cronjob', 'hello']), 'delete').stdout, 'cronjob.batch "hello" deleted\n');
    const after = ok(await s.jobctl(['get', 'jobs']), 'get jobs').stdout;
    assert.doesNotMatch(after, /^hello-/m);
    const gone = await s.jobctl(['get', 'cronjob', 'hello']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): cronjobs "hello" not found');
  });

  it('startingDeadlineSeconds: a run that starts too long after its time creates no Job (MissSchedule)', async () => {
    await cronJobs.create(cronJob('late', 'true', { startingDeadlineSeconds: 30 }));
    await cronJobs.backfill('default', 'late', new Date('2019-12-31T00:00:00Z'), new Date('2020-01-02T00:00:00Z'));
    const d = await until('the miss is reported', () => cronJobs.describe('default', 'late'), (x) => x.events.length > 0);
    // The late run stands for the most recent time (2026-01-01), which is itself past the deadline.
    assert.deepEqual(
      d.events.map((e) => [e.type, e.reason, e.message]),
      [['Warning', 'MissSchedule', 'Missed scheduled time to start a job: Thu, 01 Jan 2026 00:00:00 +0000']],
    );
    assert.equal((await cronJobs.get('default', 'late')).cronJob.status.lastScheduleTime, undefined);
    assert.deepEqual(await jobNames('late'), []);
    const sched = await s.env.client.schedule.getHandle(cronJobScheduleId('default', 'late')).describe();
    assert.equal(sched.policies.catchupWindow, 30_000);
  });

  it("croner (which a late run asks for the most recent time) and Temporal's Schedules agree on the times", async () => {
    const cases: Array<[string, string | undefined]> = [
      ['0 0 13 * 5', undefined],
      ['*/7 3-5 * jan,jul mon-fri', undefined],
      ['0 9 ? * SUN', undefined],
      ['@weekly', undefined],
      ['5 4 * * sun', 'Asia/Kolkata'],
      ['30 2 * * *', 'Europe/Paris'],
      ['0 0 29 2 *', undefined],
    ];
    for (const [schedule, timeZone] of cases) {
      const id = `croner-check-${cases.findIndex((c) => c[0] === schedule)}`;
      const handle = await s.env.client.schedule.create({
        scheduleId: id,
        // What a CronJob's Schedule is given (robfig's day-of-month OR day-of-week split in two).
        spec: { cronExpressions: cronExpressionsFor(schedule), ...(timeZone ? { timezone: timeZone } : {}) },
        action: { type: 'startWorkflow', workflowType: 'nothing', workflowId: id, taskQueue: 'nowhere', args: [] },
      });
      try {
        const temporal = (await handle.describe()).info.nextActionTimes.map((d) => d.toISOString());
        assert.ok(temporal.length >= 5, schedule);
        const c = cronJob('x', 'true', { schedule, ...(timeZone ? { timeZone } : {}) });
        // dueTime walks croner's times: from just before Temporal's first, "now" at its last, it must land on it.
        const first = Date.parse(temporal[0]);
        const last = Date.parse(temporal[temporal.length - 1]);
        const due = dueTime(c, first, last);
        assert.equal(new Date(due.time).toISOString(), temporal[temporal.length - 1], `${schedule} ${timeZone ?? ''}`);
        assert.equal(due.missed, temporal.length - 1, `${schedule} ${timeZone ?? ''}: ${JSON.stringify(temporal)}`);
        // Kubernetes' reading: the 13th, or any Friday.
        if (schedule === '0 0 13 * 5') assert.ok(temporal.some((t) => new Date(t).getUTCDate() !== 13), JSON.stringify(temporal));
      } finally {
        await handle.delete();
      }
    }
  });

  it('refuses a second CronJob of the same name', async () => {
    await cronJobs.create(cronJob('twice', 'true'));
    await assert.rejects(cronJobs.create(cronJob('twice', 'true')), /Error from server \(AlreadyExists\): cronjobs "twice" already exists/);
  });

  // Last: it replaces the file's worker.
  it('a time that comes while no worker runs makes its Job once a worker is back: nothing missed, nothing doubled', async () => {
    s.worker.shutdown();
    await until('the worker stops', async () => s.worker.getState(), (st) => st === 'STOPPED');
    await cronJobs.create(cronJob('restart', 'true'));
    await cronJobs.trigger('default', 'restart');
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await jobNames('restart'), []);
    const bundle = await cachedWorkflowBundle();
    const worker = await createJobWorker({ connection: s.env.nativeConnection, taskQueue: s.taskQueue, dataDir: s.dataDir, workflowBundle: bundle, log: () => undefined });
    const running = worker.run();
    try {
      const d = await until('the Job completes', () => cronJobs.describe('default', 'restart'), (x) => x.events.some((e) => e.reason === 'SawCompletedJob'));
      assert.equal(created(d).length, 1, JSON.stringify(d.events));
      assert.deepEqual(await jobNames('restart'), created(d));
      const job = (await jobs.get('default', created(d)[0])).job;
      assert.ok(job.status.conditions.some((c) => c.type === 'Complete' && c.status === 'True'));
    } finally {
      worker.shutdown();
      await running.catch(() => undefined);
    }
  });
});

