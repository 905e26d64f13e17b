// The controller's wake time as one durable timer, replaced only when that time changes. A timer per
// loop turn (condition with a timeout) made the timer sequence depend on how many turns a task took,
// which differs between a live run and its replay after a worker restart.
//
// A replaced timer that is due within one workflow task's timeout is left to fire into nothing rather
// than cancelled: it may fire while the task that cancels it runs, and the time-skipping test server
// rejects the cancel of a timer that fired meanwhile ("invalid history builder state for action") and
// then never hands the task out again, which froze Jobs whose timers fell due a few ms apart.
import { CancellationScope, sleep, workflowInfo } from '@temporalio/workflow';

export class WakeTimer {
  private timer: { at: number; scope: CancellationScope } | undefined;
  /** Set when the timer fires; the loop clears it once it has woken up for it. */
  fired = false;

  /** `keepNear`: leave replaced timers that are due soon to fire (runs that began before it cancel them all). */
  constructor(private readonly keepNear = false) {}

  /** Wants to be woken at `at` (epoch ms, workflow time), or never; `why` is the timer's summary in the Web UI. */
  set(at: number | undefined, why?: string): void {
    if (this.timer?.at === at) return;
    const replaced = this.timer;
    this.timer = undefined;
    // Its firing is ignored below (it is no longer `this.timer`): a spurious wake at worst.
    if (replaced && !(this.keepNear && replaced.at - Date.now() <= workflowInfo().taskTimeoutMs)) replaced.scope.cancel();
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
