// kubectl's habits as pure functions: -o jsonpath and custom-columns, --sort-by, --show-labels, get events,
// describe pod, completion scripts, config view's redaction, apply-time warnings and connection failures.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseManifests, podSpecWarnings, withControllerUid } from '../src/api';
import { classifyConnectionFailure, diagnoseConnectionFailure, splitAddress } from '../src/client/connection-errors';
import { buildProgram } from '../src/cli/main';
import { customColumnsTable, describePod, eventsTable, jobsTable, jsonpathOutput, kubeList, parseCustomColumns, sortOrder, toKubeEvent, toKubeJob } from '../src/cli/format';
import { naturalLess, toJsonPathPlus } from '../src/cli/format/jsonpath';
import { CliError, type Output } from '../src/cli/output';
import { bashCompletion, completionModel, zshCompletion } from '../src/cli/verbs/completion';
import { parsePrinter } from '../src/cli/verbs/get';
import { configView } from '../src/cli/verbs/info';
import { changes } from '../src/cli/verbs/watch';
import { gracePeriodOf } from '../src/cli/verbs/delete';
import type { JobEvent, PodRecord } from '../src/controller/state';
import type { JobWithStatus } from '../src/workflows/messages';

process.env.TZ = 'UTC';
const NOW = Date.parse('2024-05-01T12:00:00Z');

function job(name: string, labels: Record<string, string> = {}, extra = ''): JobWithStatus {
  const yaml = `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}, labels: {${Object.entries(labels).map(([k, v]) => `"${k}": "${v}"`).join(', ')}}}
spec:
${extra}  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox, command: ["sh", "-c", "true"]}]
`;
  const [parsed] = parseManifests(yaml);
  const j = withControllerUid({ ...parsed, metadata: { ...parsed.metadata, creationTimestamp: '2024-05-01T11:00:00Z' } }, `uid-${name}`);
  return { ...j, status: { active: 0, ready: 0, terminating: 0, succeeded: 0, failed: 0, conditions: [] } };
}

const throwsCli = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });

describe('-o jsonpath (client-go templates through jsonpath-plus)', () => {
  const list = kubeList([toKubeJob(job('b', { app: 'x', 'app.kubernetes.io/name': 'bee' })), toKubeJob(job('a'))]);

  it('prints every match of an expression joined by spaces, with no newline of its own', () => {
    assert.equal(jsonpathOutput('{.items[*].metadata.name}', list), 'b a');
    assert.equal(jsonpathOutput('{$.items[0].kind}', list), 'Job');
    assert.equal(jsonpathOutput('names: {.items[*].metadata.name}!', list), 'names: b a!');
  });

  it('range/end with quoted literals, filters, maps as JSON and escaped dots in keys', () => {
    assert.equal(jsonpathOutput('{range .items[*]}{.metadata.name}{"\\t"}{.spec.parallelism}{"\\n"}{end}', list), 'b\t1\na\t1\n');
    assert.equal(jsonpathOutput('{.items[?(@.metadata.name=="a")].metadata.uid}', list), 'uid-a');
    assert.equal(jsonpathOutput('{.items[0].metadata.labels.app\\.kubernetes\\.io/name}', list), 'bee');
    const labels = JSON.parse(jsonpathOutput('{.items[0].metadata.labels}', list)) as Record<string, string>;
    assert.equal(labels.app, 'x');
  });

  it('a missing key prints nothing (--allow-missing-template-keys); a broken template is refused', () => {
    assert.equal(jsonpathOutput('[{.items[0].spec.nothing}]', list), '[]');
    throwsCli(() => jsonpathOutput('{range .items[*]}{.metadata.name}', list), /unclosed range/);
    throwsCli(() => jsonpathOutput('{end}', list), /not in range/);
    throwsCli(() => jsonpathOutput('{.items', list), /unclosed action/);
  });

  it('translates kubectl paths for the library', () => {
    assert.equal(toJsonPathPlus('.a.b[*].c'), '$.a.b[*].c');
    assert.equal(toJsonPathPlus('a.b'), '$.a.b');
    assert.equal(toJsonPathPlus('..name'), '$..name');
    assert.equal(toJsonPathPlus('.labels.app\\.io/x'), "$.labels['app.io/x']");
  });

  it('-o parses as kubectl does and names the allowed formats when it cannot', () => {
    assert.deepEqual(parsePrinter('jsonpath={.x}'), { kind: 'jsonpath', template: '{.x}' });
    assert.deepEqual(parsePrinter('wide'), { kind: 'table', wide: true });
    throwsCli(() => parsePrinter('jsonpath='), /template format specified but no template given/);
    throwsCli(() => parsePrinter('toml'), /allowed formats are: custom-columns,json,jsonpath,name,wide,yaml/);
  });
});

describe('-o custom-columns', () => {
  it('headers as given, <none> for nothing found, several values joined by commas', () => {
    const cols = parseCustomColumns('NAME:.metadata.name,MANAGED:.spec.managedBy,IMAGES:{.spec.template.spec.containers[*].image}');
    const text = customColumnsTable(cols, [toKubeJob(job('a')), toKubeJob(job('b', {}, '  managedBy: example.com/x\n'))]);
    assert.equal(text, 'NAME   MANAGED         IMAGES\na      <none>          busybox\nb      example.com/x   busybox\n');
  });

  it('refuses a column without a path, and an empty spec', () => {
    throwsCli(() => parseCustomColumns('NAME'), /unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>/);
    throwsCli(() => parseCustomColumns(''), /no custom columns given/);
  });
});

describe('--sort-by', () => {
  it('sorts strings naturally and numbers by value, objects without the field first, stably', () => {
    const objs = [{ n: 'pod-10' }, { n: 'pod-9' }, {}, { n: 'pod-9' }, { n: 'pod-1' }];
    assert.deepEqual(sortOrder('.n', objs), [2, 4, 1, 3, 0]);
    assert.deepEqual(sortOrder('{.v}', [{ v: 10 }, { v: 9 }, { v: 100 }]), [1, 0, 2]);
    assert.ok(naturalLess('a2', 'a10'));
    assert.ok(!naturalLess('a10', 'a2'));
  });

  it('a path no object has is an error, as kubectl says', () => {
    throwsCli(() => sortOrder('.metadata.nothing', [{ metadata: {} }]), /couldn't find any field with path "\{\.metadata\.nothing\}" in the list of objects/);
  });
});

describe('--show-labels', () => {
  it('adds LABELS, sorted k=v, or <none>', () => {
    const rows = jobsTable([job('a', { tier: 'db', app: 'x' }), job('b')], { now: NOW, showLabels: true })
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    assert.equal(rows[0].at(-1), 'LABELS');
    assert.equal(rows[1].at(-1), 'app=x,tier=db');
    // A Job without labels of its own takes its pod template's (the controller's), as in Kubernetes.
    assert.equal(rows[2].at(-1), 'batch.kubernetes.io/controller-uid=uid-b,batch.kubernetes.io/job-name=b,controller-uid=uid-b,job-name=b');
  });
});

describe('get events', () => {
  const j = job('hello');
  const ev = (reason: string, first: string, last = first, count = 1, type: JobEvent['type'] = 'Normal'): JobEvent => ({
    type,
    reason,
    message: `${reason} message `,
    firstTimestamp: first,
    lastTimestamp: last,
    count,
  });

  it("prints kubectl's columns, with a folded repeat's count and span", () => {
    const text = eventsTable(
      [
        { job: j, event: ev('SuccessfulCreate', '2024-05-01T11:58:00Z') },
        { job: j, event: ev('BackoffLimitExceeded', '2024-05-01T11:50:00Z', '2024-05-01T11:59:00Z', 3, 'Warning') },
      ],
      { now: NOW },
    );
    const rows = text
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.deepEqual(rows[1], ['2m', 'Normal', 'SuccessfulCreate', 'job/hello', 'SuccessfulCreate message']);
    assert.deepEqual(rows[2], ['60s (x3 over 10m)', 'Warning', 'BackoffLimitExceeded', 'job/hello', 'BackoffLimitExceeded message']);
    assert.match(eventsTable([{ job: j, event: ev('X', '2024-05-01T11:58:00Z') }], { now: NOW, allNamespaces: true }), /^NAMESPACE\s+LAST SEEN/);
  });

  it('-o json: a core/v1 Event of the Job', () => {
    const e = toKubeEvent({ job: j, event: ev('Completed', '2024-05-01T11:58:00.123Z') });
    assert.equal(e.kind, 'Event');
    assert.deepEqual(e.involvedObject, { apiVersion: 'batch/v1', kind: 'Job', name: 'hello', namespace: 'default', uid: 'uid-hello' });
    assert.equal(e.firstTimestamp, '2024-05-01T11:58:00Z');
    assert.match(String((e.metadata as { name: string }).name), /^hello\.[0-9a-f]+$/);
  });
});

describe('get --watch', () => {
  it('reprints what changed, appeared or went away, and nothing else', () => {
    const m = (entries: Array<[string, string]>) => new Map(entries.map(([k, json]) => [k, { json, item: k }]));
    assert.deepEqual(changes(m([['a', '1'], ['b', '1'], ['gone', '1']]), m([['a', '1'], ['b', '2'], ['new', '1']])), ['b', 'new', 'gone']);
    assert.deepEqual(changes(m([['a', '1']]), m([['a', '1']])), []);
  });
});

describe('describe pod', () => {
  it("lays out a finished pod as kubectl's describePod, with the Job's events that name it", () => {
    const j = job('pi');
    const pod: PodRecord = {
      name: 'pi-abcde',
      phase: 'Succeeded',
      restartCount: 0,
      creationTimestamp: '2024-05-01T11:00:00Z',
      startTime: '2024-05-01T11:00:01Z',
      finishedAt: '2024-05-01T11:00:05Z',
      running: false,
      worker: 'host-1',
      containers: [{ name: 'main', init: false, exitCode: 0, reason: 'Completed', startedAt: '2024-05-01T11:00:01Z', finishedAt: '2024-05-01T11:00:05Z', logTail: '', logTruncated: false }],
    } as PodRecord;
    const events: JobEvent[] = [
      { type: 'Normal', reason: 'SuccessfulCreate', message: 'Created pod: pi-abcde', firstTimestamp: '2024-05-01T11:00:00Z', lastTimestamp: '2024-05-01T11:00:00Z', count: 1 },
      { type: 'Normal', reason: 'Completed', message: 'Job completed', firstTimestamp: '2024-05-01T11:00:06Z', lastTimestamp: '2024-05-01T11:00:06Z', count: 1 },
    ];
    const text = describePod(j, pod, events, NOW);
    const lines = text.split('\n');
    assert.match(lines[0], /^Name:\s+pi-abcde$/);
    assert.match(text, /^Node:\s+host-1\/$/m);
    assert.match(text, /^Start Time:\s+Wed, 01 May 2024 11:00:01 \+0000$/m);
    assert.match(text, /^Status:\s+Succeeded$/m);
    assert.match(text, /^Controlled By:\s+Job\/pi$/m);
    assert.match(text, /^Containers:\n {2}main:\n {4}Container ID:\s*\n {4}Image:\s+busybox\n/m);
    assert.match(text, /^ {4}State:\s+Terminated\n {6}Reason:\s+Completed\n {6}Exit Code:\s+0\n {6}Started:\s+Wed, 01 May 2024 11:00:01 \+0000\n {6}Finished:\s+Wed, 01 May 2024 11:00:05 \+0000\n {4}Ready:\s+False\n {4}Restart Count:\s+0$/m);
    assert.match(text, /^Conditions:\n {2}Type\s+Status\n/m);
    assert.match(text, /^QoS Class:\s+BestEffort$/m);
    assert.match(text, /Normal\s+SuccessfulCreate\s+60m\s+job-controller\s+Created pod: pi-abcde/);
    assert.doesNotMatch(text, /Job completed/);
  });
});

describe('completion', () => {
  const sink: Output = { info: () => undefined, log: () => undefined, error: () => undefined };
  const model = completionModel(buildProgram(sink, () => undefined, 'completion'));

  it('bash: a valid script whose function completes verbs, resources and flags', () => {
    const script = bashCompletion(model);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jobctl-completion-')), 'jobctl.bash');
    fs.writeFileSync(file, script);
    const complete = (words: string[]): string[] => {
      const line = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _jobctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', line], { encoding: 'utf8' }).split('\n').filter(Boolean);
    };
    try {
      assert.deepEqual(complete(['jobctl', 'ge']), ['get']);
      assert.ok(complete(['jobctl', 'c']).includes('cluster-info'));
      assert.deepEqual(complete(['jobctl', 'get', 'ev']), ['events']);
      assert.ok(complete(['jobctl', '-n', 'x', 'get', '--w']).includes('--watch-only'));
      assert.deepEqual(complete(['jobctl', 'get', 'jobs', '-o', 'js']), ['json', 'jsonpath=']);
      assert.deepEqual(complete(['jobctl', 'config', 'v']), ['view']);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('zsh: registers with compdef and lists every verb with its description', () => {
    const script = zshCompletion(model);
    assert.match(script, /^#compdef jobctl\n/);
    assert.match(script, /compdef _jobctl jobctl/);
    for (const verb of ['get', 'describe', 'version', 'completion', 'cluster-info', 'config']) assert.match(script, new RegExp(`^ {4}'?${verb}:`, 'm'));
  });
});

describe('config view', () => {
  it('shows where and how jobctl connects, never the secrets', () => {
    const view = configView(
      {
        address: 'temporal.example.com:7233',
        namespace: 'prod',
        apiKey: 'sekret-key-123',
        tls: { clientCert: { path: '/etc/tls/client.pem' }, clientKey: { data: 'PRIVATE KEY BYTES' } },
        grpcMeta: { authorization: 'Bearer hush' },
        configured: true,
        profile: 'prod',
      },
      'TEMPORAL_ADDRESS',
    );
    const text = JSON.stringify(view);
    for (const secret of ['sekret-key-123', 'PRIVATE KEY BYTES', 'hush']) assert.ok(!text.includes(secret), `${secret} printed`);
    assert.deepEqual(view.server, { address: 'temporal.example.com:7233', source: 'TEMPORAL_ADDRESS' });
    assert.equal(view.namespace, 'prod');
    assert.equal(view.apiKey, 'REDACTED');
    assert.deepEqual(view.tls, { enabled: true, clientCert: '/etc/tls/client.pem', clientKey: 'DATA+OMITTED' });
    assert.deepEqual(view.grpcMeta, { authorization: 'REDACTED' });
  });
});

describe('delete pod --grace-period / --force (kubectl delete.go)', () => {
  it("unset is the pod's own; 0 without --force is 1; --force alone is 0; --now is 1", () => {
    assert.equal(gracePeriodOf({}), undefined);
    assert.equal(gracePeriodOf({ gracePeriod: '-1' }), undefined);
    assert.equal(gracePeriodOf({ gracePeriod: '5' }), 5);
    assert.equal(gracePeriodOf({ gracePeriod: '0' }), 1);
    assert.equal(gracePeriodOf({ gracePeriod: '0', force: true }), 0);
    assert.equal(gracePeriodOf({ force: true }), 0);
    assert.equal(gracePeriodOf({ gracePeriod: '3', force: true }), 3);
    assert.equal(gracePeriodOf({ now: true }), 1);
    assert.throws(() => gracePeriodOf({ now: true, gracePeriod: '5' }), /--now and --grace-period cannot be specified together/);
    assert.throws(() => gracePeriodOf({ gracePeriod: '2s' }), /invalid argument "2s" for "--grace-period" flag/);
  });
});

describe('apply-time warnings', () => {
  it('an image without a command, under the process runtime only', () => {
    const c = (over: object) => ({ name: 'main', image: 'nginx', ...over });
    assert.deepEqual(podSpecWarnings({ containers: [c({ command: ['sh'] })] }, 'spec.template.spec'), []);
    assert.deepEqual(podSpecWarnings({ containers: [c({})], runtimeClassName: 'docker' }, 'spec.template.spec'), []);
    const [w, ...rest] = podSpecWarnings({ initContainers: [c({ name: 'init', command: ['true'] })], containers: [c({ command: [] })] }, 'spec.template.spec');
    assert.equal(rest.length, 0);
    assert.match(w, /^spec\.template\.spec\.containers\[0\] \("main"\): image "nginx" has no command: .*runtimeClassName: docker/);
  });
});

describe('connection failures', () => {
  it('reads the cause from the error text where the SDK gives one', () => {
    assert.equal(classifyConnectionFailure(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1')), 'refused');
    assert.equal(classifyConnectionFailure(new Error('14 UNAVAILABLE: Name resolution failed for target dns:nope:7233')), 'unresolved');
    assert.equal(classifyConnectionFailure(Object.assign(new Error('x'), { cause: new Error('SSL routines::wrong version number') })), 'tls');
    assert.equal(classifyConnectionFailure(Object.assign(new Error('12 UNIMPLEMENTED'), { code: 12 })), 'not-temporal');
    assert.deepEqual(splitAddress('[::1]:7000'), { host: '::1', port: 7000 });
    assert.deepEqual(splitAddress('host'), { host: 'host', port: 7233 });
  });

  it('asks the network when the SDK only says it ran out of time', async () => {
    const deadline = new Error('Failed to connect before the deadline');
    // A port that was just closed refuses.
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    assert.equal(await diagnoseConnectionFailure(`127.0.0.1:${closedPort}`, false, deadline), 'refused');
    assert.equal(await diagnoseConnectionFailure('no-such-host.invalid:7233', false, deadline), 'unresolved');
    // A plain HTTP server answers, but it is no Temporal frontend; with TLS on, its handshake fails.
    const server = http.createServer((_q, s) => s.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      assert.equal(await diagnoseConnectionFailure(`127.0.0.1:${port}`, false, deadline), 'not-temporal');
      assert.equal(await diagnoseConnectionFailure(`127.0.0.1:${port}`, true, deadline), 'tls');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    // A gRPC server that answers was only slow for the SDK: not "something else".
    const grpc = http2.createServer();
    grpc.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.end();
    });
    await new Promise<void>((r) => grpc.listen(0, '127.0.0.1', r));
    try {
      assert.equal(await diagnoseConnectionFailure(`127.0.0.1:${(grpc.address() as net.AddressInfo).port}`, false, deadline), 'timeout');
    } finally {
      await new Promise<void>((r) => grpc.close(() => r()));
    }
  });
});
