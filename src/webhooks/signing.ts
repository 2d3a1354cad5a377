// S6.3: how a delivery is signed. A receiver recomputes the same HMAC to know the body came from
// us and was not replayed long after (it checks the timestamp against its own clock).
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Switchboard-Signature';
export const TIMESTAMP_HEADER = 'X-Switchboard-Timestamp';
export const EVENT_HEADER = 'X-Switchboard-Event';
export const DELIVERY_HEADER = 'X-Switchboard-Delivery';

/** `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` keyed with the webhook's secret. */
export function signature(secret: string, timestampSec: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}
