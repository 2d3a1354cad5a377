// The benches' side of a load-generating child process: one request, one answer, in order.
import type { ChildProcess } from 'node:child_process';
import type { Serializable } from 'node:child_process';

export class IpcClient<ToClient extends Serializable, FromClient extends { readonly type: string }> {
  private readonly waiting: ((m: FromClient) => void)[] = [];

  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromClient) => this.waiting.shift()?.(m));
  }

  ask<T extends FromClient['type']>(
    m: ToClient,
    answer: T,
    timeoutMs = 600_000,
  ): Promise<Extract<FromClient, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client: no ${answer} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((r) => {
        clearTimeout(timer);
        if (r.type !== answer) reject(new Error(`client answered ${r.type}, expected ${answer}`));
        else resolve(r as Extract<FromClient, { type: T }>);
      });
      this.child.send(m);
    });
  }

  /** Lets the client exit by itself (it exits when the IPC channel closes). */
  end(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
