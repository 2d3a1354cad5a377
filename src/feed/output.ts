// One feed socket's output that may not be written yet (S6.2, S8.3). Every write to a feed socket
// starts with at most `highWaterBytes` waiting in the server and adds at most `pageBytes`, so no
// socket ever holds more than `highWaterBytes + pageBytes` there, whatever it asks for
// (docs/feed.md "Limits"). What has to wait stays here, in order, and goes out as the socket
// drains: answers (a bounded number), snapshots (one message each, written in fragments of
// `pageBytes` from a body that is usually shared), and events (written in frames of `pageBytes`
// from items that point at the retained, already serialised events).
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { EVENTS_CLOSE, EVENTS_OPEN, MAX_HEAD_BYTES, continuationHead, eventsMessage, textFrame } from './protocol.js';
import type { Item } from './watcher.js';

export interface OutputLimits {
  /** A write starts only while at most this much is waiting to be sent. */
  readonly highWaterBytes: number;
  /** The most one write adds: an events page, or a fragment of a snapshot. */
  readonly pageBytes: number;
  /** Answers that may wait behind a full buffer; one more and the socket is closed as too slow. */
  readonly maxQueuedAnswers: number;
}

/** What `pump` wrote, added to the feed's counts. */
export interface Tally {
  delivered: number;
  writes: number;
}

type Part =
  | { readonly kind: 'answer'; readonly frame: Buffer }
  /** One message: `head` is its first fragment (already framed) until written, then `body` from `offset`. */
  | { readonly kind: 'message'; head: Buffer | undefined; readonly body: Buffer; offset: number }
  | { readonly kind: 'events'; readonly items: readonly Item[]; next: number };

const FRAME_OVERHEAD = MAX_HEAD_BYTES + EVENTS_OPEN.length + EVENTS_CLOSE.length;

export class Output {
  private readonly parts: Part[] = [];
  private answers = 0;
  /** RFC 6455 §5.5.3: only the latest unanswered ping needs its pong. */
  private pong: Buffer | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly connection: Duplex,
    private readonly limits: OutputLimits,
  ) {}

  /** Nothing waits: a frame may be written straight away (when the socket has room). */
  get empty(): boolean {
    return this.parts.length === 0 && this.pong === undefined;
  }

  /** The socket is open and at most the high-water mark is waiting: one more write may start. */
  private room(): boolean {
    return this.socket.readyState === this.socket.OPEN && this.socket.bufferedAmount <= this.limits.highWaterBytes;
  }

  /**
   * A small protocol frame (an acknowledgement, an error, `resumed`, `resync`…): written now when
   * nothing waits before it, else queued. False when `maxQueuedAnswers` already wait.
   */
  answer(text: string): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return true;
    const frame = textFrame(text);
    if (this.parts.length === 0 && this.room()) {
      this.connection.write(frame);
      return true;
    }
    if (this.answers >= this.limits.maxQueuedAnswers) return false;
    this.answers++;
    this.parts.push({ kind: 'answer', frame });
    return true;
  }

  /** A client's ping: a control frame, so it may go between a message's fragments (RFC 6455 §5.4). */
  answerPing(data: Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.pong === undefined && this.room()) this.socket.pong(data);
    else this.pong = data;
  }

  /** One text message of `head` then `body` (a snapshot: the watcher's own head, a shared body). */
  message(head: string, body: Buffer): void {
    this.parts.push({ kind: 'message', head: textFrame(head, false), body, offset: 0 });
  }

  /** Events, in order, in frames of at most `pageBytes` (a frame holds at least one event). */
  events(items: readonly Item[]): void {
    if (items.length > 0) this.parts.push({ kind: 'events', items, next: 0 });
  }

  /** Writes what waits, in order, while the socket has room. */
  pump(tally: Tally): void {
    while (this.room()) {
      if (this.pong !== undefined) {
        this.socket.pong(this.pong);
        this.pong = undefined;
        continue;
      }
      const part = this.parts[0];
      if (part === undefined) return;
      let done = true;
      if (part.kind === 'answer') {
        this.connection.write(part.frame);
        this.answers--;
      } else if (part.kind === 'message') done = this.writeFragment(part);
      else done = this.writePage(part, tally);
      if (done) this.parts.shift();
    }
  }

  /** Drops everything waiting (the socket is going). */
  clear(): void {
    this.parts.length = 0;
    this.answers = 0;
    this.pong = undefined;
  }

  private writeFragment(part: Extract<Part, { kind: 'message' }>): boolean {
    if (part.head !== undefined) {
      this.connection.write(part.head);
      part.head = undefined;
      return false;
    }
    const chunk = part.body.subarray(part.offset, part.offset + Math.max(1, this.limits.pageBytes - MAX_HEAD_BYTES));
    part.offset += chunk.length;
    const fin = part.offset >= part.body.length;
    this.connection.cork();
    this.connection.write(continuationHead(chunk.length, fin));
    this.connection.write(chunk);
    this.connection.uncork();
    return fin;
  }

  private writePage(part: Extract<Part, { kind: 'events' }>, tally: Tally): boolean {
    const page: string[] = [];
    let bytes = FRAME_OVERHEAD;
    for (; part.next < part.items.length; part.next++) {
      const json = part.items[part.next]!.json;
      const size = Buffer.byteLength(json) + 1;
      if (page.length > 0 && bytes + size > this.limits.pageBytes) break;
      page.push(json);
      bytes += size;
    }
    this.connection.write(eventsMessage(page));
    tally.delivered += page.length;
    tally.writes++;
    return part.next >= part.items.length;
  }
}
