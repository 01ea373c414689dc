import { escapeXml } from '../internal/escape.js';
import { htmlPage } from './page.js';
import { type GalleryItem, jsonForScript, resolveItem } from '../internal/url.js';

export type { GalleryItem };

/** Options for {@link renderLightbox}. */
export interface LightboxOptions {
  /**
   * Page title and heading.
   * @defaultValue 'images'
   */
  readonly title?: string;
  /**
   * Thumbnail edge in CSS pixels.
   * @defaultValue 160
   */
  readonly thumbSize?: number;
  /**
   * Initial text of the filter box.
   * @defaultValue ''
   */
  readonly filter?: string;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f4f4f5;color:#1f2328}
header{position:sticky;top:0;z-index:1;display:flex;gap:12px;align-items:center;flex-wrap:wrap;padding:10px 16px;background:#fff;border-bottom:1px solid #d0d7de}
h1{font-size:17px;margin:0 8px 0 0;font-weight:600;overflow-wrap:anywhere}
#filter{flex:0 1 320px;padding:6px 10px;font:inherit;border:1px solid #afb8c1;border-radius:6px}
#filter.invalid{border-color:#cf222e}
#count{color:#57606a}
#grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(var(--thumb),1fr));gap:12px;padding:16px}
.thumb{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:6px;overflow:hidden}
.thumb[hidden]{display:none}
.thumb a{display:flex;align-items:center;justify-content:center;height:var(--thumb);background:#eaeef2}
.thumb img{width:100%;height:100%;object-fit:contain}
.thumb figcaption{padding:4px 6px;font-size:12px;color:#424a53;overflow-wrap:anywhere}
.thumb a:focus-visible{outline:3px solid #0969da;outline-offset:-3px}
#viewer{position:fixed;inset:0;z-index:2;display:flex;align-items:center;justify-content:center;background:rgba(15,17,20,.92)}
#viewer[hidden]{display:none}
#viewer figure{margin:0;display:flex;flex-direction:column;align-items:center;max-width:86vw}
#big{height:80vh;width:auto;max-width:86vw;object-fit:contain;image-rendering:pixelated}
#caption{color:#f0f3f6;margin-top:10px;text-align:center;overflow-wrap:anywhere}
#viewer button{position:absolute;border:0;background:rgba(255,255,255,.12);color:#fff;font-size:28px;width:48px;height:48px;border-radius:24px;cursor:pointer}
#viewer button:hover{background:rgba(255,255,255,.25)}
#prev{left:16px;top:calc(50% - 24px)}#next{right:16px;top:calc(50% - 24px)}#close{right:16px;top:16px}
.empty{padding:24px;color:#57606a}
`;

const SCRIPT = `
(function () {
  'use strict';
  var files = JSON.parse(document.getElementById('pfx-files').textContent);
  var thumbs = Array.prototype.slice.call(document.querySelectorAll('.thumb'));
  var filter = document.getElementById('filter');
  var count = document.getElementById('count');
  var viewer = document.getElementById('viewer');
  var big = document.getElementById('big');
  var caption = document.getElementById('caption');
  var current = -1;
  var lastFocus = null;
  function visible() {
    return thumbs.filter(function (t) { return !t.hidden; }).map(function (t) { return Number(t.getAttribute('data-index')); });
  }
  function show(i) {
    current = i;
    var order = visible();
    var pos = order.indexOf(i);
    big.src = files[i].url;
    big.alt = files[i].caption;
    caption.textContent = files[i].caption + '  (' + (pos + 1) + ' / ' + order.length + ')';
    if (viewer.hidden) {
      lastFocus = document.activeElement;
      viewer.hidden = false;
      document.getElementById('close').focus();
    }
  }
  function close() {
    viewer.hidden = true;
    big.removeAttribute('src');
    current = -1;
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }
  function step(d) {
    var order = visible();
    if (order.length === 0) return close();
    var pos = order.indexOf(current);
    pos = pos < 0 ? 0 : (pos + d + order.length) % order.length;
    show(order[pos]);
  }
  function applyFilter() {
    var q = filter.value;
    var test;
    filter.classList.remove('invalid');
    try {
      var re = new RegExp(q, 'i');
      test = function (s) { return re.test(s); };
    } catch (e) {
      filter.classList.add('invalid');
      var lower = q.toLowerCase();
      test = function (s) { return s.toLowerCase().indexOf(lower) !== -1; };
    }
    var shown = 0;
    thumbs.forEach(function (t) {
      var f = files[Number(t.getAttribute('data-index'))];
      t.hidden = !(test(f.caption) || test(f.url));
      if (!t.hidden) shown++;
    });
    count.textContent = shown + ' of ' + files.length + ' images';
    if (!viewer.hidden && visible().indexOf(current) < 0) close();
  }
  thumbs.forEach(function (t) {
    t.querySelector('a').addEventListener('click', function (e) {
      e.preventDefault();
      show(Number(t.getAttribute('data-index')));
    });
  });
  document.getElementById('prev').addEventListener('click', function () { step(-1); });
  document.getElementById('next').addEventListener('click', function () { step(1); });
  document.getElementById('close').addEventListener('click', close);
  viewer.addEventListener('click', function (e) { if (e.target === viewer) close(); });
  document.addEventListener('keydown', function (e) {
    if (viewer.hidden) return;
    if (e.key === 'ArrowRight') { e.preventDefault(); step(1); }
    else if (e.key === 'ArrowLeft') { e.preventDefault(); step(-1); }
    else if (e.key === 'Escape') { e.preventDefault(); close(); }
  });
  filter.addEventListener('input', applyFilter);
  applyFilter();
})();
`;

/**
 * Renders a self-contained image gallery page (the reference's `+lightbox.html`, spec §4.4,
 * without its CDN libraries and directory-listing scraping): thumbnails of every file, click
 * to enlarge, ←/→ to step through the visible images, Esc to close, and a filter box
 * (case-insensitive regular expression, falling back to plain text when the pattern is
 * invalid). Works from `file://`; no network, no server.
 *
 * Every file name is HTML-escaped in the markup and percent-encoded in URLs; the file list the
 * script uses sits in a `<script type="application/json">` element with `<`, `>` and `&`
 * written as `\u` escapes, so a name like `<img src=x onerror=alert(1)>.png` or one containing
 * `</script>` shows as text and never runs. A Content-Security-Policy meta tag blocks
 * connections and foreign scripts on top of that.
 *
 * @param files - Image paths relative to the HTML file (`'a/b.png'`), or
 *   `{ path | url, caption? }` entries.
 * @param options - See {@link LightboxOptions}.
 * @returns The HTML document.
 * @throws If an entry has neither or both of `path`/`url`, an absolute path, a script-capable
 *   URL scheme, or `thumbSize` is not a positive number.
 *
 * @example
 * ```ts doctest
 * import { renderLightbox } from '@patchfx/viz';
 * const html = renderLightbox(['001_patch_1.png', '<b>.png'], { title: 'vis/fakes/easiest' });
 * html.includes('&lt;b&gt;.png'); // => true
 * html.includes('<b>'); // => false
 * ```
 */
export function renderLightbox(
  files: readonly (string | GalleryItem)[],
  options: LightboxOptions = {},
): string {
  const title = options.title ?? 'images';
  const thumb = options.thumbSize ?? 160;
  if (!(Number.isFinite(thumb) && thumb > 0)) {
    throw new Error(`thumbSize must be a positive number, got ${thumb}`);
  }
  const items = files.map((f, i) => resolveItem(f, i));
  const figures = items
    .map(
      (it, i) =>
        `<figure class="thumb" data-index="${i}"><a href="${escapeXml(it.url)}" title="${escapeXml(it.caption)}"><img src="${escapeXml(it.url)}" alt="${escapeXml(it.caption)}" loading="lazy"></a><figcaption>${escapeXml(it.caption)}</figcaption></figure>`,
    )
    .join('\n');
  return htmlPage({
    title,
    style: STYLE,
    inlineScripts: true,
    bodyAttributes: ` style="--thumb:${thumb}px"`,
    body: `<header><h1>${escapeXml(title)}</h1><input id="filter" type="search" placeholder="filter (regular expression)" aria-label="filter" value="${escapeXml(options.filter ?? '')}" autocomplete="off"><span id="count">${items.length} images</span></header>
<main id="grid">
${figures || '<p class="empty">No images.</p>'}
</main>
<div id="viewer" hidden role="dialog" aria-modal="true" aria-label="image viewer"><button id="prev" type="button" aria-label="previous">&#8249;</button><figure><img id="big" alt=""><figcaption id="caption"></figcaption></figure><button id="next" type="button" aria-label="next">&#8250;</button><button id="close" type="button" aria-label="close">&#215;</button></div>
<script type="application/json" id="pfx-files">${jsonForScript(items)}</script>
<script>${SCRIPT}</script>`,
  });
}
