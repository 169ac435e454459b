/**
 * The page: a header (scenario picker, open a file, theme, help, status), then the steps of the
 * open scenario with their narration, the stage with the playback bar under it, and the
 * inspectors. Components read the store through selectors and call its actions; none of them
 * touches the engine.
 */

import { Announcer } from './components/Announcer';
import { HelpOverlay } from './components/HelpOverlay';
import { Inspectors } from './components/Inspectors';
import { Notices } from './components/Notices';
import { OpenFile } from './components/OpenFile';
import { NewSandbox } from './sandbox/NewSandbox';
import { PathsPanel } from './components/PathsPanel';
import { PlaybackBar } from './components/PlaybackBar';
import { Stage } from './components/Stage';
import { ScenarioPicker } from './components/ScenarioPicker';
import { StatusLine } from './components/StatusLine';
import { StepPanel } from './components/StepPanel';
import { ExportMenu } from './export/ExportMenu';
import { GlossaryDialog, TermCard } from './lessons/Glossary';
import { LessonHeader } from './lessons/LessonHeader';
import { LessonsDialog } from './lessons/LessonsDialog';
import { ContinueLesson } from './lessons/ContinueLesson';
import { PresenterChrome } from './presenter/PresenterChrome';
import { SpeakerNotes } from './presenter/SpeakerNotes';
import { enterPresenter } from './presenter/presenter';
import { ShareButton } from './share/ShareButton';
import { appStore, useApp } from './store';
import type { Theme } from './store/views-slice';

function StageView() {
  const shape = useApp((s) => s.session?.shape);
  const stage = useApp((s) => s.frame?.stage);
  const speed = useApp((s) => s.speed);
  const playing = useApp((s) => s.playing);
  const path = useApp((s) => s.pathView);
  if (!shape || !stage) return <div className="stage-container" />;
  const v4 = shape.vms?.some((v) => v.gicv4) ?? false;
  return (
    <Stage
      shape={shape}
      stage={stage}
      speed={speed}
      playing={playing}
      {...(v4 ? { path } : {})}
      onSelectPlace={(place) => appStore.getState().selectPlace(place)}
      onSelectToken={(token) => appStore.getState().selectToken(token)}
    />
  );
}

/**
 * Embed mode (`?embed`, for a slide or a wiki page that frames GIC Lab): the stage and the playback
 * bar only, with the scenario's title linking to the full app at the same step.
 */
function EmbedApp() {
  const session = useApp((s) => s.session);
  const errors = useApp((s) => s.errors);
  const full = new URL(window.location.href);
  full.searchParams.delete('embed');
  const named = full.searchParams.has('scenario') || full.hash.startsWith('#share=');
  return (
    <div className="app embed" data-testid="embed">
      {session ? (
        <main className="embed-main" aria-label="Machine and playback">
          <p className="embed-title">
            <a href={full.toString()} target="_blank" rel="noopener noreferrer">
              {session.title}
            </a>{' '}
            <span className="embed-brand">GIC Lab</span>
          </p>
          <StageView />
          <PlaybackBar />
        </main>
      ) : (
        <p className="empty" role="status">
          {errors.length > 0
            ? errors.join('; ')
            : named
              ? 'Loading…'
              : 'Nothing to show: an embed link names a scenario (?scenario=… or a #share= link) to show.'}
        </p>
      )}
    </div>
  );
}

/** `?notes`: this window is presenter mode's speaker notes, following the presenting window. */
const NOTES_WINDOW = new URLSearchParams(window.location.search).has('notes');

export function App() {
  const embed = useApp((s) => s.embed);
  if (NOTES_WINDOW) return <SpeakerNotes />;
  return embed ? <EmbedApp /> : <FullApp />;
}

function FullApp() {
  const session = useApp((s) => s.session);
  const status = useApp((s) => s.status);
  const catalogError = useApp((s) => s.catalogError);
  const theme = useApp((s) => s.theme);
  const presenting = useApp((s) => s.presenting);

  return (
    <div className={presenting ? 'app presenting' : 'app'}>
      <header className="app-header">
        <h1>GIC Lab</h1>
        <button
          type="button"
          onClick={() => appStore.getState().toggleLessons(true)}
          data-testid="open-lessons"
        >
          Lessons
        </button>
        <ScenarioPicker />
        <OpenFile />
        <NewSandbox />
        <ShareButton />
        <ExportMenu />
        <label className="theme">
          <span className="sr-only">Theme</span>
          <select
            title="Theme (t)"
            value={theme}
            onChange={(e) => appStore.getState().setTheme(e.target.value as Theme)}
            data-testid="theme"
          >
            <option value="auto">auto</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
            <option value="projector">projector</option>
          </select>
        </label>
        <button
          type="button"
          onClick={() => enterPresenter(appStore)}
          title="Presenter mode: full screen, large type, projector theme (f)"
          data-testid="present"
        >
          Present
        </button>
        <button
          type="button"
          onClick={() => appStore.getState().toggleHelp(true)}
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
        <StatusLine />
      </header>

      <Notices />

      {session && (
        <main className="workspace">
          <section className="panel steps-panel" aria-labelledby="scenario-title">
            <h2 id="scenario-title">{session.title}</h2>
            {session.summary && <p className="summary">{session.summary}</p>}
            <LessonHeader />
            <StepPanel />
          </section>
          <section className="panel center-panel" aria-label="Machine and playback">
            <StageView />
            <PathsPanel />
            <PlaybackBar />
          </section>
          <section className="panel log-panel" aria-label="Inspectors">
            <Inspectors />
          </section>
        </main>
      )}

      {!session && status !== 'loading' && (
        <p className="empty">
          {catalogError === null ? (
            <>
              Choose a lesson (Lessons) or a scenario above, or open a scenario file or drop one on the page,
              to step through what the GIC does, event by event.
              <ContinueLesson />
            </>
          ) : (
            <>
              {catalogError}. Open a scenario by its file with a link such as{' '}
              <a href="?scenario=conformance/kut-c27-its-int-dev2.json">
                ?scenario=conformance/kut-c27-its-int-dev2.json
              </a>
              , or open a file from disk.
            </>
          )}
        </p>
      )}
      <HelpOverlay />
      <LessonsDialog />
      <GlossaryDialog />
      <TermCard />
      <PresenterChrome />
      <Announcer />
    </div>
  );
}
