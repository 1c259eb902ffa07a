/** Top-level page: placeholder shell until the recognizer UI lands. */
export function App() {
  return (
    <main>
      <h1>Speech Emotion Recognizer</h1>
      <p>Emotion probabilities for each utterance, computed on your device. No audio leaves this page.</p>
    </main>
  );
}
