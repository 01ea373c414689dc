import { escapeXml } from '../internal/escape.js';

/** What {@link htmlPage} puts around a page's body. @internal */
export interface HtmlPageParts {
  /** The page title (plain text; escaped here). */
  readonly title: string;
  /** The page's CSS, inlined in a `<style>` element. */
  readonly style: string;
  /** Whether the page runs inline `<script>`s (the Content-Security-Policy allows them or none). */
  readonly inlineScripts: boolean;
  /** Attributes of `<body>`, each with a leading space (e.g. ` style="--thumb:160px"`). */
  readonly bodyAttributes?: string;
  /** The HTML between `<body>` and `</body>`. */
  readonly body: string;
}

/**
 * The one HTML page shell of `@patchfx/viz`: a self-contained UTF-8 page whose
 * Content-Security-Policy allows images from anywhere, inline styles and (when asked) inline
 * scripts, and nothing else (no fetches, no forms). @internal
 */
export function htmlPage(parts: HtmlPageParts): string {
  const script = parts.inlineScripts ? "'unsafe-inline'" : "'none'";
  const csp = `default-src 'none'; img-src 'self' file: data: blob: http: https:; style-src 'unsafe-inline'; script-src ${script}; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="@patchfx/viz">
<title>${escapeXml(parts.title)}</title>
<style>${parts.style}</style>
</head>
<body${parts.bodyAttributes ?? ''}>
${parts.body}
</body>
</html>
`;
}
