// `jobctl version`, `jobctl config view` and `jobctl cluster-info`: what jobctl is and where it connects.
// Secrets (API keys, key and certificate data, gRPC header values) are never printed.
import { DEFAULT_TASK_QUEUE, clientVersion, connect, namespaceExists, NamespaceNotFoundError, serverInfo, type ConnectionSettings } from '../../client';
import { toYaml } from '../format';
import { connectionSource, taskQueueFromEnv } from '../common';
import { CliError, type Output } from '../output';

const REDACTED = 'REDACTED';
const DATA_OMITTED = 'DATA+OMITTED';

/** `v1.2.3` split as kubectl's version.Info: major, minor, gitVersion. */
export function versionInfo(version: string, platform: string): Record<string, string> {
  const v = version.startsWith('v') ? version : `v${version}`;
  const m = /^v(\d+)\.(\d+)/.exec(v);
  return { gitVersion: v, major: m?.[1] ?? '', minor: m?.[2] ?? '', platform };
}

export async function versionCommand(o: { client?: boolean; output?: string }, out: Output): Promise<number> {
  if (o.output !== undefined && o.output !== 'json' && o.output !== 'yaml') throw new CliError(`error: --output must be 'yaml' or 'json'`);
  const doc: Record<string, unknown> = { clientVersion: versionInfo(clientVersion(), `${process.platform}/${process.arch}`) };
  let failure: unknown;
  if (!o.client) {
    try {
      const { settings } = connectionSource();
      const client = await connect(settings);
      try {
        const info = await serverInfo(client);
        doc.serverVersion = versionInfo(info.serverVersion || 'unknown', 'temporal');
      } finally {
        await client.connection.close().catch(() => undefined);
      }
    } catch (err) {
      failure = err;
    }
  }
  if (o.output === 'json') out.log(JSON.stringify(doc, null, 2));
  else if (o.output === 'yaml') out.log(toYaml(doc), true);
  else {
    out.log(`Client Version: ${(doc.clientVersion as { gitVersion: string }).gitVersion}`);
    if (doc.serverVersion) out.log(`Server Version: ${(doc.serverVersion as { gitVersion: string }).gitVersion} (Temporal)`);
  }
  // As kubectl: the client's version is printed even when the server cannot be reached, then the error.
  if (failure !== undefined) throw failure;
  return 0;
}

/** A certificate or key setting: its path, or that inline data is set. */
function certSource(v: { path?: string; data?: unknown } | undefined): string | undefined {
  if (!v) return undefined;
  if (v.path) return v.path;
  return DATA_OMITTED;
}

/** The connection settings as `config view` prints them: what is used, never the secrets themselves. */
export function configView(settings: ConnectionSettings, source: string, extra: { taskQueue?: string; uiUrl?: string } = {}): Record<string, unknown> {
  const tls = settings.tls;
  // envconfig's rule, without reading certificate files: TLS settings turn it on unless disabled, and so does an API key.
  const tlsOn = tls ? tls.disabled !== true : settings.apiKey !== undefined;
  return {
    profile: settings.profile,
    server: {
      address: settings.address,
      source,
      ...(extra.uiUrl ? { webUI: extra.uiUrl } : {}),
    },
    namespace: settings.namespace,
    taskQueue: extra.taskQueue ?? DEFAULT_TASK_QUEUE,
    tls: {
      enabled: tlsOn,
      ...(tls?.serverName ? { serverName: tls.serverName } : {}),
      ...(tls?.serverCACert ? { serverCACert: certSource(tls.serverCACert) } : {}),
      ...(tls?.clientCert ? { clientCert: certSource(tls.clientCert) } : {}),
      ...(tls?.clientKey ? { clientKey: certSource(tls.clientKey) } : {}),
    },
    ...(settings.apiKey ? { apiKey: REDACTED } : {}),
    ...(settings.grpcMeta ? { grpcMeta: Object.fromEntries(Object.keys(settings.grpcMeta).map((k) => [k, REDACTED])) } : {}),
  };
}

export async function configViewCommand(o: { output?: string }, out: Output): Promise<number> {
  if (o.output !== 'yaml' && o.output !== 'json') throw new CliError(`error: unable to match a printer suitable for the output format "${o.output}", allowed formats are: json,yaml`);
  const { settings, source, uiUrl } = connectionSource();
  const doc = configView(settings, source, { taskQueue: taskQueueFromEnv(), uiUrl });
  out.log(o.output === 'json' ? JSON.stringify(doc, null, 2) : toYaml(doc), o.output !== 'json');
  return 0;
}

export async function clusterInfoCommand(out: Output): Promise<number> {
  const { settings, source, uiUrl } = connectionSource();
  const client = await connect(settings);
  try {
    const info = await serverInfo(client);
    if (!(await namespaceExists(client))) throw new NamespaceNotFoundError(settings.address, settings.namespace);
    const version = info.serverVersion ? ` (Temporal ${info.serverVersion})` : '';
    out.log(`Temporal frontend is running at ${settings.address}${version}, namespace "${settings.namespace}"`);
    out.log(`Address from ${source}`);
    if (uiUrl) out.log(`Temporal Web UI is running at ${uiUrl}`);
    out.log(`Jobs run on task queue "${taskQueueFromEnv() ?? DEFAULT_TASK_QUEUE}"`);
    out.log(`\nTo see every setting used (secrets redacted), use 'jobctl config view'.`);
    return 0;
  } finally {
    await client.connection.close().catch(() => undefined);
  }
}
