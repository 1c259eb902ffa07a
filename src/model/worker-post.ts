/**
 * Sending from the inference worker without losing a reply: postMessage throws on data
 * structured clone cannot copy (and with "Maximum call stack size exceeded" on deeply
 * nested data). A reply the page waits for is then replaced by a small error reply, so the
 * page never waits for a message that died in the worker.
 */
import type { FromWorker } from './protocol.ts';

/** Where the worker posts (its global scope; a fake in tests). */
export interface WorkerPostTarget {
  postMessage(message: FromWorker, transfer: Transferable[]): void;
}

/** Posts `message`; false (and a console error) when it could not be sent. */
export function postSafely(target: WorkerPostTarget, message: FromWorker, transfer: Transferable[] = []): boolean {
  try {
    target.postMessage(message, transfer);
    return true;
  } catch (e) {
    console.error(`inference worker: could not post '${message.type}'`, e);
    return false;
  }
}

/** Posts `message`, or `fallback(error)` when `message` cannot be sent. */
export function postOrFallback(target: WorkerPostTarget, message: FromWorker, fallback: () => FromWorker, transfer: Transferable[] = []): void {
  if (!postSafely(target, message, transfer)) postSafely(target, fallback());
}
