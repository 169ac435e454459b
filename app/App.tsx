/**
 * The page: a header with the scenario picker and the Run button, then the steps of the open
 * scenario beside its narrated event log. Components read the store through selectors and call
 * its actions; none of them touches the engine.
 */

import { EventLog } from './components/EventLog';
import { ScenarioPicker } from './components/ScenarioPicker';
import { StatusLine } from './components/StatusLine';
import { StepList } from './components/StepList';
import { appStore, useApp } from './store';

export function App() {
  const title = useApp((s) => s.title);
  const status = useApp((s) => s.status);
  const errors = useApp((s) => s.errors);
  const catalogError = useApp((s) => s.catalogError);
  const canRun = status === 'ready' || status === 'done';

  return (
    <div className="app">
      <header className="app-header">
        <h1>GIC Lab</h1>
        <ScenarioPicker />
        <button
          type="button"
          className="run"
          disabled={!canRun}
          onClick={() => {
            void appStore.getState().run();
          }}
        >
          Run
        </button>
        <StatusLine />
      </header>

      {errors.length > 0 && (
        <div className="errors" role="alert" data-testid="errors">
          <strong>
            {status === 'error' ? 'This scenario could not be loaded:' : 'Something went wrong:'}
          </strong>
          <ul>
            {errors.map((e, i) => (
              <li key={i}>
                <code>{e}</code>
              </li>
            ))}
          </ul>
        </div>
      )}

      {title !== null && (
        <main className="workspace">
          <section className="panel steps-panel" aria-labelledby="scenario-title">
            <h2 id="scenario-title">{title}</h2>
            <StepList />
          </section>
          <section className="panel log-panel" aria-label="Event log">
            <EventLog />
          </section>
        </main>
      )}

      {title === null && status !== 'loading' && errors.length === 0 && (
        <p className="empty">
          {catalogError === null ? (
            'Choose a scenario above, then press Run to see what the GIC does, event by event.'
          ) : (
            <>
              {catalogError}. Open a scenario by its file with a link such as{' '}
              <a href="?scenario=conformance/kut-c27-its-int-dev2.json">
                ?scenario=conformance/kut-c27-its-int-dev2.json
              </a>
              .
            </>
          )}
        </p>
      )}
    </div>
  );
}
