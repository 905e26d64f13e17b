// The worker's data dir holds pods' logs (which may print secrets), their volumes, pod records and the
// dev server's database: only the worker's user may read them. Modes are given at creation (never the
// umask's 0644/0755), and the data dir itself is tightened if it already exists and is ours.
import fs from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** mkdir -p with 0700 for every directory it creates. */
export function mkdirPrivate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * The data dir, 0700: created so, or narrowed to it when it exists and belongs to this user (a data dir
 * made before modes were set, or under a loose umask). Someone else's directory is left as it is.
 */
export function ensurePrivateDataDir(dir: string): void {
  mkdirPrivate(dir);
  const st = fs.statSync(dir);
  const ours = typeof process.getuid !== 'function' || st.uid === process.getuid();
  if (ours && (st.mode & 0o777) !== PRIVATE_DIR_MODE) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Writes a new file (or replaces one) readable by this user only. */
export function writePrivateFile(file: string, data: string): void {
  fs.writeFileSync(file, data, { mode: PRIVATE_FILE_MODE });
}

/** Narrows an existing file of ours to 0600 (one made before modes were set); a missing one is fine. */
export function narrowToPrivate(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return;
  }
  const ours = typeof process.getuid !== 'function' || st.uid === process.getuid();
  if (ours && (st.mode & 0o777) !== PRIVATE_FILE_MODE) fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * Runs `start` (which spawns a process that creates files we cannot give modes to, such as the dev
 * server's database) under umask 077, so that what the child creates is private. The umask is the
 * process's: for the moment of the start, files this process makes are at most as open, never more.
 */
export async function withPrivateUmask<T>(start: () => Promise<T>): Promise<T> {
  const previous = process.umask(0o077);
  try {
    return await start();
  } finally {
    process.umask(previous);
  }
}
