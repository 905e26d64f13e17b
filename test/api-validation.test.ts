// Every validation rule with the exact message and field path the Kubernetes API server reports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobValidationError, formatFieldError, parseJob } from '../src/api';

type Obj = Record<string, unknown>;

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NEG = 'must be greater than or equal to 0';

function job(spec: Obj = {}, pod: Obj = {}, metadata: Obj = { name: 'pi' }): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34.0' }], restartPolicy: 'Never', ...pod } }, ...spec },
  };
}

const indexed = (spec: Obj = {}, pod: Obj = {}): Obj => job({ completionMode: 'Indexed', completions: 5, ...spec }, pod);
const container = (extra: Obj): Obj => ({ name: 'pi', image: 'perl:5.34.0', ...extra });

function validationError(obj: Obj): JobValidationError {
  try {
    parseJob(obj);
  } catch (e) {
    if (e instanceof JobValidationError) return e;
    throw e;
  }
  return assert.fail('expected a JobValidationError');
}

/** The job fails validation with exactly these errors (`<field>: <body>`), in this order. */
function assertInvalid(obj: Obj, ...expected: string[]): void {
  assert.deepEqual(validationError(obj).errors.map(formatFieldError), expected);
}

describe('error message format', () => {
  it('one error: kubectl prints it on one line', () => {
    const e = validationError(job({}, { restartPolicy: 'Always' }));
    assert.equal(e.message, 'The Job "pi" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
    assert.equal(e.statusMessage, 'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
    assert.deepEqual(e.errors, [
      { field: 'spec.template.spec.restartPolicy', type: 'Unsupported value', value: 'Always', detail: 'supported values: "OnFailure", "Never"' },
    ]);
  });

  it('several errors: kubectl lists them, the API server aggregates them in brackets', () => {
    const e = validationError(job({ parallelism: -1, backoffLimit: -2 }));
    assert.equal(
      e.message,
      'The Job "pi" is invalid: \n* spec.parallelism: Invalid value: -1: must be greater than or equal to 0\n* spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
    );
    assert.equal(
      e.statusMessage,
      'Job.batch "pi" is invalid: [spec.parallelism: Invalid value: -1: must be greater than or equal to 0, spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0]',
    );
    assert.deepEqual(e.toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: e.statusMessage,
      reason: 'Invalid',
      code: 422,
      details: {
        name: 'pi',
        group: 'batch',
        kind: 'Job',
        causes: [
          { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.parallelism' },
          { reason: 'FieldValueInvalid', message: 'Invalid value: -2: must be greater than or equal to 0', field: 'spec.backoffLimit' },
        ],
      },
    });
  });

  it('identical messages are shown once', () => {
    // The name is too long, and so are both job-name label values, on the Job and on its template.
    const name = 'a'.repeat(64);
    const e = validationError(job({}, {}, { name }));
    assert.equal(e.errors.length, 5);
    const tooLong = `Invalid value: "${name}": must be no more than 63 characters`;
    assert.equal(e.message, `The Job "${name}" is invalid: \n* metadata.name: ${tooLong}\n* metadata.labels: ${tooLong}\n* spec.template.labels: ${tooLong}`);
  });
});

describe('restartPolicy', () => {
  it('Always is not a Job policy', () => {
    assertInvalid(job({}, { restartPolicy: 'Always' }), 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
  });
  it('missing', () => {
    const j = job();
    const template = (j.spec as { template: { spec: Obj } }).template;
    delete template.spec.restartPolicy;
    assertInvalid(j, 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
  });
  it('unknown', () => {
    assertInvalid(job({}, { restartPolicy: 'Sometimes' }), 'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"');
  });
  it('OnFailure is fine, but not with a podFailurePolicy', () => {
    parseJob(job({}, { restartPolicy: 'OnFailure' }));
    assertInvalid(
      job({ podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } }, { restartPolicy: 'OnFailure' }),
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    );
  });
});

describe('non-negative fields', () => {
  for (const field of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    it(field, () => assertInvalid(job({ [field]: -1 }), `spec.${field}: Invalid value: -1: ${NEG}`));
  }
  it('backoffLimitPerIndex and maxFailedIndexes', () => {
    assertInvalid(indexed({ backoffLimitPerIndex: -1 }), `spec.backoffLimitPerIndex: Invalid value: -1: ${NEG}`);
    assertInvalid(indexed({ backoffLimitPerIndex: 1, maxFailedIndexes: -1 }), `spec.maxFailedIndexes: Invalid value: -1: ${NEG}`);
  });
  it('zero is accepted (activeDeadlineSeconds 0 fails the Job at once; completions 0 completes it)', () => {
    const j = parseJob(job({ activeDeadlineSeconds: 0, completions: 0, parallelism: 0, ttlSecondsAfterFinished: 0, backoffLimit: 0 }));
    assert.equal(j.spec.activeDeadlineSeconds, 0);
    assert.equal(j.spec.completions, 0);
  });
});

describe('completionMode and per-index limits', () => {
  it('unknown mode', () => {
    assertInvalid(job({ completionMode: 'Foo' }), 'spec.completionMode: Unsupported value: "Foo": supported values: "NonIndexed", "Indexed"');
  });
  it('Indexed needs completions (when parallelism is set; otherwise both default to 1)', () => {
    assertInvalid(job({ completionMode: 'Indexed', parallelism: 2 }), 'spec.completions: Required value: when completion mode is Indexed');
    assert.equal(parseJob(job({ completionMode: 'Indexed' })).spec.completions, 1);
  });
  it('Indexed parallelism at most 100000', () => {
    assertInvalid(indexed({ parallelism: 100001 }), 'spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed');
    parseJob(indexed({ parallelism: 100000 }));
  });
  it('maxFailedIndexes requires backoffLimitPerIndex', () => {
    assertInvalid(indexed({ maxFailedIndexes: 1 }), 'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified');
  });
  it('maxFailedIndexes at most completions, and at most 100000', () => {
    assertInvalid(indexed({ backoffLimitPerIndex: 1, maxFailedIndexes: 6 }), 'spec.maxFailedIndexes: Invalid value: 6: must be less than or equal to completions');
    assertInvalid(
      indexed({ completions: 200000, parallelism: 1, backoffLimitPerIndex: 1, maxFailedIndexes: 100001 }),
      'spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 100000',
      'spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    );
  });
  it('above 100000 completions with backoffLimitPerIndex', () => {
    assertInvalid(
      indexed({ completions: 100001, parallelism: 10001, backoffLimitPerIndex: 1 }),
      'spec.maxFailedIndexes: Required value: must be specified when completions is above 100000',
      'spec.parallelism: Invalid value: 10001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    );
    parseJob(indexed({ completions: 100001, parallelism: 10000, backoffLimitPerIndex: 1, maxFailedIndexes: 10000 }));
  });
  it('backoffLimitPerIndex and maxFailedIndexes need Indexed mode', () => {
    assertInvalid(
      job({ backoffLimitPerIndex: 1, maxFailedIndexes: 1 }),
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
      'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode',
    );
  });
});

describe('managedBy', () => {
  it('must be a domain-prefixed path', () => {
    parseJob(job({ managedBy: 'example.com/my-controller' }));
    assertInvalid(job({ managedBy: 'mycontroller' }), 'spec.managedBy: Invalid value: "mycontroller": must be a domain-prefixed path (such as "acme.io/foo")');
    assertInvalid(
      job({ managedBy: 'Example.com/x' }),
      `spec.managedBy: Invalid value: "Example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  });
  it('at most 63 characters', () => {
    assertInvalid(job({ managedBy: `example.com/${'x'.repeat(52)}` }), 'spec.managedBy: Too long: may not be longer than 63');
  });
});

describe('names', () => {
  it('the name is required', () => {
    assertInvalid(job({}, {}, {}), 'metadata.name: Required value: name or generateName is required');
  });
  it('generateName is not supported', () => {
    assertInvalid(job({}, {}, { generateName: 'pi-' }), 'metadata.generateName: Invalid value: "pi-": is not supported by durable-jobs: set metadata.name');
  });
  it('a DNS-1123 label', () => {
    assertInvalid(job({}, {}, { name: 'Pi' }), `metadata.name: Invalid value: "Pi": ${LABEL_MSG}`);
  });
  it('no dots', () => {
    const errors = validationError(job({}, {}, { name: 'pi.v2' })).errors.map(formatFieldError);
    assert.deepEqual(errors, ['metadata.name: Invalid value: "pi.v2": must not contain dots']);
  });
  it('at most 63 characters (the job-name label values say so too)', () => {
    const name = 'a'.repeat(64);
    const tooLong = `Invalid value: "${name}": must be no more than 63 characters`;
    assertInvalid(
      job({}, {}, { name }),
      `metadata.name: ${tooLong}`,
      `metadata.labels: ${tooLong}`,
      `metadata.labels: ${tooLong}`,
      `spec.template.labels: ${tooLong}`,
      `spec.template.labels: ${tooLong}`,
    );
    parseJob(job({}, {}, { name: 'a'.repeat(63) }));
  });
  it('Indexed: <name>-<completions-1> must be a DNS label', () => {
    const name = 'a'.repeat(60);
    assertInvalid(
      job({ completionMode: 'Indexed', completions: 1000 }, {}, { name }),
      `metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-999`,
    );
    parseJob(job({ completionMode: 'Indexed', completions: 1000 }, {}, { name: 'a'.repeat(59) }));
  });
  it('namespace is a DNS-1123 label', () => {
    assertInvalid(job({}, {}, { name: 'pi', namespace: 'Team_A' }), `metadata.namespace: Invalid value: "Team_A": ${LABEL_MSG}`);
  });
  it('labels and annotations', () => {
    assertInvalid(
      job({}, {}, { name: 'pi', labels: { 'bad key!': 'ok', good: 'bad value!' }, annotations: { '/x': 'y' } }),
      "metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "metadata.labels: Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      'metadata.annotations: Invalid value: "/x": prefix part must be non-empty',
    );
  });
});

describe('podFailurePolicy', () => {
  const pfp = (...rules: Obj[]): Obj => job({ podFailurePolicy: { rules } });
  const exitRule = (onExitCodes: Obj, action = 'FailJob'): Obj => ({ action, onExitCodes });

  it('a valid policy parses', () => {
    const j = parseJob(
      pfp(exitRule({ containerName: 'pi', operator: 'In', values: [1, 2, 42] }), { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }),
    );
    assert.deepEqual(j.spec.podFailurePolicy?.rules[0], { action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 2, 42] } });
  });
  it('at most 20 rules', () => {
    const rule = exitRule({ operator: 'In', values: [1] });
    assertInvalid(pfp(...Array.from({ length: 21 }, () => rule)), 'spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items');
  });
  it('action is required', () => {
    assertInvalid(
      pfp({ onExitCodes: { operator: 'In', values: [1] } }),
      'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
    );
  });
  it('unknown action', () => {
    assertInvalid(
      pfp(exitRule({ operator: 'In', values: [1] }, 'Retry')),
      'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
    );
  });
  it('FailIndex requires backoffLimitPerIndex', () => {
    assertInvalid(
      indexed({ podFailurePolicy: { rules: [exitRule({ operator: 'In', values: [1] }, 'FailIndex')] } }),
      'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
    );
    parseJob(indexed({ backoffLimitPerIndex: 1, podFailurePolicy: { rules: [exitRule({ operator: 'In', values: [1] }, 'FailIndex')] } }));
  });
  it('exactly one of onExitCodes and onPodConditions', () => {
    assertInvalid(
      pfp({ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget' }] }),
      'spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
    );
    assertInvalid(pfp({ action: 'Ignore' }), 'spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required');
    assertInvalid(pfp({ action: 'Ignore', onPodConditions: [] }), 'spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required');
  });
  it('onExitCodes operator', () => {
    assertInvalid(pfp(exitRule({ values: [1] })), 'spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]');
    assertInvalid(
      pfp(exitRule({ operator: 'Is', values: [1] })),
      'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Is": supported values: "In", "NotIn"',
    );
  });
  it('onExitCodes containerName must name a container or init container', () => {
    assertInvalid(
      pfp(exitRule({ containerName: 'other', operator: 'In', values: [1] })),
      'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "other": must be one of the container or initContainer names in the pod template',
    );
    parseJob(
      job(
        { podFailurePolicy: { rules: [exitRule({ containerName: 'init', operator: 'In', values: [1] })] } },
        { initContainers: [{ name: 'init', image: 'busybox' }] },
      ),
    );
  });
  it('onExitCodes values: at least one, at most 255, no 0 with In, unique, ordered', () => {
    assertInvalid(pfp(exitRule({ operator: 'In', values: [] })), 'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{}: at least one value is required');
    assertInvalid(
      pfp(exitRule({ operator: 'NotIn', values: Array.from({ length: 256 }, (_, i) => i) })),
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items',
    );
    assertInvalid(pfp(exitRule({ operator: 'In', values: [0, 1] })), 'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator');
    parseJob(pfp(exitRule({ operator: 'NotIn', values: [0] })));
    assertInvalid(
      pfp(exitRule({ operator: 'In', values: [3, 1, 3] })),
      'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{3, 1, 3}: must be ordered',
    );
  });
  it('onPodConditions: at most 20, type a qualified name, status True/False/Unknown', () => {
    assertInvalid(
      pfp({ action: 'Ignore', onPodConditions: Array.from({ length: 21 }, () => ({ type: 'DisruptionTarget' })) }),
      'spec.podFailurePolicy.rules[0].onPodConditions: Too many: 21: must have at most 20 items',
    );
    assertInvalid(
      pfp({ action: 'Ignore', onPodConditions: [{ type: 'Bad Type' }] }),
      "spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: \"Bad Type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
    assertInvalid(
      pfp({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'Yes' }] }),
      'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Yes": supported values: "False", "True", "Unknown"',
    );
  });
});

describe('successPolicy', () => {
  const sp = (rules: Obj[], spec: Obj = {}): Obj => indexed({ successPolicy: { rules }, ...spec });

  it('a valid policy parses', () => {
    const j = parseJob(sp([{ succeededIndexes: '0,2-4', succeededCount: 2 }, { succeededCount: 5 }]));
    assert.deepEqual(j.spec.successPolicy, { rules: [{ succeededIndexes: '0,2-4', succeededCount: 2 }, { succeededCount: 5 }] });
  });
  it('only for Indexed Jobs', () => {
    assertInvalid(
      job({ successPolicy: { rules: [{ succeededCount: 1 }] } }),
      'spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode',
    );
  });
  it('1 to 20 rules', () => {
    assertInvalid(sp([]), 'spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified');
    assertInvalid(sp(Array.from({ length: 21 }, () => ({ succeededCount: 1 }))), 'spec.successPolicy.rules: Too many: 21: must have at most 20 items');
  });
  it('a rule needs succeededCount or succeededIndexes', () => {
    assertInvalid(sp([{}]), 'spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified');
  });
  it('succeededIndexes must be a valid interval string within completions', () => {
    assertInvalid(
      sp([{ succeededIndexes: '0,5' }]),
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0,5": error parsing succeededIndexes: too large index: "5"',
    );
    assertInvalid(
      sp([{ succeededIndexes: '3,1' }]),
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "3,1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
    );
    assertInvalid(
      sp([{ succeededIndexes: 'a' }]),
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "a": error parsing succeededIndexes: cannot convert string to integer for index: "a"',
    );
  });
  it('succeededIndexes at most 64 KiB', () => {
    const long = `0${',1'.repeat(32768)}`;
    const errors = validationError(sp([{ succeededIndexes: long }], { completions: 2 })).errors.map(formatFieldError);
    assert.equal(errors[0], 'spec.successPolicy.rules[0].succeededIndexes: Too long: must have at most 65536 bytes');
  });
  it('succeededCount: non-negative, at most completions, at most the indexes named', () => {
    assertInvalid(sp([{ succeededCount: -1 }]), `spec.successPolicy.rules[0].succeededCount: Invalid value: -1: ${NEG}`);
    assertInvalid(
      sp([{ succeededCount: 6 }]),
      'spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
    );
    assertInvalid(
      sp([{ succeededIndexes: '1-2', succeededCount: 3 }]),
      'spec.successPolicy.rules[0].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
    );
  });
});

describe('podReplacementPolicy', () => {
  it('Failed or TerminatingOrFailed', () => {
    assertInvalid(job({ podReplacementPolicy: 'Never' }), 'spec.podReplacementPolicy: Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"');
  });
  it('only Failed with a podFailurePolicy', () => {
    assertInvalid(
      job({
        podReplacementPolicy: 'TerminatingOrFailed',
        podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
      }),
      'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
    );
  });
});

describe('selector', () => {
  const template = (labels: Obj): Obj => ({ metadata: { labels }, spec: { containers: [{ name: 'pi' }], restartPolicy: 'Never' } });

  it('manualSelector needs a selector that matches the template', () => {
    assertInvalid(job({ manualSelector: true }), 'spec.selector: Required value');
    assertInvalid(
      job({ manualSelector: true, selector: { matchLabels: { app: 'other' } }, template: template({ app: 'pi' }) }),
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"pi"}: `selector` does not match template `labels`',
    );
    parseJob(job({ manualSelector: true, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['pi'] }] }, template: template({ app: 'pi' }) }));
  });
  it('a selector given without manualSelector must be what would be generated', () => {
    assertInvalid(
      job({ selector: { matchLabels: { app: 'pi' } }, template: template({ app: 'pi' }) }),
      'spec.selector: Invalid value: {"matchLabels":{"app":"pi"}}: `selector` not auto-generated',
    );
    parseJob(job({ selector: { matchLabels: { 'job-name': 'pi' } } }));
  });
  it('the template may not carry other job-name or controller-uid labels', () => {
    assertInvalid(
      job({ template: template({ 'job-name': 'other' }) }),
      'spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/job-name":"pi", "job-name":"other"}: pi',
    );
    assertInvalid(
      job({ template: template({ 'controller-uid': 'x' }) }),
      'spec.template.metadata.labels[controller-uid]: Invalid value: map[string]string{"batch.kubernetes.io/job-name":"pi", "controller-uid":"x", "job-name":"pi"}: ' +
        "the Job's uid: this label is generated and may not be set",
    );
  });
  it('selector requirements are validated', () => {
    assertInvalid(
      job({
        manualSelector: true,
        selector: {
          matchExpressions: [
            { key: 'a', operator: 'Like', values: ['x'] },
            { key: 'b', operator: 'In' },
            { key: 'c', operator: 'Exists', values: ['x'] },
          ],
        },
        template: template({ a: 'x', b: 'y', c: 'z' }),
      }),
      'spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator',
      "spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[2].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    );
  });
});

describe('pod template', () => {
  it('containers are required', () => {
    assertInvalid(job({}, { containers: [] }), 'spec.template.spec.containers: Required value');
    assertInvalid(
      job({ template: {} }),
      'spec.template.spec.containers: Required value',
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    );
  });
  it('container names: required, DNS-1123 labels, unique (init containers included)', () => {
    assertInvalid(job({}, { containers: [{ image: 'x' }] }), 'spec.template.spec.containers[0].name: Required value');
    assertInvalid(job({}, { containers: [container({ name: 'My_Container' })] }), `spec.template.spec.containers[0].name: Invalid value: "My_Container": ${LABEL_MSG}`);
    assertInvalid(job({}, { containers: [container({}), container({})] }), 'spec.template.spec.containers[1].name: Duplicate value: "pi"');
    assertInvalid(job({}, { initContainers: [container({})] }), 'spec.template.spec.initContainers[0].name: Duplicate value: "pi"');
  });
  it('image: optional for the process runtime, required for docker', () => {
    parseJob(job({}, { containers: [{ name: 'pi', command: ['true'] }] }));
    assertInvalid(job({}, { runtimeClassName: 'docker', containers: [{ name: 'pi' }] }), 'spec.template.spec.containers[0].image: Required value');
  });
  it('runtimeClassName: process or docker', () => {
    assert.equal(parseJob(job({}, { runtimeClassName: 'docker' })).spec.template.spec.runtimeClassName, 'docker');
    assertInvalid(job({}, { runtimeClassName: 'gvisor' }), 'spec.template.spec.runtimeClassName: Unsupported value: "gvisor": supported values: "process", "docker"');
  });
  it('imagePullPolicy', () => {
    assertInvalid(
      job({}, { containers: [container({ imagePullPolicy: 'Sometimes' })] }),
      'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    );
  });
  it('resources are quantities, runAsUser/runAsGroup in range (both are enforced now)', () => {
    parseJob(job({}, { securityContext: { runAsUser: 1000 }, containers: [container({ resources: { limits: { memory: '256Mi', cpu: '500m' }, requests: { cpu: 0.1 } } })] }));
    assertInvalid(
      job({}, { securityContext: { runAsGroup: -1 }, hostname: 'Not_A_Label', containers: [container({ resources: { limits: { memory: '1Mb', cpu: '-1' } }, securityContext: { runAsUser: 2 ** 31 } })] }),
      'spec.template.spec.securityContext.runAsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive',
      `spec.template.spec.hostname: Invalid value: "Not_A_Label": ${LABEL_MSG}`,
      "spec.template.spec.containers[0].resources.limits[memory]: Invalid value: \"1Mb\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      'spec.template.spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.template.spec.containers[0].securityContext.runAsUser: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive',
    );
  });
  it('env names and sources', () => {
    assertInvalid(
      job({}, { containers: [container({ env: [{ value: 'x' }, { name: 'A=B' }, { name: 'OK', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] })] }),
      'spec.template.spec.containers[0].env[0].name: Required value',
      "spec.template.spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
      'spec.template.spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    );
    assertInvalid(
      job({}, { containers: [container({ env: [{ name: 'A', valueFrom: {} }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } }] })] }),
      'spec.template.spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      'spec.template.spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.foo": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
    );
  });
  it('env secretKeyRef: a secret name and a key, as kubectl checks them', () => {
    const ref = (secretKeyRef: Record<string, unknown>) => ({ name: 'S', valueFrom: { secretKeyRef } });
    assertInvalid(
      job({}, { containers: [container({ env: [ref({}), ref({ name: 'Bad_Name', key: '../k' }), ref({ name: 'db', key: 'k', optional: true }), { name: 'T', valueFrom: { secretKeyRef: { name: 'db', key: 'k' }, fieldRef: { fieldPath: 'metadata.name' } } }] })] }),
      'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: Required value',
      'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value',
      "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.key: Invalid value: \"../k\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.key: Invalid value: \"../k\": must not start with '..'",
      'spec.template.spec.containers[0].env[3].valueFrom: Invalid value: "": may not have more than one field specified at a time',
    );
  });
  it('volume mounts name a volume, once per mount path', () => {
    assertInvalid(
      job({}, { volumes: [{ name: 'v' }], containers: [container({ volumeMounts: [{ name: 'w', mountPath: '/a' }, { name: 'v', mountPath: '/a' }, { name: 'v', mountPath: '/b', subPath: '../x' }] })] }),
      'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "w"',
      'spec.template.spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique',
      "spec.template.spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'",
    );
  });
  it('volumes: DNS-1123 names, unique, one source', () => {
    assertInvalid(
      job({}, { volumes: [{ name: 'v' }, { name: 'v' }, { name: 'W', emptyDir: {}, hostPath: { path: '/' } }] }),
      'spec.template.spec.volumes[1].name: Duplicate value: "v"',
      'spec.template.spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type',
      `spec.template.spec.volumes[2].name: Invalid value: "W": ${LABEL_MSG}`,
    );
  });
  it('sidecars are not supported; restartPolicy only on init containers', () => {
    assertInvalid(
      job({}, { initContainers: [{ name: 'side', restartPolicy: 'Always' }] }),
      'spec.template.spec.initContainers[0].restartPolicy: Forbidden: sidecar containers (restartPolicy: Always) are not supported by durable-jobs',
    );
    assertInvalid(
      job({}, { initContainers: [{ name: 'side', restartPolicy: 'Never' }] }),
      'spec.template.spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"',
    );
    assertInvalid(
      job({}, { containers: [container({ restartPolicy: 'Always' })] }),
      'spec.template.spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers',
    );
  });
  it('pod activeDeadlineSeconds and terminationGracePeriodSeconds', () => {
    assertInvalid(job({}, { activeDeadlineSeconds: 0 }), 'spec.template.spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive');
    assertInvalid(job({}, { terminationGracePeriodSeconds: -1 }), `spec.template.spec.terminationGracePeriodSeconds: Invalid value: -1: ${NEG}`);
  });
  it('template labels are reported at spec.template.labels, as Kubernetes does', () => {
    assertInvalid(
      job({ template: { metadata: { labels: { app: 'x y' } }, spec: { containers: [{ name: 'pi' }], restartPolicy: 'Never' } } }),
      "metadata.labels: Invalid value: \"x y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "spec.template.labels: Invalid value: \"x y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  });
});
