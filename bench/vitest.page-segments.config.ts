import { defineConfig } from 'vitest/config';

// Runs bench/page-segments.bench.ts alone (not part of any test suite; needs the corpora).
export default defineConfig({ test: { include: ['bench/page-segments.bench.ts'], environment: 'node', testTimeout: 3_600_000, hookTimeout: 60_000 } });
