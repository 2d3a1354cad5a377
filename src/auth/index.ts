// Accounts (S5): credentials, web sign-in tokens, API keys, who a request is. Shared by the
// surfaces: HTTP imports it, SIP and the feed get functions of it from the composition root,
// which imports it through this file only.
export { Accounts, LOGIN_LIMITS, ha1, sha256 } from './accounts.js';
export type { AuthContext, NewUser, Revoked, RevocationListener } from './accounts.js';
