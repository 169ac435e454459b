/**
 * The module Web Worker that hosts the engine in the browser. Heavy work (loading, running a
 * scenario, narrating events) happens here, off the page's thread; the page talks to it through
 * comlink (see client.ts) and receives only plain records.
 */

import * as Comlink from 'comlink';
import { EngineHost } from './engine-host';

Comlink.expose(new EngineHost());
