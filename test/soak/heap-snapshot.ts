/**
 * Bytes of a V8 heap snapshot (DevTools format) per kind of node, and the part that is
 * compiled code. Code grows for minutes as functions tier up (bounded by the program,
 * not by session length), so the soak compares what is retained without it; the per-kind
 * totals name what grew when a check fails.
 */

/** The parts of a `.heapsnapshot` JSON this reads. */
export interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  /** Sum of self sizes of every node (JS objects, Blink objects, ArrayBuffer contents). */
  total: number;
  /** Self sizes of `code` nodes (JIT output, bytecode, feedback). */
  code: number;
  /** Self sizes per `type:name` (objects and natives by constructor, other types by type). */
  byKind: Map<string, number>;
}

export function summariseHeapSnapshot(snap: HeapSnapshotJson): HeapSummary {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0] as string[];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  if (iType < 0 || iName < 0 || iSize < 0) throw new Error(`unexpected heap snapshot fields: ${fields.join(',')}`);
  const byKind = new Map<string, number>();
  let total = 0;
  let code = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]];
    const size = snap.nodes[i + iSize];
    const kind = type === 'object' || type === 'native' ? `${type}:${snap.strings[snap.nodes[i + iName]].slice(0, 80)}` : type;
    byKind.set(kind, (byKind.get(kind) ?? 0) + size);
    total += size;
    if (type === 'code') code += size;
  }
  return { total, code, byKind };
}

/** The `n` kinds that grew most from `before` to `after`, as "kind +bytes". */
export function largestGrowth(before: HeapSummary, after: HeapSummary, n = 8): string[] {
  return [...after.byKind]
    .map(([k, v]) => [k, v - (before.byKind.get(k) ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, d]) => `${k} +${(d / 1024).toFixed(0)} KB`);
}
