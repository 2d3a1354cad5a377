// Stream framing for SIP over TCP (RFC 3261 §18.3): messages arrive as a byte stream, split by
// the empty line after the headers and Content-Length. Keep-alive CRLFs between messages are
// skipped (RFC 5626 §3.5.1: a double CRLF "ping" is answered with one CRLF "pong").
import { MAX_MESSAGE_BYTES, headerEnd } from './message.js';

export type Frame = { readonly type: 'message'; readonly bytes: Buffer } | { readonly type: 'ping' };

export class FramingError extends Error {}

const CONTENT_LENGTH = /(?:^|\r?\n)[ \t]*(?:content-length|l)[ \t]*:[ \t]*([0-9]+)[ \t]*(?=\r?\n|$)/i;

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  /** Adds bytes; returns the complete frames now available. Throws FramingError past the limits. */
  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
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
        if (this.buffer.length > this.maxBytes) throw new FramingError('header section larger than the limit');
        break;
      }
      const head = this.buffer.subarray(0, end.at).toString('latin1');
      const m = CONTENT_LENGTH.exec(head);
      // §18.3: over a stream Content-Length is mandatory; without one the body is empty.
      const length = m === null ? 0 : Number(m[1]);
      const total = end.at + end.length + length;
      if (!Number.isSafeInteger(length) || total > this.maxBytes) throw new FramingError('message larger than the limit');
      if (this.buffer.length < total) break;
      frames.push({ type: 'message', bytes: Buffer.from(this.buffer.subarray(0, total)) });
      this.buffer = this.buffer.subarray(total);
    }
    return frames;
  }

  get buffered(): number {
    return this.buffer.length;
  }
}
