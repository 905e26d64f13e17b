// Local TCP ports for the servers we start: free ones, or the usual ones when they are free.
import net from 'node:net';

/** The port bound (the one asked, or any free one for 0), or undefined when it is taken. */
export function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, host, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** Temporal's usual ports when they are free, so the Web UI keeps its address between runs. */
export async function pickPort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return (await tryListen(preferred, host)) ?? (await tryListen(0, host)) ?? preferred;
}
