// spec.managedBy (KEP-4368): a Job whose managedBy names another controller is left alone by the built-in
// one (JC `managedByExternalController`): no pods, and its status stays empty.

/** The built-in Job controller's name; an unset managedBy means it too. */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

export function managedByOtherController(spec: { managedBy?: string }): boolean {
  return spec.managedBy !== undefined && spec.managedBy !== JOB_CONTROLLER_NAME;
}
