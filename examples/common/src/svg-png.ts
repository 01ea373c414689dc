import { Resvg } from '@resvg/resvg-js';

/**
 * Rasterises an SVG chart to PNG bytes with resvg (a maintained Rust renderer shipped as
 * prebuilt npm binaries). Text uses the system's sans-serif fonts when present.
 */
export function svgToPng(svg: string, width?: number): Uint8Array {
  const r = new Resvg(svg, {
    background: 'white',
    fitTo: width ? { mode: 'width', value: width } : { mode: 'original' },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}
