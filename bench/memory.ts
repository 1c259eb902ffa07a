/**
 * Peak memory of Chromium's processes: CDP `SystemInfo.getProcessInfo` names the process
 * ids and types, /proc/<pid>/status gives each one's peak resident set (VmHWM, Linux).
 * A fresh browser per configuration makes the peaks belong to that configuration.
 * The inference worker and its WASM heap live in the renderer; on SwiftShader the "GPU"
 * buffers are CPU memory of the GPU process.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Peak resident bytes per process type (max over processes of a type). */
export interface ProcessPeaks {
  rendererPeakBytes: number | null;
  gpuPeakBytes: number | null;
  browserPeakBytes: number | null;
}

function vmHwmBytes(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

interface ProcessInfo {
  type: string;
  id: number;
}

export async function processPeaks(browser: Browser): Promise<ProcessPeaks> {
  const peaks: ProcessPeaks = { rendererPeakBytes: null, gpuPeakBytes: null, browserPeakBytes: null };
  try {
    const cdp = await browser.newBrowserCDPSession();
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: ProcessInfo[] };
    await cdp.detach();
    const max = (a: number | null, b: number | null): number | null => (b === null ? a : Math.max(a ?? 0, b));
    for (const p of processInfo) {
      const bytes = vmHwmBytes(p.id);
      if (p.type === 'renderer') peaks.rendererPeakBytes = max(peaks.rendererPeakBytes, bytes);
      else if (p.type === 'GPU') peaks.gpuPeakBytes = max(peaks.gpuPeakBytes, bytes);
      else if (p.type === 'browser') peaks.browserPeakBytes = max(peaks.browserPeakBytes, bytes);
    }
  } catch {
    // not Linux or CDP refused: leave nulls (reported as "not readable")
  }
  return peaks;
}
