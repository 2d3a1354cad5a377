// S8.2, S10.4: a journal batch committed in one round trip. `swb_commit` runs, inside the
// statement's own transaction, what postgres-journal.ts used to send statement by statement: the
// fence check (leases read FOR SHARE), the check that the webhooks the writes were computed with
// are still the tenants' (else SQLSTATE SWB02 and the caller reads them again), the outbox lines'
// advisory locks, then every write in the batch's order. A refused fence is SQLSTATE SWB01 with
// the tenant, the fence sent and the lease's in its detail; nothing of the batch is kept.
// Installed by a migration (postgres-schema.ts); a later change is a new CREATE OR REPLACE there.

/** Each tenant's webhooks as one text: id and events of each, oldest first (postgres-journal.ts hookDigest). */
export const HOOK_DIGEST_SQL = `COALESCE(string_agg(id || chr(1) || events, chr(2) ORDER BY created_at, id COLLATE "C"), '')`;

export const COMMIT_FUNCTION = `
CREATE OR REPLACE FUNCTION swb_commit(fences jsonb, hooks jsonb, lines text[], writes jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  w jsonb;
  t text;
  bad record;
BEGIN
  IF fences IS NOT NULL THEN
    PERFORM 1 FROM tenant_leases WHERE tenant IN (SELECT jsonb_object_keys(fences)) ORDER BY tenant FOR SHARE;
    SELECT f.key AS tenant, f.value AS fence, l.fence AS current INTO bad
      FROM jsonb_each_text(fences) AS f LEFT JOIN tenant_leases AS l ON l.tenant = f.key
      WHERE l.fence IS DISTINCT FROM f.value::bigint LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'SWB01', MESSAGE = 'fenced',
        DETAIL = json_build_object('tenant', bad.tenant, 'fence', bad.fence::bigint, 'current', bad.current)::text;
    END IF;
  END IF;
  SELECT h.key INTO t FROM jsonb_each_text(hooks) AS h
    WHERE h.value IS DISTINCT FROM (SELECT ${HOOK_DIGEST_SQL} FROM webhooks WHERE tenant = h.key) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'SWB02', MESSAGE = 'webhooks changed', DETAIL = t;
  END IF;
  IF cardinality(lines) > 0 THEN
    PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext(x) AS k FROM unnest(lines) AS x ORDER BY k) AS s;
  END IF;
  FOR w IN SELECT value FROM jsonb_array_elements(writes) LOOP
    t := w->>'t';
    CASE w->>'k'
    WHEN 'user' THEN
      INSERT INTO users (tenant, id, extension, name, role, state)
        VALUES (t, w->>'id', w->>'extension', w->>'name', w->>'role', w->>'state')
        ON CONFLICT (tenant, id) DO UPDATE SET extension = excluded.extension, name = excluded.name,
          role = excluded.role, state = excluded.state;
    WHEN 'removeUser' THEN
      DELETE FROM users WHERE tenant = t AND id = w->>'id';
      DELETE FROM credentials WHERE tenant = t AND user_id = w->>'id';
      DELETE FROM auth_tokens WHERE tenant = t AND user_id = w->>'id';
    WHEN 'group' THEN
      INSERT INTO groups_ (tenant, id, data) VALUES (t, w->>'id', w->>'data')
        ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data;
    WHEN 'removeGroup' THEN
      DELETE FROM groups_ WHERE tenant = t AND id = w->>'id';
    WHEN 'queue' THEN
      INSERT INTO queues (tenant, id, data) VALUES (t, w->>'id', w->>'data')
        ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data;
    WHEN 'removeQueue' THEN
      DELETE FROM queues WHERE tenant = t AND id = w->>'id';
    WHEN 'policy' THEN
      UPDATE tenants SET policy = w->>'policy' WHERE id = t;
    WHEN 'event' THEN
      INSERT INTO events (tenant, epoch, seq, at, type, subject, body)
        VALUES (t, w->>'epoch', (w->>'seq')::bigint, (w->>'at')::bigint, w->>'type', w->>'subject', w->>'body');
    WHEN 'history' THEN
      INSERT INTO history (tenant, user_id, at, kind, queue_id, value, reason, cause)
        VALUES (t, w->>'user', (w->>'at')::bigint, w->>'kind', w->>'queue', w->>'value', w->>'reason', w->>'cause');
    WHEN 'seq' THEN
      UPDATE tenants SET seq = (w->>'seq')::bigint WHERE id = t;
    WHEN 'outbox' THEN
      -- Behind a pending row of its line, a new row waits (next_at = BLOCKED) until that one settles.
      INSERT INTO outbox (tenant, webhook_id, subject, body, created_at, next_at)
        VALUES (t, w->>'hook', w->>'subject', w->>'body', (w->>'at')::bigint,
          CASE WHEN EXISTS (SELECT 1 FROM outbox WHERE webhook_id = w->>'hook' AND subject = w->>'subject'
            AND state = 'pending' AND tenant = t) THEN (w->>'blocked')::bigint ELSE (w->>'at')::bigint END);
    WHEN 'route', 'offer' THEN
      INSERT INTO call_log (tenant, id, started_at, caller, target, queue_id, parties, decisions, offers)
        VALUES (t, w->>'id', (w->>'at')::bigint, w->>'caller', w->>'target', w->>'queue', w->>'parties',
          CASE WHEN w->>'k' = 'route' THEN jsonb_build_array((w->>'item')::jsonb) ELSE '[]'::jsonb END,
          CASE WHEN w->>'k' = 'offer' THEN jsonb_build_array((w->>'item')::jsonb) ELSE '[]'::jsonb END)
        ON CONFLICT (tenant, id) DO UPDATE SET
          decisions = call_log.decisions || excluded.decisions, offers = call_log.offers || excluded.offers,
          queue_id = COALESCE(call_log.queue_id, excluded.queue_id), caller = COALESCE(call_log.caller, excluded.caller),
          parties = call_log.parties || excluded.parties;
    WHEN 'answer' THEN
      UPDATE call_log SET answered_by = w->>'user', answered_at = (w->>'at')::bigint, parties = parties || (w->>'parties')
        WHERE tenant = t AND id = w->>'id' AND answered_by IS NULL;
    WHEN 'end' THEN
      UPDATE call_log SET outcome = w->>'outcome', ended_at = (w->>'at')::bigint
        WHERE tenant = t AND id = w->>'id' AND outcome IS NULL;
    END CASE;
  END LOOP;
END
$fn$;
`;
