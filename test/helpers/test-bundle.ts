// The webpack bundle of a test's own workflows (a stand-in or a deliberately changed workflow), kept in
// the cache next to the real workflows' bundles: webpack takes seconds of CPU per build, every run, for
// the same bytes.
import path from 'node:path';
import { cachedModuleBundle } from '../../src/workflow-bundle';

/** `{ codePath }` of the bundle of `workflowsPath` (a compiled test module that imports only src and the SDK). */
export function cachedTestBundle(workflowsPath: string): Promise<{ codePath: string }> {
  return cachedModuleBundle(workflowsPath, `test-${path.basename(workflowsPath, '.js')}`);
}
