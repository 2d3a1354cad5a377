// The NOTIFY bodies as pure functions of a presence record (S2.4): PIDF/RPID and dialog-info.
import { describe, expect, test } from 'vitest';
import type { EffectiveStatusId, PresenceRecord } from '../../src/core/index.js';
import { STATUS_CATALOG } from '../../src/core/index.js';
import { blfState, dialogInfoDocument } from '../../src/sip/bodies/dialog-info.js';
import { parsePidf, pidfDocument, pidfView } from '../../src/sip/bodies/pidf.js';

function record(
  status: EffectiveStatusId,
  extra: { onCall?: boolean; ringing?: boolean; text?: string } = {},
): PresenceRecord {
  const info = STATUS_CATALOG[status];
  return {
    userId: 'u1001',
    extension: '1001',
    name: 'Alice <&> Adams',
    status,
    label: status === 'custom' ? (extra.text ?? '') : info.label,
    colour: info.colour,
    icon: info.icon,
    since: 0,
    indicators: {
      onCall: extra.onCall ?? false,
      ringing: extra.ringing ?? false,
      lostRegistration: false,
      missedCalls: 0,
      voicemail: 0,
    },
    devices: { app: 1, terminal: 0, pbx: 0 },
    sessions: 0,
    rule: 'S2.3#10',
    ...(extra.text !== undefined ? { text: extra.text } : {}),
  };
}

describe('S7.2 PIDF with RPID (RFC 3863, RFC 4480)', () => {
  test.each([
    ['online', 'open', [], 'Online'],
    ['offline', 'closed', [], 'Offline'],
    ['absent', 'closed', ['away'], 'Absent'],
    ['blocked', 'closed', [], 'Blocked'],
    ['dnd', 'open', ['busy'], 'Do not disturb'],
    ['busy', 'open', ['busy'], 'Busy'],
    ['away', 'open', ['away'], 'Away'],
    ['on_call', 'open', ['on-the-phone'], 'On a call'],
    ['forwarding', 'open', [], 'Forwarding'],
    ['at_desk', 'open', [], 'At the desk'],
    ['idle', 'open', [], 'Available (idle)'],
  ] as const)('S7.2 %s → basic %s, activities %j, note %s', (status, basic, activities, note) => {
    expect(pidfView(record(status))).toEqual({ basic, activities, note, idle: status === 'idle' });
  });

  test('S9.4 DND while on a call shows busy and on-the-phone; S2.7 forwarding on a call stays free', () => {
    expect(pidfView(record('dnd', { onCall: true })).activities).toEqual(['busy', 'on-the-phone']);
    expect(pidfView(record('forwarding', { onCall: true })).activities).toEqual([]);
  });

  test('S2.1 the note carries the label and the user text; custom shows its text', () => {
    expect(pidfView(record('away', { text: 'Back at 3' })).note).toBe('Away: Back at 3');
    expect(pidfView(record('custom', { text: 'Working from <home>' })).note).toBe('Working from <home>');
  });

  test('S7.2 the document escapes XML and puts activities in the person element', () => {
    const doc = pidfDocument(pidfView(record('custom', { text: 'R&D <lab>' })), 'sip:1001@acme.test', '1001');
    expect(doc).toContain('<note>R&amp;D &lt;lab&gt;</note>');
    const dnd = pidfDocument(pidfView(record('dnd')), 'sip:1001@acme.test', '1001');
    expect(dnd).toContain(
      '<dm:person id="p1001"><rpid:activities><rpid:busy/></rpid:activities><dm:note>Do not disturb</dm:note></dm:person>',
    );
    expect(dnd).toContain('<tuple id="t1001"><status><basic>open</basic></status>');
  });

  test('S7.3 reading published PIDF: busy, busy with a DND note, away, open, closed, on-the-phone, not PIDF', () => {
    const doc = (inner: string) =>
      `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid">${inner}</presence>`;
    expect(
      parsePidf(doc('<tuple><status><basic>open</basic></status></tuple><r:activities><r:busy/></r:activities>')),
    ).toEqual({ ok: true, status: 'busy' });
    expect(
      parsePidf(
        doc(
          '<tuple><status><basic>open</basic></status><note>Do not disturb</note></tuple><r:activities><r:busy/></r:activities>',
        ),
      ),
    ).toEqual({ ok: true, status: 'dnd' });
    expect(parsePidf(doc('<r:activities><r:vacation/></r:activities>'))).toEqual({ ok: true, status: 'away' });
    expect(parsePidf(doc('<tuple><status><basic>open</basic></status></tuple>'))).toEqual({
      ok: true,
      status: 'available',
    });
    expect(parsePidf(doc('<tuple><status><basic>closed</basic></status></tuple>'))).toEqual({
      ok: true,
      status: 'away',
    });
    expect(
      parsePidf(
        doc('<tuple><status><basic>open</basic></status></tuple><r:activities><r:on-the-phone/></r:activities>'),
      ),
    ).toEqual({ ok: true, status: undefined });
    expect(parsePidf('<html>busy</html>')).toEqual({ ok: false });
  });

  test('S9.4 the PIDF we send reads back as the same manual status', () => {
    for (const s of ['dnd', 'busy', 'away'] as const) {
      const view = pidfView(record(s));
      expect([
        s,
        parsePidf(pidfDocument(view, 'sip:1001@acme.test', '1')).ok &&
          (parsePidf(pidfDocument(view, 'sip:1001@acme.test', '1')) as { status: string }).status,
      ]).toEqual([s, s]);
    }
  });
});

describe('S7.2 dialog-info for BLF (RFC 4235)', () => {
  test.each([
    ['online', {}, 'terminated'],
    ['offline', {}, 'terminated'],
    ['on_call', { onCall: true }, 'confirmed'],
    ['dnd', {}, 'confirmed'],
    ['busy', {}, 'confirmed'],
    ['online', { ringing: true }, 'early'],
    ['forwarding', { onCall: true, ringing: true }, 'terminated'],
    ['away', {}, 'terminated'],
  ] as const)('S7.2 S9.4 S2.7 %s %j → %s', (status, extra, lamp) => {
    expect(blfState(record(status, extra))).toBe(lamp);
  });

  test('S7.2 idle is a terminated dialog, never an empty document; version is written as given', () => {
    expect(dialogInfoDocument('terminated', 'sip:1001@acme.test', 'swb-1001', 7)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="7" state="full" entity="sip:1001@acme.test">\r\n<dialog id="swb-1001"><state>terminated</state></dialog>\r\n</dialog-info>\r\n',
    );
    expect(dialogInfoDocument('early', 'sip:1001@acme.test', 'swb-1001', 0)).toContain(
      '<dialog id="swb-1001" direction="recipient"><state>early</state></dialog>',
    );
  });
});
