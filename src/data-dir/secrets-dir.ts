// Where a worker reads `env[].valueFrom.secretKeyRef` values: `<secretsDir>/<namespace>/<secret>/<key>`,
// one file per key, its content the value (src/activities/env.ts). Inside the data dir by default, which
// only the worker's user may read.
import path from 'node:path';

export const SECRETS_DIR_VAR = 'DURABLE_JOBS_SECRETS_DIR';

/** `--secrets-dir`, else DURABLE_JOBS_SECRETS_DIR, else `<dataDir>/secrets`. */
export function secretsDirFor(dataDir: string, flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? (env[SECRETS_DIR_VAR] || path.join(dataDir, 'secrets')));
}
