/**
 * One small typed event emitter, used by every module that publishes events (recognizer,
 * microphone, segmenter, inference client), instead of one hand-rolled listener set each.
 */

/** The event map of a discriminated union (`{ type: 'a', … } | { type: 'b', … }`). */
export type EventMapOf<E extends { type: string }> = { [T in E['type']]: Extract<E, { type: T }> };

export type Listener<P> = (payload: P) => void;

/** `M`: event name -> payload (an interface or {@link EventMapOf} a union). */
export class Emitter<M> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof M>(type: K, cb: Listener<M[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(cb as Listener<never>);
    return () => this.off(type, cb);
  }

  off<K extends keyof M>(type: K, cb: Listener<M[K]>): void {
    this.listeners.get(type)?.delete(cb as Listener<never>);
  }

  /**
   * Calls every listener of `type` in subscription order. A throwing listener does not stop
   * the others (or the emitter's owner); its error is rethrown asynchronously, so it still
   * surfaces as an uncaught error of the page.
   */
  emit<K extends keyof M>(type: K, payload: M[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const cb of [...set]) {
      try {
        (cb as Listener<M[K]>)(payload);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
  }

  /** Number of listeners of `type` (all types when omitted). */
  count(type?: keyof M): number {
    if (type !== undefined) return this.listeners.get(type)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Drops every listener (after dispose nothing may be called again). */
  clear(): void {
    this.listeners.clear();
  }
}
