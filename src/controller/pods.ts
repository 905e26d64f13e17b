// Pod identity (generated names, labels, annotations) is defined in src/api/pod-identity.ts, beside the
// label keys, because the client selects pods by the same labels; the controller uses it from there.
export {
  NAME_SUFFIX_ALPHABET,
  podGenerateName,
  podIdentity,
  podName,
  type IndexFailureCounts,
  type PodIdentity,
} from '../api/pod-identity';
