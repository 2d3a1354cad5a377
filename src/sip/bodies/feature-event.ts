// S9.4 `as-feature-event` (BroadSoft Device Feature Key Synchronization, ECMA-323 CSTA elements):
// the DND and forwarding keys of Polycom, Yealink and other phones. We send DoNotDisturbEvent and
// ForwardingEvent (forwardImmediate) documents; a phone asks for a change with SetDoNotDisturb or
// SetForwarding in the body of its SUBSCRIBE.
import type { PresenceRecord } from '../../core/index.js';
import { xmlEscape, xmlUnescape } from './xml.js';

export const FEATURE_EVENT_TYPE = 'application/x-as-feature-event+xml';
const NS = 'http://www.ecma-international.org/standards/ecma-323/csta/ed3';

/** What the phone's keys show: DND is the manual `dnd` status, forwarding the manual `forwarding`. */
export interface FeatureView {
  readonly dnd: boolean;
  readonly forwardTo: string | undefined;
}

export function featureView(record: PresenceRecord): FeatureView {
  const m = record.manual;
  return { dnd: m?.status === 'dnd', forwardTo: m?.status === 'forwarding' ? (m.forwardTo ?? '') : undefined };
}

/** The phone's feature keys, in the order `featureDocuments` gives their documents. */
export type FeatureKey = Exclude<FeatureRequest['type'], 'other'>;
export const FEATURE_KEYS: readonly FeatureKey[] = ['dnd', 'forwarding'];

/** The two documents, each with a key that changes exactly when the document does. */
export function featureDocuments(
  view: FeatureView,
  device: string,
): readonly { readonly key: string; readonly body: string }[] {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\r\n';
  const dev = `<device>${xmlEscape(device)}</device>`;
  const fwdOn = view.forwardTo !== undefined;
  return [
    {
      key: `dnd=${view.dnd}`,
      body: `${head}<DoNotDisturbEvent xmlns="${NS}">${dev}<doNotDisturbOn>${view.dnd}</doNotDisturbOn></DoNotDisturbEvent>\r\n`,
    },
    {
      key: `fwd=${fwdOn ? view.forwardTo : ''}`,
      body:
        `${head}<ForwardingEvent xmlns="${NS}">${dev}<forwardingType>forwardImmediate</forwardingType>` +
        `<forwardStatus>${fwdOn}</forwardStatus>${fwdOn ? `<forwardTo>${xmlEscape(view.forwardTo!)}</forwardTo>` : ''}</ForwardingEvent>\r\n`,
    },
  ];
}

export type FeatureRequest =
  | { readonly type: 'dnd'; readonly on: boolean }
  | { readonly type: 'forwarding'; readonly on: boolean; readonly forwardTo: string | undefined }
  | { readonly type: 'other' };

const text = (xml: string, name: string): string | undefined => {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}\\b[^>]*>([^<]*)</`).exec(xml);
  return m === null ? undefined : xmlUnescape(m[1]!).trim();
};
const bool = (v: string | undefined): boolean | undefined =>
  v === undefined ? undefined : v.toLowerCase() === 'true' ? true : v.toLowerCase() === 'false' ? false : undefined;

/**
 * A SUBSCRIBE body: SetDoNotDisturb, or SetForwarding for forwardImmediate. Another forwarding
 * type (busy, no answer) is `other`: Switchboard's forwarding is immediate only. Undefined when
 * the body is not one of these documents.
 */
export function parseFeatureRequest(xml: string): FeatureRequest | undefined {
  if (/<(?:[\w.-]+:)?SetDoNotDisturb[\s>]/.test(xml)) {
    const on = bool(text(xml, 'doNotDisturbOn'));
    return on === undefined ? undefined : { type: 'dnd', on };
  }
  if (/<(?:[\w.-]+:)?SetForwarding[\s>]/.test(xml)) {
    const on = bool(text(xml, 'activateForward'));
    if (on === undefined) return undefined;
    if ((text(xml, 'forwardingType') ?? '') !== 'forwardImmediate') return { type: 'other' };
    const to = text(xml, 'forwardDN');
    return { type: 'forwarding', on, forwardTo: to === undefined || to === '' ? undefined : to };
  }
  return undefined;
}
