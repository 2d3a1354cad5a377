// The JetStream stream that holds every tenant's batches: created on first use, its limits brought
// to what this node is configured with otherwise. Limits by age and bytes, oldest dropped first:
// it is the bus's memory for nodes that start late or reconnect, not the store (the store keeps
// every event, S6.5); a node that asks for a sequence the stream no longer holds starts at the
// oldest one kept and its subscribers see a gap.
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { JetStreamManager, StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { allBatches } from './subject.js';

export interface StreamSettings {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly maxAgeSec: number;
  readonly maxBytes: number;
}

/** How long the stream drops a second copy of a message id (a publisher's retry). */
const DUPLICATE_WINDOW_MS = 120_000;

export async function ensureStream(jsm: JetStreamManager, s: StreamSettings): Promise<StreamInfo> {
  const subjects = [allBatches(s.subjectPrefix)];
  const limits = { max_age: nanos(s.maxAgeSec * 1000), max_bytes: s.maxBytes };
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(s.stream);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound) throw err;
    return jsm.streams.add({
      name: s.stream,
      subjects,
      ...limits,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, s.maxAgeSec * 1000)),
    });
  }
  const c = info.config;
  const same =
    c.max_age === limits.max_age && c.max_bytes === limits.max_bytes && c.subjects?.join() === subjects.join();
  return same ? info : jsm.streams.update(s.stream, { ...c, subjects, ...limits });
}
