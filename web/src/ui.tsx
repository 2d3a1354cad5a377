// Shared pieces of the interface: error and notice boxes, a memo for large lists, the page frame.
import { Component } from 'preact';
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { describeError } from './api.js';

/** An API failure in words, announced to screen readers. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }): JSX.Element | null {
  if (error === undefined || error === null) return null;
  const code = (error as { code?: string }).code;
  return (
    <div class="note error" role="alert">
      <p>{describeError(error)}</p>
      {(onRetry || code) && (
        <p class="note-meta">
          {onRetry && (
            <button type="button" class="link" onClick={onRetry}>
              Try again
            </button>
          )}
          {code && <span class="code">{code}</span>}
        </p>
      )}
    </div>
  );
}

/**
 * A notice; with `focus`, it takes the focus whenever its text changes: the confirmation of an
 * action whose button may be gone afterwards (focus never falls back to <body>, D4/D8).
 */
export function Notice({
  children,
  kind = 'info',
  focus = false,
}: {
  children: ComponentChildren;
  kind?: 'info' | 'ok' | 'warn';
  focus?: boolean;
}): JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  const text = typeof children === 'string' ? children : undefined;
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus, text]);
  return (
    <div class={`note ${kind}`} role="status" ref={ref} tabIndex={focus ? -1 : undefined}>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }): JSX.Element {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Page({
  title,
  actions,
  children,
  wide = false,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  wide?: boolean;
}): JSX.Element {
  return (
    <main id="main" class={wide ? 'page wide' : 'page'} tabIndex={-1}>
      <div class="page-head">
        <h1>{title}</h1>
        {actions && <div class="page-actions">{actions}</div>}
      </div>
      {children}
    </main>
  );
}

/** Re-renders only when one of the listed props changed identity: for the 500-card board. */
export abstract class Pure<P> extends Component<P> {
  override shouldComponentUpdate(next: P): boolean {
    const prev = this.props as Record<string, unknown>;
    const n = next as Record<string, unknown>;
    for (const k in n) if (k !== 'children' && prev[k] !== n[k]) return true;
    return false;
  }
}

const flashTimers = new WeakMap<Element, ReturnType<typeof setTimeout>>();

/**
 * A brief highlight on a live change. Cards get a ring for 1.5 s, switched on and off rather than
 * faded: at 20 changes a second on a 500-card board a fade keeps an animation running on every
 * frame, which cost the page about twice the work (bench/web.ts). Table rows fade their
 * background (there are few). Skipped when the person asked for less motion.
 */
export function flash(el: Element | null, ring = false): void {
  if (
    !el ||
    typeof (el as HTMLElement).animate !== 'function' ||
    matchMedia('(prefers-reduced-motion: reduce)').matches
  )
    return;
  if (!ring) {
    (el as HTMLElement).animate([{ backgroundColor: 'var(--flash-bg)' }, { backgroundColor: 'transparent' }], {
      duration: 1800,
      easing: 'ease-out',
    });
    return;
  }
  clearTimeout(flashTimers.get(el));
  el.classList.add('flash');
  flashTimers.set(
    el,
    setTimeout(() => el.classList.remove('flash'), 1500),
  );
}
