// jobsTable and podsTable: kubectl get's columns, STATUS rules (printJob, printPod) and alignment.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { type JobCondition, type JobStatus, parseManifests, withControllerUid } from '../src/api';
import { jobsTable, podsTable } from '../src/cli/format';
import type { PodRecord } from '../src/controller/state';
import type { JobWithStatus } from '../src/workflows/messages';

const PI_YAML = readFileSync(resolve(__dirname, '../../examples/pi.yaml'), 'utf8');
const NOW = Date.parse('2024-05-01T12:00:00Z');
const T0 = '2024-05-01T11:55:00Z';

function cond(type: JobCondition['type'], status: JobCondition['status'] = 'True'): JobCondition {
  return { type, status, reason: 'R', message: 'm', lastProbeTime: T0, lastTransitionTime: T0 };
}

function job(yaml: string, status: Partial<JobStatus> = {}, meta: Record<string, unknown> = {}): JobWithStatus {
  const [parsed] = parseManifests(yaml);
  const j = withControllerUid({ ...parsed, metadata: { ...parsed.metadata, creationTimestamp: T0, ...meta } }, 'uid-1');
  return { ...j, status: { active: 0, ready: 0, terminating: 0, succeeded: 0, failed: 0, conditions: [], ...status } };
}

const named = (name: string, extra = '') => `
apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
${extra}  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox:1.36, command: ["true"]}]
`;

/** The STATUS cell of a one-job table. */
function statusOf(j: JobWithStatus): string {
  const [, row] = jobsTable([j], { now: NOW }).split('\n');
  return row.split(/\s{2,}/)[1];
}

describe('jobsTable', () => {
  it('prints kubectl get jobs columns, aligned with three spaces of padding', () => {
    const done = job(PI_YAML, { succeeded: 1, startTime: '2024-05-01T11:55:01Z', completionTime: '2024-05-01T11:56:06Z', conditions: [cond('SuccessCriteriaMet'), cond('Complete')] });
    const running = job(named('long-running-job-name', '  completions: 5\n  parallelism: 2\n'), { active: 2, succeeded: 3, startTime: '2024-05-01T09:20:00Z' }, { creationTimestamp: '2024-05-01T09:19:00Z' });
    const waiting = job(named('queued', '  suspend: true\n'), { conditions: [cond('Suspended')] });
    assert.equal(
      jobsTable([done, running, waiting], { now: NOW }),
      [
        'NAME                    STATUS      COMPLETIONS   DURATION   AGE',
        'pi                      Complete    1/1           65s        5m',
        'long-running-job-name   Running     3/5           160m       161m',
        'queued                  Suspended   0/1                      5m',
        '',
      ].join('\n'),
    );
  });

  it('adds NAMESPACE with -A and CONTAINERS, IMAGES, SELECTOR with -o wide', () => {
    const j = job(named('w'));
    assert.equal(
      jobsTable([j], { now: NOW, wide: true, allNamespaces: true }),
      'NAMESPACE   NAME   STATUS    COMPLETIONS   DURATION   AGE   CONTAINERS   IMAGES         SELECTOR\n' +
        'default     w      Running   0/1                      5m    main         busybox:1.36   batch.kubernetes.io/controller-uid=uid-1\n',
    );
  });

  it('returns "" for no jobs', () => {
    assert.equal(jobsTable([], { now: NOW }), '');
  });

  it('applies printJob STATUS precedence: Complete, Failed, Terminating, Suspended, FailureTarget, else Running', () => {
    const base = named('s');
    assert.equal(statusOf(job(base, { conditions: [cond('SuccessCriteriaMet'), cond('Complete')] })), 'Complete');
    assert.equal(statusOf(job(base, { conditions: [cond('FailureTarget'), cond('Failed')] })), 'Failed');
    assert.equal(statusOf(job(base, { conditions: [cond('FailureTarget')] })), 'FailureTarget');
    assert.equal(statusOf(job(base, { conditions: [cond('Suspended'), cond('FailureTarget')] })), 'Suspended');
    assert.equal(statusOf(job(base, { conditions: [cond('Suspended')] }, { deletionTimestamp: T0 })), 'Terminating');
    assert.equal(statusOf(job(base, { conditions: [cond('Complete')] }, { deletionTimestamp: T0 })), 'Complete');
    // kubectl has no SuccessCriteriaMet status: the Job reads Running until Complete.
    assert.equal(statusOf(job(base, { conditions: [cond('SuccessCriteriaMet')] })), 'Running');
    // A resumed Job keeps Suspended=False, which is not Suspended.
    assert.equal(statusOf(job(base, { conditions: [cond('Suspended', 'False')] })), 'Running');
  });

  it('shows work-queue COMPLETIONS as succeeded/1, with "of parallelism" above 1', () => {
    const cell = (j: JobWithStatus) => jobsTable([j], { now: NOW }).split('\n')[1].split(/\s{2,}/)[2];
    assert.equal(cell(job(named('q', '  parallelism: 3\n'), { succeeded: 1 })), '1/1 of 3');
    assert.equal(cell(job(named('q', '  parallelism: 1\n  completions: null\n'))), '0/1');
  });
});

function pod(over: Partial<PodRecord>): PodRecord {
  return { name: 'p-abcde', phase: 'Pending', restartCount: 0, creationTimestamp: T0, running: true, ...over };
}

function res(name: string, exitCode: number | null, reason: 'Completed' | 'Error' | 'DeadlineExceeded', finishedAt = '2024-05-01T11:59:30Z', init = false) {
  return { name, init, exitCode, reason, startedAt: '2024-05-01T11:55:10Z', finishedAt, logTail: '', logTruncated: false };
}

const INIT_YAML = `
apiVersion: batch/v1
kind: Job
metadata: {name: init}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers: [{name: setup, image: busybox, command: ["true"]}]
      containers: [{name: main, image: busybox, command: ["true"]}]
`;

describe('podsTable', () => {
  const pi = job(PI_YAML);
  const onFailure = job(named('of').replace('restartPolicy: Never', 'restartPolicy: OnFailure'));
  const withInit = job(INIT_YAML);
  const status = (j: JobWithStatus, p: PodRecord) => podsTable([{ job: j, pod: p }], { now: NOW }).split('\n')[1].split(/\s{2,}/);

  it('prints NAME READY STATUS RESTARTS AGE, and the wide columns', () => {
    const rows = [
      { job: pi, pod: pod({ name: 'pi-xf9p4', phase: 'Succeeded', running: false, worker: 'host-a', finishedAt: '2024-05-01T11:59:31Z', containers: [res('pi', 0, 'Completed')] }) },
      { job: pi, pod: pod({ name: 'pi-k2n7q', phase: 'Running', worker: 'host-b', startTime: '2024-05-01T11:56:00Z' }) },
    ];
    assert.equal(
      podsTable(rows, { now: NOW }),
      'NAME       READY   STATUS      RESTARTS   AGE\npi-xf9p4   0/1     Completed   0          5m\npi-k2n7q   1/1     Running     0          5m\n',
    );
    assert.equal(
      podsTable(rows, { now: NOW, wide: true, allNamespaces: true }),
      'NAMESPACE   NAME       READY   STATUS      RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES\n' +
        'default     pi-xf9p4   0/1     Completed   0          5m    <none>   host-a   <none>           <none>\n' +
        'default     pi-k2n7q   1/1     Running     0          5m    <none>   host-b   <none>           <none>\n',
    );
    assert.equal(podsTable([], { now: NOW }), '');
  });

  it('follows printPod for container states', () => {
    assert.deepEqual(status(pi, pod({})), ['p-abcde', '0/1', 'ContainerCreating', '0', '5m']);
    assert.deepEqual(status(pi, pod({ phase: 'Failed', running: false, finishedAt: T0, containers: [res('pi', 1, 'Error')] })), ['p-abcde', '0/1', 'Error', '0', '5m']);
    assert.deepEqual(
      status(pi, pod({ phase: 'Failed', running: false, reason: 'DeadlineExceeded', containers: [res('pi', 137, 'DeadlineExceeded')] })),
      ['p-abcde', '0/1', 'DeadlineExceeded', '0', '5m'],
    );
    // A failed container with no reason prints its exit code.
    const bare = { ...res('pi', 3, 'Error'), reason: '' } as unknown as ReturnType<typeof res>;
    assert.deepEqual(status(pi, pod({ phase: 'Failed', running: false, containers: [bare] })), ['p-abcde', '0/1', 'ExitCode:3', '0', '5m']);
  });

  it('shows init progress and init failures', () => {
    assert.equal(status(withInit, pod({}))[2], 'Init:0/1');
    assert.equal(
      status(withInit, pod({ phase: 'Failed', running: false, containers: [res('setup', 2, 'Error', undefined, true)] }))[2],
      'Init:Error',
    );
    // Once running, the main container's state decides.
    assert.equal(status(withInit, pod({ phase: 'Running', worker: 'w' }))[2], 'Running');
    assert.equal(
      status(withInit, pod({ phase: 'Succeeded', running: false, containers: [res('setup', 0, 'Completed', undefined, true), res('main', 0, 'Completed')] }))[2],
      'Completed',
    );
  });

  it('shows CrashLoopBackOff and restarts with the age of the last restart', () => {
    const crashing = pod({
      phase: 'Running',
      running: false,
      restartCount: 2,
      restartAt: NOW + 10_000,
      containers: [res('main', 1, 'Error', '2024-05-01T11:59:30Z')],
      previousContainers: [res('main', 1, 'Error', '2024-05-01T11:58:00Z')],
    });
    assert.deepEqual(status(onFailure, crashing), ['p-abcde', '0/1', 'CrashLoopBackOff', '2 (30s ago)', '5m']);
    // Running again after the restart: the last termination still dates the restarts.
    const again = { ...crashing, running: true, restartAt: undefined, phase: 'Running' as const };
    assert.deepEqual(status(onFailure, again), ['p-abcde', '1/1', 'Running', '2 (30s ago)', '5m']);
  });

  it('shows Terminating for a pod being deleted until it is terminal', () => {
    const deleting = pod({ phase: 'Running', worker: 'w', deletion: { cause: 'Suspend', at: T0 } });
    assert.equal(status(pi, deleting)[2], 'Terminating');
    assert.equal(status(pi, { ...deleting, phase: 'Failed', running: false, containers: [res('pi', 143, 'Error')] })[2], 'Error');
  });
});
