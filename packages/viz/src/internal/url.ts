/** An image entry of a gallery: a file path relative to the page, or a ready URL. */
export interface GalleryItem {
  /** Path relative to the HTML file, `/`-separated; each segment is percent-encoded for you. */
  readonly path?: string;
  /** A URL used as is (http(s), data:image, blob:, file:, or relative). Give `path` or `url`. */
  readonly url?: string;
  /** Caption; defaults to the path's (or URL's) last segment. */
  readonly caption?: string;
}

const SAFE_URL = /^(?:https?:|data:image\/|blob:|file:)/i;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Percent-encodes each `/`-separated segment of a relative path (so `#`, `?`, `%`, `<` stay literal). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((seg) => (seg === '.' || seg === '..' ? seg : encodeURIComponent(seg)))
    .join('/');
}

/** Resolves a gallery entry to `{ url, caption }`, refusing script-capable URLs. */
export function resolveItem(
  item: string | GalleryItem,
  index: number,
): { url: string; caption: string } {
  const entry: GalleryItem = typeof item === 'string' ? { path: item } : item;
  if ((entry.path === undefined) === (entry.url === undefined)) {
    throw new Error(`files[${index}] must have exactly one of 'path' or 'url'`);
  }
  if (entry.path !== undefined) {
    if (entry.path === '' || entry.path.startsWith('/') || /^[a-z]:[\\/]/i.test(entry.path)) {
      throw new Error(
        `files[${index}].path must be a non-empty path relative to the page, got ${JSON.stringify(entry.path)}`,
      );
    }
    const name = entry.path.split('/').filter(Boolean).pop() ?? entry.path;
    return { url: encodePath(entry.path), caption: entry.caption ?? name };
  }
  const url = entry.url!;
  if (HAS_SCHEME.test(url) && !SAFE_URL.test(url)) {
    throw new Error(
      `files[${index}].url must be relative or use http:, https:, data:image/, blob: or file:, got ${JSON.stringify(url.slice(0, 40))}`,
    );
  }
  const last = url.split(/[?#]/)[0].split('/').filter(Boolean).pop() ?? url;
  let caption = entry.caption;
  if (caption === undefined) {
    try {
      caption = decodeURIComponent(last);
    } catch {
      caption = last;
    }
  }
  return { url, caption };
}

/**
 * JSON for embedding inside `<script type="application/json">`: `<`, `>`, `&` and the line
 * separators are written as `\u` escapes, so no `</script>` or `<!--` can end or confuse the
 * element; `JSON.parse` restores them.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
