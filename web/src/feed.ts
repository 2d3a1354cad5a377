// The live feed client (docs/feed.md): one WebSocket per tab, a tenant-wide subscription,
// resume after a drop, and the app heartbeat that makes idle work (S1.4).
import { api } from './api.js';
import type { Live } from './live.js';

const HEARTBEAT_MS = 30_000;
/** After a quiet period, the first activity is reported at once: activity ends idle at once (S1.4). */
const ACTIVITY_THROTTLE_MS = 5_000;

type Frame = Record<string, unknown> & { type?: string };

export class Feed {
  private ws: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private activeSinceBeat = true;
  private lastBeatAt = 0;
  private lastBeatActive = true;
  private readonly onActivity = (): void => this.activity();

  constructor(
    private readonly token: string,
    private readonly live: Live,
    private readonly onAuthLost: () => void,
    /** Whether the server shows this user idle now: then any activity is reported at once. */
    private readonly isIdle: () => boolean = () => false,
  ) {}

  start(): void {
    this.stopped = false;
    for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart', 'focus'])
      window.addEventListener(ev, this.onActivity, { passive: true, capture: true });
    window.addEventListener('pointermove', this.onActivity, { passive: true });
    this.heartbeatTimer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart', 'focus'])
      window.removeEventListener(ev, this.onActivity, { capture: true });
    window.removeEventListener('pointermove', this.onActivity);
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'bye');
    this.ws = undefined;
  }

  /** S1.5: end this app session on the server before the token goes. */
  signout(): void {
    this.send({ type: 'signout' });
  }

  private connect(): void {
    if (this.stopped) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/stream?token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const resume =
        this.live.epoch !== undefined && this.live.loaded ? { epoch: this.live.epoch, seq: this.live.seq } : undefined;
      this.send({ type: 'subscribe', id: 'tenant', scope: { tenant: true }, ...(resume ? { resume } : {}) });
      this.beat(true);
    };
    ws.onmessage = (m) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(m.data)) as Frame;
      } catch {
        return;
      }
      this.handle(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.stopped) return;
      void this.afterClose(opened, ev.code, ev.reason);
    };
  }

  private async afterClose(opened: boolean, code: number, reason: string): Promise<void> {
    // A refused token closes the socket; ask REST whether the sign-in is still good.
    if (code === 4401 || code === 1008 || (!opened && this.attempt >= 1)) {
      try {
        await api('GET', '/api/v1/auth/me');
      } catch (e) {
        if ((e as { status?: number }).status === 401) {
          this.onAuthLost();
          return;
        }
      }
    }
    this.attempt++;
    const delay = Math.min(15_000, 500 * 2 ** Math.min(this.attempt, 5));
    this.live.setConnection(
      'reconnecting',
      reason ? `Live updates paused (${reason}); reconnecting…` : 'Live updates paused; reconnecting…',
    );
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private handle(f: Frame): void {
    switch (f.type) {
      case 'snapshot':
        this.attempt = 0;
        this.live.snapshot((f.snapshot as Frame | undefined) ?? f);
        this.live.setConnection('live');
        break;
      case 'events':
        this.live.events(Array.isArray(f.events) ? (f.events as Frame[]) : []);
        if (this.live.connection !== 'live') this.live.setConnection('live');
        break;
      case 'presence.changed':
      case 'agent.changed':
      case 'queue.changed':
      case 'call.missed':
      case 'schedule.changed':
      case 'call.ended':
        this.live.events([f]);
        break;
      case 'resumed':
      case 'subscribed':
        this.attempt = 0;
        this.live.setConnection('live');
        break;
      case 'error': {
        // {type:'error', id?, error:{code, message}}; a refused token is followed by close 4401.
        const err = (f.error ?? {}) as { code?: string; message?: string };
        if (err.code !== 'SWB_ERR_UNAUTHENTICATED') console.warn('live feed:', err.code, err.message);
        break;
      }
    }
  }

  private send(frame: Frame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private activity(): void {
    this.activeSinceBeat = true;
    // Back from a quiet stretch: say so now rather than at the next beat.
    const sinceBeat = Date.now() - this.lastBeatAt;
    if ((!this.lastBeatActive && sinceBeat > ACTIVITY_THROTTLE_MS) || (this.isIdle() && sinceBeat > 1000))
      this.beat(true);
  }

  private beat(force = false): void {
    const active = this.activeSinceBeat;
    if (!force && this.ws?.readyState !== WebSocket.OPEN) return;
    this.send({ type: 'heartbeat', active });
    this.lastBeatAt = Date.now();
    this.lastBeatActive = active;
    this.activeSinceBeat = false;
  }
}
