// CronJobs on real Temporal Schedules (dev server; the time-skipping server has none) with a real worker.
// Scheduled times are produced with the Schedule's own backfill and trigger rather than by waiting for
// the clock: a yearly schedule backfilled over past years gives known, distinct scheduled minutes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseObjects } from '../src/api';
import type { CronJob } from '../src/api/cronjob';
import { CronJobsClient, JobsClient, NotFoundError } from '../src/client';
import { cronJobScheduleId } from '../src/cronjob';
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

  it('names Jobs <cronjob>-<scheduled minutes>, copies the template metadata, links the owner, keeps the history limit', async () => {
    const created = await cronJobs.create(cronJob('yearly', 'sleep 2', { successfulJobsHistoryLimit: 1 }));
    // Three scheduled times: 2020-01-01, 2021-01-01 and 2022-01-01 at 00:00 UTC.
    await cronJobs.backfill('default', 'yearly', new Date('2019-12-31T00:00:00Z'), new Date('2022-01-02T00:00:00Z'));
    const expected = ['2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z', '2022-01-01T00:00:00Z'].map((t) => `yearly-${minutes(t)}`);
    const details = await until(
      'three runs seen complete and two deleted',
      () => cronJobs.describe('default', 'yearly'),
      (d) => d.events.filter((e) => e.reason === 'SawCompletedJob').length === 3 && d.events.filter((e) => e.reason === 'SuccessfulDelete').length >= 2,
    );
    // Three runs trimmed at once; each deletion is claimed and reported by exactly one of them.
    const deletions = details.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.equal(deletions.length, 2, JSON.stringify(deletions));
    assert.equal(new Set(deletions).size, 2);
    const createdNames = details.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message.replace('Created job ', '')).sort();
    assert.deepEqual(createdNames, expected);
    // Allow: all three ran at once (every create came before the first completion).
    const order = details.events.map((e) => e.reason);
    assert.ok(order.lastIndexOf('SuccessfulCreate') < order.indexOf('SawCompletedJob'), JSON.stringify(order));
    for (const e of details.events.filter((e) => e.reason === 'SawCompletedJob')) assert.match(e.message, /^Saw completed job: yearly-\d+, status: Complete$/);
    // successfulJobsHistoryLimit 1: one Complete Job is left, and it is one of the three.
    // The deletions run as removal workflows: the Jobs are gone soon after the events.
    const left = await until('one Job left', () => jobNames('yearly'), (n) => n.length === 1);
    assert.ok(expected.includes(left[0]));
    const job = (await jobs.get('default', left[0])).job;
    assert.equal(job.metadata.labels?.app, 'yearly');
    assert.equal(job.metadata.annotations?.team, 'batch');
    const scheduled = job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'];
    assert.ok(scheduled && `yearly-${minutes(scheduled)}` === left[0], JSON.stringify(job.metadata.annotations));
    assert.deepEqual(job.metadata.ownerReferences, [
      { apiVersion: 'batch/v1', kind: 'CronJob', name: 'yearly', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal(details.cronJob.status.lastScheduleTime, '2022-01-01T00:00:00Z');
    // The latest completion of the three, kept by the runs although history limits deleted two Jobs.
    const lastSuccess = (await cronJobs.get('default', 'yearly')).cronJob.status.lastSuccessfulTime;
    assert.ok(lastSuccess && job.status.completionTime && lastSuccess >= job.status.completionTime, `${lastSuccess} vs ${job.status.completionTime}`);
    assert.equal(lastSuccess, details.cronJob.status.lastSuccessfulTime);
    assert.deepEqual((await cronJobs.describe('default', 'yearly')).jobs.map((j) => j.job.metadata.name), left);
  });

  it('Forbid: while a Job runs the next time waits (BUFFER_ONE) and later ones are dropped; never two at once', async () => {
    await cronJobs.create(cronJob('forbid', 'sleep 2', { concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 5 }));
    let most = 0;
    await cronJobs.backfill('default', 'forbid', new Date('2019-12-31T00:00:00Z'), new Date('2022-01-02T00:00:00Z'));
    const d = await until(
      'two runs complete',
      async () => {
        const info = await cronJobs.get('default', 'forbid');
        most = Math.max(most, info.cronJob.status.active?.length ?? 0);
        return cronJobs.describe('default', 'forbid');
      },
      (x) => x.events.filter((e) => e.reason === 'SawCompletedJob').length >= 2,
    );
    const names = d.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message.replace('Created job ', ''));
    // The first time runs, the second waits for it, the third found the buffer full.
    assert.deepEqual(names, [`forbid-${minutes('2020-01-01T00:00:00Z')}`, `forbid-${minutes('2021-01-01T00:00:00Z')}`]);
    assert.ok(most <= 1, `at most one active Job, saw ${most}`);
    const sched = await s.env.client.schedule.getHandle(cronJobScheduleId('default', 'forbid')).describe();
    assert.equal(sched.policies.overlap, 'BUFFER_ONE');
  });

  it('Replace: a new time deletes the running Job (its pods stopped) and starts the new one', async () => {
    await cronJobs.create(cronJob('replace', 'sleep 300', { concurrencyPolicy: 'Replace' }));
    await cronJobs.trigger('default', 'replace');
    const first = await until('the first Job runs', () => jobNames('replace'), (n) => n.length === 1);
    await until('its pod runs', () => jobs.get('default', first[0]), (i) => i.job.status.active === 1);
    await cronJobs.backfill('default', 'replace', new Date('2019-12-31T00:00:00Z'), new Date('2020-01-02T00:00:00Z'));
    const second = `replace-${minutes('2020-01-01T00:00:00Z')}`;
    const names = await until('the first Job is replaced', () => jobNames('replace'), (n) => n.length === 1 && n[0] === second);
    assert.deepEqual(names, [second]);
    await assert.rejects(jobs.get('default', first[0]), NotFoundError);
    const d = await cronJobs.describe('default', 'replace');
    assert.ok(d.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${first[0]}`), JSON.stringify(d.events));
    assert.deepEqual(d.cronJob.status.active?.map((r) => r.name), [second]);
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
    assert.deepEqual(
      d.events.map((e) => [e.type, e.reason, e.message]),
      [['Warning', 'MissSchedule', 'Missed scheduled time to start a job: Wed, 01 Jan 2020 00:00:00 +0000']],
    );
    assert.deepEqual(await jobNames('late'), []);
    const sched = await s.env.client.schedule.getHandle(cronJobScheduleId('default', 'late')).describe();
    assert.equal(sched.policies.catchupWindow, 30_000);
  });

  it('refuses a second CronJob of the same name', async () => {
    await cronJobs.create(cronJob('twice', 'true'));
    await assert.rejects(cronJobs.create(cronJob('twice', 'true')), /Error from server \(AlreadyExists\): cronjobs "twice" already exists/);
  });
});
