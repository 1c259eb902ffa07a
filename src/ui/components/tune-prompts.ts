/** A short sentence to say in each emotion ("Tune to my voice"); other labels get a neutral sentence to colour. */
const PROMPTS: Record<string, string> = {
  anger: 'I told you three times already, and nobody listened!',
  happiness: 'We got the tickets, this is the best day ever!',
  neutral: 'The meeting starts at ten in the second room.',
  sadness: 'I miss the old house, it feels so empty now.',
  fear: 'Did you hear that? Someone is outside the door.',
  disgust: 'Ugh, this milk smells absolutely rotten.',
  boredom: 'Another long afternoon with nothing at all to do.',
  surprise: 'What? You drove all the way here tonight?',
  calm: 'Take your time, everything is going to be fine.',
};

export function tunePrompt(label: string): string {
  return PROMPTS[label.toLowerCase()] ?? 'The train leaves at nine tomorrow morning.';
}
