import { logs } from '../src/logs';

describe('function log messages', () => {
  it('are unique, non-empty strings', () => {
    const values = Object.values(logs);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect(v.length).toBeGreaterThan(5);
  });
});
