/**
 * Orders classification requests in the worker: one at a time, first come first served,
 * except that a queued provisional request is dropped ("superseded") when a newer
 * request arrives: a newer provisional makes it stale, and a final means its utterance
 * has ended. Final requests are never dropped.
 */
import type { RequestKind } from './protocol.ts';

/** A request as the scheduler sees it. */
export interface ScheduledRequest {
  id: number;
  kind: RequestKind;
}

/** Serial request queue with provisional superseding. */
export class RequestScheduler<R extends ScheduledRequest> {
  private readonly queue: R[] = [];
  private running = false;

  /**
   * @param process runs one request; the next starts after it settles.
   * @param onSuperseded called for each provisional request dropped unprocessed.
   */
  constructor(
    private readonly process: (request: R) => Promise<void>,
    private readonly onSuperseded: (request: R) => void,
  ) {}

  /** Queues a request. */
  submit(request: R): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const queued = this.queue[i];
      if (queued.kind === 'provisional') {
        this.queue.splice(i, 1);
        this.onSuperseded(queued);
      }
    }
    this.queue.push(request);
    void this.pump();
  }

  /** True while a request runs or waits. */
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /** Removes and returns every waiting request (e.g. on dispose). */
  drain(): R[] {
    return this.queue.splice(0, this.queue.length);
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        try {
          await this.process(next);
        } catch {
          // process reports its own errors; one failure must not stop the queue
        }
      }
    } finally {
      this.running = false;
    }
  }
}
