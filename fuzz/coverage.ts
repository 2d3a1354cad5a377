// Coverage feedback from V8 itself (node:inspector, Profiler.takePreciseCoverage with block
// counts): which blocks of the compiled target files (dist/src/…/*.js) ran since the last look,
// and at the end a line and function summary mapped back to the TypeScript sources through
// their source maps. No instrumentation step: V8 counts blocks for every function once precise
// coverage is on (the same data c8 and vitest's v8 provider read).
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

interface Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}
interface FunctionCoverage {
  readonly functionName: string;
  readonly ranges: readonly Range[];
}
interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

/**
 * A block is a range V8 reported at least once. V8 leaves out a block whose count equals its
 * parent's, so a block that never ran shows up (count 0 while its function ran) and a block that
 * always ran with its function did not: it is covered with its parent.
 */
interface Block {
  readonly start: number;
  readonly end: number;
  covered: boolean;
}

interface ScriptBlocks {
  readonly url: string;
  /** Blocks of each function by the function's start offset; the function's own range first. */
  readonly functions: Map<number, { readonly name: string; readonly blocks: Block[] }>;
  readonly byKey: Map<string, Block>;
}

export interface FileCoverage {
  readonly file: string;
  readonly lines: { readonly covered: number; readonly total: number; readonly pct: number };
  readonly functions: { readonly covered: number; readonly total: number; readonly pct: number };
  readonly uncoveredLines: readonly number[];
}

const pct = (covered: number, total: number): number => (total === 0 ? 100 : Math.round((covered / total) * 1000) / 10);

export class CoverageTracker {
  private readonly session = new Session();
  private readonly scripts = new Map<string, ScriptBlocks>();
  private coveredBlocks = 0;

  /** `targets`: the compiled files whose blocks count, as file URLs. */
  constructor(private readonly targets: readonly string[]) {}

  /** Starts counting; call before the target modules are imported so their top level counts. */
  start(): void {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  stop(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }

  get blocks(): { covered: number; known: number } {
    let known = 0;
    for (const s of this.scripts.values()) known += s.byKey.size;
    return { covered: this.coveredBlocks, known };
  }

  /**
   * The blocks that ran since the previous call and were never covered before, as keys; with
   * `commit` they count as covered from now on. Counters restart at every call.
   */
  take(commit: boolean): Set<string> {
    const fresh = new Set<string>();
    const result = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    for (const script of result.result) {
      if (!this.targets.includes(script.url)) continue;
      const blocks = this.script(script.url);
      for (const fn of script.functions) this.visit(blocks, fn, fresh, commit);
    }
    return fresh;
  }

  private visit(script: ScriptBlocks, fn: FunctionCoverage, fresh: Set<string>, commit: boolean): void {
    const own = fn.ranges[0];
    if (own === undefined) return;
    let entry = script.functions.get(own.startOffset);
    if (entry === undefined) {
      entry = { name: fn.functionName, blocks: [] };
      script.functions.set(own.startOffset, entry);
    }
    for (const r of fn.ranges) {
      const key = `${r.startOffset}:${r.endOffset}`;
      if (!script.byKey.has(key)) {
        // Never reported before: at every earlier look it ran exactly as often as the block
        // around it, so it ran if that one did (ranges come outermost first).
        let around: Block | undefined;
        for (const b of entry.blocks)
          if (
            b.start <= r.startOffset &&
            r.endOffset <= b.end &&
            (around === undefined || b.end - b.start <= around.end - around.start)
          )
            around = b;
        const block: Block = { start: r.startOffset, end: r.endOffset, covered: around?.covered ?? false };
        if (block.covered) this.coveredBlocks++;
        script.byKey.set(key, block);
        entry.blocks.push(block);
      }
    }
    if (own.count === 0) return;
    for (const block of entry.blocks) {
      if (block.covered) continue;
      // The count of a block is that of the innermost reported range holding it (ranges come
      // outermost first, sorted by start).
      let count = 0;
      for (const r of fn.ranges) if (r.startOffset <= block.start && block.end <= r.endOffset) count = r.count;
      if (count === 0) continue;
      fresh.add(`${script.url}#${block.start}:${block.end}`);
      if (commit) {
        block.covered = true;
        this.coveredBlocks++;
      }
    }
  }

  private script(url: string): ScriptBlocks {
    let s = this.scripts.get(url);
    if (s === undefined) {
      s = { url, functions: new Map(), byKey: new Map() };
      this.scripts.set(url, s);
    }
    return s;
  }

  /** Lines and functions of each target's TypeScript source reached so far. */
  summary(root: string): FileCoverage[] {
    return this.targets.map((url) => this.fileSummary(url, root));
  }

  private fileSummary(url: string, root: string): FileCoverage {
    const path = fileURLToPath(url);
    const js = readFileSync(path, 'utf8');
    const map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as SourceMapPayload);
    const script = this.scripts.get(url);
    const all = script === undefined ? [] : [...script.byKey.values()];
    // Innermost block holding an offset decides whether it ran (blocks nest, never overlap).
    const coveredAt = (offset: number): boolean => {
      let best: Block | undefined;
      for (const b of all)
        if (b.start <= offset && offset < b.end && (best === undefined || b.end - b.start <= best.end - best.start))
          best = b;
      return best?.covered ?? false;
    };
    const tsLines = new Map<number, boolean>();
    let offset = 0;
    const jsLines = js.split('\n');
    for (let i = 0; i < jsLines.length; i++) {
      const line = jsLines[i]!;
      const col = line.search(/\S/);
      const text = line.trim();
      // Lines with nothing to run: comments, lone brackets, the source map reference.
      if (col >= 0 && !/^(\/\/|\/\*|\*|[{}()[\];,]+$)/.test(text)) {
        const entry = map.findEntry(i, col) as { originalSource?: string; originalLine?: number };
        if (entry.originalLine !== undefined) {
          const tsLine = entry.originalLine + 1;
          // Covered when all of it ran: a line whose `else`, `??` right side or early return
          // never ran is not.
          let all = true;
          for (let c = col; c < line.length && all; c++) if (line[c] !== ' ' && !coveredAt(offset + c)) all = false;
          tsLines.set(tsLine, (tsLines.get(tsLine) ?? true) && all);
        }
      }
      offset += line.length + 1;
    }
    const fns =
      script === undefined
        ? []
        : [...script.functions.entries()].filter(([start, f]) => !(start === 0 && f.name === ''));
    const fnCovered = fns.filter(([, f]) => f.blocks[0]?.covered === true).length;
    const lineCovered = [...tsLines.values()].filter(Boolean).length;
    const file = path.replace(`${root}/dist/`, '').replace(/\.js$/, '.ts');
    return {
      file,
      lines: { covered: lineCovered, total: tsLines.size, pct: pct(lineCovered, tsLines.size) },
      functions: { covered: fnCovered, total: fns.length, pct: pct(fnCovered, fns.length) },
      uncoveredLines: [...tsLines.entries()]
        .filter(([, c]) => !c)
        .map(([l]) => l)
        .sort((a, b) => a - b),
    };
  }

  private post(method: string, params?: object): unknown {
    let out: unknown;
    let failure: Error | null = null;
    // An in-process session answers synchronously.
    this.session.post(method, params, (err, result) => {
      failure = err;
      out = result;
    });
    if (failure !== null) throw failure;
    return out;
  }
}
