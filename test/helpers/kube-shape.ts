// The Kubernetes batch/v1 Job and v1 Pod as `kubectl get -o json` prints them: which fields exist and
// their JSON types (from the API's Go types: k8s.io/api/batch/v1 and core/v1). A checker that fails on
// any field Kubernetes does not have and on any wrong type, so our JSON is what kubectl users expect.
import assert from 'node:assert/strict';

type Shape = 'string' | 'number' | 'boolean' | 'time' | 'time|null' | 'map' | 'any' | { [key: string]: Shape } | [Shape];

/** RFC 3339 in seconds, UTC, as metav1.Time marshals. */
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const OBJECT_META: Shape = {
  name: 'string',
  namespace: 'string',
  uid: 'string',
  creationTimestamp: 'time',
  deletionTimestamp: 'time',
  generation: 'number',
  resourceVersion: 'string',
  labels: 'map',
  annotations: 'map',
  ownerReferences: [{ apiVersion: 'string', kind: 'string', name: 'string', uid: 'string', controller: 'boolean', blockOwnerDeletion: 'boolean' }],
  generateName: 'string',
  finalizers: ['string'],
};

const CONTAINER: Shape = {
  name: 'string',
  image: 'string',
  command: ['string'],
  args: ['string'],
  workingDir: 'string',
  env: [{ name: 'string', value: 'string', valueFrom: 'any' }],
  volumeMounts: [{ name: 'string', mountPath: 'string', readOnly: 'boolean', subPath: 'string' }],
  imagePullPolicy: 'string',
  resources: 'any',
  ports: 'any',
  terminationMessagePath: 'string',
  terminationMessagePolicy: 'string',
  securityContext: 'any',
};

const POD_SPEC: Shape = {
  containers: [CONTAINER],
  initContainers: [CONTAINER],
  restartPolicy: 'string',
  terminationGracePeriodSeconds: 'number',
  activeDeadlineSeconds: 'number',
  volumes: [{ name: 'string', emptyDir: 'any' }],
  runtimeClassName: 'string',
  nodeSelector: 'map',
  nodeName: 'string',
  dnsPolicy: 'string',
  schedulerName: 'string',
  securityContext: 'any',
  tolerations: 'any',
  serviceAccountName: 'string',
  hostname: 'string',
  subdomain: 'string',
};

const CONDITION: Shape = {
  type: 'string',
  status: 'string',
  reason: 'string',
  message: 'string',
  lastProbeTime: 'time',
  lastTransitionTime: 'time',
};

export const JOB_SHAPE: Shape = {
  apiVersion: 'string',
  kind: 'string',
  metadata: OBJECT_META,
  spec: {
    parallelism: 'number',
    completions: 'number',
    activeDeadlineSeconds: 'number',
    podFailurePolicy: 'any',
    successPolicy: 'any',
    backoffLimit: 'number',
    backoffLimitPerIndex: 'number',
    maxFailedIndexes: 'number',
    selector: { matchLabels: 'map', matchExpressions: [{ key: 'string', operator: 'string', values: ['string'] }] },
    manualSelector: 'boolean',
    template: { metadata: { labels: 'map', annotations: 'map', name: 'string', creationTimestamp: 'time' }, spec: POD_SPEC },
    ttlSecondsAfterFinished: 'number',
    completionMode: 'string',
    suspend: 'boolean',
    podReplacementPolicy: 'string',
    managedBy: 'string',
  },
  status: {
    conditions: [CONDITION],
    startTime: 'time',
    completionTime: 'time',
    active: 'number',
    succeeded: 'number',
    failed: 'number',
    terminating: 'number',
    completedIndexes: 'string',
    failedIndexes: 'string',
    uncountedTerminatedPods: { succeeded: ['string'], failed: ['string'] },
    ready: 'number',
  },
};

const TERMINATED: Shape = {
  exitCode: 'number',
  signal: 'number',
  reason: 'string',
  message: 'string',
  startedAt: 'time',
  finishedAt: 'time',
  containerID: 'string',
};

const CONTAINER_STATUS: Shape = {
  name: 'string',
  state: { waiting: { reason: 'string', message: 'string' }, running: { startedAt: 'time' }, terminated: TERMINATED },
  lastState: { waiting: { reason: 'string', message: 'string' }, running: { startedAt: 'time' }, terminated: TERMINATED },
  ready: 'boolean',
  restartCount: 'number',
  image: 'string',
  imageID: 'string',
  containerID: 'string',
  started: 'boolean',
};

export const POD_SHAPE: Shape = {
  apiVersion: 'string',
  kind: 'string',
  metadata: OBJECT_META,
  spec: POD_SPEC,
  status: {
    phase: 'string',
    // A pod condition's lastProbeTime is a zero metav1.Time, which marshals as null.
    conditions: [{ type: 'string', status: 'string', reason: 'string', message: 'string', lastProbeTime: 'time|null', lastTransitionTime: 'time' }],
    message: 'string',
    reason: 'string',
    hostIP: 'string',
    podIP: 'string',
    startTime: 'time',
    initContainerStatuses: [CONTAINER_STATUS],
    containerStatuses: [CONTAINER_STATUS],
    qosClass: 'string',
  },
};

export function assertShape(value: unknown, shape: Shape, at = '$'): void {
  if (shape === 'any') return;
  if (shape === 'time|null') {
    if (value !== null) assertShape(value, 'time', at);
    return;
  }
  if (shape === 'time') {
    assert.equal(typeof value, 'string', `${at} is a time string`);
    assert.match(value as string, TIME, `${at} is RFC 3339 (seconds, UTC)`);
    return;
  }
  if (shape === 'string' || shape === 'number' || shape === 'boolean') {
    assert.equal(typeof value, shape, `${at} is a ${shape}, got ${JSON.stringify(value)}`);
    if (shape === 'number') assert.ok(Number.isInteger(value), `${at} is an integer`);
    return;
  }
  if (shape === 'map') {
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${at} is a string map`);
    for (const [k, v] of Object.entries(value as object)) assert.equal(typeof v, 'string', `${at}.${k} is a string`);
    return;
  }
  if (Array.isArray(shape)) {
    assert.ok(Array.isArray(value), `${at} is an array`);
    (value as unknown[]).forEach((v, i) => assertShape(v, shape[0], `${at}[${i}]`));
    return;
  }
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${at} is an object`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    assert.ok(Object.hasOwn(shape, k), `${at}.${k} is not a field of the Kubernetes type`);
    // kubectl never prints null for optional fields (they are omitted), only for zero times.
    if (shape[k] !== 'time|null') assert.notEqual(v, null, `${at}.${k} is null`);
    assertShape(v, shape[k], `${at}.${k}`);
  }
}
