// S3: what routing a call answers (a decision) and why (its explanation, in words): the data
// that call control, `POST /api/v1/route`, the CLI and the web app read.
import type { RingEntry } from './direct.js';
import type { AnsweringAction, AnsweringCondition, UserId } from './types.js';

export interface Explanation {
  readonly rule: string;
  readonly text: string;
  /**
   * S2.7: this step names where `user` forwards; `withheld` says the same without the
   * destination, for viewers who may not see it (visibility.ts, decisionAs).
   */
  readonly forwarding?: { readonly user: UserId; readonly withheld: string };
}

export interface Owner {
  readonly kind: 'user' | 'group' | 'queue';
  readonly id: string;
}

export interface ActionDecision {
  /** S3.2 conditions, or `closed`: the target is outside its office hours or in night mode (S11.2). */
  readonly condition: AnsweringCondition | 'closed';
  readonly action: AnsweringAction;
  readonly owner: Owner;
  readonly defaulted: boolean;
}

export type Decision =
  | {
      readonly outcome: 'ring';
      readonly target: Owner;
      readonly ring: readonly RingEntry[];
      readonly timeoutSec: number;
      readonly onNoAnswer: ActionDecision;
      readonly explanation: readonly Explanation[];
    }
  | {
      readonly outcome: 'action';
      readonly target: Owner;
      readonly action: ActionDecision;
      /** S3.1#3: the target gets a missed-call notification. */
      readonly notifyMissed?: UserId;
      /** The decision at the new target when the action diverts the call (one level, S3.5). */
      readonly next?: Decision;
      readonly explanation: readonly Explanation[];
    }
  | {
      readonly outcome: 'forward';
      readonly target: Owner;
      readonly to: string;
      readonly next?: Decision;
      readonly explanation: readonly Explanation[];
    }
  | {
      readonly outcome: 'reject';
      readonly target?: Owner;
      readonly reason: string;
      readonly explanation: readonly Explanation[];
    }
  | {
      readonly outcome: 'queue';
      readonly target: Owner;
      /** The agents a call arriving now would be offered to. */
      readonly offerTo: readonly UserId[];
      readonly explanation: readonly Explanation[];
    }
  | {
      /** S11.4: the target is on another call; the caller is held until it ends, then the call is routed again. */
      readonly outcome: 'wait';
      readonly target: Owner;
      readonly maxWaitSec: number;
      /** What runs when the wait runs out: the user's no-answer action (S3.5 applied). */
      readonly fallback: ActionDecision;
      readonly explanation: readonly Explanation[];
    }
  | { readonly outcome: 'external'; readonly number: string; readonly explanation: readonly Explanation[] };
