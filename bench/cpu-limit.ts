// A CPU quota for one bench process, as if it had a machine of `cores` cores to itself: a cgroup
// of the cpu controller (v1 under /sys/fs/cgroup/cpu, else v2 under /sys/fs/cgroup) with the
// process in it. On one 2-core machine the nodes, PostgreSQL, NATS and the load share both cores,
// so without a quota a second node finds no CPU to add; with one, each node is the bottleneck as
// it would be on a machine of its own. Needs root (CI and this machine run as root).
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A short period, so a node at its quota waits milliseconds, not tens of them, before it runs again.
const PERIOD_US = 10_000;

/** Puts the process in a cgroup of its own limited to `cores`; answers the function that removes it. */
export function limitCpu(pid: number, cores: number, name: string): () => void {
  const quota = Math.round(cores * PERIOD_US);
  const v1 = '/sys/fs/cgroup/cpu';
  const dir = join(existsSync(join(v1, 'cpu.cfs_quota_us')) ? v1 : '/sys/fs/cgroup', `swb-bench-${name}`);
  mkdirSync(dir, { recursive: true });
  if (dir.startsWith(v1)) {
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
  } else {
    writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
  }
  writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  return () => {
    try {
      rmdirSync(dir); // empty once the process has exited
    } catch {
      // still in use or already gone: left for the next run to reuse
    }
  };
}
