/**
 * The presenting window's side of the speaker notes channel: silent until a notes window says
 * hello (also when the hello comes before a session is open), then the lesson and every move;
 * commands obeyed only in presenter mode; malformed messages ignored.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../store/store';
import { inProcessClient } from '../worker/in-process-client';
import { bindPresenterSync, type NotesMessage } from './notes-channel';

const lesson = readFileSync('e2e/fixtures/lesson-fixture.json', 'utf8');

function fakeChannel() {
  const target = new EventTarget();
  const posted: NotesMessage[] = [];
  const channel = {
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    postMessage: (m: NotesMessage) => posted.push(m),
  } as unknown as BroadcastChannel;
  const receive = (data: unknown): boolean => target.dispatchEvent(new MessageEvent('message', { data }));
  return { channel, posted, receive };
}

function store() {
  const engine = inProcessClient();
  return createAppStore({
    engine: () => engine,
    fetchScenario: () => Promise.resolve(lesson),
    fetchCatalog: () => Promise.resolve([]),
  });
}

describe('bindPresenterSync', () => {
  it('posts nothing until a notes window says hello, then the lesson and every move', async () => {
    const s = store();
    const { channel, posted, receive } = fakeChannel();
    bindPresenterSync(s, channel);
    await s.getState().open('lesson-fixture.json');
    s.getState().setAskFirst(false);
    await s.getState().stepForward();
    expect(posted).toEqual([]);
    receive({ type: 'hello' });
    expect(posted.map((m) => m.type)).toEqual(['lesson', 'place']);
    await s.getState().stepForward();
    expect(posted.at(-1)).toMatchObject({ type: 'place', position: s.getState().position });
  });

  it('follows a notes window that said hello before the session opened', async () => {
    const s = store();
    const { channel, posted, receive } = fakeChannel();
    bindPresenterSync(s, channel);
    receive({ type: 'hello' });
    expect(posted).toEqual([]);
    await s.getState().open('lesson-fixture.json');
    expect(posted.some((m) => m.type === 'lesson' && m.steps.length === 3)).toBe(true);
  });

  it('obeys commands only in presenter mode, and ignores what is not a message', async () => {
    const s = store();
    const { channel, receive } = fakeChannel();
    bindPresenterSync(s, channel);
    await s.getState().open('lesson-fixture.json');
    receive({ type: 'command', command: 'blank' });
    expect(s.getState().blanked).toBe(false);
    s.getState().setPresenting(true);
    receive({ type: 'command', command: 'explode' });
    receive('blank');
    expect(s.getState().blanked).toBe(false);
    receive({ type: 'command', command: 'blank' });
    expect(s.getState().blanked).toBe(true);
  });
});
