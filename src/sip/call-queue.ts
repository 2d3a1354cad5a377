// S7.4 Calls, S4.3: queue offers from the engine (directives) ring, stop ringing or overflow a queued call.
import type { Directive, TenantId } from '../core/index.js';
import { CallFork } from './call-fork.js';

export abstract class CallQueue extends CallFork {
  onDirectives(tenant: TenantId, directives: readonly Directive[]): void {
    for (const d of directives) {
      const call = this.calls.get(d.callId);
      if (call === undefined || call.tenant !== tenant || call.final) continue;
      switch (d.type) {
        case 'queue.offer':
          call.queueId = d.queueId;
          for (const userId of d.userIds)
            for (const binding of this.ports.bindings(tenant, userId))
              this.startBranch(call, userId, binding, d.queueId);
          this.legs.caller(call, 'ringing');
          break;
        case 'queue.offerEnded':
          for (const b of call.branches) if (d.userIds.includes(b.userId)) this.cancelBranch(b);
          break;
        case 'queue.action':
          // At arrival (busy, empty) the routing decision carries the same action; only a
          // caller who waited too long (overflow) hears it from here.
          if (d.reason !== 'overflow') break;
          call.queueId = undefined;
          this.stopRinging(call);
          this.runAction(
            call,
            {
              condition: 'noAnswer',
              owner: { kind: 'queue', id: d.queueId },
              action: d.action,
              defaulted: false,
            },
            true,
          );
          break;
      }
    }
  }
}
