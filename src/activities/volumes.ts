// emptyDir volumes: one directory per pod and volume under the worker's data directory, shared by
// the pod's containers, kept across in-place restarts (restartPolicy OnFailure) and removed when the
// pod is gone, as the kubelet does with a pod's emptyDir.
import fs from 'node:fs';
import path from 'node:path';
import { mkdirPrivate } from '../data-dir/private-files';
import type { Container, PodSpec } from '../api/types';
import { safeSegment } from '../data-dir/layout';

export { safeSegment } from '../data-dir/layout';

export interface Mount {
  volume: string;
  /** The directory on this host (the volume's, or its subPath inside it). */
  hostPath: string;
  /** Where the container sees it. */
  mountPath: string;
  readOnly: boolean;
}

export type MountsResult = { ok: true; mounts: Mount[] } | { ok: false; message: string };

/** `<dataDir>/pods/<namespace>/<podName>`: everything of the pod that outlives one run of its containers. */
export function podDir(dataDir: string, namespace: string, podName: string): string {
  return path.join(dataDir, 'pods', safeSegment(namespace), safeSegment(podName));
}

/**
 * The pod's emptyDir directories, by volume name. The first run of a pod (restartCount 0) gets them
 * empty even if a worker that died mid-pod left some behind; a restart finds what the last run left.
 */
export function prepareVolumes(
  dataDir: string,
  pod: { namespace: string; podName: string; restartCount: number; spec: PodSpec },
): Map<string, string> {
  const dirs = new Map<string, string>();
  const volumes = (pod.spec.volumes ?? []).filter((v) => v.emptyDir !== undefined);
  if (volumes.length === 0) return dirs;
  const root = path.join(podDir(dataDir, pod.namespace, pod.podName), 'volumes');
  if (pod.restartCount === 0) fs.rmSync(root, { recursive: true, force: true });
  for (const v of volumes) {
    const dir = path.join(root, safeSegment(v.name));
    mkdirPrivate(dir);
    dirs.set(v.name, dir);
  }
  return dirs;
}

export function removePodDir(dataDir: string, namespace: string, podName: string): void {
  fs.rmSync(podDir(dataDir, namespace, podName), { recursive: true, force: true });
}

/**
 * The container's volumeMounts of emptyDir volumes, parents before children so that a mount inside
 * another one lands on top of it. Mounts of other volume types are left out: the runtime cannot
 * provide them, and the Job's note says so once.
 */
export function containerMounts(container: Container, volumes: ReadonlyMap<string, string>): MountsResult {
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const dir = volumes.get(m.name);
    if (dir === undefined) continue;
    const what = `container "${container.name}" volumeMount "${m.name}"`;
    if (!path.posix.isAbsolute(m.mountPath)) {
      return { ok: false, message: `${what}: mountPath "${m.mountPath}" must be an absolute path` };
    }
    const mountPath = path.posix.normalize(m.mountPath).replace(/(.)\/+$/, '$1');
    if (mountPath === '/') return { ok: false, message: `${what}: cannot mount a volume over "/"` };
    let hostPath = dir;
    if (m.subPath) {
      hostPath = path.resolve(dir, m.subPath);
      if (!isInside(hostPath, dir)) return { ok: false, message: `${what}: subPath "${m.subPath}" leaves the volume` };
      // The kubelet creates a missing subPath in the volume.
      try {
        fs.mkdirSync(hostPath, { recursive: true });
      } catch (err) {
        return { ok: false, message: `${what}: subPath "${m.subPath}": ${errorMessage(err)}` };
      }
    }
    mounts.push({ volume: m.name, hostPath, mountPath, readOnly: m.readOnly === true });
  }
  mounts.sort((a, b) => depth(a.mountPath) - depth(b.mountPath));
  return { ok: true, mounts };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
