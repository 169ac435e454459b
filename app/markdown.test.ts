import { describe, expect, it } from 'vitest';
import { markdownToHtml } from './markdown';

describe('narration Markdown', () => {
  it('renders emphasis, code and lists', () => {
    const html = markdownToHtml('The **ITS** reads `MAPTI`:\n\n- one\n- two');
    expect(html).toContain('<strong>ITS</strong>');
    expect(html).toContain('<code>MAPTI</code>');
    expect(html).toContain('<li>one</li>');
  });

  it('never lets a scenario file put script or handlers into the page', () => {
    const html = markdownToHtml(
      '<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))',
    );
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/href="javascript/i);
    expect(markdownToHtml('[spec](https://developer.arm.com/)')).toContain(
      'href="https://developer.arm.com/"',
    );
  });
});
