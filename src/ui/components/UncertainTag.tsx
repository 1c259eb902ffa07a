/** The "uncertain" mark, in words (colour is only a second cue). */
export function UncertainTag() {
  return (
    <span className="uncertain-tag" title="Top probability below the model's threshold for a trustworthy answer">
      {' '}
      uncertain
    </span>
  );
}
