import pino from 'pino';
import { mkdtempSync } from 'node:fs';
import { DEFAULT_CONFIG } from '/work/main/dist/src/app/config.js';
import { startServer } from '/work/main/dist/src/app/server.js';
const server = await startServer({ ...DEFAULT_CONFIG, httpPort: 0, sipPort: 0, host: '127.0.0.1', dataDir: mkdtempSync('/tmp/swbdbg-'), logLevel: 'silent', demo: true }, { logger: pino({ level: 'silent' }) });
const e = server.engine;
await e.dispatch('acme', { type: 'session.start', userId: 'u1003', sessionId: 'x' });
for (const st of ['away','busy','dnd','at_desk','custom']) {
  const out = await e.dispatch('acme', { type: 'status.set', userId: 'u1003', status: st, text: 'c1', by: { kind: 'user', userId: 'u1003', role: 'user' } });
  const p = e.state('acme').users.get('u1003').presence;
  console.log(st, out.ok, out.code, p.status, p.text, p.label);
}
await server.close();
