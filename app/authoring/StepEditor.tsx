/**
 * The steps column in edit mode (docs/authoring.md): the open scenario's words, editable. At the
 * top the scenario's title, summary and goals; then a card per step with what it runs (its lines
 * and expectations, read-only: they are the recording), its title, its narration (Markdown, with
 * the preview a learner will see, glossary terms linked) and its speaker notes; and, from the
 * second step on, a way to join it to the step before (several console lines become one step).
 *
 * Each card keeps what is typed as a draft until Apply (or Ctrl+Enter, or Enter in the title):
 * the worker checks the edit and either takes it (the session, Save as scenario, share links and
 * the exported spec carry it) or refuses it with the reason, shown under the card, and the draft
 * stays as typed, so nothing is lost. Drafts are kept per step while other steps change (a line
 * run in the console, another step joined) and while edit mode is off (they live in the store,
 * drafts.ts), and are dropped when another scenario is opened. A step
 * with unapplied changes, or whose neighbour has some, cannot be joined until they are applied or
 * reverted, since joining rewrites both steps.
 *
 * Cards open and close with a button (aria-expanded), not <details>: the page's shortcuts leave
 * Space and Enter on buttons alone, but would take Space on a <summary> for play/pause. Opening a
 * card shows the end of its step on the stage, so the author narrates what they see.
 */

import { useId, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { Narration } from '../lessons/Narration';
import { appStore, useApp } from '../store';
import { EDIT_LIMITS, type SessionInfo, type StepInfo } from '../worker/api';
import { noDrafts, type EditorDrafts, type MetaDraft, type StepDraft } from './drafts';
import './authoring.css';

const META = 'meta';

/**
 * A key per step that survives other steps changing: its range of events, which a line run at
 * the end or a join elsewhere leaves as it is (steps with no events of their own share a range,
 * so their order among those tells them apart).
 */
function stepKeys(steps: readonly StepInfo[]): string[] {
  const seen = new Map<string, number>();
  return steps.map((s) => {
    const range = `${s.from}-${s.to}`;
    const n = seen.get(range) ?? 0;
    seen.set(range, n + 1);
    return `${range}#${n}`;
  });
}

const stepValues = (s: StepInfo): StepDraft => ({
  title: s.title,
  narration: s.narration,
  notes: s.notes ?? '',
});

const metaValues = (s: SessionInfo): MetaDraft => ({
  title: s.title,
  summary: s.summary,
  goals: s.goals.join('\n'),
});

const same = (a: object, b: object): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Ctrl+Enter (or Cmd+Enter) anywhere in a card's form applies it, as Enter in its title does. */
function applyOnCtrlEnter(e: KeyboardEvent<HTMLFormElement>): void {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    e.currentTarget.requestSubmit();
  }
}

function Counter({ text, max }: { text: string; max: number }) {
  const over = text.length > max;
  return (
    <span className={`edit-count${over ? ' over' : ''}`} aria-hidden={!over}>
      {text.length.toLocaleString('en')} / {max.toLocaleString('en')}
    </span>
  );
}

/** A card: a header button that opens it, and its form. */
function Card({
  cardKey,
  heading,
  marks,
  open,
  onToggle,
  onSubmit,
  children,
  testId,
  current,
}: {
  cardKey: string;
  heading: ReactNode;
  marks: ReactNode;
  open: boolean;
  onToggle: () => void;
  onSubmit: () => void;
  children: ReactNode;
  testId: string;
  current?: boolean;
}) {
  const id = useId();
  return (
    <li
      className={`edit-card${current ? ' current' : ''}`}
      data-testid={testId}
      data-key={cardKey}
      aria-current={current ? 'step' : undefined}
    >
      <h3 className="edit-card-heading">
        <button type="button" aria-expanded={open} aria-controls={id} onClick={onToggle}>
          <span className="edit-chevron" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          {heading}
        </button>
        {marks}
      </h3>
      <form
        id={id}
        hidden={!open}
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          onSubmit();
        }}
        onKeyDown={applyOnCtrlEnter}
      >
        {children}
      </form>
    </li>
  );
}

export function StepEditor() {
  const session = useApp((s) => s.session);
  const source = useApp((s) => s.source);
  const frameStep = useApp((s) => s.frame?.step ?? 0);
  const stored = useApp((s) => s.editorDrafts);
  const [busy, setBusy] = useState<string | null>(null);
  const [said, setSaid] = useState('');
  // The first step shown open: the one the page is at when edit mode starts.
  const [firstOpen] = useState(frameStep);
  if (!session) return null;

  // Drafts of another scenario are not this one's.
  const mine = stored?.source === source ? stored : noDrafts(source);
  const keys = stepKeys(session.steps);
  const update = (f: (s: EditorDrafts) => Partial<EditorDrafts>): void => {
    const st = appStore.getState();
    const prev = st.editorDrafts;
    const base = prev?.source === st.source ? prev : noDrafts(st.source);
    st.setEditorDrafts({ ...base, ...f(base) });
  };
  const setDraft = (key: string, draft: StepDraft | MetaDraft | null): void =>
    update((s) => {
      const drafts = { ...s.drafts };
      if (draft) drafts[key] = draft;
      else delete drafts[key];
      return { drafts };
    });
  const setError = (key: string, error: string | null): void =>
    update((s) => {
      const errors = { ...s.errors };
      if (error) errors[key] = error;
      else delete errors[key];
      return { errors };
    });
  const isOpen = (key: string, i: number): boolean => mine.open[key] ?? i === firstOpen;

  const stepDraft = (i: number): StepDraft =>
    (mine.drafts[keys[i]!] as StepDraft | undefined) ?? stepValues(session.steps[i]!);
  const dirty = (i: number): boolean => {
    const d = mine.drafts[keys[i]!] as StepDraft | undefined;
    return d !== undefined && !same(d, stepValues(session.steps[i]!));
  };
  const meta = (mine.drafts[META] as MetaDraft | undefined) ?? metaValues(session);
  const metaDirty = !same(meta, metaValues(session));

  /** Runs an edit; a refusal stays under its card, with the draft as typed. */
  const run = async (
    key: string,
    what: string,
    edit: () => Promise<{ ok: true } | { ok: false; error: string }>,
    done?: () => void,
  ) => {
    if (busy) return;
    setBusy(key);
    setError(key, null);
    try {
      const r = await edit();
      if (r.ok) {
        setDraft(key, null);
        setSaid(what);
        done?.();
      } else {
        setError(key, r.error);
        setSaid(`Not changed: ${r.error}`);
      }
    } finally {
      setBusy(null);
    }
  };

  const applyStep = (i: number): void => {
    const d = stepDraft(i);
    void run(keys[i]!, `Step ${i + 1} changed.`, () =>
      appStore.getState().editStep(i, { title: d.title, narration: d.narration, notes: d.notes }),
    );
  };

  const applyMeta = (): void => {
    void run(META, 'The scenario’s title, summary and goals changed.', () =>
      appStore
        .getState()
        .editMeta({ title: meta.title, summary: meta.summary, goals: meta.goals.split('\n') }),
    );
  };

  const join = (i: number): void => {
    void run(
      keys[i]!,
      `Step ${i + 1} is now part of step ${i}.`,
      () => appStore.getState().mergeStep(i),
      () => {
        // The joined step has a new range, so a new key: it stays open.
        const steps = appStore.getState().session?.steps ?? [];
        const joined = stepKeys(steps)[i - 1];
        if (joined) update((s) => ({ open: { ...s.open, [joined]: true } }));
      },
    );
  };

  const toggle = (key: string, i: number, step?: StepInfo): void => {
    const open = !isOpen(key, i);
    update((s) => ({ open: { ...s.open, [key]: open } }));
    // The stage shows what the step did while its words are written.
    if (open && step) void appStore.getState().seek(step.to);
  };

  return (
    <div className="step-editor" data-testid="step-editor">
      <p className="edit-intro">
        Edit the words of this scenario: they go with it when it is saved, shared or exported as a test. What
        the steps run stays as recorded.
      </p>
      <p className="sr-only" role="status" data-testid="edit-said">
        {said}
      </p>
      <ol className="edit-cards">
        <Card
          cardKey={META}
          heading={<span>Scenario: {session.title}</span>}
          marks={metaDirty && <span className="edit-unsaved">not applied</span>}
          open={mine.open[META] ?? false}
          onToggle={() => update((s) => ({ open: { ...s.open, [META]: !(s.open[META] ?? false) } }))}
          onSubmit={applyMeta}
          testId="edit-meta"
        >
          <label className="edit-field">
            <span>
              Title <Counter text={meta.title} max={EDIT_LIMITS.title} />
            </span>
            <input
              value={meta.title}
              onChange={(e) => setDraft(META, { ...meta, title: e.target.value })}
              data-testid="edit-meta-title"
            />
          </label>
          <label className="edit-field">
            <span>
              Summary <Counter text={meta.summary} max={EDIT_LIMITS.summary} />
            </span>
            <textarea
              rows={3}
              value={meta.summary}
              onChange={(e) => setDraft(META, { ...meta, summary: e.target.value })}
              data-testid="edit-meta-summary"
            />
          </label>
          <label className="edit-field">
            <span>Goals, one a line (shown before the first step)</span>
            <textarea
              rows={3}
              value={meta.goals}
              onChange={(e) => setDraft(META, { ...meta, goals: e.target.value })}
              data-testid="edit-meta-goals"
            />
          </label>
          <Actions
            busy={busy === META}
            dirty={metaDirty}
            onRevert={() => {
              setDraft(META, null);
              setError(META, null);
            }}
            error={mine.errors[META]}
            testPrefix="edit-meta"
          />
        </Card>
        {session.steps.map((step, i) => {
          const key = keys[i]!;
          const d = stepDraft(i);
          const open = isOpen(key, i);
          const joinBlocked = dirty(i) || (i > 0 && dirty(i - 1));
          return (
            <Card
              key={key}
              cardKey={key}
              current={i === frameStep}
              heading={
                <span>
                  <span className="edit-number">{i + 1}.</span> {step.title}
                </span>
              }
              marks={dirty(i) && <span className="edit-unsaved">not applied</span>}
              open={open}
              onToggle={() => toggle(key, i, step)}
              onSubmit={() => applyStep(i)}
              testId="edit-step"
            >
              <Lines step={step} />
              <label className="edit-field">
                <span>
                  Title <Counter text={d.title} max={EDIT_LIMITS.title} />
                </span>
                <input
                  value={d.title}
                  onChange={(e) => setDraft(key, { ...d, title: e.target.value })}
                  data-testid="edit-title"
                />
              </label>
              <label className="edit-field">
                <span>
                  Narration (Markdown) <Counter text={d.narration} max={EDIT_LIMITS.narration} />
                </span>
                <textarea
                  rows={5}
                  value={d.narration}
                  onChange={(e) => setDraft(key, { ...d, narration: e.target.value })}
                  data-testid="edit-narration"
                />
              </label>
              {d.narration.trim() && (
                <div className="edit-preview" aria-label="Narration preview">
                  <span className="edit-preview-label" aria-hidden="true">
                    Preview
                  </span>
                  <Narration markdown={d.narration} className="narration" testId="edit-preview" />
                </div>
              )}
              <label className="edit-field">
                <span>
                  Speaker notes (Markdown; presenter mode’s notes window only){' '}
                  <Counter text={d.notes} max={EDIT_LIMITS.notes} />
                </span>
                <textarea
                  rows={2}
                  value={d.notes}
                  onChange={(e) => setDraft(key, { ...d, notes: e.target.value })}
                  data-testid="edit-notes"
                />
              </label>
              <Actions
                busy={busy === key}
                dirty={dirty(i)}
                onRevert={() => {
                  setDraft(key, null);
                  setError(key, null);
                }}
                error={mine.errors[key]}
                testPrefix="edit"
                extra={
                  i > 0 && (
                    <button
                      type="button"
                      onClick={() => join(i)}
                      disabled={busy !== null || joinBlocked}
                      title={
                        joinBlocked
                          ? 'Apply or revert the changes to this step and the one before first'
                          : `Make this step's lines part of step ${i} (the replay must stay the same)`
                      }
                      data-testid="edit-join"
                    >
                      Join with step {i}
                    </button>
                  )
                }
              />
            </Card>
          );
        })}
      </ol>
    </div>
  );
}

/** What the step runs and checks, as recorded (not editable here: it is what happened). */
function Lines({ step }: { step: StepInfo }) {
  const actions = step.actions ?? [];
  if (actions.length === 0 && step.expectations.length === 0)
    return <p className="edit-lines-none">This step runs no lines.</p>;
  return (
    // It scrolls when a step has many lines: focusable, so the keyboard can scroll it too.
    <ul
      className="edit-lines"
      aria-label="What the step runs and checks"
      tabIndex={0}
      data-testid="edit-lines"
    >
      {actions.map((a, k) => (
        <li key={`a${k}`}>
          <code>{a}</code>
        </li>
      ))}
      {step.expectations.map((x, k) => (
        <li key={`x${k}`} className="edit-expect">
          <code>{x.text}</code>
        </li>
      ))}
    </ul>
  );
}

function Actions({
  busy,
  dirty,
  onRevert,
  error,
  extra,
  testPrefix,
}: {
  busy: boolean;
  dirty: boolean;
  onRevert: () => void;
  error: string | undefined;
  extra?: ReactNode;
  testPrefix: string;
}) {
  return (
    <>
      <div className="edit-actions">
        <button type="submit" className="run" disabled={busy || !dirty} data-testid={`${testPrefix}-apply`}>
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button
          type="button"
          onClick={onRevert}
          disabled={busy || !dirty}
          data-testid={`${testPrefix}-revert`}
        >
          Revert
        </button>
        {extra}
        <span className="edit-hint">Ctrl+Enter applies</span>
      </div>
      {error && (
        <p className="edit-error" role="alert" data-testid={`${testPrefix}-error`}>
          Not changed: {error}
        </p>
      )}
    </>
  );
}
