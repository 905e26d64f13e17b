// What of a Job may be shown where anyone with Temporal access reads it (the memo the Web UI lists, the
// search attributes): everything but its containers' env values, which are often passwords (issue 15,
// section 4). Names and `valueFrom` references stay: they say where a value comes from, not what it is.
import type { Container, Job } from './types';

function withoutValues(c: Container): Container {
  if (c.env === undefined) return c;
  return { ...c, env: c.env.map(({ value: _value, ...rest }) => rest) };
}

/** The Job with every container's (and init container's) `env[].value` removed. */
export function withoutEnvValues(job: Job): Job {
  const spec = job.spec.template.spec;
  return {
    ...job,
    spec: {
      ...job.spec,
      template: {
        ...job.spec.template,
        spec: {
          ...spec,
          containers: spec.containers.map(withoutValues),
          ...(spec.initContainers !== undefined ? { initContainers: spec.initContainers.map(withoutValues) } : {}),
        },
      },
    },
  };
}
