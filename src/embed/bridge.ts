/**
 * postMessage bridge of the iframe page. Results go only to the configured parent origin
 * (never `*`); commands are accepted only from the parent window at that origin.
 */
import type { FrameCommand, FrameMessage, Recognizer } from './types';
import { parseOrigin } from './validate';

export interface BridgeWindow {
  addEventListener(type: 'message', cb: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', cb: (e: MessageEvent) => void): void;
}

export interface BridgeTarget {
  postMessage(message: FrameMessage, targetOrigin: string): void;
}

/**
 * The parent origin the iframe may talk to: the `parent` URL parameter, validated, and
 * matching the browser-reported embedder (`location.ancestorOrigins`) where available.
 * Throws when it is missing, malformed or contradicted.
 */
export function resolveParentOrigin(param: string | null, ancestorOrigin: string | undefined): string {
  if (param === null) throw new Error('the iframe URL needs ?parent=<origin of the host page>');
  const origin = parseOrigin('parent', param);
  if (ancestorOrigin !== undefined && ancestorOrigin !== origin) {
    throw new Error(`this page is embedded by ${ancestorOrigin}, not by the configured parent ${origin}`);
  }
  return origin;
}

function isCommand(data: unknown): data is FrameCommand {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as { target?: unknown; type?: unknown; file?: unknown; name?: unknown; enabled?: unknown };
  if (d.target !== 'emotion-recognizer') return false;
  if (d.type === 'start' || d.type === 'stop' || d.type === 'reset-adaptation') return true;
  if (d.type === 'set-tuning') return typeof d.enabled === 'boolean';
  return d.type === 'analyse' && d.file instanceof Blob && (d.name === undefined || typeof d.name === 'string');
}

export interface Bridge {
  post(message: FrameMessage): void;
  dispose(): void;
}

/**
 * Connects a recognizer (once `ready` resolves) to the parent.
 * @param self - the iframe's window (receives commands)
 * @param parent - `window.parent` (the only accepted command source and the only target)
 */
export function createBridge(opts: { self: BridgeWindow; parent: BridgeTarget & object; parentOrigin: string; ready: Promise<Recognizer> }): Bridge {
  const { self, parent, parentOrigin } = opts;
  const post = (message: FrameMessage) => parent.postMessage(message, parentOrigin);
  const onMessage = (e: MessageEvent) => {
    if (e.origin !== parentOrigin || e.source !== parent || !isCommand(e.data)) return;
    const cmd = e.data;
    void opts.ready.then(
      (r) => {
        if (cmd.type === 'start') return r.start();
        if (cmd.type === 'stop') return r.stop();
        if (cmd.type === 'reset-adaptation') return r.resetAdaptation();
        if (cmd.type === 'set-tuning') {
          if (r.calibration) r.calibration.enabled = cmd.enabled;
          return undefined;
        }
        // Results arrive as `utterance` events; failures as `error` events.
        return r.analyse(cmd.file, cmd.name).then(
          () => undefined,
          (err: unknown) => post({ source: 'emotion-recognizer', type: 'error', detail: { code: 'file', message: err instanceof Error ? err.message : String(err) } }),
        );
      },
      () => undefined, // load failures were already posted as `error`
    );
  };
  self.addEventListener('message', onMessage);
  void opts.ready.then(
    (r) => post({ source: 'emotion-recognizer', type: 'ready', detail: { labels: [...r.labels] } }),
    () => undefined,
  );
  return { post, dispose: () => self.removeEventListener('message', onMessage) };
}
