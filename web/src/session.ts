// Who is signed in (GET /api/v1/auth/me), kept for the whole app.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface Me {
  readonly tenant: { readonly id: string; readonly name: string; readonly sipDomain: string };
  readonly role: 'admin' | 'supervisor' | 'user';
  readonly user: {
    readonly id: string;
    readonly extension: string;
    readonly name: string;
    readonly role: string;
  } | null;
}

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (me === null) throw new Error('useMe outside the signed-in app');
  return me;
}
