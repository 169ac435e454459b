import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { CONTENT_SECURITY_POLICY } from './app/share/csp.ts';

// Cross-origin isolation lets the worker share buffers with the page (SharedArrayBuffer) later on.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The Content-Security-Policy (app/share/csp.ts) as a <meta http-equiv> in the built index.html,
 * right after the charset and before any script or stylesheet, so it governs all of them. A meta
 * works on any static host, where headers may not be ours to set. Build only: the dev server
 * injects inline scripts (React Fast Refresh) that the policy rightly refuses.
 */
function contentSecurityPolicy(): Plugin {
  const charset = '<meta charset="UTF-8" />';
  return {
    name: 'giclab-content-security-policy',
    apply: 'build',
    transformIndexHtml(html) {
      if (!html.includes(charset)) throw new Error(`index.html: no ${charset} to put the CSP after`);
      return html.replace(
        charset,
        `${charset}\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`,
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
});
