// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
// crosses the WAL size threshold, and copying the WAL back into the database file (with its
// fsyncs) stalls that commit, and every NOTIFY and feed frame behind it, for several
// milliseconds. So the store turns the automatic checkpoint off on its own connection and a
// worker thread with a connection of its own runs PASSIVE checkpoints on a timer: a PASSIVE
// checkpoint never blocks the writer, and the writer starts the WAL over once a checkpoint has
// copied all of it. Durability is unchanged: a commit is in the WAL before it is acknowledged,
// and whatever a checkpoint has not copied yet is replayed from the WAL on the next open.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints (at 1,000 commits/s the WAL grows by a few MB between runs). */
export const CHECKPOINT_INTERVAL_MS = 200;

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
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
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
  private readonly worker: Worker;
  /** Set to 1 by the worker once its connection is closed. */
  private readonly stopped = new Int32Array(new SharedArrayBuffer(4));
  private exited = false;

  constructor(file: string, onError: (message: string) => void, intervalMs = CHECKPOINT_INTERVAL_MS) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver, intervalMs, stopped: this.stopped },
    });
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error !== undefined) onError(m.error);
    });
    this.worker.on('error', (err) => onError(err.message));
    this.worker.on('exit', () => {
      this.exited = true;
    });
    // A store that is never closed (a test, a crash) must not keep the process alive.
    this.worker.unref();
  }

  /**
   * Runs a last checkpoint and closes the worker's connection, waiting for it (a few ms), so the
   * store's own connection closes last and SQLite folds the WAL back and removes it: once the
   * store is closed, nothing writes in its directory any more. The WAL is safe either way.
   */
  stop(): void {
    if (this.exited) return;
    this.worker.postMessage('stop');
    Atomics.wait(this.stopped, 0, 0, STOP_WAIT_MS);
  }
}
