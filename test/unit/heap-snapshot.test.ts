import { describe, expect, it } from 'vitest';
import { largestGrowth, summariseHeapSnapshot, type HeapSnapshotJson } from '../soak/heap-snapshot';

// Two fields per node besides the ones read, in a different order from V8's, to check
// the fields are looked up by name.
const meta = { node_fields: ['name', 'id', 'type', 'self_size', 'edge_count'], node_types: [['hidden', 'array', 'string', 'object', 'code', 'native']] };
const snapshot = (nodes: [string, string, number][]): HeapSnapshotJson => {
  const strings = [...new Set(nodes.map((n) => n[1]))];
  const types = meta.node_types[0];
  return {
    snapshot: { meta },
    strings,
    nodes: nodes.flatMap(([type, name, size], i) => [strings.indexOf(name), i + 1, types.indexOf(type), size, 0]),
  };
};

describe('summariseHeapSnapshot', () => {
  it('sums self sizes, separates code and groups objects by constructor', () => {
    const s = summariseHeapSnapshot(
      snapshot([
        ['object', 'Foo', 100],
        ['object', 'Foo', 50],
        ['code', '(compiled)', 700],
        ['code', 'bar', 300],
        ['native', 'JSArrayBufferData', 64000],
        ['string', 'hello', 24],
      ]),
    );
    expect(s.total).toBe(100 + 50 + 700 + 300 + 64000 + 24);
    expect(s.code).toBe(1000);
    expect(s.byKind.get('object:Foo')).toBe(150);
    expect(s.byKind.get('native:JSArrayBufferData')).toBe(64000);
    expect(s.byKind.get('string')).toBe(24);
    expect(s.byKind.get('code')).toBe(1000);
  });

  it('refuses a snapshot without the fields it needs', () => {
    expect(() => summariseHeapSnapshot({ snapshot: { meta: { node_fields: ['id'], node_types: [[]] } }, nodes: [], strings: [] })).toThrow(/fields/);
  });

  it('names the kinds that grew most', () => {
    const a = summariseHeapSnapshot(snapshot([['object', 'Foo', 100], ['object', 'Bar', 10]]));
    const b = summariseHeapSnapshot(snapshot([['object', 'Foo', 100], ['object', 'Bar', 3082], ['object', 'Baz', 2048]]));
    expect(largestGrowth(a, b, 2)).toEqual(['object:Bar +3 KB', 'object:Baz +2 KB']);
  });
});
