// The production Temporal server (not the dev server) on PostgreSQL, set up the way a user's cluster is:
// schemas by temporal-sql-tool, persistence and advanced visibility on the `postgres12` plugin, the
// `default` namespace and the Job search attributes registered through the frontend's APIs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { JOB_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { SQL_TOOL_BINARY } from './builders';
import type { Log } from './cache';
import { JOB_SEARCH_ATTRIBUTE_KEYS, MAX_BUFFERED_EVENTS } from './embedded';
import { pickPort } from './ports';
import { killGroupNow } from './kill-group';
import { startPostgres, type Postgres } from './postgres';
import { resolveClusterServer } from './servers';

export interface TemporalCluster {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  postgres: Postgres;
  /**
   * Stops the server process and starts it again on the same ports and database: SIGTERM as an
   * orchestrator's rolling restart does, SIGKILL as a crash.
   */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  stop(): Promise<void>;
  /**
   * SIGKILLs the server's process group and ends PostgreSQL (removing its data), synchronously: for a
   * test's exit and signal handlers, where `stop` cannot be awaited. `stop` after it does nothing more.
   */
  killNow(): void;
}

export interface ClusterOptions {
  /** A fresh directory for the server's config and log (PostgreSQL keeps its data in a temp dir of its own). */
  dir: string;
  /** The IP every server service binds and advertises; must be local to this host. */
  bindIp?: string;
  namespace?: string;
  numHistoryShards?: number;
  log?: Log;
}

type ServicePorts = Record<'frontend' | 'history' | 'matching' | 'worker', { grpc: number; membership: number }>;

/** The server's static config (`--root DIR --config config --env cluster`). */
export function clusterConfigYaml(o: {
  bindIp: string;
  ports: ServicePorts;
  httpPort: number;
  pg: { host: string; port: number; user: string };
  shards: number;
  /** The dynamic config file (dynamicConfigYaml), by absolute path. */
  dynamicConfigFile: string;
}): string {
  const store = (db: string, conns: number): string[] => [
    '      sql:',
    '        pluginName: postgres12',
    `        databaseName: ${db}`,
    `        connectAddr: "${o.pg.host}:${o.pg.port}"`,
    '        connectProtocol: tcp',
    `        user: ${o.pg.user}`,
    '        password: ""',
    `        maxConns: ${conns}`,
    `        maxIdleConns: ${conns}`,
    '        maxConnLifetime: 1h',
  ];
  const service = (name: keyof ServicePorts): string[] => [
    `  ${name}:`,
    '    rpc:',
    `      grpcPort: ${o.ports[name].grpc}`,
    `      membershipPort: ${o.ports[name].membership}`,
    `      bindOnIP: ${o.bindIp}`,
    ...(name === 'frontend' ? [`      httpPort: ${o.httpPort}`] : []),
  ];
  return [
    'log:',
    '  stdout: true',
    '  level: warn',
    'persistence:',
    '  defaultStore: default',
    '  visibilityStore: visibility',
    `  numHistoryShards: ${o.shards}`,
    '  datastores:',
    '    default:',
    ...store('temporal', 20),
    '    visibility:',
    ...store('temporal_visibility', 10),
    'global:',
    '  membership:',
    '    maxJoinDuration: 30s',
    `    broadcastAddress: ${o.bindIp}`,
    'services:',
    ...service('frontend'),
    ...service('history'),
    ...service('matching'),
    ...service('worker'),
    'clusterMetadata:',
    '  enableGlobalNamespace: false',
    '  failoverVersionIncrement: 10',
    '  masterClusterName: active',
    '  currentClusterName: active',
    '  clusterInformation:',
    '    active:',
    '      enabled: true',
    '      initialFailoverVersion: 1',
    '      rpcName: frontend',
    `      rpcAddress: "${o.bindIp}:${o.ports.frontend.grpc}"`,
    'dcRedirectionPolicy:',
    '  policy: noop',
    'dynamicConfigClient:',
    `  filepath: "${o.dynamicConfigFile}"`,
    '  pollInterval: 60s',
    '',
  ].join('\n');
}

/**
 * The server's dynamic config: what a cluster running wide Jobs needs beyond the defaults (the same as
 * the embedded dev server's, src/dev/embedded.ts). Up to 1,000 pods in flight can end during one
 * workflow task; past 100 buffered events the server would force-close the task and the worker replay
 * the run's whole history.
 */
export function dynamicConfigYaml(): string {
  return ['history.maximumBufferedEventsBatch:', `  - value: ${MAX_BUFFERED_EVENTS}`, ''].join('\n');
}

/** setup-schema then update-schema to the newest version shipped with the server, as Temporal's docs do. */
async function createDatabases(sqlTool: string, pg: Postgres, log: Log | undefined): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--pw', ''];
  const run = (args: string[]) => promisify(execFile)(sqlTool, [...base, ...args], { timeout: 300_000 });
  for (const [db, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ]) {
    await run(['--db', db, 'create-database', '--defaultdb', 'postgres']);
    await run(['--db', db, 'setup-schema', '-v', '0.0']);
    await run(['--db', db, 'update-schema', '--schema-name', schema]);
    log?.(`created database ${db} with schema ${schema}`);
  }
}

/**
 * A free port below 32768: the SQL stores keep membership ports in a `smallint` column, so an ephemeral
 * port (Linux hands out 32768-60999) makes the server exit with "out of range for type smallint".
 */
async function pickLowPort(host: string, taken: Set<number>): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const candidate = 20_000 + randomInt(12_000);
    // Nothing holds a picked port until the server binds it: the next pick must not return it again.
    if (taken.has(candidate)) continue;
    if ((await pickPort(candidate, host)) === candidate) {
      taken.add(candidate);
      return candidate;
    }
  }
  throw new Error(`no free port in 20000-31999 on ${host}`);
}

/** Retries `fn` until it resolves; `fatal` ends the wait at once (the process it waits for has exited). */
async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T>, fatal: () => string | undefined = () => undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const why = fatal();
      if (why) throw new Error(`${what} failed: ${why}`);
      if (Date.now() > deadline) throw new Error(`${what} did not succeed within ${timeoutMs / 1000} s: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export async function startTemporalCluster(opts: ClusterOptions): Promise<TemporalCluster> {
  const bindIp = opts.bindIp ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const server = await resolveClusterServer({ log: opts.log });
  const sqlTool = path.join(path.dirname(server.path), SQL_TOOL_BINARY);
  const postgres = await startPostgres({ host: '127.0.0.1', port: await pickPort(0), log: opts.log });
  let child: ChildProcess | undefined;
  let killed = false;
  try {
    await createDatabases(sqlTool, postgres, opts.log);
    const ports = {} as ServicePorts;
    const taken = new Set<number>();
    for (const name of ['frontend', 'history', 'matching', 'worker'] as const) {
      ports[name] = { grpc: await pickLowPort(bindIp, taken), membership: await pickLowPort(bindIp, taken) };
    }
    const httpPort = await pickLowPort(bindIp, taken);
    await fs.mkdir(path.join(opts.dir, 'config'), { recursive: true });
    const dynamicConfigFile = path.resolve(opts.dir, 'config', 'dynamicconfig.yaml');
    await fs.writeFile(dynamicConfigFile, dynamicConfigYaml());
    await fs.writeFile(
      path.join(opts.dir, 'config', 'cluster.yaml'),
      clusterConfigYaml({ bindIp, ports, httpPort, pg: postgres, shards: opts.numHistoryShards ?? 4, dynamicConfigFile }),
    );
    const address = `${bindIp}:${ports.frontend.grpc}`;
    const logFile = path.join(opts.dir, 'server.log');

    const start = async (): Promise<void> => {
      const out = await fs.open(logFile, 'a');
      try {
        child = spawn(server.path, ['--root', opts.dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
          stdio: ['ignore', out.fd, out.fd],
          // Its own process group, for killNow.
          detached: true,
        });
      } finally {
        await out.close();
      }
      const started = child;
      let exited: number | null | undefined;
      started.once('exit', (code) => (exited = code));
      await until(
        'the Temporal server start',
        180_000,
        async () => {
          const conn = await Connection.connect({ address, connectTimeout: 2_000 });
          try {
            await conn.workflowService.getSystemInfo({});
          } finally {
            await conn.close();
          }
        },
        () => (exited !== undefined ? `it exited with ${exited}; see ${logFile}` : undefined),
      ).catch(async (err: unknown) => {
        if (exited === undefined) throw err;
        const tail = (await fs.readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-5).join('\n');
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail}`);
      });
    };
    const stopServer = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill(signal);
      const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    };

    await start();
    opts.log?.(`Temporal server ${server.path} on ${address} (log: ${logFile})`);
    await registerNamespaceAndSearchAttributes(address, namespace);
    return {
      address,
      namespace,
      postgres,
      restart: async (signal) => {
        await stopServer(signal);
        await start();
      },
      stop: async () => {
        if (killed) return;
        await stopServer();
        await postgres.stop();
      },
      killNow: () => {
        killed = true;
        // Only a live child: the pid of one that exited may lead someone else's group by now.
        if (child && child.exitCode === null && child.signalCode === null) killGroupNow(child.pid);
        postgres.killNow();
      },
    };
  } catch (err) {
    killGroupNow(child?.pid);
    await postgres.stop();
    throw err;
  }
}

type AddSearchAttributes = Parameters<Connection['operatorService']['addSearchAttributes']>[0];
type IndexedValueType = NonNullable<AddSearchAttributes['searchAttributes']>[string];
/** temporal.api.enums.v1.IndexedValueType, named as the dev server's `--search-attribute` takes them. */
const INDEXED_VALUE_TYPES: Record<'Keyword' | 'KeywordList', IndexedValueType> = { Keyword: 2, KeywordList: 7 };

/**
 * What an operator does once per cluster: the namespace (the server creates none), then the Job search
 * attributes, which SQL visibility keeps per namespace. Both become visible to the frontend only after
 * its caches refresh, so each step is retried until a query that needs it works.
 */
async function registerNamespaceAndSearchAttributes(address: string, namespace: string): Promise<void> {
  const conn = await Connection.connect({ address });
  try {
    await conn.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
      .catch((err: unknown) => {
        if (!/already exists|AlreadyExists/i.test(err instanceof Error ? err.message : String(err))) throw err;
      });
    await until(`namespace ${namespace}`, 120_000, () => conn.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }));
    await until('registering the Job search attributes', 120_000, () =>
      conn.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(Object.entries(JOB_SEARCH_ATTRIBUTES).map(([name, type]) => [name, INDEXED_VALUE_TYPES[type]])),
      }),
    );
    const probe = JOB_SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name} = 'probe'`).join(' AND ');
    await until('the Job search attributes in visibility queries', 120_000, () =>
      conn.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: probe }),
    );
  } finally {
    await conn.close();
  }
}
