// The records the web reads (src/core/wire.ts) are the ones the API answers: the import reply's
// schema (replies.ts, which serializes the answer) and the wire types agree both ways, checked by
// the typecheck; and a planned row from importplan.ts is a wire row.
import type { Static } from 'typebox';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { createTenantState } from '../../src/core/index.js';
import type {
  HistoryPage,
  ImportPlan,
  ImportReport,
  PlannedRow,
  SignedIn,
  StatusReport,
} from '../../src/core/index.js';
import { planImport } from '../../src/http/importplan.js';
import type { HistoryReply, ImportReply, MeReply, ReportReply } from '../../src/http/replies.js';

type Deep<T> = T extends readonly (infer E)[]
  ? Deep<E>[]
  : T extends object
    ? { -readonly [K in keyof T]: Deep<T[K]> }
    : T;

describe('wire records shared with the web', () => {
  test('S5.1 the import reply schema and the wire types describe the same records', () => {
    type Reply = Static<typeof ImportReply>;
    // Each function compiles only if its argument's type is assignable to its result's.
    const read = (r: Reply): ImportPlan | ImportReport => r;
    const plan = (p: Deep<ImportPlan>): Reply => p;
    const report = (r: Deep<ImportReport>): Reply => r;
    expectTypeOf(read).returns.toEqualTypeOf<ImportPlan | ImportReport>();
    expectTypeOf(plan).parameter(0).toHaveProperty('preview');
    expectTypeOf(report).parameter(0).toHaveProperty('imported');
  });

  test('S6.5 S5 history, the status report and the signed-in caller: schema and wire type agree', () => {
    const history = (r: Static<typeof HistoryReply>): HistoryPage => r;
    const historyBack = (r: Deep<HistoryPage>): Static<typeof HistoryReply> => r;
    const report = (r: Static<typeof ReportReply>): StatusReport => r;
    const reportBack = (r: Deep<StatusReport>): Static<typeof ReportReply> => r;
    const me = (r: Static<typeof MeReply>): SignedIn => r;
    const meBack = (r: Deep<SignedIn>): Static<typeof MeReply> => r;
    for (const f of [history, historyBack, report, reportBack, me, meBack]) expect(typeof f).toBe('function');
  });

  test('S5.1 a planned row names its problems in words', () => {
    const rows: PlannedRow[] = planImport(createTenantState('acme'), [{ extension: 'x' }], () => undefined, 'row');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.action).toBe('skip');
    expect(rows[0]!.problems.length).toBeGreaterThan(0);
  });
});
