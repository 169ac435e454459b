/**
 * The steps of the open scenario. Before a run it lists their titles; after one, each step says
 * whether it passed and lists its expectations with the engine's verdict and message.
 */

import { useApp } from '../store';

export function StepList() {
  const steps = useApp((s) => s.steps);
  const summary = useApp((s) => s.summary);

  return (
    <ol className="steps" data-testid="steps">
      {steps.map((step, i) => {
        const result = summary?.steps[i];
        const state = result ? (result.passed ? 'passed' : 'failed') : 'pending';
        return (
          <li key={i} className={`step ${state}`} data-testid="step" data-state={state}>
            <div className="step-title">
              <span className="badge" aria-label={state}>
                {state === 'passed' ? '✓' : state === 'failed' ? '✗' : '·'}
              </span>
              <span>{step.title}</span>
            </div>
            {result && (
              <>
                <div className="step-range">
                  {result.to > result.from ? `events ${result.from}–${result.to - 1}` : 'no events'}
                </div>
                {result.expectations.length > 0 ? (
                  <ul className="expectations">
                    {result.expectations.map((x, k) => (
                      <li key={k} className={x.ok ? 'ok' : 'fail'} data-testid="expectation" data-ok={x.ok}>
                        <span className="mark" aria-label={x.ok ? 'holds' : 'fails'}>
                          {x.ok ? '✓' : '✗'}
                        </span>
                        <code>{x.text}</code>
                        {x.message && <div className="message">{x.message}</div>}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <div className="step-range">no expectations</div>
                )}
              </>
            )}
          </li>
        );
      })}
    </ol>
  );
}
