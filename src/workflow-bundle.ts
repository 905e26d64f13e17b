// The workflows' webpack bundle, built once per version of their code and kept in the cache: bundling
// takes seconds of CPU (more on a loaded machine) that every worker start and every test file would
// otherwise pay again for the same bytes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { cacheDir, ensureCached } from './dev/cache';

const quietLogger = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} };

/** The workflows' entry module, as webpack bundles it. */
export function workflowsPath(): string {
  return require.resolve('./workflows');
}

/** Every compiled file of the package (the workflows may import any of them) and the SDK's version. */
function codeHash(): string {
  const hash = createHash('sha256');
  const root = __dirname;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.js')) hash.update(path.relative(root, p)).update('\0').update(fs.readFileSync(p)).update('\0');
    }
  };
  walk(root);
  const sdk = JSON.parse(fs.readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string };
  hash.update(`@temporalio/workflow@${sdk.version}`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Modules every bundle preloads: evaluated once per workflow thread, before the SDK freezes the shared
 * V8 context's globals (stack-trace-limit.ts sets one of them).
 */
export function preloadedWorkflowModules(): string[] {
  return [require.resolve('./workflows/stack-trace-limit')];
}

export interface WorkflowBundleFile {
  codePath: string;
}

/** The workflow interceptor module a traced bundle includes (src/worker-tracing.ts has the rest). */
function workflowTracingModule(): string {
  return require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
}

/** `{ codePath }` of the bundle for the code as it is now, building it only when the cache lacks it. */
export async function cachedWorkflowBundle(env: NodeJS.ProcessEnv = process.env, opts: { traced?: boolean } = {}): Promise<WorkflowBundleFile> {
  // A traced worker's workflows carry OpenTelemetry's interceptor: a bundle of its own, so that an
  // untraced worker runs exactly the code it ran before tracing existed.
  return cachedBundle(
    { workflowsPath: workflowsPath(), name: opts.traced ? `${codeHash()}-traced` : codeHash(), ...(opts.traced ? { interceptorModules: [workflowTracingModule()] } : {}) },
    env,
  );
}

/**
 * `{ codePath }` of the bundle of another workflows module that imports only this package and the SDK
 * (tests' stand-ins): cached under `name` and a hash of that module and of the package's code.
 */
export async function cachedModuleBundle(modulePath: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<WorkflowBundleFile> {
  const entry = createHash('sha256').update(fs.readFileSync(modulePath)).update(codeHash()).digest('hex').slice(0, 16);
  return cachedBundle({ workflowsPath: modulePath, name: `${name}-${entry}` }, env);
}

async function cachedBundle(o: { workflowsPath: string; name: string; interceptorModules?: string[] }, env: NodeJS.ProcessEnv): Promise<WorkflowBundleFile> {
  const dir = path.join(cacheDir(env), 'workflow-bundles', o.name);
  await ensureCached(dir, async (tmp) => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: o.workflowsPath,
      preloadModules: preloadedWorkflowModules(),
      logger: quietLogger,
      ...(o.interceptorModules ? { workflowInterceptorModules: o.interceptorModules } : {}),
    });
    fs.writeFileSync(path.join(tmp, 'workflows.js'), code, { mode: 0o600 });
  });
  pruneOldBundles(path.dirname(dir), dir);
  return { codePath: path.join(dir, 'workflows.js') };
}

const KEEP_MS = 7 * 24 * 3600_000;

/** A bundle is ~5 MB and each code change makes one: drop those no worker has built for a week. */
function pruneOldBundles(parent: string, current: string): void {
  try {
    for (const name of fs.readdirSync(parent)) {
      const p = path.join(parent, name);
      if (p === current || name.startsWith('.') || name.endsWith('.lock')) continue;
      if (Date.now() - fs.statSync(p).mtimeMs > KEEP_MS) fs.rmSync(p, { recursive: true, force: true });
    }
  } catch {
    // Another process pruning at the same time, or a read-only cache: nothing to do either way.
  }
}
