/**
 * The Content-Security-Policy of the built app, one directive per line with the reason for it.
 * vite.config.ts writes it into index.html as a <meta http-equiv> for the production build only
 * (the dev server injects inline scripts for React Fast Refresh, which it would block); the e2e
 * suite, which runs the production build, checks that the page has it and that nothing violates
 * it. docs/share-and-embed.md explains it for people deploying GIC Lab.
 *
 * The page loads nothing from elsewhere and needs no inline script, so the policy can say so:
 * a share link or a scenario file is data, and even if some text from one ever reached the DOM as
 * HTML, it could neither run script nor load anything from another origin.
 */

export const CSP_DIRECTIVES: readonly (readonly [directive: string, value: string])[] = [
  // Nothing is allowed unless a directive below allows it.
  ['default-src', "'none'"],
  // The bundle and its chunks, from this origin; no inline script, no eval.
  ['script-src', "'self'"],
  // The engine's module worker is a file of the bundle.
  ['worker-src', "'self'"],
  // Scenario files, the scenario index and traces are fetched from this origin only.
  ['connect-src', "'self'"],
  // Stylesheets are files of the bundle: no <style> element from anywhere else.
  ['style-src', "'self'"],
  // style="" attributes: the stage export sets computed styles on a copy of the SVG with
  // setAttribute('style'), which CSP checks. An attribute cannot load or select anything; a
  // <style> element, which could, stays forbidden by style-src.
  ['style-src-attr', "'unsafe-inline'"],
  // The favicon; data: and blob: for the images the export makes (an SVG drawn onto a canvas).
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self'"],
  ['manifest-src', "'self'"],
  // No plugins; no <base> that would re-point every relative URL; no form posting anywhere.
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  // frame-ancestors (who may frame the page) cannot be set from a <meta>: see the docs.
];

export const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.map(([d, v]) => `${d} ${v}`).join('; ');
