// One committed batch as a NATS message: JSON with a version, and the batch's place in its
// tenant's order, `(epoch, seq, part)`. A batch with events is placed at its last event (part 0);
// a batch of directives alone has no seq of its own, so it is placed after the last events its
// node published for the tenant (same epoch and seq, part 1, 2, …), or unplaced (epoch '') when
// the node has published none yet. What arrives is checked before anything is delivered: a
// message that is not a batch of this version is refused with a reason, never thrown on.
import type { Directive, TenantId } from '../core/index.js';
import type { CommittedBatch, EngineEvent } from '../engine/index.js';

export const WIRE_VERSION = 1;

/** A batch's place in its tenant's order; epoch '' is a batch of directives placed nowhere. */
export interface Place {
  readonly epoch: string;
  readonly seq: number;
  readonly part: number;
}

export interface WireBatch extends Place {
  readonly v: typeof WIRE_VERSION;
  readonly tenant: TenantId;
  readonly events: readonly EngineEvent[];
  readonly directives: readonly Directive[];
  /** S10.2: the batch's changes as the replica codec wrote them (replica.ts); absent on a bus that does not replicate. */
  readonly state?: unknown;
}

export function encodeBatch(batch: CommittedBatch, place: Place, state?: unknown): string {
  const wire: WireBatch = {
    v: WIRE_VERSION,
    tenant: batch.tenant,
    ...place,
    events: batch.events,
    directives: batch.directives,
    ...(state !== undefined ? { state } : {}),
  };
  return JSON.stringify(wire);
}

/**
 * The batch as messages of at most `maxBytes` each. One that is larger (a big import) is cut
 * between its events, in seq order, each piece placed at its own last event and the directives
 * going with the last: another node gets it as consecutive batches, every seq once and in order.
 * A single event larger than `maxBytes` stays one message (the stream refuses it; a gap follows).
 */
export function encodeBatchParts(
  batch: CommittedBatch,
  place: Place,
  maxBytes: number,
  state?: unknown,
): { readonly place: Place; readonly data: string }[] {
  const data = encodeBatch(batch, place, state);
  if (batch.events.length < 2 || Buffer.byteLength(data) <= maxBytes) return [{ place, data }];
  const half = Math.ceil(batch.events.length / 2);
  const head = batch.events.slice(0, half);
  const first = { tenant: batch.tenant, events: head, directives: [] };
  const rest = { tenant: batch.tenant, events: batch.events.slice(half), directives: batch.directives };
  const firstPlace = { epoch: place.epoch, seq: head[head.length - 1]!.seq, part: 0 };
  // The changes go with the last piece: a replica applies them once it has every event.
  return [...encodeBatchParts(first, firstPlace, maxBytes), ...encodeBatchParts(rest, place, maxBytes, state)];
}

export type Decoded = { readonly ok: true; readonly batch: WireBatch } | { readonly ok: false; readonly why: string };

const decoder = new TextDecoder('utf-8', { fatal: true });
const DIRECTIVES = new Set<string>(['queue.offer', 'queue.offerEnded', 'queue.action']);

export function decodeBatch(data: Uint8Array): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, why: 'not JSON in UTF-8' };
  }
  if (!isObject(parsed)) return { ok: false, why: 'not an object' };
  if (parsed.v !== WIRE_VERSION) return { ok: false, why: `version ${String(parsed.v)} is not ${WIRE_VERSION}` };
  const { tenant, epoch, seq, part, events, directives } = parsed;
  if (typeof tenant !== 'string' || typeof epoch !== 'string')
    return { ok: false, why: 'tenant or epoch not a string' };
  if (!isCount(seq) || !isCount(part)) return { ok: false, why: 'seq or part not a whole number' };
  if (!Array.isArray(events) || !Array.isArray(directives))
    return { ok: false, why: 'events or directives not a list' };
  if (events.length === 0 && directives.length === 0) return { ok: false, why: 'an empty batch' };
  const why = eventsProblem(tenant, { epoch, seq, part }, events) ?? directivesProblem(directives);
  if (why !== undefined) return { ok: false, why };
  return { ok: true, batch: parsed as unknown as WireBatch };
}

/** Events of the tenant, of the batch's epoch, in increasing seq order, the last at the batch's seq. */
function eventsProblem(tenant: TenantId, place: Place, events: readonly unknown[]): string | undefined {
  if (events.length === 0) return place.part === 0 && place.epoch !== '' ? 'directives alone at part 0' : undefined;
  if (place.part !== 0 || place.epoch === '') return 'events placed as directives';
  let last = 0;
  for (const e of events) {
    if (!isObject(e) || typeof e.type !== 'string') return 'an event without a type';
    if (e.tenant !== tenant || e.epoch !== place.epoch) return 'an event of another tenant or epoch';
    if (!isCount(e.seq) || e.seq <= last) return 'events out of seq order';
    last = e.seq;
  }
  return last === place.seq ? undefined : 'the batch seq is not its last event’s';
}

function directivesProblem(directives: readonly unknown[]): string | undefined {
  for (const d of directives) {
    if (!isObject(d) || typeof d.type !== 'string' || !DIRECTIVES.has(d.type)) return 'an unknown directive';
    if (typeof d.queueId !== 'string' || typeof d.callId !== 'string') return 'a directive without queue or call';
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
