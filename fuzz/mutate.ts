// Mutations of a byte string: generic ones (bit flips, random bytes, cuts, repeats, splices with
// another corpus entry, dictionary words) and text-line ones aimed at header-based protocols
// (duplicate or drop a line, fold it, change line ends, huge values, multi-byte and broken UTF-8,
// Content-Length lies). Each call applies one to four of them.
import type { Rng } from './rng.js';

export interface MutateOptions {
  /** Words worth inserting (protocol tokens, separators). */
  readonly dictionary: readonly string[];
  /** Inputs are never grown past this. */
  readonly maxBytes: number;
}

type Mutator = (input: Buffer, rng: Rng, other: Buffer, options: MutateOptions) => Buffer;

const INTERESTING_BYTES = [
  0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x40, 0x5c, 0x7f, 0x80, 0xc0, 0xff,
];
const UTF8 = ['é', 'ß', '中文', '\u{1F4DE}', '\uFEFF', '\u202E', '\u0000', '\u2028', 'İ', 'ﬀ'];
const BROKEN_UTF8 = [
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x93],
];
const WHITESPACE = [' ', '  ', '\t', '\r\n ', '\r\n\t', '\n ', '\r', '\n', '\r\n', '\r\n\r\n', '\v', '\f', '\u00a0'];

const splice = (input: Buffer, at: number, remove: number, insert: Buffer): Buffer =>
  Buffer.concat([input.subarray(0, at), insert, input.subarray(Math.min(input.length, at + remove))]);
const pos = (input: Buffer, rng: Rng): number => rng.below(input.length + 1);

/** Byte offsets where lines start (after each LF), and the end of the header section. */
function lineStarts(input: Buffer): number[] {
  const out = [0];
  for (let i = input.indexOf(0x0a); i >= 0 && i + 1 < input.length; i = input.indexOf(0x0a, i + 1)) out.push(i + 1);
  return out;
}

function pickLine(input: Buffer, rng: Rng): { start: number; end: number } {
  const starts = lineStarts(input);
  const i = rng.below(starts.length);
  return { start: starts[i]!, end: starts[i + 1] ?? input.length };
}

const GENERIC: Mutator[] = [
  // Flip one bit.
  (input, rng) => {
    if (input.length === 0) return input;
    const out = Buffer.from(input);
    out[rng.below(out.length)]! ^= 1 << rng.below(8);
    return out;
  },
  // Set a byte to an interesting or random value.
  (input, rng) => {
    if (input.length === 0) return Buffer.from([rng.pick(INTERESTING_BYTES)]);
    const out = Buffer.from(input);
    out[rng.below(out.length)] = rng.oneIn(2) ? rng.pick(INTERESTING_BYTES) : rng.below(256);
    return out;
  },
  // Insert random bytes.
  (input, rng) =>
    splice(input, pos(input, rng), 0, Buffer.from(Array.from({ length: rng.size(16) }, () => rng.below(256)))),
  // Delete a range.
  (input, rng) => {
    const at = pos(input, rng);
    return splice(input, at, rng.size(Math.max(1, input.length - at)), Buffer.alloc(0));
  },
  // Truncate.
  (input, rng) => input.subarray(0, rng.below(input.length + 1)),
  // Repeat a slice several times.
  (input, rng, _o, options) => {
    const at = pos(input, rng);
    const piece = input.subarray(at, at + rng.size(64));
    const times = rng.size(Math.max(1, Math.floor(options.maxBytes / Math.max(1, piece.length))));
    return splice(input, at, 0, Buffer.concat(Array.from({ length: Math.min(times, 5000) }, () => piece)));
  },
  // Insert a dictionary word.
  (input, rng, _o, options) => splice(input, pos(input, rng), 0, Buffer.from(rng.pick(options.dictionary), 'utf8')),
  // Overwrite with a dictionary word.
  (input, rng, _o, options) => {
    const word = Buffer.from(rng.pick(options.dictionary), 'utf8');
    return splice(input, pos(input, rng), word.length, word);
  },
  // Crossover: the head of this input and the tail of another.
  (input, rng, other) => Buffer.concat([input.subarray(0, pos(input, rng)), other.subarray(pos(other, rng))]),
  // Splice a slice of another input in.
  (input, rng, other) => {
    const from = pos(other, rng);
    return splice(input, pos(input, rng), 0, other.subarray(from, from + rng.size(256)));
  },
];

const LINES: Mutator[] = [
  // Duplicate a line (header duplication: a second Content-Length, Call-ID, Via…).
  (input, rng) => {
    const l = pickLine(input, rng);
    const line = input.subarray(l.start, l.end);
    return splice(
      input,
      l.start,
      0,
      Buffer.concat(Array.from({ length: rng.oneIn(8) ? rng.size(300) : 1 }, () => line)),
    );
  },
  // Drop a line.
  (input, rng) => {
    const l = pickLine(input, rng);
    return splice(input, l.start, l.end - l.start, Buffer.alloc(0));
  },
  // Move a line elsewhere.
  (input, rng) => {
    const l = pickLine(input, rng);
    const line = Buffer.from(input.subarray(l.start, l.end));
    const rest = splice(input, l.start, l.end - l.start, Buffer.alloc(0));
    const starts = lineStarts(rest);
    return splice(rest, rng.pick(starts), 0, line);
  },
  // Odd whitespace or folding in place of a space, or next to a separator.
  (input, rng) => {
    let at = -1;
    for (let tries = 0; tries < 8 && at < 0; tries++) {
      const i = rng.below(input.length);
      if (input[i] === 0x20 || input[i] === 0x3a || input[i] === 0x3b || input[i] === 0x2f || input[i] === 0x2c) at = i;
    }
    if (at < 0) at = pos(input, rng);
    const ws = Buffer.from(rng.pick(WHITESPACE), 'latin1');
    return input[at] === 0x20 ? splice(input, at, 1, ws) : splice(input, at + (rng.oneIn(2) ? 1 : 0), 0, ws);
  },
  // Line ends: CRLF → LF, LF → CRLF, or bare CR.
  (input, rng) => {
    const text = input.toString('latin1');
    const choice = rng.below(3);
    const out =
      choice === 0
        ? text.replace(/\r\n/g, '\n')
        : choice === 1
          ? text.replace(/\r?\n/g, '\r\n')
          : text.replace(/\r\n/g, '\r');
    return Buffer.from(out, 'latin1');
  },
  // A huge value on a line.
  (input, rng, _o, options) => {
    const l = pickLine(input, rng);
    const colon = input.indexOf(0x3a, l.start);
    const at = colon >= 0 && colon < l.end ? colon + 1 : l.start;
    const unit = rng.pick([
      'A',
      ' ',
      ';a=b',
      ',',
      '%41',
      '"',
      '\\"',
      '<sip:x@y>,',
      '9',
      'é',
      '\t',
      ';',
      '<',
      '"a" <sip:a@b>;x="',
    ]);
    const n = Math.min(rng.size(options.maxBytes), Math.floor(options.maxBytes / unit.length));
    return splice(input, at, 0, Buffer.from(unit.repeat(n), 'utf8'));
  },
  // Change a header name's case, or swap it for its compact form and back.
  (input, rng) => {
    const l = pickLine(input, rng);
    const line = input.subarray(l.start, l.end).toString('latin1');
    const colon = line.indexOf(':');
    if (colon < 0) return input;
    const name = line.slice(0, colon);
    const swapped =
      COMPACT_SWAPS[name.trim().toLowerCase()] ?? (rng.oneIn(2) ? name.toUpperCase() : name.toLowerCase());
    return splice(input, l.start, colon, Buffer.from(swapped, 'latin1'));
  },
  // Multi-byte UTF-8, valid or broken.
  (input, rng) => {
    const bytes = rng.oneIn(2) ? Buffer.from(rng.pick(UTF8), 'utf8') : Buffer.from(rng.pick(BROKEN_UTF8));
    return splice(input, pos(input, rng), 0, bytes);
  },
  // Content-Length lies: off by some bytes, huge, signed, hex, doubled, or removed.
  (input, rng) => {
    const text = input.toString('latin1');
    const m = /(content-length|\nl)[ \t]*:[ \t]*([^\r\n]*)/i.exec(text);
    const body = headerSplit(text);
    const lies = [
      String(body + 1),
      String(Math.max(0, body - 1)),
      String(body + rng.size(70000)),
      '0',
      '-1',
      '0x10',
      '+5',
      `${body} ${body}`,
      '99999999999',
      '1e3',
      '',
      ` ${body}`,
      `${body}\r\nContent-Length: ${body + 5}`,
    ];
    const lie = rng.pick(lies);
    if (m === null) {
      const eol = text.indexOf('\n');
      return eol < 0 ? input : splice(input, eol + 1, 0, Buffer.from(`Content-Length: ${lie}\r\n`, 'latin1'));
    }
    const at = m.index + m[0].length - m[2]!.length;
    return splice(input, at, m[2]!.length, Buffer.from(lie, 'latin1'));
  },
];

const COMPACT_SWAPS: Readonly<Record<string, string>> = {
  via: 'v',
  v: 'Via',
  from: 'f',
  f: 'From',
  to: 't',
  t: 'To',
  'call-id': 'i',
  i: 'Call-ID',
  contact: 'm',
  m: 'Contact',
  'content-length': 'l',
  l: 'Content-Length',
  'content-type': 'c',
  c: 'Content-Type',
  event: 'o',
  o: 'Event',
  supported: 'k',
  k: 'Supported',
};

/** The body length of a text message (after the first empty line), for Content-Length lies. */
function headerSplit(text: string): number {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return 0;
  return crlf >= 0 && (lf < 0 || crlf < lf) ? text.length - crlf - 4 : text.length - lf - 2;
}

/** One to four mutations of `input`; `other` is another corpus entry for crossovers. */
export function mutate(input: Buffer, rng: Rng, other: Buffer, options: MutateOptions, lineAware = true): Buffer {
  let out = input;
  const rounds = 1 + rng.below(4);
  for (let i = 0; i < rounds; i++) {
    const pool = lineAware && rng.oneIn(2) ? LINES : GENERIC;
    out = rng.pick(pool)(out, rng, other, options);
    if (out.length > options.maxBytes) out = out.subarray(0, options.maxBytes);
  }
  return out;
}
