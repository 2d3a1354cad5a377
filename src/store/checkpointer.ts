// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
// crosses the WAL size threshold, and copying the WAL back into the database file (with its
// fsyncs) stalls that commit, and every NOTIFY and feed frame behind it, for several
// milliseconds. So the store turns the automatic checkpoint off on its own connection and a
// worker thread with a connection of its own runs PASSIVE checkpoints on a timer: a PASSIVE
// checkpoint never blocks the writer, and the writer starts the WAL over once a checkpoint has
// copied all of it. Durability is unchanged: a commit is in the WAL before it is acknowledged,
// and whatever a checkpoint has not copied yet is replayed from the WAL on the next open.
//
// A quiet store needs no checkpoints: once the worker has found the WAL copied and unchanged for
// `idleMs` it says so and is stopped (a thread and a connection less: about 11 MB of an idle
// server, issue 19); the WAL file is then looked at every second, and the first write to it
// starts a worker again.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints (at 1,000 commits/s the WAL grows by a few MB between runs). */
export const CHECKPOINT_INTERVAL_MS = 200;
/** How long the WAL stays copied and unchanged before the worker is stopped. */
export const IDLE_STOP_MS = 10_000;
/** While no worker runs, how often the WAL file is looked at for a write. */
const WAKE_POLL_MS = 1000;

// The worker's code is a script (an `eval` worker) rather than a module file, so it runs the same
// from the compiled server and from the TypeScript sources under the test runner.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
db.pragma('wal_autocheckpoint = 0');
// A checkpoint copies WAL frames to the file; it needs no cache of its own (issue 19).
db.pragma('cache_size = -256');
let lastError = '';
let lastLog = -1;
let quietSince = Date.now();
let told = false;
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    // Nothing left to copy and nothing written since the last round: quiet; the store is told once.
    if (!r || r.log !== r.checkpointed || r.log !== lastLog) quietSince = Date.now();
    lastLog = r ? r.log : -1;
    if (!told && Date.now() - quietSince >= workerData.idleMs) {
      told = true;
      parentPort.postMessage({ idle: true });
    }
    lastError = '';
  } catch (err) {
    // The next round tries again; a failure is reported when it starts, not every round.
    const message = String((err && err.message) || err);
    if (message !== lastError) parentPort.postMessage({ error: message });
    lastError = message;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    // The store waits for this before closing its own connection (see stop()).
    Atomics.store(workerData.stopped, 0, 1);
    Atomics.notify(workerData.stopped, 0);
    parentPort.close();
  }
});
`;

/** How long close() waits for the worker's last checkpoint before going on without it. */
const STOP_WAIT_MS = 5000;

export class Checkpointer {
  private worker: Worker | undefined;
  /** Set to 1 by the running worker once its connection is closed. */
  private stopped = new Int32Array(new SharedArrayBuffer(4));
  /** While no worker runs: the WAL's modification time when it stopped, and the timer looking at it. */
  private sleeping:
    { readonly walMtime: number | undefined; readonly poll: NodeJS.Timeout; readonly stopped: Int32Array } | undefined;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void,
    private readonly intervalMs = CHECKPOINT_INTERVAL_MS,
    private readonly idleMs = IDLE_STOP_MS,
  ) {
    this.start();
  }

  /** Whether a worker is running now (false while the store is quiet). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Runs a last checkpoint and closes the worker's connection, waiting for it (a few ms), so the
   * store's own connection closes last and SQLite folds the WAL back and removes it: once the
   * store is closed, nothing writes in its directory any more. The WAL is safe either way.
   */
  stop(): void {
    this.closed = true;
    if (this.sleeping !== undefined) {
      clearInterval(this.sleeping.poll);
      // The worker stopped for quiet may still be closing its connection: it must close first.
      Atomics.wait(this.sleeping.stopped, 0, 0, STOP_WAIT_MS);
    }
    this.sleeping = undefined;
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    worker.postMessage('stop');
    Atomics.wait(this.stopped, 0, 0, STOP_WAIT_MS);
  }

  private start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.stopped = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: this.file,
        driver,
        intervalMs: this.intervalMs,
        idleMs: this.idleMs,
        stopped: this.stopped,
      },
    });
    worker.on('message', (m: { error?: string; idle?: boolean }) => {
      if (m.error !== undefined) this.onError(m.error);
      if (m.idle === true && this.worker === worker) this.sleep();
    });
    worker.on('error', (err) => this.onError(err.message));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    // A store that is never closed (a test, a crash) must not keep the process alive.
    worker.unref();
    this.worker = worker;
  }

  /** The store is quiet: the worker goes (after a last checkpoint), and the WAL is watched for a write. */
  private sleep(): void {
    const worker = this.worker!;
    this.worker = undefined;
    worker.postMessage('stop');
    const walMtime = this.walMtime();
    const poll = setInterval(() => {
      if (this.walMtime() === walMtime) return;
      clearInterval(poll);
      this.sleeping = undefined;
      if (!this.closed) this.start();
    }, WAKE_POLL_MS);
    poll.unref();
    this.sleeping = { walMtime, poll, stopped: this.stopped };
  }

  private walMtime(): number | undefined {
    return statSync(`${this.file}-wal`, { throwIfNoEntry: false })?.mtimeMs;
  }
}
