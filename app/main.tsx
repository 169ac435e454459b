/**
 * Entry point: renders the page and starts the session (scenario index + the scenario named in
 * the URL) from outside React, so the start-up does not depend on effects running once.
 */

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { appStore } from './store';
import { scenarioFromUrl } from './url';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

void appStore.getState().start(scenarioFromUrl());
