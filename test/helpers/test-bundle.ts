// The webpack bundle of a test's own workflows (a stand-in or a deliberately changed workflow), kept in
// the cache next to the real workflows' bundles (src/workflow-bundle.ts): webpack takes seconds of CPU per
// build, every run, for the same bytes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { cacheDir, ensureCached } from '../../src/dev/cache';

const SRC = path.resolve(__dirname, '..', '..', 'src');
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} };

/** The entry file, every compiled file of src (which it may import) and the SDK's version. */
function codeHash(entry: string): string {
  const hash = createHash('sha256').update(fs.readFileSync(entry));
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) hash.update(path.relative(SRC, p)).update('\0').update(fs.readFileSync(p)).update('\0');
    }
  };
  walk(SRC);
  const sdk = JSON.parse(fs.readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string };
  return hash.update(`@temporalio/workflow@${sdk.version}`).digest('hex').slice(0, 16);
}

/** `{ codePath }` of the bundle of `workflowsPath` (a compiled test module that imports only src and the SDK). */
export async function cachedTestBundle(workflowsPath: string): Promise<{ codePath: string }> {
  const dir = path.join(cacheDir(), 'workflow-bundles', `test-${path.basename(workflowsPath, '.js')}-${codeHash(workflowsPath)}`);
  await ensureCached(dir, async (tmp) => {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    fs.writeFileSync(path.join(tmp, 'workflows.js'), code, { mode: 0o600 });
  });
  return { codePath: path.join(dir, 'workflows.js') };
}
