// A scripted driver of the pure controller: it syncs and feeds pod outcomes the way the workflow shell does.
import {
  apply,
  computeStatus,
  reconcile,
  initialState,
  type Decision,
  type JobState,
  type ReconcileResult,
} from '../../src/controller';
import type { ContainerResult } from '../../src/api/pod';
import type { Job } from '../../src/api/types';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Drives the controller the way the workflow shell does, with a scripted clock. */
export class Sim {
  state: JobState = initialState();
  now = T0;
  private n = 0;
  constructor(readonly job: Job) {}
  sync(opts: { maxStarts?: number } = {}): ReconcileResult {
    return reconcile(this.job, this.state, { now: this.now, randomSuffix: () => `s${String(this.n++).padStart(4, '0')}`, ...opts });
  }
  running(): string[] {
    return this.state.pods.filter((p) => p.running && !p.deletion).map((p) => p.name);
  }
  finish(pod: string, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1): void {
    apply(this.job, this.state, {
      type: 'podFinished',
      pod,
      at: this.now,
      result: {
        phase,
        containers: [
          { name: 'main', init: false, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: '', finishedAt: '', logTail: '', logTruncated: false },
        ],
      },
    });
  }
  /** A pod whose containers exited with these codes (one container per entry; `init:` names are init containers). */
  exits(pod: string, codes: Record<string, number>): void {
    const containers: ContainerResult[] = Object.entries(codes).map(([n, exitCode]) => ({
      name: n.replace(/^init:/, ''),
      init: n.startsWith('init:'),
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt: '',
      finishedAt: '',
      logTail: '',
      logTruncated: false,
    }));
    const phase = Object.values(codes).every((c) => c === 0) ? 'Succeeded' : 'Failed';
    apply(this.job, this.state, { type: 'podFinished', pod, at: this.now, result: { phase, containers } });
  }
  disrupted(pod: string): void {
    apply(this.job, this.state, { type: 'podDisrupted', pod, message: 'worker lost', at: this.now });
  }
  /** The running pod of an index. */
  podOf(index: number): string {
    const p = this.state.pods.find((x) => x.index === index && x.running && !x.deletion);
    if (!p) throw new Error(`no running pod for index ${index}`);
    return p.name;
  }
  runningIndexes(): number[] {
    return this.state.pods.filter((p) => p.running && !p.deletion).map((p) => p.index ?? -1).sort((a, b) => a - b);
  }
  cancelled(pod: string): void {
    apply(this.job, this.state, { type: 'podCancelled', pod, at: this.now });
  }
  status() {
    return computeStatus(this.job.spec, this.state);
  }
  conditions(): string[] {
    return this.state.conditions.filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason}`);
  }
}

