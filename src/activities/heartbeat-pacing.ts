// How often a running pod heartbeats. Each heartbeat is a server write (the activity's mutable state),
// and a deleted pod learns of its deletion only from a heartbeat's response: few pods can afford to
// heartbeat often, so that deletions are seen within a few seconds, but a worker running 1,000 pods
// every 3 s sends ~330 writes/s, which the server pays for whatever the pods do. The worker's pods
// share a budget of heartbeats per second instead; the period never exceeds a third of the heartbeat
// timeout, so that a late heartbeat is not taken for a dead worker.

/** The period for few pods: a deletion reaches a pod within about this long. */
export const HEARTBEAT_EVERY_MS = 3_000;
/** Heartbeats per second one worker's pods send together, once that many pods run that the period grows. */
export const HEARTBEATS_PER_SECOND = 100;
const MIN_EVERY_MS = 100;

/** The heartbeat period of each pod while `running` pods run on this worker. */
export function heartbeatEvery(running: number, heartbeatTimeoutMs: number | undefined): number {
  const shared = (Math.max(1, running) / HEARTBEATS_PER_SECOND) * 1000;
  const every = Math.max(HEARTBEAT_EVERY_MS, shared);
  return heartbeatTimeoutMs ? Math.max(MIN_EVERY_MS, Math.min(every, heartbeatTimeoutMs / 3)) : every;
}
