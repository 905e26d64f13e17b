// podFailurePolicy (JOB-SEMANTICS 4): which rule, if any, decides what a failed pod means for the Job.
import type { PodFailurePolicy, PodFailurePolicyRule } from '../api/types';
import type { PodRecord } from './state';

export type PodFailurePolicyAction = PodFailurePolicyRule['action'];

export interface PodFailurePolicyMatch {
  action: PodFailurePolicyAction;
  ruleIndex: number;
  /** The FailJob message of 4.3, for whichever kind of rule matched. */
  message: string;
}

/** The first rule that matches the failed pod (4.2), or undefined for default handling. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, namespace: string, pod: PodRecord): PodFailurePolicyMatch | undefined {
  if (!policy) return undefined;
  for (const [ruleIndex, rule] of policy.rules.entries()) {
    if (rule.onExitCodes) {
      const container = matchingContainer(rule.onExitCodes, pod);
      if (container) {
        const message = `Container ${container.name} for pod ${namespace}/${pod.name} failed with exit code ${container.exitCode} matching ${rule.action} rule at index ${ruleIndex}`;
        return { action: rule.action, ruleIndex, message };
      }
    } else if (rule.onPodConditions) {
      const condition = rule.onPodConditions.find((pattern) =>
        (pod.conditions ?? []).some((c) => c.type === pattern.type && c.status === (pattern.status ?? 'True')),
      );
      if (condition) {
        const message = `Pod ${namespace}/${pod.name} has condition ${condition.type} matching ${rule.action} rule at index ${ruleIndex}`;
        return { action: rule.action, ruleIndex, message };
      }
    }
  }
  return undefined;
}

type ExitCodes = NonNullable<PodFailurePolicyRule['onExitCodes']>;

/** Containers first, then init containers; only terminated ones with a non-zero exit code count (4.2). */
function matchingContainer(req: ExitCodes, pod: PodRecord): { name: string; exitCode: number } | undefined {
  const results = pod.containers ?? [];
  const ordered = [...results.filter((c) => !c.init), ...results.filter((c) => c.init)];
  for (const c of ordered) {
    if (c.exitCode === null || c.exitCode === 0) continue;
    if (req.containerName !== undefined && req.containerName !== c.name) continue;
    const listed = req.values.includes(c.exitCode);
    if ((req.operator === 'In' && listed) || (req.operator === 'NotIn' && !listed)) return { name: c.name, exitCode: c.exitCode };
  }
  return undefined;
}
