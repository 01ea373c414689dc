import { describe, expect, test } from 'vitest';
import { escapeXml, renderLightbox, renderReport } from '@patchfx/viz';

const EVIL = '<img src=x onerror=alert(1)>.png';
const SCRIPT_END = 'a</script><script>alert(2)</script>.png';

/** The JSON the lightbox script reads. */
function embeddedFiles(html: string): { url: string; caption: string }[] {
  const m = /<script type="application\/json" id="pfx-files">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded file list');
  return JSON.parse(m[1]) as { url: string; caption: string }[];
}

describe('escapeXml', () => {
  test('escapes the five specials and replaces characters XML forbids', () => {
    expect(escapeXml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeXml('a\u0000b\u001fc\ud800d')).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(escapeXml('tab\tnew\nline 😀')).toBe('tab\tnew\nline 😀');
  });
});

describe('renderLightbox', () => {
  const html = renderLightbox(
    [
      '001_patch_1.png',
      EVIL,
      { path: 'b.png', caption: SCRIPT_END },
      'sub dir/100% #1?.png',
      SCRIPT_END,
    ],
    { title: 'vis <fakes>' },
  );

  test('hostile names never appear as markup', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('onerror=alert(1)>');
    expect(html.match(/<\/script>/g)).toHaveLength(2); // only the two real script elements end
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.png');
    expect(html).toContain('<title>vis &lt;fakes&gt;</title>');
  });

  test('the embedded list round-trips through JSON.parse with encoded URLs', () => {
    const files = embeddedFiles(html);
    expect(files.map((f) => f.caption)).toEqual([
      '001_patch_1.png',
      EVIL,
      SCRIPT_END,
      '100% #1?.png',
      'script>.png',
    ]);
    expect(files[1].url).toBe('%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.png');
    expect(files[3].url).toBe('sub%20dir/100%25%20%231%3F.png');
    // '/' separates folders in a path, so this one is three segments, each encoded.
    expect(files[4].url).toBe('a%3C/script%3E%3Cscript%3Ealert(2)%3C/script%3E.png');
  });

  test('no network: a CSP meta tag and no external resources', () => {
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/);
  });

  test('entries: {path, caption}, {url}; refuses script URLs and absolute paths', () => {
    const page = renderLightbox([
      { path: 'a.png', caption: 'first' },
      { url: 'data:image/png;base64,AAAA' },
    ]);
    expect(embeddedFiles(page)).toEqual([
      { url: 'a.png', caption: 'first' },
      { url: 'data:image/png;base64,AAAA', caption: 'png;base64,AAAA' },
    ]);
    expect(() => renderLightbox([{ url: 'javascript:alert(1)' }])).toThrow(
      'files[0].url must be relative or use',
    );
    expect(() => renderLightbox([{ url: ' JavaScript:alert(1)' }])).not.toThrow(); // relative path " JavaScript:…" (leading space), harmless
    expect(() => renderLightbox(['/etc/passwd'])).toThrow(
      'files[0].path must be a non-empty path relative to the page',
    );
    expect(() => renderLightbox([{ path: 'a', url: 'b' }])).toThrow(
      "files[0] must have exactly one of 'path' or 'url'",
    );
  });

  test('an empty gallery says so', () => {
    expect(renderLightbox([])).toContain('No images.');
  });
});

describe('renderReport', () => {
  const html = renderReport(
    [
      {
        kind: 'metrics',
        title: 'AP ×100 <avg_after_softmax>',
        columns: ['model', 'celebahq-pgan', 'ffhq-sgan2'],
        rows: [
          ['xception_block2', 99.871, 87.5],
          ['resnet18_layer1', null, Number.NaN],
        ],
        caption: 'test partition, bestval',
      },
      {
        kind: 'pr-curves',
        title: 'PR',
        curves: [{ name: EVIL, precision: [0.5, 1], recall: [1, 0], ap: 0.75 }],
      },
      {
        kind: 'training-curves',
        title: 'training',
        charts: [
          { series: [{ name: 'loss_D', x: [0, 1], y: [0.7, 0.3] }] },
          { series: [{ name: 'acc_D_raw_val', x: [0, 1], y: [0.6, 0.9] }] },
        ],
      },
      {
        kind: 'gallery',
        title: 'easiest fakes',
        images: ['vis/fakes/easiest/001_patch_1.png', EVIL],
        link: { path: 'vis/fakes/easiest/+lightbox.html', caption: 'all' },
      },
      { kind: 'text', title: 'notes', paragraphs: ['<b>bold?</b>'] },
    ],
    { title: 'gp1-gan-winversion xception_block2', subtitle: 'run <1>' },
  );

  test('tables format numbers, escape text, dash nulls', () => {
    expect(html).toContain('<th scope="col">celebahq-pgan</th>');
    expect(html).toContain('<td class="num">99.87</td>');
    expect(html).toContain('<td class="num">87.50</td>');
    expect(html).toContain('<td class="num">—</td>');
    expect(html).toContain('<td class="num">NaN</td>');
    expect(html).toContain('AP ×100 &lt;avg_after_softmax&gt;');
    expect(html).toContain('<p class="caption">test partition, bestval</p>');
  });

  test('charts are inline SVG; galleries link relative paths; text is escaped', () => {
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain(
      '<a href="vis/fakes/easiest/001_patch_1.png"><img src="vis/fakes/easiest/001_patch_1.png"',
    );
    expect(html).toContain('href="%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.png"');
    expect(html).toContain('<a href="vis/fakes/easiest/%2Blightbox.html">all</a>');
    expect(html).toContain('<p>&lt;b&gt;bold?&lt;/b&gt;</p>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<script/);
    expect(html).toContain("script-src 'none'");
  });

  test('a table of contents links every section', () => {
    for (let i = 1; i <= 5; i++) {
      expect(html).toContain(`<a href="#section-${i}">`);
      expect(html).toContain(`<section id="section-${i}"`);
    }
  });

  test('malformed sections are reported with their index', () => {
    expect(() =>
      renderReport([{ kind: 'metrics', title: 't', columns: ['a', 'b'], rows: [['x']] }]),
    ).toThrow('sections[0].rows[0] has 1 cells but there are 2 columns');
    expect(() => renderReport([{ kind: 'plot', title: 't' } as never])).toThrow(
      "sections[0].kind must be one of 'metrics'",
    );
  });
});
