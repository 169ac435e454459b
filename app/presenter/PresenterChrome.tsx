/**
 * What presenter mode adds to the page: a black screen while blanked (B), and a slim bar with the
 * speaker notes window and the way out, for a trainer who forgets the keys.
 */

import { appStore, useApp } from '../store';
import { leavePresenter, openSpeakerNotes } from './presenter';
import './presenter.css';

export function PresenterChrome() {
  const presenting = useApp((s) => s.presenting);
  const blanked = useApp((s) => s.blanked);
  if (!presenting) return null;
  return (
    <>
      <div className="presenter-bar" role="toolbar" aria-label="Presenter mode" data-testid="presenter-bar">
        <button type="button" onClick={() => void openSpeakerNotes()} title="Speaker notes window (n)">
          Speaker notes
        </button>
        <button type="button" onClick={() => appStore.getState().toggleBlank()} title="Blank the screen (B)">
          Blank
        </button>
        <button
          type="button"
          onClick={() => leavePresenter(appStore)}
          title="Leave presenter mode (f or Escape)"
        >
          Leave
        </button>
      </div>
      {blanked && (
        <div
          className="blank-screen"
          data-testid="blank-screen"
          role="presentation"
          onClick={() => appStore.getState().toggleBlank(false)}
        />
      )}
    </>
  );
}
