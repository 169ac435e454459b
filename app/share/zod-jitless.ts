/**
 * The page's Content-Security-Policy (csp.ts) allows no eval. zod compiles fast object parsers
 * with `new Function` when it may, and decides whether it may with a `Function('')` probe, run
 * when an object schema is *defined*; under the policy that probe is refused and reported as a
 * violation. Told to be jitless, zod neither probes nor compiles. This must run before any module
 * defines a schema, so app/main.tsx imports it first of all.
 */

import { z } from 'zod';

z.config({ jitless: true });
