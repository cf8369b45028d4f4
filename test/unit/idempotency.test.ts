import { stableJson } from '../../src/api/idempotency';

describe('stableJson', () => {
  test('when two bodies differ only in key order, then they hash the same', () => {
    expect(stableJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(stableJson({ a: [{ x: 1, y: 2 }], b: 1 }));
  });

  test('when two bodies differ in a value, then they differ', () => {
    expect(stableJson({ a: 1 })).not.toBe(stableJson({ a: 2 }));
    expect(stableJson(undefined)).toBe('null');
  });
});
