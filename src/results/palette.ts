/** Colours per emotion label. Always shown together with text, never alone. */
const KNOWN: Record<string, string> = {
  neutral: '#6b7280',
  happiness: '#d97706',
  happy: '#d97706',
  anger: '#dc2626',
  angry: '#dc2626',
  sadness: '#2563eb',
  sad: '#2563eb',
  fear: '#7c3aed',
  disgust: '#059669',
  boredom: '#92400e',
};
const FALLBACK = ['#0891b2', '#be185d', '#4d7c0f', '#9333ea', '#b45309'];

export function labelColor(label: string, index: number): string {
  return KNOWN[label.toLowerCase()] ?? FALLBACK[index % FALLBACK.length];
}
