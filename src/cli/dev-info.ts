// `jobctl dev` leaves a note in its data dir saying where its server listens, so that other jobctl
// commands on the host find it without TEMPORAL_ADDRESS, and `jobctl run` does not start a second
// server on the same database.
import fs from 'node:fs';
import path from 'node:path';

export interface DevServerInfo {
  pid: number;
  address: string;
  uiUrl: string;
}

const FILE = 'dev-server.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readDevServerInfo(dataDir: string): DevServerInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')) as Partial<DevServerInfo>;
    if (typeof info.pid !== 'number' || typeof info.address !== 'string' || typeof info.uiUrl !== 'string') return undefined;
    return alive(info.pid) ? { pid: info.pid, address: info.address, uiUrl: info.uiUrl } : undefined;
  } catch {
    return undefined;
  }
}

export function writeDevServerInfo(dataDir: string, info: DevServerInfo): () => void {
  const file = path.join(dataDir, FILE);
  // Private like the rest of the data dir (src/data-dir/private-files.ts), restated: the CLI keeps to the client.
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  return () => {
    // Only our own note: a later `jobctl dev` may have replaced it.
    if (readDevServerInfo(dataDir)?.pid === info.pid) fs.rmSync(file, { force: true });
  };
}
