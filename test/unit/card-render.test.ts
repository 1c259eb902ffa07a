import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { renderCard } from '../../src/card/render';

const BASE = 'https://app.example/models/default/MODEL_CARD.md';

describe('model card rendering', () => {
  test('the shipped card: headings, tables in a keyboard-scrollable region, ± kept', () => {
    const md = readFileSync(new URL('../../public/models/default/MODEL_CARD.md', import.meta.url), 'utf8');
    const html = renderCard(md, BASE);
    expect(html).toMatch(/^<h1>Default model: /);
    expect(html).toContain('<div class="table-scroll" role="region" tabindex="0" aria-label="Table"><table>');
    expect(html).toContain('<th>held-out corpus</th>');
    expect(html).not.toContain('Â');
    const resemblyzer = renderCard(readFileSync(new URL('../../public/models/resemblyzer-emodb/MODEL_CARD.md', import.meta.url), 'utf8'), BASE);
    expect(resemblyzer).toContain('88.0 ± 6.5 %');
  });

  test('raw HTML and script URLs in a card stay inert', () => {
    const html = renderCard('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](data:text/html,hi)', BASE);
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/href="(javascript|data):/);
  });

  test('relative links point into the model folder; anchors stay on the page', () => {
    const html = renderCard('[f](fidelity.json) [d](../../docs/x.md) [a](#limits) [e](https://example.org/p)', BASE);
    expect(html).toContain('href="https://app.example/models/default/fidelity.json"');
    expect(html).toContain('href="https://app.example/docs/x.md"');
    expect(html).toContain('href="#limits"');
    expect(html).toContain('href="https://example.org/p"');
  });
});
