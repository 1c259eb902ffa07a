import type { ModelInfo } from '../../results/types';
import { percent, type HeldOutScore } from '../../results/model-summary';

function scoreList(scores: HeldOutScore[]): string {
  return scores.map((s) => `${s.corpus}${s.language ? ` (${s.language})` : ''} ${percent(s.uar)}`).join(', ');
}

/**
 * "How far to trust it": the model's measured accuracy on speech it never heard, beside its
 * in-corpus number, with chance level and licence. Always visible (not behind a click),
 * because a confident-looking bar means little without it.
 */
export function ModelAbout({ model, description = true }: { model: ModelInfo; description?: boolean }) {
  const s = model.summary;
  return (
    <section className="model-about" aria-label="About this model" data-testid="model-about">
      {description && s.description ? <p>{s.description}</p> : null}
      <ul>
        <li data-testid="model-unseen">
          {s.unseen ? (
            <>
              On recordings from corpora it was not trained on: <strong>{percent(s.unseen.meanUar)}</strong> mean unweighted
              recall ({scoreList(s.unseen.corpora)})
              {s.unseen.meanUarFirst !== null ? <>; {percent(s.unseen.meanUarFirst)} for the first utterance, before it adapts to the voice</> : null}.
            </>
          ) : (
            <>
              Not measured on corpora it was not trained on: expect lower accuracy on voices unlike its training data
              {s.inCorpus ? ' than the number below' : ''}.
            </>
          )}
        </li>
        {s.inCorpus ? (
          <li data-testid="model-in-corpus">New speakers of its training corpora: {scoreList(s.inCorpus.corpora)}.</li>
        ) : null}
        <li>
          Chance is {percent(s.chanceUar)}. {s.trainedOn?.every((c) => c.style === 'acted') ? 'Trained on acted speech: read' : 'Read'} results as
          a hint, not a judgement about anyone.
        </li>
        <li data-testid="model-licence">Licence: {s.licence}</li>
      </ul>
    </section>
  );
}
