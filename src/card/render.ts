/**
 * A model card (MODEL_CARD.md from the model's folder) as HTML. markdown-it with raw HTML off:
 * tags in the card come out as text, and its link check drops javascript:/vbscript:/file:
 * URLs, so a card cannot run script in the page. Relative links point into the model folder.
 */
import markdownIt, { type MarkdownIt, type RendererRule as Rule } from 'markdown-it';

function makeRenderer(): MarkdownIt {
  const md = markdownIt({ html: false, linkify: false, typographer: false });
  const rules = md.renderer.rules;
  const self: Rule = (tokens, idx, options, _env, r) => r.renderToken(tokens, idx, options);
  // Relative to the card, not to this page: `fidelity.json` means the model folder's file.
  const resolving = (attr: 'href' | 'src', next: Rule): Rule => (tokens, idx, options, env, r) => {
    const t = tokens[idx];
    const v = t.attrGet(attr);
    const base = (env as { base?: unknown } | undefined)?.base;
    if (typeof v === 'string' && v !== '' && !v.startsWith('#') && typeof base === 'string') {
      try {
        t.attrSet(attr, new URL(v, base).href);
      } catch {
        // not a URL markdown-it would have let through anyway
      }
    }
    return next(tokens, idx, options, env, r);
  };
  rules.link_open = resolving('href', rules.link_open ?? self);
  const image = rules.image;
  if (image) rules.image = resolving('src', image);
  // Wide tables scroll inside a focusable region (keyboard users can scroll it too) instead of the page.
  rules.table_open = (tokens, idx, options, env, r) => `<div class="table-scroll" role="region" tabindex="0" aria-label="Table">${self(tokens, idx, options, env, r)}`;
  rules.table_close = (tokens, idx, options, env, r) => `${self(tokens, idx, options, env, r)}</div>`;
  return md;
}

let renderer: MarkdownIt | null = null;

/** The card's HTML; `cardUrl` is where the Markdown came from (relative links resolve against it). */
export function renderCard(markdown: string, cardUrl: string): string {
  renderer ??= makeRenderer();
  return renderer.render(markdown, { base: cardUrl });
}
