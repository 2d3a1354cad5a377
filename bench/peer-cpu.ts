// CPU time of the peers of bench:peer, read from /proc (clock ticks of 10 ms, summed over a
// step of seconds): for this process (where Switchboard runs) its main thread and all its threads
// (the SIP front thread, SQLite's checkpointer, V8's GC helpers), for Kamailio all its processes.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000;

/** utime + stime of a /proc stat file, in µs (0 when it is gone). */
function ticksOf(file: string): number {
  try {
    const stat = readFileSync(file, 'utf8');
    // The fields after the command name (which may hold spaces) in parentheses.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_US;
  } catch {
    return 0;
  }
}

export interface CpuSample {
  /** The main thread (this process only). */
  readonly mainUs?: number;
  /** Every thread of the process, or every process of the tree. */
  readonly totalUs: number;
}

/** This process: its main thread and the whole of it. */
export function ownCpu(): CpuSample {
  return {
    mainUs: ticksOf(`/proc/${process.pid}/task/${process.pid}/stat`),
    totalUs: ticksOf(`/proc/${process.pid}/stat`),
  };
}

/** A process and its children (Kamailio's main process and the workers it forks). */
export function treeCpu(root: number): CpuSample {
  let total = ticksOf(`/proc/${root}/stat`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === root) total += ticksOf(`/proc/${entry}/stat`);
    } catch {
      // gone meanwhile
    }
  }
  return { totalUs: total };
}

/** µs per flow between two samples. */
export function perFlow(
  before: CpuSample,
  after: CpuSample,
  flows: number,
): { readonly mainUs?: number; readonly totalUs: number } {
  const n = Math.max(flows, 1);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    ...(before.mainUs === undefined || after.mainUs === undefined
      ? {}
      : { mainUs: round((after.mainUs - before.mainUs) / n) }),
    totalUs: round((after.totalUs - before.totalUs) / n),
  };
}
