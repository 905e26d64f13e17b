// toKubeJob / toKubePod / kubeList / toYaml: the JSON and YAML shapes kubectl prints.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { type Job, type JobStatus, parseJob, parseManifests, withControllerUid } from '../src/api';
import { kubeList, toKubeJob, toKubePod, toYaml } from '../src/cli/format';
import type { PodRecord } from '../src/controller/state';
import type { JobWithStatus } from '../src/workflows/messages';

const PI_YAML = readFileSync(resolve(__dirname, '../../examples/pi.yaml'), 'utf8');
const UID = 'c9948307-e56d-4b5d-8302-ae2d7b7da67c';

function emptyStatus(): JobStatus {
  return { active: 0, ready: 0, terminating: 0, succeeded: 0, failed: 0, conditions: [] };
}

function makeJob(yaml: string, status: Partial<JobStatus> = {}, uid = UID): JobWithStatus {
  const [parsed] = parseManifests(yaml);
  const job = withControllerUid({ ...parsed, metadata: { ...parsed.metadata, creationTimestamp: '2024-05-01T10:00:00.123Z', generation: 1 } }, uid);
  return { ...job, status: { ...emptyStatus(), ...status } };
}

const COMPLETE = {
  succeeded: 1,
  startTime: '2024-05-01T10:00:01.500Z',
  completionTime: '2024-05-01T10:01:06.900Z',
  conditions: (['SuccessCriteriaMet', 'Complete'] as const).map((type) => ({
    type,
    status: 'True' as const,
    reason: 'CompletionsReached',
    message: 'Reached expected number of succeeded pods',
    lastProbeTime: '2024-05-01T10:01:06.900Z',
    lastTransitionTime: '2024-05-01T10:01:06.900Z',
  })),
};

const INDEXED_YAML = `
apiVersion: batch/v1
kind: Job
metadata: {name: idx, namespace: batch, labels: {team: a}, annotations: {note: hi}}
spec:
  completions: 3
  parallelism: 2
  completionMode: Indexed
  backoffLimitPerIndex: 1
  maxFailedIndexes: 2
  activeDeadlineSeconds: 600
  ttlSecondsAfterFinished: 100
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
    - action: FailIndex
      onExitCodes: {containerName: main, operator: In, values: [42]}
  template:
    metadata: {labels: {app: idx}, annotations: {a: b}}
    spec:
      restartPolicy: Never
      initContainers:
      - {name: setup, image: busybox:1.36, command: [sh, -c, "true"]}
      containers:
      - name: main
        image: busybox:1.36
        command: [sh, -c, 'echo $JOB_COMPLETION_INDEX']
        env: [{name: A, value: "1"}]
        volumeMounts: [{name: scratch, mountPath: /scratch}]
      volumes: [{name: scratch, emptyDir: {}}]
`;

describe('toKubeJob', () => {
  it('prints the pi Job as kubectl get -o json does: sorted keys, metav1 times, omitempty status', () => {
    const kube = toKubeJob(makeJob(PI_YAML, COMPLETE));
    const labels = {
      'batch.kubernetes.io/controller-uid': UID,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': UID,
      'job-name': 'pi',
    };
    const condition = (type: string) => ({
      lastProbeTime: '2024-05-01T10:01:06Z',
      lastTransitionTime: '2024-05-01T10:01:06Z',
      message: 'Reached expected number of succeeded pods',
      reason: 'CompletionsReached',
      status: 'True',
      type,
    });
    const expected = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { creationTimestamp: '2024-05-01T10:00:00Z', generation: 1, labels, name: 'pi', namespace: 'default', uid: UID },
      spec: {
        backoffLimit: 4,
        completionMode: 'NonIndexed',
        completions: 1,
        parallelism: 1,
        podReplacementPolicy: 'TerminatingOrFailed',
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
        suspend: false,
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'],
                image: 'perl:5.34.0',
                imagePullPolicy: 'IfNotPresent',
                name: 'pi',
              },
            ],
            restartPolicy: 'Never',
            runtimeClassName: 'process',
            terminationGracePeriodSeconds: 30,
          },
        },
      },
      status: {
        completionTime: '2024-05-01T10:01:06Z',
        conditions: [condition('SuccessCriteriaMet'), condition('Complete')],
        ready: 0,
        startTime: '2024-05-01T10:00:01Z',
        succeeded: 1,
        terminating: 0,
        uncountedTerminatedPods: {},
      },
    };
    // Compared as text so that the key order is checked too.
    assert.equal(JSON.stringify(kube, null, 4), JSON.stringify(expected, null, 4));
  });

  it('follows omitempty: zero int32 counters dropped, pointer fields kept, internal fields absent', () => {
    const job = makeJob(INDEXED_YAML, { active: 2, ready: 1, completedIndexes: '', failedIndexes: '' });
    const kube = toKubeJob(job) as { spec: Record<string, unknown>; status: Record<string, unknown>; metadata: Record<string, unknown> };
    assert.deepEqual(kube.status, { active: 2, failedIndexes: '', ready: 1, terminating: 0, uncountedTerminatedPods: {} });
    assert.equal('backoffLimitSet' in kube.spec, false);
    assert.equal(job.spec.backoffLimit, 2147483647);
    assert.deepEqual(Object.keys(kube.spec), [
      'activeDeadlineSeconds',
      'backoffLimit',
      'backoffLimitPerIndex',
      'completionMode',
      'completions',
      'maxFailedIndexes',
      'parallelism',
      'podFailurePolicy',
      'podReplacementPolicy',
      'selector',
      'suspend',
      'template',
      'ttlSecondsAfterFinished',
    ]);
    assert.deepEqual(kube.spec.podFailurePolicy, {
      rules: [
        { action: 'Ignore', onPodConditions: [{ status: 'True', type: 'DisruptionTarget' }] },
        { action: 'FailIndex', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      ],
    });
    assert.deepEqual(kube.metadata.annotations, { note: 'hi' });
  });

  it('omits completions in work-queue mode and prints failure counters and indexes when set', () => {
    const wq = makeJob(
      `
apiVersion: batch/v1
kind: Job
metadata: {name: wq}
spec:
  parallelism: 3
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: w, image: busybox, command: ["true"]}]
`,
      { failed: 2, succeeded: 1, completedIndexes: '0-2' },
    );
    assert.equal(wq.spec.completions, null);
    const kube = toKubeJob(wq) as { spec: Record<string, unknown>; status: Record<string, unknown> };
    assert.equal('completions' in kube.spec, false);
    assert.equal(kube.spec.parallelism, 3);
    assert.deepEqual(kube.status, { completedIndexes: '0-2', failed: 2, ready: 0, succeeded: 1, terminating: 0, uncountedTerminatedPods: {} });
  });

  it('round-trips through parseJob: the JSON is a valid Kubernetes Job that reads back as the same Job', () => {
    const manifests = [
      PI_YAML,
      INDEXED_YAML,
      `
apiVersion: batch/v1
kind: Job
metadata: {name: manual}
spec:
  manualSelector: true
  selector:
    matchLabels: {app: m}
    matchExpressions: [{key: tier, operator: In, values: [b, a]}]
  successPolicy: null
  podReplacementPolicy: Failed
  suspend: true
  template:
    metadata: {labels: {app: m, tier: a}}
    spec:
      restartPolicy: OnFailure
      terminationGracePeriodSeconds: 5
      nodeSelector: {disk: ssd}
      containers:
      - name: c
        image: busybox
        args: ["a", "b"]
        env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        resources: {limits: {cpu: "1"}}
`,
    ];
    for (const yaml of manifests) {
      const [original] = parseManifests(yaml);
      const kube = structuredClone(toKubeJob(makeJob(yaml, COMPLETE))) as Record<string, Record<string, unknown>>;
      // What the API server generates (uid, selector, uid labels) and status are not part of a manifest.
      delete kube.status;
      delete kube.metadata.uid;
      const spec = kube.spec as { manualSelector?: boolean; selector?: unknown; template: { metadata: { labels?: Record<string, string> } } };
      const labels = [kube.metadata.labels as Record<string, string> | undefined, spec.template.metadata.labels];
      if (spec.manualSelector !== true) {
        delete spec.selector;
        for (const l of labels) {
          if (!l) continue;
          delete l['batch.kubernetes.io/controller-uid'];
          delete l['controller-uid'];
        }
      }
      const reread = parseJob(JSON.parse(JSON.stringify(kube)));
      // Whether backoffLimit was written by hand cannot survive defaulting, in Kubernetes either.
      const strip = (j: Job): Job => ({ ...j, spec: { ...j.spec, backoffLimitSet: undefined } });
      assert.deepEqual(strip(reread), strip(original));
    }
  });
});

function pod(over: Partial<PodRecord>): PodRecord {
  return { name: 'pi-xf9p4', phase: 'Pending', restartCount: 0, creationTimestamp: '2024-05-01T10:00:01.400Z', running: true, ...over };
}

function result(name: string, exitCode: number | null, reason: 'Completed' | 'Error' | 'Killed' | 'DeadlineExceeded', at: [string, string], init = false, signal?: string) {
  return { name, init, exitCode, signal, reason, startedAt: at[0], finishedAt: at[1], logTail: '', logTruncated: false };
}

type AnyPod = { metadata: Record<string, unknown>; spec: Record<string, unknown>; status: Record<string, unknown> };

describe('toKubePod', () => {
  const pi = makeJob(PI_YAML);

  it('prints a succeeded pod with owner reference, labels, node and terminated container state', () => {
    const kube = toKubePod(
      pi,
      pod({
        phase: 'Succeeded',
        running: false,
        worker: 'host-1',
        startTime: '2024-05-01T10:00:02Z',
        finishedAt: '2024-05-01T10:01:06Z',
        containers: [result('pi', 0, 'Completed', ['2024-05-01T10:00:02Z', '2024-05-01T10:01:05.700Z'])],
      }),
    );
    const expected = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        creationTimestamp: '2024-05-01T10:00:01Z',
        generateName: 'pi-',
        labels: { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' },
        name: 'pi-xf9p4',
        namespace: 'default',
        ownerReferences: [{ apiVersion: 'batch/v1', blockOwnerDeletion: true, controller: true, kind: 'Job', name: 'pi', uid: UID }],
      },
      spec: {
        containers: [{ command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'], image: 'perl:5.34.0', imagePullPolicy: 'IfNotPresent', name: 'pi' }],
        nodeName: 'host-1',
        restartPolicy: 'Never',
        runtimeClassName: 'process',
        terminationGracePeriodSeconds: 30,
      },
      status: {
        conditions: [
          { lastProbeTime: null, lastTransitionTime: '2024-05-01T10:01:06Z', reason: 'PodCompleted', status: 'False', type: 'Ready' },
          { lastProbeTime: null, lastTransitionTime: '2024-05-01T10:01:06Z', reason: 'PodCompleted', status: 'False', type: 'ContainersReady' },
          { lastProbeTime: null, lastTransitionTime: '2024-05-01T10:00:02Z', status: 'True', type: 'PodScheduled' },
        ],
        containerStatuses: [
          {
            image: 'perl:5.34.0',
            imageID: '',
            lastState: {},
            name: 'pi',
            ready: false,
            restartCount: 0,
            started: false,
            state: { terminated: { exitCode: 0, finishedAt: '2024-05-01T10:01:05Z', reason: 'Completed', startedAt: '2024-05-01T10:00:02Z' } },
          },
        ],
        phase: 'Succeeded',
        startTime: '2024-05-01T10:00:02Z',
      },
    };
    assert.equal(JSON.stringify(kube, null, 2), JSON.stringify(expected, null, 2));
  });

  it('gives Indexed pods their hostname, index label and annotations, and the per-index failure count', () => {
    const job = makeJob(INDEXED_YAML);
    const rec = { ...pod({ name: 'idx-1-abcde', index: 1 }), indexFailureCount: 1, indexIgnoredFailureCount: 0 };
    const kube = toKubePod(job, rec) as AnyPod;
    assert.equal(kube.spec.hostname, 'idx-1');
    assert.equal(kube.metadata.generateName, 'idx-1-');
    assert.equal(kube.metadata.namespace, 'batch');
    assert.deepEqual(kube.metadata.annotations, {
      a: 'b',
      'batch.kubernetes.io/job-completion-index': '1',
      'batch.kubernetes.io/job-index-failure-count': '1',
    });
    assert.equal((kube.metadata.labels as Record<string, string>)['batch.kubernetes.io/job-completion-index'], '1');
    assert.deepEqual(kube.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    // Pending with init containers: everything waits for initialization.
    const status = kube.status as { initContainerStatuses: Array<{ state: unknown }>; containerStatuses: Array<{ state: unknown }>; phase: string };
    assert.equal(status.phase, 'Pending');
    assert.deepEqual(status.initContainerStatuses[0].state, { waiting: { reason: 'PodInitializing' } });
    assert.deepEqual(status.containerStatuses[0].state, { waiting: { reason: 'PodInitializing' } });
  });

  it('shows a running pod as ready and running, and a pending one without init containers as ContainerCreating', () => {
    const running = toKubePod(pi, pod({ phase: 'Running', worker: 'w1', startTime: '2024-05-01T10:00:02Z' })) as AnyPod;
    const [cs] = (running.status as { containerStatuses: Array<Record<string, unknown>> }).containerStatuses;
    assert.deepEqual(cs.state, { running: { startedAt: '2024-05-01T10:00:02Z' } });
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    const ready = (running.status.conditions as Array<{ type: string; status: string }>).find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');

    const pending = toKubePod(pi, pod({})) as AnyPod;
    const [ps] = (pending.status as { containerStatuses: Array<Record<string, unknown>> }).containerStatuses;
    assert.deepEqual(ps.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal('nodeName' in pending.spec, false);
  });

  it('shows CrashLoopBackOff with the failed run as lastState while an OnFailure pod waits to restart', () => {
    const kube = toKubePod(
      pi,
      pod({
        phase: 'Running',
        running: false,
        restartAt: Date.parse('2024-05-01T10:00:40Z'),
        restartCount: 2,
        worker: 'w1',
        startTime: '2024-05-01T10:00:02Z',
        containers: [result('pi', null, 'Error', ['2024-05-01T10:00:20Z', '2024-05-01T10:00:30Z'], false, 'SIGKILL')],
        previousContainers: [result('pi', 1, 'Error', ['2024-05-01T10:00:02Z', '2024-05-01T10:00:05Z'])],
      }),
    ) as AnyPod;
    const [cs] = (kube.status as { containerStatuses: Array<Record<string, unknown>> }).containerStatuses;
    assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff' } });
    assert.deepEqual(cs.lastState, {
      terminated: { exitCode: 137, finishedAt: '2024-05-01T10:00:30Z', reason: 'Error', signal: 9, startedAt: '2024-05-01T10:00:20Z' },
    });
    assert.equal(cs.restartCount, 2);
  });

  it('marks a pod being deleted, and reports unknown containers of a pod lost with its worker', () => {
    const deleting = toKubePod(pi, pod({ phase: 'Running', worker: 'w1', deletion: { cause: 'ScaleDown', at: '2024-05-01T10:02:00Z' } })) as AnyPod;
    assert.equal(deleting.metadata.deletionTimestamp, '2024-05-01T10:02:00Z');
    assert.equal(deleting.metadata.deletionGracePeriodSeconds, 30);

    const lost = toKubePod(
      pi,
      pod({
        phase: 'Failed',
        running: false,
        worker: 'w1',
        finishedAt: '2024-05-01T10:03:00Z',
        reason: 'WorkerLost',
        message: 'worker w1 stopped heartbeating',
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'WorkerLost', message: 'worker w1 stopped heartbeating', lastTransitionTime: '2024-05-01T10:03:00Z' }],
      }),
    ) as AnyPod;
    assert.equal('finalizers' in lost.metadata, false);
    const status = lost.status as { reason: string; conditions: Array<{ type: string }>; containerStatuses: Array<{ state: unknown }> };
    assert.equal(status.reason, 'WorkerLost');
    assert.deepEqual(
      status.conditions.map((c) => c.type),
      ['Ready', 'ContainersReady', 'PodScheduled', 'DisruptionTarget'],
    );
    assert.deepEqual(status.containerStatuses[0].state, {
      terminated: {
        exitCode: 137,
        finishedAt: null,
        message: 'The container could not be located when the pod was terminated',
        reason: 'ContainerStatusUnknown',
        startedAt: null,
      },
    });
  });
});

describe('kubeList and toYaml', () => {
  it('wraps objects in a v1 List', () => {
    assert.deepEqual(kubeList([{ a: 1 }]), { apiVersion: 'v1', items: [{ a: 1 }], kind: 'List', metadata: { resourceVersion: '' } });
  });

  it('prints YAML as kubectl: block style, unindented sequences, YAML 1.1 quoting, sorted keys', () => {
    const yaml = toYaml(kubeList([toKubeJob(makeJob(PI_YAML, COMPLETE))]));
    assert.match(yaml, /^apiVersion: v1\nitems:\n- apiVersion: batch\/v1\n  kind: Job\n  metadata:\n    creationTimestamp: "2024-05-01T10:00:00Z"\n/);
    assert.match(yaml, /\n        - command:\n          - perl\n          - -Mbignum=bpi\n          - -wle\n          - print bpi\(2000\)\n/);
    assert.match(yaml, /\n      status: "True"\n      type: Complete\n/);
    assert.match(yaml, /\n    uncountedTerminatedPods: \{\}\nkind: List\nmetadata:\n  resourceVersion: ""\n$/);
    assert.equal(toYaml({ z: 'yes', a: 'n', m: 'multi\nline', e: [], n: null, x: '4751' }), 'a: "n"\ne: []\nm: |-\n  multi\n  line\n"n": null\nx: "4751"\nz: "yes"\n');
  });
});
