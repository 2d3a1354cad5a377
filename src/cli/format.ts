// Renders an explain transcript for people: one block per step, its events, decisions with the
// rules that applied (nested decisions indented), and tables for `show` steps.
import { causeOf } from '../core/index.js';
import type {
  Actor,
  AnsweringAction,
  CallRequest,
  Command,
  Decision,
  Directive,
  PresenceRecord,
  QueueSnapshot,
  RouteTarget,
} from '../core/index.js';
import type { EngineEvent } from '../engine/index.js';
import type { AgentRow, Applied, Shown, StepResult, Transcript } from './explain.js';
import { SCENARIO_START as START } from './scenario.js';
import { timerReason } from './timer-reason.js';

const PAD = 9;
const INDENT = ' '.repeat(PAD + 2);

/** How a user is named in a transcript: "Alice (1001)" for a known user, else the id. */
export type Who = (userId: string) => string;
const byId: Who = (userId) => userId;

/** Milliseconds after the start as "+0s", "+1m30s", "+2h", "+500ms". */
export function offset(ms: number): string {
  if (ms < 0) return `-${offset(-ms).slice(1)}`;
  if (ms === 0) return '+0s';
  let rest = Math.round(ms);
  let out = '+';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** An instant as an offset from the scenario's start, or as a date when it lies before it. */
const at = (instant: number) => (instant >= START ? offset(instant - START) : new Date(instant).toISOString());

export function describeTarget(t: RouteTarget): string {
  switch (t.kind) {
    case 'extension':
      return `extension ${t.extension}`;
    case 'external':
      return `number ${t.number}`;
    default:
      return `${t.kind} ${t.id}`;
  }
}

export function describeAction(a: AnsweringAction): string {
  switch (a.type) {
    case 'redirect':
      return `redirect to ${describeTarget(a.target)}`;
    case 'external':
      return `redirect to the number ${a.number}`;
    case 'message':
      return a.prompt !== undefined ? `message "${a.prompt}"` : 'message';
    case 'queue':
      return `queue ${a.queueId}`;
    case 'wait':
      return `wait (at most ${a.maxWaitSec} s)`;
    default:
      return a.type;
  }
}

function describeCall(call: CallRequest, who: Who): string {
  const from =
    call.from === undefined ? 'unknown caller' : 'userId' in call.from ? who(call.from.userId) : call.from.external;
  return `call${call.callId !== undefined ? ` ${call.callId}` : ''} from ${from} to ${describeTarget(call.to)}`;
}

/** A command as one line: its type, its subject, then its other fields (instants as offsets). */
export function describeCommand(c: Command, who: Who = byId): string {
  if (c.type === 'call.route') return `route ${describeCall(c.call, who)}`;
  const fields: string[] = [];
  let subject = '';
  for (const [k, v] of Object.entries(c)) {
    if (k === 'type' || v === undefined) continue;
    if (k === 'userId') subject = ` ${who(String(v))}`;
    else if (k === 'by') fields.push(`by ${causeOf(v as Actor, 'userId' in c ? c.userId : undefined)}`);
    else if ((k === 'expiresAt' || k === 'until') && typeof v === 'number') fields.push(`${k}=${at(v)}`);
    else fields.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return `${c.type}${subject}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}`;
}

function indicatorText(p: PresenceRecord): string {
  const i = p.indicators;
  const parts: string[] = [];
  if (i.onCall) parts.push('on call');
  if (i.ringing) parts.push('ringing');
  if (i.lostRegistration) parts.push('! lost registration');
  if (i.missedCalls > 0) parts.push(`missed ${i.missedCalls}`);
  if (i.voicemail > 0) parts.push(`voicemail ${i.voicemail}`);
  if (i.forwardTo !== undefined) parts.push(`→ ${i.forwardTo}`);
  return parts.join(', ');
}

function devicesText(p: PresenceRecord): string {
  const d = p.devices;
  return `app ${d.app}, terminal ${d.terminal}, pbx ${d.pbx}, sessions ${p.sessions}`;
}

/** What a presence event changed, in words: the status move, or the parts that moved. */
function presenceChange(v: PresenceRecord, old: PresenceRecord | undefined): string {
  const status = (p: PresenceRecord) =>
    p.label !== p.status && p.status === 'custom' ? `custom "${p.label}"` : p.status;
  if (old === undefined) return `${status(v)} (new user)`;
  const parts: string[] = [
    old.status !== v.status || old.label !== v.label ? `${status(old)} → ${status(v)}` : status(v),
  ];
  if (indicatorText(old) !== indicatorText(v)) parts.push(`indicators: ${indicatorText(v) || 'none'}`);
  if (devicesText(old) !== devicesText(v)) parts.push(devicesText(v));
  if (old.text !== v.text && v.status !== 'custom')
    parts.push(v.text === undefined ? 'text cleared' : `text "${v.text}"`);
  if (old.until !== v.until) parts.push(v.until === undefined ? 'no end time' : `until ${at(v.until)}`);
  return parts.join('; ');
}

export function describeEvent(e: EngineEvent, who: Who = byId): string {
  switch (e.type) {
    case 'presence.changed':
      if (e.removed) return `presence ${who(e.subject)}: removed, cause ${e.cause}`;
      return `presence ${who(e.subject)}: ${presenceChange(e.value, e.old)} (${e.value.rule}) cause ${e.cause}`;
    case 'agent.changed': {
      const state = (a: { state: string; reason?: string }) =>
        a.reason !== undefined ? `${a.state} (${a.reason})` : a.state;
      const move =
        e.old === undefined || state(e.old) === state(e.value) ? state(e.value) : `${state(e.old)} → ${state(e.value)}`;
      const extra = [
        e.value.wrapUpUntil !== undefined && e.value.state === 'wrap_up' ? `until ${at(e.value.wrapUpUntil)}` : '',
        e.value.afterWrapUp !== undefined ? `then ${state(e.value.afterWrapUp)}` : '',
        e.value.logoutAfterCall ? 'logs out after the call' : '',
      ].filter((x) => x !== '');
      return `agent ${who(e.subject)} in ${e.queueId}: ${move}${extra.length > 0 ? `, ${extra.join(', ')}` : ''}, cause ${e.cause}`;
    }
    case 'queue.changed':
      return `queue ${e.subject}: ${queueLine(e.value)}, cause ${e.cause}`;
    case 'schedule.changed':
      return `schedule ${who(e.subject)}: ${e.old.windows.length} → ${e.value.windows.length} windows queued, cause ${e.cause}`;
    case 'call.missed':
      return `missed call for ${who(e.subject)} (${e.value.reason})${e.value.caller !== undefined ? ` from ${who(e.value.caller)}` : ''}, cause ${e.cause}`;
    case 'call.ended':
      return `call ${e.value.callId} ended: ${e.value.outcome}${e.value.answeredBy !== undefined ? ` (answered by ${who(e.value.answeredBy)})` : ''}, cause ${e.cause}`;
  }
}

function queueLine(q: QueueSnapshot): string {
  const waiting = q.waiting.map(
    (w) => `${w.callId}${w.offeredTo.length > 0 ? ` offered to ${w.offeredTo.join(', ')}` : ' not offered'}`,
  );
  return `${q.waiting.length} waiting${waiting.length > 0 ? ` [${waiting.join('; ')}]` : ''}, answered ${q.answeredToday}, missed ${q.missedToday}, overflowed ${q.overflowedToday}`;
}

export function describeDirective(d: Directive, who: Who = byId): string {
  switch (d.type) {
    case 'queue.offer':
      return `call control: offer call ${d.callId} of queue ${d.queueId} to ${d.userIds.map(who).join(', ')} for ${d.ringSec} s`;
    case 'queue.offerEnded':
      return `call control: stop offering call ${d.callId} of queue ${d.queueId} to ${d.userIds.map(who).join(', ')}`;
    case 'queue.action':
      return `call control: call ${d.callId} of queue ${d.queueId}: ${d.reason} → ${describeAction(d.action)}`;
  }
}

function decisionHead(d: Decision, who: Who): string {
  const owner = (o: { readonly kind: string; readonly id: string }) =>
    `${o.kind} ${o.kind === 'user' ? who(o.id) : o.id}`;
  switch (d.outcome) {
    case 'ring':
      return `ring ${owner(d.target)}: ${d.ring.length} device(s); no answer after ${d.timeoutSec} s → ${describeAction(d.onNoAnswer.action)}`;
    case 'action':
      return `${d.action.condition} action of ${owner(d.action.owner)} → ${describeAction(d.action.action)}${d.action.defaulted ? ' (default)' : ''}`;
    case 'forward':
      return `forward to ${d.to}`;
    case 'reject':
      return `reject (${d.reason})`;
    case 'queue':
      return `queue ${d.target.id}${d.offerTo.length > 0 ? `, offered to ${d.offerTo.map(who).join(', ')}` : ', the caller waits'}`;
    case 'external':
      return `leaves the PBX to ${d.number}`;
    case 'wait':
      return `hold the caller until ${owner(d.target)}'s call ends (at most ${d.maxWaitSec} s) → ${describeAction(d.fallback.action)}`;
  }
}

/** A decision, its explanation lines, what rings, and the decision after a diversion (indented). */
export function formatDecision(d: Decision, indent = '', who: Who = byId): string[] {
  const lines = [`${indent}decision: ${decisionHead(d, who)}`];
  const width = Math.max(6, ...d.explanation.map((x) => x.rule.length));
  for (const x of d.explanation) lines.push(`${indent}  ${x.rule.padEnd(width)}  ${x.text}`);
  if (d.outcome === 'ring') {
    const rings = d.ring.map((r) => {
      const device =
        r.kind === 'external'
          ? `number ${r.number}`
          : `${r.kind} ${r.deviceId}${r.userId !== undefined ? ` of ${who(r.userId)}` : ''}`;
      const window = r.stopSec !== undefined ? `from ${r.startSec} s to ${r.stopSec} s` : `at ${r.startSec} s`;
      return `${device} ${window}${r.forwardedFrom !== undefined ? ` (for ${r.forwardedFrom})` : ''}`;
    });
    lines.push(`${indent}  rings: ${rings.join('; ')}`);
  }
  if ((d.outcome === 'action' || d.outcome === 'forward') && d.next !== undefined) {
    lines.push(`${indent}  then, at the new target:`);
    lines.push(...formatDecision(d.next, `${indent}    `, who));
  }
  return lines;
}

export function table(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function shownLines(s: Shown): string[] {
  switch (s.show) {
    case 'presence':
      return table(
        ['user', 'extension', 'name', 'status', 'label', 'colour', 'rule', 'since', 'indicators', 'devices'],
        s.presence.map((p) => [
          p.userId,
          p.extension,
          p.name,
          p.status,
          p.label,
          p.colour,
          p.rule,
          at(p.since),
          indicatorText(p),
          devicesText(p),
        ]),
      );
    case 'agents':
      return table(
        ['queue', 'user', 'extension', 'name', 'state', 'reason', 'since', 'calls'],
        s.agents.map((a: AgentRow) => [
          a.queueId,
          a.userId,
          a.extension,
          a.name,
          a.agent.state,
          a.agent.reason ?? '',
          a.agent.state === 'logged_out' ? '' : at(a.agent.since),
          String(a.agent.callsToday),
        ]),
      );
    case 'queues': {
      const lines = table(
        ['queue', 'name', 'waiting', 'answered', 'missed', 'overflowed'],
        s.queues.map((q) => [
          q.queueId,
          q.name,
          String(q.waiting.length),
          String(q.answeredToday),
          String(q.missedToday),
          String(q.overflowedToday),
        ]),
      );
      const callers = s.queues.flatMap((q) =>
        q.waiting.map((w) => [
          q.queueId,
          String(w.position),
          w.callId,
          w.caller,
          at(w.arrivedAt),
          w.offeredTo.join(', '),
        ]),
      );
      if (callers.length > 0)
        lines.push('', ...table(['queue', 'position', 'call', 'caller', 'arrived', 'offered to'], callers));
      return lines;
    }
  }
}

function appliedLines(a: Applied, who: Who): string[] {
  const lines: string[] = [];
  if (a.refusal !== undefined) lines.push(`refused ${a.refusal.code}: ${a.refusal.message}`);
  for (const e of a.events) lines.push(describeEvent(e, who));
  for (const d of a.directives) lines.push(describeDirective(d, who));
  if (a.refusal === undefined && a.events.length === 0 && a.directives.length === 0 && a.command.type !== 'call.route')
    lines.push('(no change)');
  return lines;
}

function stepLines(s: StepResult, who: Who): string[] {
  const lines: string[] = [];
  for (const t of s.timers) {
    lines.push(`${offset(t.offsetMs).padEnd(PAD)}  timer fired: ${describeCommand(t.command, who)}`);
    lines.push(`${INDENT}# why: ${timerReason(t)}`);
    for (const l of appliedLines(t, who)) lines.push(`${INDENT}${l}`);
  }
  const head = offset(s.offsetMs).padEnd(PAD);
  const note = s.note !== undefined ? [`${INDENT}# ${s.note}`] : [];
  if (s.shown !== undefined) {
    lines.push(`${head}  show ${s.shown.show}`, ...note);
    for (const l of shownLines(s.shown)) lines.push(l === '' ? '' : `${INDENT}${l}`);
    return lines;
  }
  const a = s.applied!;
  lines.push(`${head}  ${describeCommand(a.command, who)}`, ...note);
  if (s.decision !== undefined) for (const l of formatDecision(s.decision, '', who)) lines.push(`${INDENT}${l}`);
  for (const l of appliedLines(a, who)) lines.push(`${INDENT}${l}`);
  return lines;
}

export function formatTranscript(t: Transcript): string {
  const lines = [
    `Scenario: ${t.users} user(s), ${t.groups} group(s), ${t.queues} queue(s); the clock starts at ${t.start}`,
    '',
  ];
  const names = new Map(Object.entries(t.names ?? {}));
  const who: Who = (userId) => names.get(userId) ?? userId;
  for (const s of t.steps) lines.push(...stepLines(s, who), '');
  return `${lines.join('\n').trimEnd()}\n`;
}
