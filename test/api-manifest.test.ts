// Reading manifests: YAML, kinds, strict decoding, defaults, accepted-but-ignored pod fields, uid labels.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Job,
  JobValidationError,
  ManifestError,
  ignoredPodFields,
  parseJob,
  parseManifests,
  withControllerUid,
} from '../src/api';
import { defaultImagePullPolicy } from '../src/api/defaults';

const PI_PATH = resolve(__dirname, '../../examples/pi.yaml');
const PI_YAML = readFileSync(PI_PATH, 'utf8');

function job(spec: Record<string, unknown> = {}, pod: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'pi' }): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34.0' }], restartPolicy: 'Never', ...pod } },
      ...spec,
    },
  };
}

function manifestError(f: () => unknown): ManifestError {
  try {
    f();
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  return assert.fail('expected a ManifestError');
}

describe('examples/pi.yaml', () => {
  it('is the Kubernetes docs job.yaml, byte for byte', () => {
    assert.equal(
      PI_YAML,
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      containers:\n' +
        '      - name: pi\n        image: perl:5.34.0\n' +
        '        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]\n' +
        '      restartPolicy: Never\n  backoffLimit: 4\n\n',
    );
  });

  it('parses with Kubernetes defaults', () => {
    const jobs = parseManifests(PI_YAML, 'examples/pi.yaml');
    const expected: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'pi',
        namespace: 'default',
        labels: { 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' },
      },
      spec: {
        parallelism: 1,
        completions: 1,
        completionMode: 'NonIndexed',
        backoffLimit: 4,
        backoffLimitSet: true,
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        template: {
          metadata: { labels: { 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' } },
          spec: {
            containers: [
              {
                name: 'pi',
                image: 'perl:5.34.0',
                command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'],
                imagePullPolicy: 'IfNotPresent',
              },
            ],
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 30,
            runtimeClassName: 'process',
          },
        },
      },
    };
    assert.deepEqual(jobs, [expected]);
    assert.deepEqual(ignoredPodFields(expected.spec.template.spec), []);
  });

  it('survives a JSON round trip (plain data only)', () => {
    const [pi] = parseManifests(PI_YAML);
    assert.deepEqual(JSON.parse(JSON.stringify(pi)), pi);
  });
});

describe('YAML documents', () => {
  it('reads several documents and skips empty ones', () => {
    const text = `---\n# nothing here\n---\n${PI_YAML}---\n---\n${PI_YAML.replace('name: pi\nspec', 'name: pi2\nspec')}`;
    assert.deepEqual(
      parseManifests(text).map((j) => j.metadata.name),
      ['pi', 'pi2'],
    );
  });

  it('reads the items of a v1 List', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [job(), job({}, {}, { name: 'two' })] };
    assert.deepEqual(
      parseManifests(JSON.stringify(list)).map((j) => j.metadata.name),
      ['pi', 'two'],
    );
  });

  for (const text of ['', '\n', '# only a comment\n', '---\n---\n']) {
    it(`says "no objects passed to apply" for ${JSON.stringify(text)}`, () => {
      const e = manifestError(() => parseManifests(text, 'empty.yaml'));
      assert.equal(e.message, 'no objects passed to apply');
      assert.equal(e.reason, 'Empty');
    });
  }

  it('reports YAML syntax errors with source, line and column', () => {
    const e = manifestError(() => parseManifests('apiVersion: batch/v1\nkind: Job\nmetadata: name: pi\n', 'bad.yaml'));
    assert.equal(e.message, 'error parsing bad.yaml: yaml: line 3, column 11: Nested mappings are not allowed in compact mappings');
    assert.equal(e.reason, 'YAMLError');
    assert.equal(e.line, 3);
    assert.equal(e.column, 11);
  });

  it('rejects duplicate keys', () => {
    const e = manifestError(() => parseManifests('apiVersion: batch/v1\nkind: Job\nkind: Job\n', 'dup.yaml'));
    assert.equal(e.message, 'error parsing dup.yaml: yaml: line 3, column 1: Map keys must be unique');
  });

  it('rejects unknown aliases and alias bombs', () => {
    assert.equal(
      manifestError(() => parseManifests('a: *x\n', 'x.yaml')).message,
      'error parsing x.yaml: yaml: Unresolved alias (the anchor must be set before the alias): x',
    );
    const level = (name: string, of: string): string => `${name}: &${name} [${Array(9).fill(of).join(',')}]\n`;
    const bomb = level('a', '"x"') + level('b', '*a') + level('c', '*b') + level('d', '*c') + level('e', '*d');
    assert.equal(manifestError(() => parseManifests(bomb, 'bomb.yaml')).reason, 'YAMLError');
  });

  it('reads YAML 1.1 scalars as Kubernetes does (yes is a boolean)', () => {
    const [j] = parseManifests(PI_YAML.replace('backoffLimit: 4', 'backoffLimit: 4\n  suspend: yes'));
    assert.equal(j?.spec.suspend, true);
  });

  it('treats null (an empty value) as not set', () => {
    const [j] = parseManifests(PI_YAML.replace('backoffLimit: 4', 'backoffLimit:\n  completions: ~\n  parallelism: 3'));
    assert.equal(j?.spec.backoffLimit, 6);
    assert.equal(j?.spec.backoffLimitSet, undefined);
    assert.equal(j?.spec.completions, null);
  });

  it('accepts what `kubectl create job --dry-run=client -o yaml` prints', () => {
    const text = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  creationTimestamp: null',
      '  name: hello',
      'spec:',
      '  template:',
      '    metadata:',
      '      creationTimestamp: null',
      '    spec:',
      '      containers:',
      '      - command: [echo, hi]',
      '        image: busybox',
      '        name: hello',
      '        resources: {}',
      '      restartPolicy: Never',
      'status: {}',
      '',
    ].join('\n');
    const [j] = parseManifests(text);
    assert.equal(j?.status, undefined);
    assert.deepEqual(j?.spec.template.spec.containers[0], {
      name: 'hello',
      image: 'busybox',
      command: ['echo', 'hi'],
      imagePullPolicy: 'Always',
      resources: {},
    });
  });
});

describe('apiVersion and kind', () => {
  it('requires kind', () => {
    const e = manifestError(() => parseManifests('apiVersion: batch/v1\nmetadata:\n  name: x\n', 'x.yaml'));
    assert.equal(e.message, `unable to decode "x.yaml": Object 'Kind' is missing in '{"apiVersion":"batch/v1","metadata":{"name":"x"}}'`);
    assert.equal(e.reason, 'UnknownKind');
  });

  it('requires apiVersion', () => {
    const e = manifestError(() => parseJob({ kind: 'Job' }));
    assert.equal(e.message, `Object 'apiVersion' is missing in '{"kind":"Job"}'`);
  });

  it('rejects unknown kinds and versions like kubectl', () => {
    assert.equal(
      manifestError(() => parseManifests('apiVersion: batch/v1\nkind: Foo\nmetadata: {name: x}\n', 'x.yaml')).message,
      'resource mapping not found for name: "x" namespace: "" from "x.yaml": no matches for kind "Foo" in version "batch/v1"',
    );
    assert.equal(manifestError(() => parseJob({ apiVersion: 'batch/v2', kind: 'Job' })).message, 'no matches for kind "Job" in version "batch/v2"');
    assert.equal(manifestError(() => parseJob({ apiVersion: 'v1', kind: 'Pod' })).message, 'no matches for kind "Pod" in version "v1"');
  });

  it('parseJob and parseManifests read Jobs only: a CronJob is for parseObjects', () => {
    assert.equal(
      manifestError(() => parseJob({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'hello' } })).message,
      'CronJob "hello" runs on its schedule: create it with `jobctl apply -f` (parseObjects); this reads Jobs only',
    );
  });

  it('rejects documents that are not objects', () => {
    assert.equal(
      manifestError(() => parseManifests('- a\n- b\n', 'list.yaml')).message,
      'unable to decode "list.yaml": expected a Kubernetes object (a YAML mapping), got array',
    );
    assert.equal(manifestError(() => parseJob('text')).message, 'expected a Kubernetes object (a YAML mapping), got string');
  });
});

describe('strict decoding', () => {
  const prefix = 'Job in version "v1" cannot be handled as a Job: ';
  const decodeError = (obj: unknown): string => {
    const e = manifestError(() => parseJob(obj));
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  };

  it('rejects unknown fields with their paths', () => {
    assert.equal(decodeError(job({ foo: 1 })), `${prefix}strict decoding error: unknown field "spec.foo"`);
    assert.equal(decodeError({ ...job(), extra: true }), `${prefix}strict decoding error: unknown field "extra"`);
    assert.equal(decodeError(job({}, {}, { name: 'pi', nmae: 'x' })), `${prefix}strict decoding error: unknown field "metadata.nmae"`);
    assert.equal(
      decodeError(job({}, { containers: [{ name: 'pi', image: 'x', comand: ['a'] }], foo: 1 })),
      `${prefix}strict decoding error: unknown field "spec.template.spec.containers[0].comand", unknown field "spec.template.spec.foo"`,
    );
    assert.equal(
      decodeError(job({ podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1], extra: 1 } }] } })),
      `${prefix}strict decoding error: unknown field "spec.podFailurePolicy.rules[0].onExitCodes.extra"`,
    );
  });

  it('reports type errors as Go json does', () => {
    assert.equal(
      decodeError(job({ parallelism: 'two' })),
      `${prefix}json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32`,
    );
    assert.equal(
      decodeError(job({ completions: 1.5 })),
      `${prefix}json: cannot unmarshal number 1.5 into Go struct field JobSpec.spec.completions of type int32`,
    );
    assert.equal(
      decodeError(job({ backoffLimit: 3000000000 })),
      `${prefix}json: cannot unmarshal number 3000000000 into Go struct field JobSpec.spec.backoffLimit of type int32`,
    );
    assert.equal(
      decodeError(job({ activeDeadlineSeconds: 'soon' })),
      `${prefix}json: cannot unmarshal string into Go struct field JobSpec.spec.activeDeadlineSeconds of type int64`,
    );
    assert.equal(
      decodeError(job({ suspend: 'true' })),
      `${prefix}json: cannot unmarshal string into Go struct field JobSpec.spec.suspend of type bool`,
    );
    assert.equal(
      decodeError(job({}, { containers: [{ name: 'pi', image: 'x', env: [{ name: 'A', value: 1 }] }] })),
      `${prefix}json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string`,
    );
    assert.equal(
      decodeError(job({}, { containers: 'pi' })),
      `${prefix}json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container`,
    );
    assert.equal(
      decodeError(job({}, {}, { name: 'pi', labels: { a: 1 } })),
      `${prefix}json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string`,
    );
    assert.equal(
      decodeError(job({}, { containers: [{ name: 'pi', image: 'x', command: 'perl' }] })),
      `${prefix}json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.command of type []string`,
    );
  });
});

describe('real Kubernetes pod fields', () => {
  it('are accepted, kept verbatim, and listed by ignoredPodFields', () => {
    const container = {
      name: 'pi',
      image: 'perl:5.34.0',
      resources: { limits: { cpu: '1', 'ephemeral-storage': '1Gi' } },
      ports: [{ containerPort: 80 }],
      livenessProbe: { exec: { command: ['true'] } },
      readinessProbe: { exec: { command: ['true'] } },
      startupProbe: { exec: { command: ['true'] } },
      securityContext: { runAsUser: 1000, privileged: true },
      lifecycle: { preStop: { exec: { command: ['true'] } } },
      stdin: true,
      tty: true,
      terminationMessagePath: '/dev/termination-log',
      volumeDevices: [{ name: 'd', devicePath: '/dev/x' }],
      envFrom: [{ configMapRef: { name: 'cm' } }],
      env: [{ name: 'A', value: 'a' }, { name: 'S', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }],
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch', mountPropagation: 'None' }],
    };
    const [j] = parseManifests(
      JSON.stringify(
        job({}, {
          containers: [container],
          nodeSelector: { disk: 'ssd' },
          affinity: {},
          tolerations: [{ key: 'k', operator: 'Exists' }],
          serviceAccountName: 'sa',
          hostname: 'h',
          subdomain: 's',
          dnsPolicy: 'ClusterFirst',
          schedulerName: 'default-scheduler',
          priorityClassName: 'high',
          volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cm' } }],
        }),
      ),
    );
    assert.ok(j);
    const pod = j.spec.template.spec;
    assert.deepEqual(pod.containers[0]?.resources, { limits: { cpu: '1', 'ephemeral-storage': '1Gi' } });
    assert.deepEqual(pod.nodeSelector, { disk: 'ssd' });
    // Order follows the schema, not the manifest (zod rebuilds objects), so compare as sets.
    // nodeSelector is honoured: it picks the workers' task queue.
    assert.deepEqual([...ignoredPodFields(pod)].sort(), [
      'spec.template.spec.affinity',
      'spec.template.spec.tolerations',
      'spec.template.spec.serviceAccountName',
      'spec.template.spec.subdomain',
      'spec.template.spec.dnsPolicy',
      'spec.template.spec.schedulerName',
      'spec.template.spec.priorityClassName',
      // limits.cpu and runAsUser are honoured (src/api/pod-resources.ts); these are not.
      'spec.template.spec.containers[0].resources.limits[ephemeral-storage]',
      'spec.template.spec.containers[0].ports',
      'spec.template.spec.containers[0].livenessProbe',
      'spec.template.spec.containers[0].readinessProbe',
      'spec.template.spec.containers[0].startupProbe',
      'spec.template.spec.containers[0].securityContext.privileged',
      'spec.template.spec.containers[0].lifecycle',
      'spec.template.spec.containers[0].stdin',
      'spec.template.spec.containers[0].tty',
      'spec.template.spec.containers[0].terminationMessagePath',
      'spec.template.spec.containers[0].volumeDevices',
      'spec.template.spec.containers[0].envFrom',
      'spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef',
      'spec.template.spec.containers[0].volumeMounts[0].mountPropagation',
      'spec.template.spec.volumes[1].configMap',
    ].sort());
  });

  it('reports ignored fields of init containers too', () => {
    const j = parseJob(job({}, { initContainers: [{ name: 'init', image: 'busybox', resources: {}, ports: [] }] }));
    assert.deepEqual(ignoredPodFields(j.spec.template.spec), ['spec.template.spec.initContainers[0].ports']);
  });
});

describe('defaults', () => {
  it('parallelism and completions: both unset gives 1 and 1', () => {
    const j = parseJob(job());
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.completions, 1);
  });

  it('only parallelism set: completions stays null (work queue)', () => {
    const j = parseJob(job({ parallelism: 3 }));
    assert.equal(j.spec.parallelism, 3);
    assert.equal(j.spec.completions, null);
  });

  it('only completions set: parallelism 1', () => {
    const j = parseJob(job({ completions: 5 }));
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.completions, 5);
  });

  it('backoffLimit: 6, or MaxInt32 with backoffLimitPerIndex; backoffLimitSet only when given', () => {
    const plain = parseJob(job());
    assert.equal(plain.spec.backoffLimit, 6);
    assert.equal(plain.spec.backoffLimitSet, undefined);
    const perIndex = parseJob(job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 }));
    assert.equal(perIndex.spec.backoffLimit, 2147483647);
    const explicit = parseJob(job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1, backoffLimit: 0 }));
    assert.equal(explicit.spec.backoffLimit, 0);
    assert.equal(explicit.spec.backoffLimitSet, true);
  });

  it('completionMode NonIndexed, suspend false, podReplacementPolicy by podFailurePolicy', () => {
    const j = parseJob(job());
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.suspend, false);
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
    const pfp = parseJob(job({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }));
    assert.equal(pfp.spec.podReplacementPolicy, 'Failed');
    assert.deepEqual(pfp.spec.podFailurePolicy, {
      rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
    });
    assert.equal(parseJob(job({ podReplacementPolicy: 'Failed' })).spec.podReplacementPolicy, 'Failed');
  });

  it('metadata: namespace default, labels copied from the template unless given', () => {
    const j = parseJob(job({}, {}, { name: 'pi' }));
    assert.equal(j.metadata.namespace, 'default');
    const withTemplateLabels = parseJob({
      ...job(),
      spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi' }], restartPolicy: 'Never' } } },
    });
    const labels = { app: 'pi', 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' };
    assert.deepEqual(withTemplateLabels.spec.template.metadata?.labels, labels);
    assert.deepEqual(withTemplateLabels.metadata.labels, labels);
    const own = parseJob(job({}, {}, { name: 'pi', namespace: 'team-a', labels: { team: 'a' } }));
    assert.equal(own.metadata.namespace, 'team-a');
    assert.deepEqual(own.metadata.labels, { team: 'a' });
  });

  it('no job-name labels with manualSelector', () => {
    const j = parseJob({
      ...job(),
      spec: {
        manualSelector: true,
        selector: { matchLabels: { app: 'pi' } },
        template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi' }], restartPolicy: 'Never' } },
      },
    });
    assert.deepEqual(j.spec.template.metadata?.labels, { app: 'pi' });
    assert.deepEqual(j.spec.selector, { matchLabels: { app: 'pi' } });
  });

  it('pod template: grace period 30, runtime class process, fieldRef apiVersion v1, emptyDir volumes', () => {
    const j = parseJob(
      job({}, {
        containers: [
          {
            name: 'pi',
            env: [{ name: 'IDX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } }],
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp/x' }],
          },
        ],
        volumes: [{ name: 'tmp' }],
      }),
    );
    const pod = j.spec.template.spec;
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.equal(pod.runtimeClassName, 'process');
    assert.deepEqual(pod.containers[0]?.env?.[0]?.valueFrom, {
      fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']", apiVersion: 'v1' },
    });
    assert.deepEqual(pod.volumes, [{ name: 'tmp', emptyDir: {} }]);
    assert.equal(parseJob(job({}, { terminationGracePeriodSeconds: 5, runtimeClassName: 'docker' })).spec.template.spec.terminationGracePeriodSeconds, 5);
  });

  it('imagePullPolicy: Always for latest or no tag, IfNotPresent otherwise', () => {
    assert.equal(defaultImagePullPolicy('perl'), 'Always');
    assert.equal(defaultImagePullPolicy('perl:latest'), 'Always');
    assert.equal(defaultImagePullPolicy('perl:5.34.0'), 'IfNotPresent');
    assert.equal(defaultImagePullPolicy('registry:5000/perl'), 'Always');
    assert.equal(defaultImagePullPolicy('registry:5000/perl:5'), 'IfNotPresent');
    assert.equal(defaultImagePullPolicy(`perl@sha256:${'a'.repeat(64)}`), 'IfNotPresent');
    assert.equal(parseJob(job({}, { containers: [{ name: 'pi', image: 'x', imagePullPolicy: 'Never' }] })).spec.template.spec.containers[0]?.imagePullPolicy, 'Never');
    assert.equal(parseJob(job({}, { containers: [{ name: 'pi' }] })).spec.template.spec.containers[0]?.imagePullPolicy, undefined);
  });

  it('does not modify its input', () => {
    const input = job();
    const copy = JSON.parse(JSON.stringify(input)) as unknown;
    parseJob(input);
    assert.deepEqual(input, copy);
  });
});

describe('withControllerUid', () => {
  it('adds the uid, the controller-uid labels and the generated selector', () => {
    const [pi] = parseManifests(PI_YAML);
    assert.ok(pi);
    const j = withControllerUid(pi, 'a1b2');
    const labels = {
      'batch.kubernetes.io/job-name': 'pi',
      'job-name': 'pi',
      'batch.kubernetes.io/controller-uid': 'a1b2',
      'controller-uid': 'a1b2',
    };
    assert.equal(j.metadata.uid, 'a1b2');
    assert.deepEqual(j.spec.template.metadata?.labels, labels);
    assert.deepEqual(j.metadata.labels, labels);
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'a1b2' } });
    assert.equal(pi.metadata.uid, undefined, 'the input is not modified');
  });

  it("keeps the Job's own labels and merges a user selector", () => {
    const j = withControllerUid(
      parseJob({ ...job({ selector: { matchExpressions: [{ key: 'job-name', operator: 'Exists' }] } }), metadata: { name: 'pi', labels: { team: 'a' } } }),
      'u',
    );
    assert.deepEqual(j.metadata.labels, { team: 'a' });
    assert.deepEqual(j.spec.selector, {
      matchExpressions: [{ key: 'job-name', operator: 'Exists' }],
      matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' },
    });
  });

  it('leaves a manual selector and the template labels alone', () => {
    const j = parseJob({
      ...job(),
      spec: {
        manualSelector: true,
        selector: { matchLabels: { app: 'pi' } },
        template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi' }], restartPolicy: 'Never' } },
      },
    });
    const withUid = withControllerUid(j, 'u');
    assert.equal(withUid.metadata.uid, 'u');
    assert.deepEqual(withUid.spec, j.spec);
  });
});

describe('JobValidationError', () => {
  it('is thrown for invalid Jobs, with the source', () => {
    try {
      parseManifests(PI_YAML.replace('Never', 'Always'), 'pi.yaml');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof JobValidationError);
      assert.equal(e.source, 'pi.yaml');
      assert.equal(e.jobName, 'pi');
    }
  });
});

describe('robustness', () => {
  it('any edit of a valid Job parses or fails with ManifestError / JobValidationError, never anything else', () => {
    const paths = [['spec'], ['spec', 'template', 'spec'], ['spec', 'template', 'spec', 'containers', '0'], ['metadata'], ['spec', 'template', 'metadata']];
    const keys = ['parallelism', 'completions', 'completionMode', 'backoffLimitPerIndex', 'maxFailedIndexes', 'podFailurePolicy', 'successPolicy', 'selector', 'manualSelector', 'labels', 'env', 'volumes', 'volumeMounts', 'containers', 'name', 'restartPolicy'];
    const value = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.integer({ min: -5, max: 200000 }),
      fc.constantFrom('Indexed', 'NonIndexed', 'Never', 'OnFailure', 'Always', 'In'),
      fc.constant({ rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] }),
      fc.constant({ rules: [{ succeededIndexes: '0-2' }] }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), fc.constantFrom(...keys), value), { maxLength: 4 }), (edits) => {
        const j = job();
        for (const [path, k, v] of edits) {
          let o = j;
          for (const step of path) {
            const next = o[step];
            o[step] = next !== null && typeof next === 'object' ? next : {};
            o = o[step] as Record<string, unknown>;
          }
          o[k] = structuredClone(v);
        }
        try {
          parseJob(j);
        } catch (e) {
          if (!(e instanceof ManifestError || e instanceof JobValidationError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
