/**
 * A promise chain: tasks run one after another, never overlapping, and a failed task
 * does not block the ones behind it (onnxruntime-web rejects overlapping runs on one
 * session with "Session already started").
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Runs `task` after every task enqueued before it has settled. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  /** Tasks enqueued and not yet settled (including the running one). */
  get size(): number {
    return this.pending;
  }

  /** Resolves once every task enqueued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
