// CronJob manifests and the pure schedule mapping: robfig's schedule syntax and messages, timeZone,
// defaults, the jobTemplate validated as a Job spec with its paths, v1beta1's warning, mixed files, and
// the Job made for a scheduled time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CRONJOB_V1BETA1_WARNING, JobValidationError, ManifestError, parseCronJob, parseObjects, type CronJob, type Job } from '../src/api';
import { cronExpressionsFor, cronScheduleError } from '../src/api/cron';
import {
  MANY_MISSED,
  dueTime,
  heldBackByForbid,
  cronJobJobName,
  jobForSchedule,
  jobsBeyondHistory,
  missedDeadline,
  rfc1123z,
  scheduleShape,
  scheduledTimeOfRun,
} from '../src/cronjob';

function manifest(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'hello' }, apiVersion = 'batch/v1'): Record<string, unknown> {
  return {
    apiVersion,
    kind: 'CronJob',
    metadata,
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: {
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox', command: ['sh', '-c', 'date'] }] } } },
      },
      ...spec,
    },
  };
}

function invalidMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof JobValidationError, String(err));
    return err.message;
  }
  assert.fail('expected a validation error');
}

describe('CronJob schedule syntax (robfig ParseStandard)', () => {
  it('accepts what Kubernetes accepts', () => {
    for (const s of [
      '*/1 * * * *',
      '0 */5 * * *',
      '0 0 1 1 *',
      '0-59/15 0-23/2 1-31 1-12 0-6',
      '5,10,15 * * * *',
      '0 9 * jan-mar mon-fri',
      '0 9 ? * SUN',
      '0 0 * * 0',
      '@hourly',
      '@daily',
      '@midnight',
      '@weekly',
      '@monthly',
      '@yearly',
      '@annually',
      '@every 1h30m',
      '  1  2  3  4  5 ',
    ])
      assert.equal(cronScheduleError(s), undefined, s);
  });

  it("refuses the rest with robfig's words", () => {
    const cases: Array<[string, string]> = [
      ['', 'empty spec string'],
      ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
      ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
      ['60 * * * *', 'end of range (60) above maximum (59): 60'],
      ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
      ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
      ['* * * * 7', 'end of range (7) above maximum (6): 7'],
      ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
      ['*/2/3 * * * *', 'too many slashes: */2/3'],
      ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['* * * foo *', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
      ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
      ['@every 1x', 'failed to parse duration @every 1x: time: invalid duration "1x"'],
    ];
    for (const [s, msg] of cases) assert.equal(cronScheduleError(s), msg, s);
  });
});

describe('CronJob manifests', () => {
  it('defaults concurrencyPolicy, suspend and the history limits; keeps the jobTemplate as given', () => {
    const c = parseCronJob(manifest());
    assert.equal(c.metadata.namespace, 'default');
    assert.equal(c.spec.concurrencyPolicy, 'Allow');
    assert.equal(c.spec.suspend, false);
    assert.equal(c.spec.successfulJobsHistoryLimit, 3);
    assert.equal(c.spec.failedJobsHistoryLimit, 1);
    assert.equal(c.spec.startingDeadlineSeconds, undefined);
    assert.equal(c.spec.jobTemplate.spec.parallelism, undefined);
  });

  it('reports schedule, timeZone, policy, limits and jobTemplate errors with field paths, all at once', () => {
    const msg = invalidMessage(() =>
      parseCronJob(
        manifest({
          schedule: '61 * * * *',
          timeZone: 'Mars/Olympus',
          concurrencyPolicy: 'Sometimes',
          startingDeadlineSeconds: -1,
          successfulJobsHistoryLimit: -2,
          failedJobsHistoryLimit: -3,
          jobTemplate: { spec: { parallelism: -1, template: { spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox' }] } } } },
        }),
      ),
    );
    assert.equal(
      msg,
      [
        'The CronJob "hello" is invalid: ',
        '* spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
        '* spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
        '* spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
        '* spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
        '* spec.successfulJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
        '* spec.failedJobsHistoryLimit: Invalid value: -3: must be greater than or equal to 0',
        '* spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
        '* spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
      ].join('\n'),
    );
  });

  it('refuses TZ= in the schedule, empty and Local time zones, long names and a selector', () => {
    assert.equal(
      invalidMessage(() => parseCronJob(manifest({ schedule: 'TZ=UTC 0 * * * *' }))),
      'The CronJob "hello" is invalid: spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    );
    assert.match(invalidMessage(() => parseCronJob(manifest({ schedule: 'CRON_TZ=Europe/Paris 0 * * * *' }))), /cannot use TZ or CRON_TZ in schedule/);
    assert.match(invalidMessage(() => parseCronJob(manifest({ timeZone: '' }))), /spec\.timeZone: Invalid value: "": timeZone must be nil or non-empty string/);
    assert.match(
      invalidMessage(() => parseCronJob(manifest({ timeZone: 'Local' }))),
      /spec\.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https:\/\/www\.iana\.org\/time-zones/,
    );
    assert.match(invalidMessage(() => parseCronJob(manifest({ timeZone: 'europe/paris' }))), /unknown time zone europe\/paris/);
    assert.equal(parseCronJob(manifest({ timeZone: 'Europe/Paris' })).spec.timeZone, 'Europe/Paris');
    assert.match(invalidMessage(() => parseCronJob(manifest({}, { name: 'a'.repeat(53) }))), /metadata\.name: Invalid value: "a{53}": must be no more than 52 characters/);
    assert.match(invalidMessage(() => parseCronJob(manifest({ schedule: '' }))), /spec\.schedule: Required value/);
    const withSelector = manifest();
    (withSelector.spec as { jobTemplate: { spec: Record<string, unknown> } }).jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
    assert.match(invalidMessage(() => parseCronJob(withSelector)), /spec\.jobTemplate\.spec\.selector: Invalid value: .*`selector` will be auto-generated/);
  });

  it('refuses unknown fields and wrong types as the API server decodes them', () => {
    assert.throws(
      () => parseCronJob(manifest({ scheduel: '* * * * *' })),
      (e: unknown) => e instanceof ManifestError && e.message === 'CronJob in version "v1" cannot be handled as a CronJob: strict decoding error: unknown field "spec.scheduel"',
    );
    assert.throws(() => parseCronJob(manifest({ suspend: 'yes' })), /cannot unmarshal string into Go struct field CronJob\.spec\.suspend of type bool/);
  });

  it('reads Jobs and CronJobs mixed in one file; batch/v1beta1 with kubectl\'s warning', () => {
    const text = [
      'apiVersion: batch/v1beta1',
      'kind: CronJob',
      'metadata: {name: hello}',
      'spec:',
      '  schedule: "*/1 * * * *"',
      '  jobTemplate:',
      '    spec:',
      '      template:',
      '        spec:',
      '          containers: [{name: hello, image: busybox, args: [/bin/sh, -c, date; echo Hello from the Kubernetes cluster]}]',
      '          restartPolicy: OnFailure',
      '---',
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: once}',
      'spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}',
    ].join('\n');
    const { objects, warnings } = parseObjects(text, 'mixed.yaml');
    assert.deepEqual(
      objects.map((o) => [o.apiVersion, o.kind, o.metadata.name]),
      [
        ['batch/v1', 'CronJob', 'hello'],
        ['batch/v1', 'Job', 'once'],
      ],
    );
    assert.deepEqual(warnings, [CRONJOB_V1BETA1_WARNING]);
    assert.equal(CRONJOB_V1BETA1_WARNING, 'batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob');
    assert.deepEqual(parseObjects(text.split('---')[1]).warnings, []);
  });
});

describe('the Job for a scheduled time and the schedule mapping', () => {
  const c: CronJob = {
    ...parseCronJob(manifest({ jobTemplate: { metadata: { labels: { app: 'x' }, annotations: { a: 'b' } }, spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } })),
  };
  c.metadata.uid = 'cj-uid';

  it('names it <cronjob>-<minutes since the epoch> and gives it the template metadata, the annotation and the owner', () => {
    const at = Date.parse('2026-11-28T10:05:00Z');
    const job: Job = jobForSchedule(c, at);
    assert.equal(job.metadata.name, `hello-${at / 60_000}`);
    assert.equal(cronJobJobName('hello', at + 59_999), job.metadata.name);
    assert.deepEqual(job.metadata.labels, { app: 'x' });
    assert.deepEqual(job.metadata.annotations, { a: 'b', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-11-28T10:05:00Z' });
    assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(job.spec.backoffLimit, 2);
    assert.equal(job.spec.template.metadata?.labels?.['batch.kubernetes.io/job-name'], job.metadata.name);
  });

  it('reads the scheduled time Temporal appends to a run id', () => {
    assert.equal(scheduledTimeOfRun('cronjob/default/hello-2026-11-28T10:05:00Z'), Date.parse('2026-11-28T10:05:00Z'));
    assert.equal(scheduledTimeOfRun('cronjob/default/hello'), undefined);
  });

  it('maps concurrencyPolicy, startingDeadlineSeconds and suspend onto Schedule policies', () => {
    const shape = (spec: Partial<CronJob['spec']>) => scheduleShape({ ...c, spec: { ...c.spec, ...spec } });
    assert.equal(shape({ concurrencyPolicy: 'Allow' }).overlap, 'ALLOW_ALL');
    assert.equal(shape({ concurrencyPolicy: 'Forbid' }).overlap, 'BUFFER_ONE');
    assert.equal(shape({ concurrencyPolicy: 'Replace' }).overlap, 'CANCEL_OTHER');
    assert.equal(shape({ startingDeadlineSeconds: 3 }).catchupWindowMs, 10_000);
    assert.equal(shape({ startingDeadlineSeconds: 200 }).catchupWindowMs, 200_000);
    assert.equal(shape({ suspend: true }).paused, true);
    assert.deepEqual(shape({ timeZone: 'Asia/Tokyo' }).timezone, 'Asia/Tokyo');
    const deadline = { ...c, spec: { ...c.spec, startingDeadlineSeconds: 3 } };
    assert.equal(missedDeadline(deadline, 0, 3_000), false);
    assert.equal(missedDeadline(deadline, 0, 3_001), true);
    assert.equal(missedDeadline(c, 0, 1e12), false);
    assert.equal(rfc1123z(Date.parse('2006-01-02T15:04:05Z')), 'Mon, 02 Jan 2006 15:04:05 +0000');
  });

  it('history limits delete the oldest finished Jobs of each outcome', () => {
    const jobs = [
      { name: 'a', outcome: 'Complete' as const, startTime: 3 },
      { name: 'b', outcome: 'Complete' as const, startTime: 1 },
      { name: 'c', outcome: 'Complete' as const },
      { name: 'd', outcome: 'Failed' as const, startTime: 5 },
      { name: 'e', outcome: 'Failed' as const, startTime: 4 },
    ];
    assert.deepEqual(jobsBeyondHistory(jobs, { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }), ['b', 'a', 'e']);
    assert.deepEqual(jobsBeyondHistory(jobs, { successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 0 }), ['e', 'd']);
  });
});

describe('catching up: the time a late run stands for', () => {
  const at = (iso: string) => Date.parse(iso);
  const cj = (spec: Record<string, unknown>): CronJob => parseCronJob(manifest(spec));

  it('a run on time stands for its own time', () => {
    const c = cj({ schedule: '*/5 * * * *' });
    assert.deepEqual(dueTime(c, at('2026-11-28T10:05:00Z'), at('2026-11-28T10:05:02Z')), { time: at('2026-11-28T10:05:00Z'), missed: 0 });
  });

  it('a late run stands for the most recent time that has come, and counts the ones it skipped', () => {
    const c = cj({ schedule: '*/5 * * * *' });
    assert.deepEqual(dueTime(c, at('2026-11-28T10:05:00Z'), at('2026-11-28T10:21:00Z')), { time: at('2026-11-28T10:20:00Z'), missed: 3 });
    const yearly = cj({ schedule: '0 0 1 1 *' });
    assert.deepEqual(dueTime(yearly, at('2020-01-01T00:00:00Z'), at('2026-11-28T10:00:00Z')), { time: at('2026-01-01T00:00:00Z'), missed: 6 });
  });

  it('more than 100 missed: estimated as Kubernetes does, still the most recent time', () => {
    const c = cj({ schedule: '0 * * * *' });
    const due = dueTime(c, at('2026-11-20T00:00:00Z'), at('2026-11-28T10:30:00Z'));
    assert.equal(due.time, at('2026-11-28T10:00:00Z'));
    assert.equal(due.missed, 8 * 24 + 10);
    assert.ok(due.missed > MANY_MISSED);
  });

  it('startingDeadlineSeconds counts only the times inside the window', () => {
    const c = cj({ schedule: '* * * * *', startingDeadlineSeconds: 200 });
    const due = dueTime(c, at('2026-11-20T00:00:00Z'), at('2026-11-28T10:30:30Z'));
    assert.equal(due.time, at('2026-11-28T10:30:00Z'));
    assert.equal(due.missed, 3);
  });

  it("reads day of month OR day of week as robfig does, when both are restricted", () => {
    assert.deepEqual(cronExpressionsFor('0 0 13 * 5'), ['0 0 13 * *', '0 0 * * 5']);
    assert.deepEqual(cronExpressionsFor('0 0 */2 * mon'), ['0 0 */2 * *', '0 0 * * mon']);
    assert.deepEqual(cronExpressionsFor('0 0 * * 5'), ['0 0 * * 5']);
    assert.deepEqual(cronExpressionsFor('0 0 13 * ?'), ['0 0 13 * *']);
    assert.deepEqual(cronExpressionsFor('0 9 ? * SUN'), ['0 9 * * SUN']);
    assert.deepEqual(cronExpressionsFor('@weekly'), ['0 0 * * 0']);
    assert.deepEqual(cronExpressionsFor('@every 5m'), ['@every 5m']);
    const fri13 = cj({ schedule: '0 0 13 * 5' });
    // Fri 2026-11-20 and Sun 2026-12-13 both fire; Fri 2026-11-27 is the most recent before the 28th.
    assert.deepEqual(dueTime(fri13, at('2026-11-13T00:00:00Z'), at('2026-11-28T00:00:00Z')), { time: at('2026-11-27T00:00:00Z'), missed: 2 });
    assert.equal(scheduleShape(fri13).cronExpressions.length, 2);
  });

  it('follows the time zone, reads ? as *, and leaves @every to Temporal', () => {
    const paris = cj({ schedule: '0 9 ? * *', timeZone: 'Europe/Paris' });
    assert.equal(dueTime(paris, at('2026-11-26T08:00:00Z'), at('2026-11-28T08:30:00Z')).time, at('2026-11-28T08:00:00Z'));
    const every = cj({ schedule: '@every 1h' });
    assert.deepEqual(dueTime(every, 0, 1e12), { time: 0, missed: 0 });
  });

  it('a Forbid run started well after its time was held back (JobAlreadyActive); on time, or under Allow, it was not', () => {
    const t = at('2026-11-28T10:05:00Z');
    assert.equal(heldBackByForbid(cj({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid' }), t, t + 200), false);
    assert.equal(heldBackByForbid(cj({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid' }), t, t + 90_000), true);
    assert.equal(heldBackByForbid(cj({ schedule: '*/5 * * * *', concurrencyPolicy: 'Allow' }), t, t + 90_000), false);
  });
});
