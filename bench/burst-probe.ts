// bench:burst's retransmission probe: while the burst runs, a UDP socket of its own sends a new
// REGISTER (no credentials) every `everyMs`, waits for its answer, sends the very same bytes again
// (a retransmission, RFC 3261 §17.2) and checks the second answer is byte for byte the first —
// a 401 with the same To-tag and nonce, or the same 503 when the request was shed (S8.3).
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

export interface ProbeResult {
  readonly probes: number;
  readonly identical: number;
  readonly different: number;
  readonly unanswered: number;
  readonly firstAnswers: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Probes until `stop()` is called; resolves with the counts. */
export function retransmissionProbe(
  port: number,
  domain: string,
  user: string,
  everyMs: number,
): { stop(): Promise<ProbeResult> } {
  const sock = createSocket('udp4');
  const answers = new Map<string, Buffer[]>();
  sock.on('message', (m) => {
    const branch = /branch=(z9hG4bK[0-9a-f]+)/.exec(m.toString('latin1'))?.[1];
    if (branch !== undefined) answers.get(branch)?.push(m);
  });
  const result = { probes: 0, identical: 0, different: 0, unanswered: 0, firstAnswers: {} as Record<string, number> };
  let running = true;
  const answer = async (branch: string, n: number): Promise<Buffer | undefined> => {
    for (let waited = 0; waited < 4000; waited += 5) {
      const got = answers.get(branch)!;
      if (got.length >= n) return got[n - 1];
      await sleep(5);
    }
    return undefined;
  };
  const loop = (async () => {
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const local = sock.address().port;
    while (running) {
      const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
      answers.set(branch, []);
      const bytes = Buffer.from(
        `REGISTER sip:${domain} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport\r\n` +
          `Max-Forwards: 70\r\nFrom: <sip:${user}@${domain}>;tag=${randomBytes(4).toString('hex')}\r\n` +
          `To: <sip:${user}@${domain}>\r\nCall-ID: ${randomBytes(8).toString('hex')}@probe\r\nCSeq: 1 REGISTER\r\n` +
          `Contact: <sip:${user}@127.0.0.1:${local}>\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n`,
        'latin1',
      );
      result.probes++;
      sock.send(bytes, port, '127.0.0.1');
      const first = await answer(branch, 1);
      if (first === undefined) {
        result.unanswered++;
      } else {
        const status = first.toString('latin1', 8, 11);
        result.firstAnswers[status] = (result.firstAnswers[status] ?? 0) + 1;
        sock.send(bytes, port, '127.0.0.1');
        const second = await answer(branch, 2);
        if (second === undefined) result.unanswered++;
        else if (second.equals(first)) result.identical++;
        else result.different++;
      }
      answers.delete(branch);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      sock.close();
      return result;
    },
  };
}
