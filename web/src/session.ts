// Who is signed in (GET /api/v1/auth/me), kept for the whole app.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SignedIn } from '../../src/core/wire.js';

/** Who is signed in, as the API answers it. */
export type Me = SignedIn;

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (me === null) throw new Error('useMe outside the signed-in app');
  return me;
}
