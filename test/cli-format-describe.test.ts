// describeJob: kubectl describe job's layout, including its tabwriter alignment quirks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { type JobStatus, parseManifests, withControllerUid } from '../src/api';
import { describeJob } from '../src/cli/format';
import type { JobEvent } from '../src/controller/state';
import type { JobWithStatus } from '../src/workflows/messages';

// kubectl prints times in the local zone; pin it so the expected text is stable.
process.env.TZ = 'UTC';

const PI_YAML = readFileSync(resolve(__dirname, '../../examples/pi.yaml'), 'utf8');
const UID = 'c9948307-e56d-4b5d-8302-ae2d7b7da67c';
const NOW = Date.parse('2024-05-01T10:05:00Z');

function makeJob(yaml: string, status: Partial<JobStatus>): JobWithStatus {
  const [parsed] = parseManifests(yaml);
  const job = withControllerUid({ ...parsed, metadata: { ...parsed.metadata, creationTimestamp: '2024-05-01T10:00:00Z' } }, UID);
  return { ...job, status: { active: 0, ready: 0, terminating: 0, succeeded: 0, failed: 0, conditions: [], ...status } };
}

function event(type: JobEvent['type'], reason: string, message: string, first: string, last = first, count = 1): JobEvent {
  return { type, reason, message, firstTimestamp: first, lastTimestamp: last, count };
}

const DONE = '2024-05-01T10:01:06Z';

describe('describeJob', () => {
  it('lays out the pi Job as kubectl describe job does', () => {
    const job = makeJob(PI_YAML, {
      succeeded: 1,
      startTime: '2024-05-01T10:00:01Z',
      completionTime: DONE,
      conditions: (['SuccessCriteriaMet', 'Complete'] as const).map((type) => ({
        type,
        status: 'True' as const,
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
        lastProbeTime: DONE,
        lastTransitionTime: DONE,
      })),
    });
    // Given newest first: the describer sorts by last occurrence.
    const events = [event('Normal', 'Completed', 'Job completed', DONE), event('Normal', 'SuccessfulCreate', 'Created pod: pi-xf9p4', '2024-05-01T10:00:01Z')];
    assert.equal(
      describeJob(job, [], events, NOW),
      `Name:             pi
Namespace:        default
Selector:         batch.kubernetes.io/controller-uid=${UID}
Labels:           batch.kubernetes.io/controller-uid=${UID}
                  batch.kubernetes.io/job-name=pi
                  controller-uid=${UID}
                  job-name=pi
Annotations:      <none>
Parallelism:      1
Completions:      1
Completion Mode:  NonIndexed
Suspend:          false
Backoff Limit:    4
Start Time:       Wed, 01 May 2024 10:00:01 +0000
Completed At:     Wed, 01 May 2024 10:01:06 +0000
Duration:         65s
Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed
Pod Template:
  Labels:  batch.kubernetes.io/controller-uid=${UID}
           batch.kubernetes.io/job-name=pi
           controller-uid=${UID}
           job-name=pi
  Containers:
   pi:
    Image:      perl:5.34.0
    Port:       <none>
    Host Port:  <none>
    Command:
      perl
      -Mbignum=bpi
      -wle
      print bpi(2000)
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type                 Status  Reason
  ----                 ------  ------
  SuccessCriteriaMet   True    CompletionsReached
  Complete             True    CompletionsReached
Events:
  Type    Reason            Age    From            Message
  ----    ------            ----   ----            -------
  Normal  SuccessfulCreate  4m59s  job-controller  Created pod: pi-xf9p4
  Normal  Completed         3m54s  job-controller  Job completed
`,
    );
  });

  it('describes an Indexed Job with its template details, folded events, and "Events: <none>" alignment', () => {
    const job = makeJob(
      `
apiVersion: batch/v1
kind: Job
metadata:
  name: idx
  namespace: batch
  annotations: {owner: team-a, long: "${'x'.repeat(150)}"}
spec:
  completions: 200
  parallelism: 4
  completionMode: Indexed
  backoffLimit: 3
  activeDeadlineSeconds: 600
  ttlSecondsAfterFinished: 60
  template:
    metadata: {labels: {app: idx}, annotations: {note: "a\\nb"}}
    spec:
      restartPolicy: Never
      nodeSelector: {disk: ssd}
      tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule}, {operator: Exists}]
      initContainers:
      - {name: setup, image: busybox, command: [sh, -c, "true"]}
      containers:
      - name: main
        image: busybox:1.36
        args: ["line1\\nline2"]
        ports: [{containerPort: 8080}, {containerPort: 9090, protocol: UDP}]
        resources: {limits: {memory: 64Mi, cpu: "1"}, requests: {cpu: 100m}}
        env:
        - {name: A, value: "1"}
        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        volumeMounts:
        - {name: scratch, mountPath: /scratch}
        - {name: cfg, mountPath: /etc/cfg, readOnly: true, subPath: app}
      volumes:
      - {name: scratch, emptyDir: {sizeLimit: 1Gi}}
      - {name: cfg, configMap: {name: app-config}}
`,
      {
        active: 4,
        ready: 3,
        failed: 2,
        succeeded: 30,
        startTime: '2024-05-01T10:00:00Z',
        completedIndexes: '0-9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49',
      },
    );
    const events = [
      event('Normal', 'SuccessfulCreate', 'Created pod: idx-0-abcde', '2024-05-01T10:00:00Z'),
      event('Warning', 'BackoffLimitExceeded', '  Job has reached the specified backoff limit  ', '2024-05-01T10:00:00Z', '2024-05-01T10:03:00Z', 3),
    ];
    const long = 'x'.repeat(138);
    // Go's tabwriter aligns a column over consecutive lines only: the cfg volume's lines share a block with
    // Node-Selectors and Tolerations (as "QoS Class:" does in kubectl describe pod), scratch's do not.
    assert.equal(
      describeJob(job, [], events, NOW),
      `Name:                        idx
Namespace:                   batch
Selector:                    batch.kubernetes.io/controller-uid=${UID}
Labels:                      app=idx
                             batch.kubernetes.io/controller-uid=${UID}
                             batch.kubernetes.io/job-name=idx
                             controller-uid=${UID}
                             job-name=idx
Annotations:                 long:
                               ${long}...
                             owner: team-a
Parallelism:                 4
Completions:                 200
Completion Mode:             Indexed
Suspend:                     false
Backoff Limit:               3
TTL Seconds After Finished:  60
Start Time:                  Wed, 01 May 2024 10:00:00 +0000
Active Deadline Seconds:     600s
Pods Statuses:               4 Active (3 Ready) / 30 Succeeded / 2 Failed
Completed Indexes:           0-9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39,41,...
Pod Template:
  Labels:       app=idx
                batch.kubernetes.io/controller-uid=${UID}
                batch.kubernetes.io/job-name=idx
                controller-uid=${UID}
                job-name=idx
  Annotations:  note:
                  a
                  b
  Init Containers:
   setup:
    Image:      busybox
    Port:       <none>
    Host Port:  <none>
    Command:
      sh
      -c
      true
    Environment:  <none>
    Mounts:       <none>
  Containers:
   main:
    Image:       busybox:1.36
    Ports:       8080/TCP, 9090/UDP
    Host Ports:  0/TCP, 0/UDP
    Args:
      line1
      line2
    Limits:
      cpu:     1
      memory:  64Mi
    Requests:
      cpu:  100m
    Environment:
      A:    1
      POD:   (v1:metadata.name)
    Mounts:
      /etc/cfg from cfg (ro,path="app")
      /scratch from scratch (rw)
  Volumes:
   scratch:
    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:     
    SizeLimit:  1Gi
   cfg:
    Type:          ConfigMap (a volume populated by a ConfigMap)
    Name:          app-config
    Optional:      false
  Node-Selectors:  disk=ssd
  Tolerations:     op=Exists
                   k=v:NoSchedule
Events:
  Type     Reason                Age              From            Message
  ----     ------                ----             ----            -------
  Normal   SuccessfulCreate      5m               job-controller  Created pod: idx-0-abcde
  Warning  BackoffLimitExceeded  2m (x3 over 5m)  job-controller  Job has reached the specified backoff limit
`,
    );
    assert.match(describeJob(job, [], [], NOW), /\n  Node-Selectors:  disk=ssd\n  Tolerations:     op=Exists\n                   k=v:NoSchedule\nEvents:            <none>\n$/);
  });

  it('prints work-queue completions as <unset> and no Duration while running', () => {
    const job = makeJob(
      `
apiVersion: batch/v1
kind: Job
metadata: {name: wq}
spec:
  parallelism: 2
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: w, image: busybox}]
`,
      { active: 2, ready: 2, startTime: '2024-05-01T10:00:00Z' },
    );
    const text = describeJob(job, [], [], NOW);
    assert.match(text, /\nCompletions:      <unset>\n/);
    assert.doesNotMatch(text, /Duration:|Completed At:|Completed Indexes:/);
    assert.match(text, /\nPods Statuses:    2 Active \(2 Ready\) \/ 0 Succeeded \/ 0 Failed\n/);
  });
});
