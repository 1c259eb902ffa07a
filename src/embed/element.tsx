/**
 * `<emotion-recognizer>`: the recognizer UI in an open shadow root, so host CSS cannot
 * reach it (only inherited properties cross the boundary, and the wrapper resets them)
 * and its CSS cannot reach the host. Events are re-dispatched on the element.
 */
import { createRoot, type Root } from 'react-dom/client';
import { App } from '../ui/App';
import { TunePanel } from '../ui/components/TunePanel';
import { bundleCardPage } from './base';
import { createElementSession, type ElementSession } from './session';
import type { EmotionRecognizerElement as PublicElement, InputMode, Recognizer, RecognizerErrorEvent } from './types';
import { RecognizerError, parseInputMode } from './validate';

/** Shadow-root CSS: the host box stays the host's to size; nothing inherits into the UI. */
const SHELL_CSS = `:host{display:block}.ser-embed{all:initial;display:block}.ser-embed-error{font:14px/1.4 system-ui,sans-serif;color:#b91c1c;padding:8px;border:1px solid #b91c1c;border-radius:6px;background:#fef2f2}`;

const ATTRIBUTES = ['model', 'input', 'backend', 'asset-base', 'model-origins', 'tune'] as const;

export class EmotionRecognizerElement extends HTMLElement implements PublicElement {
  static readonly observedAttributes = ATTRIBUTES;
  private session: ElementSession | null = null;
  private root: Root | null = null;
  private loaded: Recognizer | null = null;
  private readyPromise: Promise<Recognizer> = Promise.reject(new RecognizerError('model', 'the element is not connected'));

  constructor() {
    super();
    this.readyPromise.catch(() => undefined);
  }

  get recognizer(): Recognizer | null {
    return this.loaded;
  }

  get ready(): Promise<Recognizer> {
    return this.readyPromise;
  }

  connectedCallback(): void {
    this.mount();
  }

  disconnectedCallback(): void {
    this.unmount('cancelled: the element was removed');
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (!this.isConnected || old === value || !this.shadowRoot) return;
    this.unmount(`cancelled: ${name} changed`);
    this.mount();
  }

  private mount(): void {
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    shadow.replaceChildren();
    const style = document.createElement('style');
    style.textContent = SHELL_CSS;
    const container = document.createElement('div');
    container.className = 'ser-embed';
    shadow.append(style, container);
    let input: InputMode;
    let session: ElementSession;
    try {
      input = parseInputMode(this.getAttribute('input'));
      session = createElementSession(
        {
          ...(this.hasAttribute('model') ? { modelUrl: this.getAttribute('model') ?? '' } : {}),
          ...(this.hasAttribute('asset-base') ? { assetBase: this.getAttribute('asset-base') ?? '' } : {}),
          ...(this.hasAttribute('model-origins') ? { modelOrigins: this.getAttribute('model-origins') ?? '' } : {}),
          backend: this.getAttribute('backend') ?? 'auto',
        } as Parameters<typeof createElementSession>[0],
        (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail })),
      );
    } catch (e) {
      const detail: RecognizerErrorEvent = e instanceof RecognizerError ? { code: e.code, message: e.message } : { code: 'invalid-option', message: String(e) };
      const box = document.createElement('p');
      box.className = 'ser-embed-error';
      box.setAttribute('role', 'alert');
      box.textContent = `emotion-recognizer: ${detail.message}`;
      container.append(box);
      this.readyPromise = Promise.reject(e);
      this.readyPromise.catch(() => undefined);
      // After the current task, so listeners added right after the element is created see it.
      queueMicrotask(() => this.dispatchEvent(new CustomEvent('error', { detail })));
      return;
    }
    this.session = session;
    this.readyPromise = session.ready.then((r) => {
      if (this.session === session) this.loaded = r;
      return r;
    });
    this.readyPromise.catch(() => undefined); // also reported as an `error` event and in the UI
    this.root = createRoot(container);
    // `tune`: the host enables "Tune to my voice" (for models that can be tuned).
    const tune = this.hasAttribute('tune') ? TunePanel : undefined;
    this.root.render(<App store={session.store} controller={session.controller} input={input} title={false} tuneView={tune} cardPage={bundleCardPage} />);
  }

  /** Releases the session; its pending `analyse()` calls reject with `reason`, and it fires no more events. */
  private unmount(reason: string): void {
    this.root?.unmount();
    this.root = null;
    this.session?.recognizer.dispose(reason);
    this.session = null;
    this.loaded = null;
  }
}

/** Registers `<emotion-recognizer>` once (a second bundle copy on the page is ignored). */
export function defineEmotionRecognizer(tag = 'emotion-recognizer'): void {
  if (!customElements.get(tag)) customElements.define(tag, EmotionRecognizerElement);
}
