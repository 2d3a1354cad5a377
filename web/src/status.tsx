// S2.1/S2.2 in the browser: the core's catalog (imported at build time) gives every status its
// label, colour and icon; here each icon gets a distinct shape so colour is never the only signal.
import type { JSX } from 'preact';
import { STATUS_CATALOG } from '../../src/core/catalog.js';
import type { Colour, StatusId } from '../../src/core/types.js';
import { MANUAL_STATUSES } from '../../src/core/types.js';

export { STATUS_CATALOG, MANUAL_STATUSES };
export type { Colour, StatusId };

export const COLOUR_WORDS: Record<Colour, string> = { green: 'Free', yellow: 'Away', red: 'Busy', grey: 'Unreachable' };
export const COLOUR_ORDER: Record<Colour, number> = { green: 0, yellow: 1, red: 2, grey: 3 };

const P = {
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 1.8,
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
} as const;

/** One 16×16 drawing per catalog icon. */
const SHAPES: Record<string, JSX.Element> = {
  'check-circle': (
    <>
      <circle cx="8" cy="8" r="6.2" {...P} />
      <path d="M5.2 8.2l2 2 3.6-4" {...P} />
    </>
  ),
  clock: (
    <>
      <circle cx="8" cy="8" r="6.2" {...P} />
      <path d="M8 4.6V8l2.4 1.6" {...P} />
    </>
  ),
  speech: <path d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z" {...P} />,
  'desk-phone': (
    <>
      <rect x="2" y="7" width="12" height="6.5" rx="1.2" {...P} />
      <path d="M3.5 7V4.2c0-.9 1.8-1.7 4.5-1.7s4.5.8 4.5 1.7V7M6 10.2h4" {...P} />
    </>
  ),
  'minus-circle': (
    <>
      <circle cx="8" cy="8" r="6.2" {...P} />
      <path d="M4.8 8h6.4" {...P} stroke-width={2.4} />
    </>
  ),
  moon: <path d="M12.8 10.2A5.6 5.6 0 1 1 5.8 3.2a4.6 4.6 0 0 0 7 7z" {...P} />,
  door: (
    <>
      <path d="M3.5 14V2.5h7V14M2 14h12" {...P} />
      <circle cx="8.4" cy="8.4" r=".8" fill="currentColor" />
    </>
  ),
  'arrow-right': <path d="M2.5 8h10M9 4.5L12.5 8 9 11.5" {...P} />,
  block: (
    <>
      <circle cx="8" cy="8" r="6.2" {...P} />
      <path d="M3.6 12.4l8.8-8.8" {...P} />
    </>
  ),
  'circle-empty': <circle cx="8" cy="8" r="5.6" {...P} stroke-dasharray="2.2 2" />,
  phone: (
    <path
      d="M5.6 2.6l1.6 3-1.5 1.2a7 7 0 0 0 3.5 3.5l1.2-1.5 3 1.6-.6 2.2c-.2.6-.8 1-1.4.9A10.6 10.6 0 0 1 2.5 4.6c-.1-.6.3-1.2.9-1.4z"
      {...P}
    />
  ),
  zzz: <path d="M3 5h4L3 10h4M9 3.5h3.5L9 8h3.5M9.5 11h3l-3 3h3" {...P} stroke-width={1.5} />,
  pbx: (
    <>
      <rect x="2.5" y="2.5" width="11" height="4.5" rx="1" {...P} />
      <rect x="2.5" y="9" width="11" height="4.5" rx="1" {...P} />
      <path d="M5 4.75h.01M5 11.25h.01" {...P} stroke-width={2.4} />
    </>
  ),
  // indicators
  alert: <path d="M8 2.2l6.2 11H1.8zM8 6.4v3M8 11.4v.01" {...P} />,
  bell: <path d="M4 11V7.4a4 4 0 0 1 8 0V11l1.2 1.2H2.8zM6.6 13.6a1.5 1.5 0 0 0 2.8 0" {...P} />,
  missed: <path d="M2.5 4.5l4 4 3-3M9.5 5.5v2.5M9.5 5.5H12M2.5 12.5h11" {...P} />,
  voicemail: (
    <>
      <circle cx="4.5" cy="9" r="2.5" {...P} />
      <circle cx="11.5" cy="9" r="2.5" {...P} />
      <path d="M4.5 11.5h7" {...P} />
    </>
  ),
  search: (
    <>
      <circle cx="7" cy="7" r="4.5" {...P} />
      <path d="M10.5 10.5L14 14" {...P} />
    </>
  ),
};

export function Icon({ name, title, size = 16 }: { name: string; title?: string; size?: number }): JSX.Element {
  return (
    <svg
      class="icon"
      width={size}
      height={size}
      viewBox="0 0 16 16"
      aria-hidden={title === undefined ? 'true' : undefined}
      role={title === undefined ? undefined : 'img'}
    >
      {title !== undefined && <title>{title}</title>}
      {SHAPES[name] ?? SHAPES['circle-empty']}
    </svg>
  );
}

/** The status as a coloured, shaped badge plus its label. */
export function StatusBadge({
  status,
  label,
  colour,
  icon,
  compact = false,
}: {
  status: string;
  label: string;
  colour: Colour;
  icon: string;
  compact?: boolean;
}): JSX.Element {
  return (
    <span class={`badge c-${colour}${compact ? ' compact' : ''}`} data-status={status}>
      <Icon name={icon} />
      <span class="badge-label">{label}</span>
    </span>
  );
}

export function statusInfo(id: string): { label: string; colour: Colour; icon: string } {
  const info = (STATUS_CATALOG as Record<string, { label: string; colour: Colour; icon: string } | undefined>)[id];
  return info ?? { label: id, colour: 'grey', icon: 'circle-empty' };
}

export const AGENT_STATES: Record<string, { label: string; colour: Colour; icon: string }> = {
  logged_out: { label: 'Logged out', colour: 'grey', icon: 'circle-empty' },
  not_ready: { label: 'Not ready', colour: 'yellow', icon: 'minus-circle' },
  ready: { label: 'Ready', colour: 'green', icon: 'check-circle' },
  queue_call: { label: 'On a queue call', colour: 'red', icon: 'phone' },
  other_call: { label: 'On another call', colour: 'red', icon: 'phone' },
  wrap_up: { label: 'Wrap-up', colour: 'yellow', icon: 'clock' },
};

export function agentInfo(state: string): { label: string; colour: Colour; icon: string } {
  return AGENT_STATES[state] ?? { label: state, colour: 'grey', icon: 'circle-empty' };
}
