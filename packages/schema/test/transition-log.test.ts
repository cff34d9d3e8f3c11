import { transitionLogDoc, transitionsOfLog, type Transition } from '../src';

const at = '2026-12-03T12:00:00.000Z';
const step = (n: number, from: Transition['from'], to: Transition['to']): Transition => ({ n, from, to, at, by: 'system', reason: `step ${n}` });

describe('transition log: one document per commit', () => {
  it('keeps a lone transition as it was (no chained field)', () => {
    expect(transitionLogDoc([step(3, 'queued', 'submitting')])).toEqual(step(3, 'queued', 'submitting'));
  });

  it('puts a commit’s later transitions under its first one and reads them back one per transition, in order', () => {
    const created = transitionLogDoc([step(0, null, 'pending'), step(1, 'pending', 'validating'), step(2, 'validating', 'queued')]);
    expect(created).toMatchObject({ n: 0, to: 'pending', chained: [{ n: 1, to: 'validating' }, { n: 2, to: 'queued' }] });
    const lone = transitionLogDoc([step(3, 'queued', 'submitting')]);
    // Documents may arrive in any order (a store's query, a listener's snapshot); the log comes out by n.
    const log = transitionsOfLog([lone, created]);
    expect(log.map((t) => t.n)).toEqual([0, 1, 2, 3]);
    expect(log.map((t) => t.to)).toEqual(['pending', 'validating', 'queued', 'submitting']);
    expect(log.every((t) => !('chained' in t))).toBe(true);
  });

  it('refuses an empty commit', () => {
    expect(() => transitionLogDoc([])).toThrow(/at least one/);
  });
});
