// PIDF (RFC 3863) with RPID activities (RFC 4480) from a presence record (S2.4), and the reverse
// for PUBLISH (S7.3). Pure functions: a record in, a string out.
import { showsFree } from '../../core/index.js';
import type { EffectiveStatusId, PresenceRecord } from '../../core/index.js';
import { xmlEscape, xmlUnescape } from './xml.js';

export type RpidActivity = 'busy' | 'on-the-phone' | 'away';

/** What a PIDF document says about a user, before it is written out. */
export interface PidfView {
  readonly basic: 'open' | 'closed';
  readonly activities: readonly RpidActivity[];
  /** The status label (S2.1: never colour alone), with the user's text when there is one. */
  readonly note: string;
  readonly idle: boolean;
}

const CLOSED: ReadonlySet<EffectiveStatusId> = new Set(['offline', 'absent', 'blocked']);

export function pidfView(record: PresenceRecord): PidfView {
  const status = record.status;
  const activities: RpidActivity[] = [];
  // S9.4: DND shows as busy (with its label in the note); S2.7: forwarding shows free.
  if (status === 'dnd' || status === 'busy') activities.push('busy');
  if (status === 'away' || status === 'absent') activities.push('away');
  if (!showsFree(record) && (status === 'on_call' || record.indicators.onCall)) activities.push('on-the-phone');
  const text =
    status !== 'custom' && record.text !== undefined && record.text !== ''
      ? `${record.label}: ${record.text}`
      : record.label;
  return { basic: CLOSED.has(status) ? 'closed' : 'open', activities, note: text, idle: status === 'idle' };
}

/** A stable key of what the document shows: a NOTIFY goes out only when it changes. */
export function pidfKey(view: PidfView): string {
  return `${view.basic}|${view.activities.join(',')}|${view.idle ? 1 : 0}|${view.note}`;
}

export function pidfDocument(view: PidfView, entity: string, id: string): string {
  const note = xmlEscape(view.note);
  const activities =
    view.activities.length === 0
      ? ''
      : `<rpid:activities>${view.activities.map((a) => `<rpid:${a}/>`).join('')}</rpid:activities>`;
  const idle = view.idle ? '<rpid:user-input>idle</rpid:user-input>' : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${xmlEscape(entity)}">\r\n` +
    `<tuple id="t${xmlEscape(id)}"><status><basic>${view.basic}</basic></status><contact>${xmlEscape(entity)}</contact><note>${note}</note></tuple>\r\n` +
    `<dm:person id="p${xmlEscape(id)}">${activities}${idle}<dm:note>${note}</dm:note></dm:person>\r\n` +
    '</presence>\r\n'
  );
}

/** The manual status a published document asks for (S7.3), or undefined when it asks for none. */
export type PublishedStatus = 'dnd' | 'busy' | 'away' | 'available';

const AWAY_ACTIVITIES = new Set([
  'away',
  'vacation',
  'holiday',
  'meal',
  'breakfast',
  'lunch',
  'dinner',
  'sleeping',
  'travel',
  'permanent-absence',
  'steering',
  'in-transit',
]);
const BUSY_ACTIVITIES = new Set(['busy', 'appointment', 'meeting', 'presentation', 'performance', 'worship']);
const DND_WORDS = /\b(dnd|do[ -]not[ -]disturb)\b/i;

/**
 * Reads a PIDF/RPID document leniently (any namespace prefix): `busy` with a DND note (or a
 * non-standard `dnd` activity) → dnd; a busy-like activity → busy; an away-like activity → away;
 * `open` with no activity → available; `closed` with no activity → away. `on-the-phone` alone
 * says nothing about a manual status (calls are facts of their own, S1.2).
 */
export function parsePidf(
  xml: string,
): { readonly ok: true; readonly status: PublishedStatus | undefined } | { readonly ok: false } {
  if (!/<(?:[\w.-]+:)?presence[\s>]/.test(xml)) return { ok: false };
  const basic = /<(?:[\w.-]+:)?basic\s*>\s*(open|closed)\s*<\//i.exec(xml)?.[1]?.toLowerCase();
  const activities = new Set<string>();
  for (const block of xml.matchAll(/<(?:[\w.-]+:)?activities\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?activities\s*>/g)) {
    for (const el of block[1]!.matchAll(/<(?:[\w.-]+:)?([\w-]+)\b[^>]*>/g)) {
      if (!el[0].startsWith('</')) activities.add(el[1]!.toLowerCase());
    }
  }
  const notes = [...xml.matchAll(/<(?:[\w.-]+:)?(?:note|other)\b[^>]*>([^<]*)</g)]
    .map((m) => xmlUnescape(m[1]!))
    .join(' ');
  if (activities.has('dnd') || ((activities.has('busy') || activities.has('other')) && DND_WORDS.test(notes)))
    return { ok: true, status: 'dnd' };
  for (const a of activities) if (BUSY_ACTIVITIES.has(a)) return { ok: true, status: 'busy' };
  for (const a of activities) if (AWAY_ACTIVITIES.has(a)) return { ok: true, status: 'away' };
  if (activities.has('on-the-phone')) return { ok: true, status: undefined };
  if (basic === 'open') return { ok: true, status: 'available' };
  if (basic === 'closed') return { ok: true, status: 'away' };
  return { ok: true, status: undefined };
}
