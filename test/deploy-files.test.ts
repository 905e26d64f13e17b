// The Dockerfile and docker-compose.yml, checked against the project itself: no Docker engine runs here,
// so this reads them (CI also runs the Dockerfile's steps on the host: scripts/check-worker-image.sh).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TEMPORAL_CLI_VERSION } from '../src/dev/builders';
import { JOB_SEARCH_ATTRIBUTE_KEYS } from '../src/dev/embedded';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  restart?: string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  command?: string[] | string;
  security_opt?: string[];
}

const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('pins every image to a version, the server and UI to those the dev server bundles', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) continue;
      assert.match(s.image ?? '', /^[\w./-]+:\d[\w.-]*$/, `${name}: image ${s.image} is not pinned`);
      assert.doesNotMatch(s.image ?? '', /auto-setup/, `${name}: temporalio/auto-setup is deprecated`);
    }
    // The Temporal CLI the project builds bundles server 1.29.1 and UI 2.42.1 (TEMPORAL-NOTES).
    assert.equal(TEMPORAL_CLI_VERSION, 'v1.5.1');
    assert.equal(services.temporal.image, 'temporalio/server:1.29.1');
    assert.equal(services['temporal-ui'].image, 'temporalio/ui:2.42.1');
  });

  it('publishes ports on the loopback interface only', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    assert.ok(published.length >= 2);
    for (const [name, p] of published) assert.match(p, /^127\.0\.0\.1:\d+:\d+$/, `${name} publishes ${p} on every interface`);
  });

  it('orders start-up by health and completion, and restarts what should keep running', () => {
    assert.ok(services.postgresql.healthcheck && services.temporal.healthcheck);
    assert.equal(services['temporal-schema'].depends_on?.postgresql.condition, 'service_healthy');
    assert.equal(services.temporal.depends_on?.['temporal-schema'].condition, 'service_completed_successfully');
    assert.equal(services['temporal-setup'].depends_on?.temporal.condition, 'service_healthy');
    assert.equal(services.worker.depends_on?.['temporal-setup'].condition, 'service_completed_successfully');
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker']) assert.equal(services[name].restart, 'unless-stopped', name);
  });

  it('sets up both PostgreSQL databases and registers exactly the Job search attributes', () => {
    const schema = String(services['temporal-schema'].command);
    assert.match(schema, /for db in temporal temporal_visibility/);
    assert.match(schema, /schema\/postgresql\/v12\/\$\$dir\/versioned/);
    const setup = String(services['temporal-setup'].command);
    const created = [...setup.matchAll(/--name (\S+) --type (\S+)/g)].map((m) => [m[1], m[2]]);
    const loop = /for attr in ([\w ]+); do\s+temporal operator search-attribute create --namespace default --name \$\$attr --type (\w+)/.exec(setup);
    assert.ok(loop, setup);
    const all = [...loop[1].trim().split(/\s+/).map((n) => [n, loop[2]]), ...created.filter(([n]) => !n.startsWith('$'))];
    const expected = JOB_SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, k.type === 'KEYWORD_LIST' ? 'KeywordList' : 'Keyword']);
    assert.deepEqual(all.sort(), expected.sort());
  });

  it('builds the worker from the Dockerfile, with its data in a volume and nothing mounted over the app', () => {
    const w = services.worker;
    assert.equal(w.build, '.');
    assert.equal(w.image, undefined);
    assert.deepEqual(w.volumes, ['worker-data:/data']);
    assert.equal(w.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.ok(w.security_opt?.includes('seccomp=unconfined'), 'bwrap needs user namespaces in the container');
  });
});

describe('Dockerfile', () => {
  const docker = read('Dockerfile');
  const stages = docker.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('builds in one stage and runs from a slim one with production dependencies only', () => {
    assert.equal(stages.length, 2);
    assert.match(stages[0], /AS build/);
    assert.match(runtime, /RUN worker-image\.sh runtime \/app/);
    assert.match(read('scripts/worker-image.sh'), /npm ci --omit=dev --ignore-scripts/);
    assert.match(runtime, /COPY --from=build \/src\/dist\/src \.\/dist\/src/);
  });

  it('installs bubblewrap and perl\'s bignum for pods, runs as a non-root user, keeps data in /data', () => {
    assert.match(runtime, /RUN worker-image\.sh os-packages/);
    assert.match(read('scripts/worker-image.sh'), /apt-get install [^\n]*bubblewrap[^\n]*libmath-bigint-perl/);
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /DURABLE_JOBS_HOME=\/data/);
    assert.match(runtime, /ENTRYPOINT \["tini", "--", "node", "\/app\/bin\/jobctl\.js"\]/);
    assert.match(runtime, /CMD \["worker"\]/);
  });

  it('ignores the host\'s build output and dependencies', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const p of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(p), p);
  });
});
