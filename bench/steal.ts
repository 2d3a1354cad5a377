// CPU time the hypervisor gave to other guests while a bench ran ("steal", /proc/stat on Linux).
// On a shared virtual machine it moves every figure: a bench reports it next to the load average.
import { readFileSync } from 'node:fs';

interface CpuTimes {
  readonly steal: number;
  readonly total: number;
}

function read(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 8 || f.some((n) => !Number.isFinite(n))) return undefined;
    return { steal: f[7]!, total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/** Starts counting; the function returns the stolen share of all CPU time since, in %, or null where unknown. */
export function stealMeter(): () => number | null {
  const start = read();
  return () => {
    const end = read();
    if (start === undefined || end === undefined || end.total <= start.total) return null;
    return Math.round((1000 * (end.steal - start.steal)) / (end.total - start.total)) / 10;
  };
}
