// What a manifest asks for that the runtime it names will not do, said when the Job is applied (as an API
// server's `Warning:` lines) and as Warning events of the Job, rather than only when a pod fails or in a
// worker's log. Valid manifests: nothing here refuses.
import { ignoredPodFields } from './pod-fields';
import type { PodSpec } from './types';

interface ContainerImage {
  name?: string;
  image?: string;
  command?: readonly string[];
}

/** The fields read here, of a Job's pod spec or a CronJob's (not yet defaulted) one. */
export interface PodSpecContainers {
  containers?: ReadonlyArray<ContainerImage>;
  initContainers?: ReadonlyArray<ContainerImage>;
  runtimeClassName?: string;
}

/**
 * A container with an image and no command: on a cluster the image's entrypoint runs, but the process
 * runtime (the default) runs commands on the worker's host and has no image to take one from; its pods
 * would fail. `path` is the pod spec's field path (`spec.template.spec`).
 */
export function podSpecWarnings(spec: PodSpecContainers | undefined, path: string): string[] {
  if (!spec) return [];
  if (spec.runtimeClassName !== undefined && spec.runtimeClassName !== 'process') return [];
  const warnings: string[] = [];
  for (const [field, list] of [
    ['initContainers', spec.initContainers ?? []],
    ['containers', spec.containers ?? []],
  ] as const) {
    list.forEach((c, i) => {
      if (c.image && (c.command ?? []).length === 0) {
        warnings.push(
          `${path}.${field}[${i}] ("${c.name}"): image "${c.image}" has no command: the process runtime runs commands on the worker's host ` +
            `and cannot run an image's entrypoint, so its pods will fail; set command, or runtimeClassName: docker to run the image`,
        );
      }
    });
  }
  return warnings;
}

/** A runtime note as a Warning event of the Job: kubectl's `describe job` and `get events` show it. */
export interface RuntimeWarning {
  reason: string;
  message: string;
}

/**
 * What the Job's pods will meet on its runtime, said once as Warning events when the Job starts: a
 * container the process runtime cannot run (no command), and the fields no runtime honours (the list
 * `ignoredPodFields` keeps). The worker logs the same notes; events make them visible to the Job's user.
 */
export function runtimeWarnings(spec: PodSpec): RuntimeWarning[] {
  const runtime = spec.runtimeClassName === 'docker' ? 'docker' : 'process';
  const out: RuntimeWarning[] = podSpecWarnings(spec, 'spec.template.spec').map((message) => ({ reason: 'MissingCommand', message }));
  const ignored = ignoredPodFields(spec);
  if (ignored.length > 0) out.push({ reason: 'IgnoredFields', message: `the ${runtime} runtime ignores ${ignored.join(', ')}` });
  return out;
}
