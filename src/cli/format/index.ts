// Pure output formatters for jobctl: Kubernetes JSON/YAML shapes, kubectl's tables and describe layout.
export { kubeList, type KubeObject } from './kube-object';
export { toKubeJob } from './kube-job';
export { toKubePod } from './kube-pod';
export { humanDuration, jobsTable, podsTable } from './tables';
export { describeJob } from './describe';
export { toYaml } from './yaml';
export { labelsColumn, renderTable } from './tables';
export { eventName, eventsTable, sortEvents, toKubeEvent } from './events';
export { customColumnsTable, jsonpathOutput, parseCustomColumns, sortOrder, type CustomColumn } from './jsonpath';
export { describePod } from './describe-pod';
