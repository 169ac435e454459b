/** What went wrong, where the user will see it: load errors (file, line, column, field) and engine restarts. */

import { appStore, useApp } from '../store';

export function Notices() {
  const errors = useApp((s) => s.errors);
  const notice = useApp((s) => s.notice);
  const open = useApp((s) => s.session !== null);
  return (
    <>
      {notice && (
        <div className="notice" role="status" data-testid="notice">
          <span>{notice}</span>
          <button type="button" onClick={() => appStore.getState().setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {errors.length > 0 && (
        <div className="errors" role="alert" data-testid="errors">
          <strong>
            {/* A scenario file, a trace, a share link: each error line names which. */}
            {open
              ? 'That could not be opened; what you had open is still here:'
              : 'That could not be opened:'}
          </strong>
          <ul>
            {errors.map((e, i) => (
              <li key={i}>
                <code>{e}</code>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => appStore.getState().dismissErrors()}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
