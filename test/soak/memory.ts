/**
 * Memory of the page and of each app worker (inference, VAD) through the DevTools
 * protocol, after a forced GC. The page: a heap snapshot (JS objects, DOM and other Blink
 * objects, ArrayBuffer contents) without compiled code, which grows with JIT tier-up for
 * minutes and would hide or fake a leak on a 4 MB heap. Workers: JS heap used plus
 * ArrayBuffer backing stores (their code is warm once the first utterance ran). Workers are
 * reached from a browser-level session (Playwright has no CDP session for workers);
 * onnxruntime's own thread workers are skipped (they sit in Atomics.wait and never answer).
 */
import type { Browser, CDPSession, Page } from 'playwright-core';
import { summariseHeapSnapshot, type HeapSnapshotJson, type HeapSummary } from './heap-snapshot';

export interface MemoryReading {
  /** Bytes retained by the page, compiled code excluded. */
  page: number;
  /** The page's heap snapshot summary (code, per kind) for reports. */
  pageHeap: HeapSummary;
  /** Bytes per app worker, keyed by its role (the worker's name: vad, inference). */
  workers: Record<string, number>;
}

interface HeapUsage {
  usedSize: number;
  backingStorageSize?: number;
}

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;

/** One line for logs: the page (and its compiled code, not counted) and each worker. */
export function describeReading(m: MemoryReading): string {
  return `page ${mb(m.page)} (+ code ${mb(m.pageHeap.code)}), ${Object.entries(m.workers).map(([k, v]) => `${k} ${mb(v)}`).join(', ')}`;
}

export interface MemoryProbe {
  read(): Promise<MemoryReading>;
  close(): Promise<void>;
}

export async function memoryProbe(browser: Browser, page: Page): Promise<MemoryProbe> {
  const pageSession = await page.context().newCDPSession(page);
  await pageSession.send('HeapProfiler.enable');
  const root: CDPSession = await browser.newBrowserCDPSession();
  const sessions = new Map<string, string>(); // targetId -> sessionId
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  root.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result ?? m.error);
  });
  const call = (sessionId: string, method: string, params?: object): Promise<unknown> =>
    new Promise((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      void root.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  const used = (u: HeapUsage) => u.usedSize + (u.backingStorageSize ?? 0);

  return {
    async read() {
      const pageHeap = await snapshotPage(pageSession);
      const { targetInfos } = (await root.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
      const workers: Record<string, number> = {};
      for (const t of targetInfos.filter((x) => x.type === 'worker' && new URL(x.url).pathname.startsWith('/assets/'))) {
        let sessionId = sessions.get(t.targetId);
        if (!sessionId) {
          sessionId = ((await root.send('Target.attachToTarget', { targetId: t.targetId, flatten: false })) as { sessionId: string }).sessionId;
          sessions.set(t.targetId, sessionId);
        }
        await call(sessionId, 'HeapProfiler.collectGarbage');
        // Both workers run one script (src/worker-entry.ts); their role is the worker's name.
        const role = (await call(sessionId, 'Runtime.evaluate', { expression: 'self.name', returnByValue: true })) as { result?: { value?: unknown } };
        const name = typeof role.result?.value === 'string' && role.result.value ? role.result.value : new URL(t.url).pathname.split('/').pop()!;
        workers[name] = (workers[name] ?? 0) + used((await call(sessionId, 'Runtime.getHeapUsage')) as HeapUsage);
      }
      return { page: pageHeap.total - pageHeap.code, pageHeap, workers };
    },
    async close() {
      await root.detach().catch(() => undefined);
      await pageSession.detach().catch(() => undefined);
    },
  };
}

/** Takes a heap snapshot of the page (V8 collects garbage first) and summarises it. */
async function snapshotPage(session: CDPSession): Promise<HeapSummary> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => void chunks.push(e.chunk);
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  return summariseHeapSnapshot(JSON.parse(chunks.join('')) as HeapSnapshotJson);
}
