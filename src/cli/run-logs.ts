// `jobctl run` streams its pods' output while the Job runs, as `kubectl logs -f` does: one pod after the
// other in creation order, each container's log from its first byte, every in-place restart in turn. A
// pod whose log is not on this host (another worker ran it) is printed from its record once it ends.
import fs from 'node:fs';
import { followPodLog, podLogFile, type ContainerResult, type JobsClient, type PodRecord } from '../client';
import type { Output } from './output';

export interface PodLogStream {
  /** The Job has ended: print what is left of `pods` (its final records), then resolve. */
  finish(pods: readonly PodRecord[]): Promise<void>;
  /** Stop at once (Ctrl-C): nothing more is printed. */
  abort(): Promise<void>;
}

const POLL_MS = 250;

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind either way. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

const ended = (p: PodRecord) => !p.running && (p.phase === 'Succeeded' || p.phase === 'Failed');

export function streamPodLogs(
  jobs: JobsClient,
  job: { namespace: string; name: string; containers: readonly string[]; manyPods: boolean },
  dataDir: string,
  out: Output,
): PodLogStream {
  const controller = new AbortController();
  const signal = controller.signal;
  /** Latest record of every pod seen, by name; `order` keeps creation order. */
  const known = new Map<string, PodRecord>();
  const order: string[] = [];
  let final = false;

  const learn = (pods: readonly PodRecord[]) => {
    for (const p of [...pods].sort((a, b) => Date.parse(a.creationTimestamp) - Date.parse(b.creationTimestamp))) {
      if (!known.has(p.name)) order.push(p.name);
      known.set(p.name, p);
    }
  };

  const poll = (async () => {
    while (!signal.aborted && !final) {
      try {
        learn((await jobs.pods(job.namespace, job.name, 0, 1000)).items);
      } catch {
        // The workflow may not have run its first task yet, or has just ended: `finish` brings the rest.
      }
      await sleep(POLL_MS, signal);
    }
  })();

  /** The pod's record once `ready` says so, or undefined when aborted. */
  const until = async (name: string, ready: (p: PodRecord) => boolean): Promise<PodRecord | undefined> => {
    for (;;) {
      const p = known.get(name);
      if (signal.aborted) return undefined;
      if (p && (ready(p) || final)) return p;
      await sleep(POLL_MS / 2, signal);
    }
  };

  const printRecord = (pod: PodRecord, containers: readonly ContainerResult[] | undefined, container: string) => {
    const c = containers?.find((x) => x.name === container);
    if (!c) return;
    if (c.logTruncated) out.info(`(showing the last ${Buffer.byteLength(c.logTail)} bytes of the log of container ${c.name} of pod ${pod.name})`);
    if (c.logTail !== '') out.log(c.logTail, true);
  };

  /** One run of one container: the file on this host while it grows, else the record's tail at the end. */
  const printRun = async (name: string, container: string, run: number): Promise<void> => {
    const file = podLogFile(dataDir, job.namespace, name, container, run);
    const p = await until(name, (x) => fs.existsSync(file) || ended(x) || x.restartCount > run);
    if (!p) return;
    const local = await followPodLog({ dataDir, namespace: job.namespace, pod: name, container, restartCount: run }, (t) => out.log(t, true), signal);
    if (local || signal.aborted) return;
    // Not on this host: what Temporal kept of that run, once the pod's record has it.
    const done = await until(name, (x) => ended(x) || x.restartCount > run);
    if (!done) return;
    printRecord(done, done.restartCount === run ? done.containers : run === done.restartCount - 1 ? done.previousContainers : undefined, container);
  };

  const printer = (async () => {
    for (let i = 0; !signal.aborted; i++) {
      while (i >= order.length) {
        if (final || signal.aborted) return;
        await sleep(POLL_MS / 2, signal);
      }
      const name = order[i];
      if (i > 0 || job.manyPods) out.info(`==> pod ${name} <==`);
      for (let run = 0; !signal.aborted; run++) {
        for (const c of job.containers) await printRun(name, c, run);
        // Another in-place run follows (OnFailure), or the pod is done.
        const p = await until(name, (x) => ended(x) || x.restartCount > run);
        if (!p || p.restartCount <= run) break;
      }
    }
  })();

  return {
    async finish(pods) {
      learn(pods);
      final = true;
      await poll;
      await printer;
    },
    async abort() {
      controller.abort();
      await Promise.allSettled([poll, printer]);
    },
  };
}
