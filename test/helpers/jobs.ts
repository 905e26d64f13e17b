// Builders for Jobs in tests: the defaulted shape, without going through YAML.
import type { Container, Job, JobSpec } from '../../src/api/types';

export function shellContainer(script: string, name = 'main'): Container {
  return { name, image: 'busybox', command: ['sh', '-c', script] };
}

export function makeJob(name: string, spec: Partial<JobSpec> = {}, containers: Container[] = [shellContainer('exit 0')]): Job {
  const base: JobSpec = {
    parallelism: 1,
    completions: 1,
    completionMode: 'NonIndexed',
    backoffLimit: 6,
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
    template: { spec: { containers, restartPolicy: 'Never', terminationGracePeriodSeconds: 2 } },
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { ...base, ...spec, template: spec.template ?? base.template },
  };
}
