// Stream framing for SIP over TCP (RFC 3261 §18.3): messages arrive as a byte stream, split by
// the empty line after the headers and Content-Length. Keep-alive CRLFs between messages are
// skipped (RFC 5626 §3.5.1: a double CRLF "ping" is answered with one CRLF "pong").
// S8.1: one Content-Length rule, the same as the parser's: a header section with two of them
// (long or compact `l` form) or a malformed one has no known end. Guessing one would let a body
// be read as a request of its own (request smuggling), so framing fails and the stream is lost.
import { MAX_MESSAGE_BYTES, headerEnd } from './message.js';

export type Frame = { readonly type: 'message'; readonly bytes: Buffer } | { readonly type: 'ping' };

/**
 * A stream that cannot be framed any further. `head` is the header section of the message that
 * cannot be framed, when it was read whole, and `status` the answer it deserves before the
 * connection is closed.
 */
export class FramingError extends Error {
  constructor(
    message: string,
    readonly head?: Buffer,
    readonly status = 400,
  ) {
    super(message);
  }
}

const LENGTH_VALUE = /^[0-9]{1,9}$/;
const isFold = (line: string | undefined): boolean => line !== undefined && (line[0] === ' ' || line[0] === '\t');

/**
 * The body length a header section announces over a stream: 0 without Content-Length (§18.3 makes
 * it mandatory; its absence means no body), else the one header's value. Header lines are read as
 * the parser reads them (parseMessage in message.ts): a line starting with white space continues
 * the one before. Returns the reason as a string when there is no single well-formed value.
 */
export function streamContentLength(head: string): number | string {
  const lines = head.split(/\r?\n/);
  let length: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon < 0 || isFold(line)) continue;
    const name = line
      .slice(0, colon)
      .replace(/[ \t]+$/, '')
      .toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    if (length !== undefined) return 'more than one Content-Length header';
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t\r]+$/g, '');
    // A folded value (RFC 3261 §7.3.1) is legal elsewhere but never needed for a number.
    if (!LENGTH_VALUE.test(value) || isFold(lines[i + 1])) return 'malformed Content-Length header';
    length = Number(value);
  }
  return length ?? 0;
}

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private broken: string | undefined;

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  /** Adds bytes; returns the complete frames now available. Throws FramingError once framing is lost. */
  push(chunk: Buffer): Frame[] {
    if (this.broken !== undefined) throw new FramingError(this.broken);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    const fail = (why: string, head?: Buffer, status?: number): FramingError => {
      this.broken = why;
      this.buffer = Buffer.alloc(0);
      return new FramingError(why, head, status);
    };
    for (;;) {
      let skip = 0;
      while (skip < this.buffer.length && (this.buffer[skip] === 0x0d || this.buffer[skip] === 0x0a)) skip++;
      // Only line breaks so far: wait, they may be the start of a CRLFCRLF ping.
      if (skip === this.buffer.length && skip < 4) break;
      if (skip > 0) {
        if (skip >= 4 && this.buffer.subarray(0, 4).toString('latin1') === '\r\n\r\n') frames.push({ type: 'ping' });
        this.buffer = this.buffer.subarray(skip);
      }
      if (this.buffer.length === 0) break;
      const end = headerEnd(this.buffer);
      if (end === undefined) {
        if (this.buffer.length > this.maxBytes) throw fail('header section larger than the limit');
        break;
      }
      const head = this.buffer.subarray(0, end.at);
      const length = streamContentLength(head.toString('latin1'));
      if (typeof length === 'string') throw fail(length, Buffer.from(head));
      const total = end.at + end.length + length;
      if (total > this.maxBytes) throw fail('message larger than the limit', Buffer.from(head), 413);
      if (this.buffer.length < total) break;
      frames.push({ type: 'message', bytes: Buffer.from(this.buffer.subarray(0, total)) });
      this.buffer = this.buffer.subarray(total);
    }
    return frames;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * Part of a message is waiting for the rest. Keep-alive line breaks alone are not a message:
   * `push` leaves either nothing, only line breaks, or the start of a message.
   */
  get partial(): boolean {
    return this.buffer.length > 0 && this.buffer[0] !== 0x0d && this.buffer[0] !== 0x0a;
  }
}
