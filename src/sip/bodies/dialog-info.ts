// dialog-info (RFC 4235) for BLF lamps, from a presence record (S2.4). A lamp has three states:
// idle, ringing (blinking), busy (lit). An idle user is one `terminated` dialog, never an empty
// document: several phones treat an empty one as "no information" rather than "free".
import { showsFree } from '../../core/index.js';
import type { PresenceRecord } from '../../core/index.js';
import { xmlEscape } from './xml.js';

export type BlfState = 'terminated' | 'early' | 'confirmed';

/**
 * S7.2, S9.4, S2.7: forwarding → idle whatever else is true; on a call, DND, busy or blocked →
 * confirmed (lit); rung (an incoming call ringing) → early (blinking); anything else → idle.
 */
export function blfState(record: PresenceRecord): BlfState {
  const s = record.status;
  if (showsFree(record)) return 'terminated';
  if (s === 'on_call' || s === 'dnd' || s === 'busy' || s === 'blocked' || record.indicators.onCall) return 'confirmed';
  if (record.indicators.ringing) return 'early';
  return 'terminated';
}

/** `version` starts at 0 and rises by one with each document sent in a subscription (RFC 4235 §4.1). */
export function dialogInfoDocument(state: BlfState, entity: string, id: string, version: number): string {
  const direction = state === 'early' ? ' direction="recipient"' : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="${xmlEscape(entity)}">\r\n` +
    `<dialog id="${xmlEscape(id)}"${direction}><state>${state}</state></dialog>\r\n` +
    '</dialog-info>\r\n'
  );
}
