// Pure output formatters for jobctl: Kubernetes JSON/YAML shapes, kubectl's tables and describe layout.
export { kubeList, toKubeJob, toKubePod, type KubeObject } from './kube';
export { humanDuration, jobsTable, podsTable } from './tables';
export { describeJob } from './describe';
export { toYaml } from './yaml';
