// S8.3, S6.4: is the server behind? One process carries HTTP, SIP, the engine and its commits on
// one event loop; past its capacity, queued work (an 8 MB UDP buffer, HTTP requests waiting for
// their turn) only makes every answer late, NOTIFYs included. So the server measures how far behind
// it is and, while it is, sheds new work cheaply (SIP 503 + Retry-After before any digest work,
// REST writes 503 SWB_ERR_OVERLOADED) and keeps serving what is under way: in-dialog SIP requests,
// responses, ACK, CANCEL, BYE, health and metrics.
// The measures, each with its limit as data (OverloadLimits; app/config.ts reads them):
//   loop delay   how late a 10 ms timer fires: a long event-loop turn delays everything behind it,
//                the UDP socket's reads (libuv reads at most 32 datagrams a turn) and NOTIFYs
//                among them. The figure is the second largest of the last four samples: a
//                saturated loop is late turn after turn (or every other turn), while one long turn
//                alone (a start, a large import, a garbage collection) sheds nothing. It counts
//                only while the loop was busy (event-loop utilization ≥ 75 % in both samples): a
//                timer late because the machine gave an idle process no CPU is not a server behind.
//   HTTP         requests in flight (received, not yet answered): work admitted and still waiting.
// BLF first: REST writes are shed from a small delay (20 ms), SIP requests only from a larger one
// (200 ms): a REST burst must not starve presence, while SIP at a rate the server sustains (a
// registration storm after a power cut) makes turns of tens of ms without falling behind.
// A limit of 0 sheds every new request: that is for tests, which cannot make the server slow on purpose.

export interface OverloadLimits {
  /** Event-loop delay (ms) from which REST writes are shed; 0: always shed (tests). */
  readonly loopDelayMs: number;
  /** Event-loop delay (ms) from which new out-of-dialog SIP requests are shed; 0: always shed (tests). */
  readonly sipLoopDelayMs: number;
  /** HTTP requests in flight (the one asking included) above which new writes are shed; 0: always shed (tests). */
  readonly httpInFlight: number;
}

export const DEFAULT_OVERLOAD: OverloadLimits = { loopDelayMs: 20, sipLoopDelayMs: 200, httpInFlight: 1024 };

/** How often the loop delay is sampled. */
const SAMPLE_MS = 10;
/** How many samples the delay is read from (the second largest counts). */
const WINDOW = 4;
/** The share of a sample's time the loop must have been at work for its delay to count. */
const BUSY = 0.75;

export type OverloadCause = 'loop' | 'http';

/** What the surfaces ask: shed now? */
export interface OverloadSignal {
  /** Why new work of `surface` is shed now, or undefined when it is not. */
  cause(surface: 'sip' | 'http'): OverloadCause | undefined;
  /** Counts an HTTP request in flight; the function returned ends it (call it once). */
  httpStarted(): () => void;
  /** Counts one request shed. */
  count(surface: 'sip' | 'http'): void;
}

export class OverloadMonitor implements OverloadSignal {
  /** How late the last samples fired (ms), a ring of WINDOW. */
  private readonly late = new Float64Array(WINDOW);
  private next = 0;
  private elu = performance.eventLoopUtilization();
  private inFlight = 0;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  /** New work shed, by surface (for /metrics). */
  readonly shed = { sip: 0, http: 0 };

  constructor(
    readonly limits: OverloadLimits = DEFAULT_OVERLOAD,
    private readonly onShed: (surface: 'sip' | 'http') => void = () => {},
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.last = performance.now();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sample(): void {
    const now = performance.now();
    const elu = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(elu, this.elu).utilization >= BUSY;
    this.elu = elu;
    this.late[this.next] = busy ? Math.max(0, now - this.last - SAMPLE_MS) : 0;
    this.next = (this.next + 1) % WINDOW;
    this.last = now;
  }

  /** The event-loop delay the signal reads: at least this late in two of the last WINDOW samples. */
  private get delayMs(): number {
    let first = 0;
    let second = 0;
    for (const l of this.late) {
      if (l > first) [first, second] = [l, first];
      else if (l > second) second = l;
    }
    return second;
  }

  /** The loop is behind by the surface's limit, or (HTTP) more requests than the limit are in flight, the one asking included. */
  cause(surface: 'sip' | 'http'): OverloadCause | undefined {
    const limit = surface === 'sip' ? this.limits.sipLoopDelayMs : this.limits.loopDelayMs;
    if (limit === 0 || this.delayMs >= limit) return 'loop';
    if (surface === 'http' && this.inFlight > this.limits.httpInFlight) return 'http';
    return undefined;
  }

  count(surface: 'sip' | 'http'): void {
    this.shed[surface]++;
    this.onShed(surface);
  }

  httpStarted(): () => void {
    this.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
    };
  }

  /** The figures behind the signal (for /metrics and /readyz). */
  stats(): { loopDelayMs: number; httpInFlight: number; shedSip: number; shedHttp: number } {
    return {
      loopDelayMs: Math.round(this.delayMs * 10) / 10,
      httpInFlight: this.inFlight,
      shedSip: this.shed.sip,
      shedHttp: this.shed.http,
    };
  }
}
