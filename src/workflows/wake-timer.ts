// The controller's wake time as one durable timer, replaced only when that time changes. A timer per
// loop turn (condition with a timeout) made the timer sequence depend on how many turns a task took,
// which differs between a live run and its replay after a worker restart.
import { CancellationScope, sleep } from '@temporalio/workflow';

export class WakeTimer {
  private timer: { at: number; scope: CancellationScope } | undefined;
  /** Set when the timer fires; the loop clears it once it has woken up for it. */
  fired = false;

  /** Wants to be woken at `at` (epoch ms, workflow time), or never; `why` is the timer's summary in the Web UI. */
  set(at: number | undefined, why?: string): void {
    if (this.timer?.at === at) return;
    this.timer?.scope.cancel();
    this.timer = undefined;
    if (at === undefined) return;
    const scope = new CancellationScope();
    this.timer = { at, scope };
    scope.run(() => sleep(Math.max(1, at - Date.now()), why !== undefined ? { summary: why } : undefined)).then(
      () => {
        if (this.timer?.scope !== scope) return;
        this.timer = undefined;
        this.fired = true;
      },
      () => undefined,
    );
  }
}
