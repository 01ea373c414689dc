/**
 * Procedural face-like portraits with a per-pixel part label map: the "scene" of the
 * synthetic benchmark, before any generator stage or sensor noise.
 */
import { noiseField } from './noise.js';
import { FACE_PARTS, type FacePart } from '../parts.js';
import type { UniformStream } from '@patchfx/data';
import { gaussian, pick, uniform } from './rng.js';

/** Scene options (all optional when passed to {@link renderScene}). */
export interface SceneOptions {
  /** Image side in pixels (square). An even integer ≥ 32. @defaultValue 128 */
  readonly size: number;
  /** Probability that the person wears a hat (label `hat`). @defaultValue 0.06 */
  readonly hatProbability: number;
  /**
   * Framing: magnification about the middle of the face. `1` is a head-and-shoulders portrait
   * (face a third of the width, background most of the image); `2` frames the face as FFHQ /
   * CelebA-HQ aligned crops do (eyes a little above the middle, mouth at about 3/4 of the
   * height, face half the width, the top of the hair sometimes cut). In [0.5, 4].
   * @defaultValue 1
   */
  readonly zoom: number;
}

/** Defaults of {@link SceneOptions}. */
export const DEFAULT_SCENE_OPTIONS: Readonly<SceneOptions> = Object.freeze({
  size: 128,
  hatProbability: 0.06,
  zoom: 1,
});

/**
 * A rendered scene: a clean RGB image and its part labels.
 *
 * Layout: `rgb` is row-major HWC (`[size, size, 3]`), float in [0, 1]; `labels` is row-major
 * `[size, size]`, each value an index into {@link FACE_PARTS}.
 */
export interface SyntheticScene {
  /** Image side in pixels. */
  readonly size: number;
  /** Clean image, HWC float in [0, 1], `size * size * 3` values. */
  readonly rgb: Float32Array;
  /** Part label per pixel (ids of {@link FACE_PARTS}), `size * size` values. */
  readonly labels: Uint8Array;
}

/**
 * Returns a complete, validated copy of scene options.
 *
 * @throws When `size` is not an even integer ≥ 32 or `hatProbability` is outside [0, 1].
 *
 * @example
 * ```ts doctest
 * import { resolveSceneOptions } from '@patchfx/segment';
 * resolveSceneOptions({ size: 64 }); // => { size: 64, hatProbability: 0.06, zoom: 1 }
 * ```
 */
export function resolveSceneOptions(options: Partial<SceneOptions> = {}): SceneOptions {
  const keys = Object.keys(DEFAULT_SCENE_OPTIONS);
  for (const k of Object.keys(options)) {
    if (!keys.includes(k))
      throw new Error(`unknown scene option '${k}'; valid: ${keys.join(', ')}`);
  }
  const o = { ...DEFAULT_SCENE_OPTIONS, ...options };
  if (!Number.isInteger(o.size) || o.size < 32 || o.size % 2 !== 0) {
    throw new Error(`size must be an even integer ≥ 32, got ${o.size}`);
  }
  if (!(o.hatProbability >= 0 && o.hatProbability <= 1)) {
    throw new Error(`hatProbability must be in [0, 1], got ${o.hatProbability}`);
  }
  if (!(o.zoom >= 0.5 && o.zoom <= 4)) {
    throw new Error(`zoom must be in [0.5, 4], got ${o.zoom}`);
  }
  return { size: o.size, hatProbability: o.hatProbability, zoom: o.zoom };
}

type Rgb = [number, number, number];

/** Vertical layout coordinate that `zoom` keeps in place: about the middle of the face. */
const ZOOM_CENTRE_Y = 55;

/** Label id of each part: its index in `FACE_PARTS`. */
const ID = Object.fromEntries(FACE_PARTS.map((p, i) => [p, i])) as Record<FacePart, number>;

const SKIN_DARK: Rgb = [0.36, 0.22, 0.15];
const SKIN_MID: Rgb = [0.72, 0.5, 0.38];
const SKIN_LIGHT: Rgb = [0.97, 0.82, 0.72];
const HAIR_COLOURS: readonly Rgb[] = [
  [0.07, 0.06, 0.06],
  [0.16, 0.11, 0.08],
  [0.3, 0.19, 0.11],
  [0.46, 0.31, 0.18],
  [0.78, 0.62, 0.38],
  [0.88, 0.77, 0.55],
  [0.58, 0.24, 0.1],
  [0.62, 0.6, 0.58],
  [0.86, 0.85, 0.84],
];
const SCLERA: Rgb = [0.93, 0.91, 0.88];
const LASH: Rgb = [0.08, 0.06, 0.05];
const PUPIL: Rgb = [0.04, 0.03, 0.03];
const HIGHLIGHT: Rgb = [0.97, 0.97, 0.97];
const TEETH: Rgb = [0.9, 0.88, 0.82];
const INNER_MOUTH: Rgb = [0.3, 0.07, 0.08];
const IRIS_COLOURS: readonly Rgb[] = [
  [0.3, 0.18, 0.1],
  [0.2, 0.12, 0.07],
  [0.25, 0.45, 0.7],
  [0.35, 0.5, 0.3],
  [0.45, 0.45, 0.45],
];

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function scale(a: Rgb, s: number): Rgb {
  return [a[0] * s, a[1] * s, a[2] * s];
}

function jitter(rng: UniformStream, c: Rgb, amount: number): Rgb {
  return [
    c[0] * (1 + amount * (rng() * 2 - 1)),
    c[1] * (1 + amount * (rng() * 2 - 1)),
    c[2] * (1 + amount * (rng() * 2 - 1)),
  ];
}

/** A random colour, pulled part-way towards its own grey so that it stays plausible. */
function randomColour(rng: UniformStream, lo: number, hi: number): Rgb {
  const c: Rgb = [uniform(rng, lo, hi), uniform(rng, lo, hi), uniform(rng, lo, hi)];
  const grey = (c[0] + c[1] + c[2]) / 3;
  return mix(c, [grey, grey, grey], uniform(rng, 0.2, 0.6));
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

type HairStyle = 'short' | 'medium' | 'long';

/** Everything random about one portrait, in units of a 128-px image. */
function sampleLayout(rng: UniformStream, hatProbability: number) {
  const cx = 64 + clamp(gaussian(rng) * 4, -9, 9);
  const cy = uniform(rng, 54, 62);
  const a = uniform(rng, 17.5, 21.5);
  const b = a * uniform(rng, 1.22, 1.36);
  const theta = uniform(rng, -0.13, 0.13);
  const taper = uniform(rng, 0.12, 0.3);
  const tone = rng();
  const skin = jitter(
    rng,
    tone < 0.5 ? mix(SKIN_DARK, SKIN_MID, tone * 2) : mix(SKIN_MID, SKIN_LIGHT, tone * 2 - 1),
    0.06,
  );
  const light = uniform(rng, -Math.PI * 0.85, -Math.PI * 0.15); // from above, left or right
  const style: HairStyle = pick(rng, ['short', 'medium', 'medium', 'long', 'long'] as const);
  const hairColour = jitter(rng, pick(rng, HAIR_COLOURS), 0.1);
  const hair = {
    style,
    colour: hairColour,
    capW: a * uniform(rng, 1.14, 1.34),
    capH: b * uniform(rng, 1.04, 1.2),
    capDy: -b * uniform(rng, 0.06, 0.2),
    hairline: uniform(rng, 0.38, 0.62),
    temple: uniform(rng, 0.25, 0.8),
    part: uniform(rng, -0.25, 0.25),
    cut:
      style === 'short'
        ? b * uniform(rng, -0.05, 0.3)
        : style === 'medium'
          ? b * uniform(rng, 0.55, 1.0)
          : b * uniform(rng, 1.8, 2.6),
    flare: a * uniform(rng, 0.08, 0.4),
    edge: uniform(rng, 1.5, 4),
    strand: uniform(rng, 4, 6.5),
    sheen: uniform(rng, 0.1, 0.3),
  };
  const ears = rng() < (style === 'short' ? 0.9 : style === 'medium' ? 0.35 : 0.05);
  const eyeX = a * uniform(rng, 0.36, 0.44);
  const eyeY = -b * uniform(rng, 0.02, 0.12);
  const eyeW = a * uniform(rng, 0.2, 0.25);
  const eyeH = eyeW * uniform(rng, 0.42, 0.56);
  const eyes = {
    x: eyeX,
    y: eyeY,
    w: eyeW,
    h: eyeH,
    iris: eyeH * uniform(rng, 0.8, 0.98),
    gazeX: eyeW * uniform(rng, -0.18, 0.18),
    gazeY: eyeH * uniform(rng, -0.1, 0.1),
    colour: jitter(rng, pick(rng, IRIS_COLOURS), 0.12),
  };
  const brows = {
    y: eyeY - b * uniform(rng, 0.16, 0.22),
    len: eyeW * uniform(rng, 1.1, 1.4),
    thick: uniform(rng, 1.8, 3.4),
    arch: uniform(rng, 0.6, 2.8),
    tilt: uniform(rng, -1.2, 1.2),
    colour: scale(mix(hairColour, [0.12, 0.08, 0.06], 0.45), uniform(rng, 0.75, 0.95)),
  };
  const nose = {
    top: eyeY + eyeH * 0.6,
    tip: b * uniform(rng, 0.3, 0.42),
    width: a * uniform(rng, 0.26, 0.36),
  };
  const mouthOpen = rng() < 0.3 ? uniform(rng, 0.8, 3.5) : 0;
  const mouth = {
    y: b * uniform(rng, 0.56, 0.66),
    w: a * uniform(rng, 0.3, 0.42),
    upper: uniform(rng, 1.6, 3),
    lower: uniform(rng, 2, 4),
    smile: uniform(rng, -0.5, 2),
    open: mouthOpen,
    colour: mix(skin, jitter(rng, [0.7, 0.28, 0.3], 0.15), uniform(rng, 0.35, 0.7)),
  };
  const chinX = cx - Math.sin(theta) * b;
  const chinY = cy + Math.cos(theta) * b;
  const shoulderTop = clamp(chinY + uniform(rng, 20, 28), 108, 118);
  const neck = {
    x: chinX,
    w: a * uniform(rng, 0.52, 0.66),
    depth: uniform(rng, 3, 12),
    vNeck: rng() < 0.5,
  };
  const clothesBase = randomColour(rng, 0.05, 0.85);
  const clothes = {
    top: shoulderTop,
    halfWidth: uniform(rng, 30, 42),
    drop: uniform(rng, 5, 14),
    colour: clothesBase,
    colour2: mix(clothesBase, randomColour(rng, 0.05, 0.95), uniform(rng, 0.3, 0.8)),
    pattern: pick(rng, ['plain', 'plain', 'stripes', 'checks'] as const),
    period: uniform(rng, 7, 13),
    angle: uniform(rng, -0.4, 0.4),
  };
  const background = {
    c1: randomColour(rng, 0.1, 0.95),
    c2: randomColour(rng, 0.05, 0.9),
    dir: uniform(rng, 0, Math.PI * 2),
    blotch: uniform(rng, 0.05, 0.25),
    grain: uniform(rng, 0.01, 0.05),
    band: rng() < 0.4,
    bandX0: uniform(rng, 0, 128),
    bandW: uniform(rng, 8, 40),
    bandColour: randomColour(rng, 0.1, 0.95),
    discs: Array.from({ length: rng() < 0.35 ? 2 + Math.floor(rng() * 5) : 0 }, () => ({
      x: uniform(rng, 0, 128),
      y: uniform(rng, 0, 128),
      r: uniform(rng, 4, 14),
      gain: uniform(rng, 0.08, 0.3),
    })),
  };
  const hat =
    rng() < hatProbability
      ? {
          bottom: uniform(rng, 0.5, 0.75),
          brim: uniform(rng, 2, 4.5),
          colour: randomColour(rng, 0.05, 0.9),
        }
      : null;
  const exposure = uniform(rng, 0.88, 1.08);
  const balance: Rgb = [uniform(rng, 0.94, 1.06), 1, uniform(rng, 0.94, 1.06)];
  return {
    cx,
    cy,
    a,
    b,
    theta,
    taper,
    skin,
    light,
    hair,
    ears,
    eyes,
    brows,
    nose,
    mouth,
    neck,
    clothes,
    background,
    hat,
    exposure,
    balance,
  };
}

/**
 * Renders one procedural face-like portrait and its part label map.
 *
 * The scene is painted back to front: background (two-colour gradient, blotches, grain,
 * sometimes a door/window band or out-of-focus discs), clothes (shoulders with plain,
 * striped or checked fabric and a V or round neckline), long hair behind the head, neck,
 * ears (when the hair style shows them), the face (an egg-shaped ellipse with Lambert
 * shading and skin texture), the hairline over the forehead, brows, eyes (white, iris,
 * pupil, lash line, highlight), nose (shaded ridge and nostrils), mouth (lips, sometimes
 * open with teeth) and sometimes a hat. Face position, size, rotation (±7°), colours and
 * shapes all vary. A mild lens blur ends the render; no sensor noise is added here.
 *
 * Output shape: `rgb` `[size, size, 3]` row-major float in [0, 1]; `labels` `[size, size]`.
 *
 * @param options - {@link SceneOptions}; missing fields take {@link DEFAULT_SCENE_OPTIONS}.
 * @param rng - The random source; the scene is a pure function of its sequence.
 * @returns A new scene (plain typed arrays, owned by the caller).
 * @throws When an option is invalid (see {@link resolveSceneOptions}).
 *
 * @example
 * ```ts doctest
 * import { uniformStream } from '@patchfx/data';
 * import { renderScene, FACE_PARTS } from '@patchfx/segment';
 * const scene = renderScene({ size: 64 }, uniformStream(3));
 * scene.rgb.length; // => 64 * 64 * 3
 * FACE_PARTS[scene.labels[0]]; // => 'background'
 * ```
 */
export function renderScene(options: Partial<SceneOptions>, rng: UniformStream): SyntheticScene {
  const { size, hatProbability, zoom } = resolveSceneOptions(options);
  const L = sampleLayout(rng, hatProbability);
  const S = size / 128;
  const Z = S * zoom; // pixels per layout unit
  const low = noiseField(rng, size, [40 * Z, 20 * Z]);
  const mid = noiseField(rng, size, [10 * Z, 5 * Z]);
  const fine = noiseField(rng, size, [2.5 * Z, 1.25 * Z]);
  const rgb = new Float32Array(size * size * 3);
  const labels = new Uint8Array(size * size);

  const { cx, cy, a, b, hair, eyes, brows, nose, mouth, neck, clothes, background: bg } = L;
  const cosT = Math.cos(L.theta);
  const sinT = Math.sin(L.theta);
  const lx = Math.cos(L.light);
  const ly = Math.sin(L.light);
  const lz = 0.75;
  const bgDx = Math.cos(bg.dir);
  const bgDy = Math.sin(bg.dir);
  const stripeC = Math.cos(clothes.angle);
  const stripeS = Math.sin(clothes.angle);

  const faceHalf = (vv: number) => a * (vv > 0 ? 1 - L.taper * (vv / b) ** 2 : 1);
  const shade = (nx: number, ny: number, nz: number) =>
    0.62 + 0.38 * Math.max(0, nx * lx + ny * ly + nz * lz);
  const capMax = Math.max(hair.capW, hair.capH);
  const [sr, sg, sb] = L.skin;
  let r = 0;
  let g = 0;
  let bl = 0;
  const set = (c: Rgb, s: number) => {
    r = c[0] * s;
    g = c[1] * s;
    bl = c[2] * s;
  };

  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const p = py * size + px;
      // Layout coordinates (128-px units), magnified by `zoom` about (64, ZOOM_CENTRE_Y).
      const X = zoom === 1 ? (px + 0.5) / S : 64 + ((px + 0.5) / S - 64) / zoom;
      const Y =
        zoom === 1 ? (py + 0.5) / S : ZOOM_CENTRE_Y + ((py + 0.5) / S - ZOOM_CENTRE_Y) / zoom;
      const nLow = low[p];
      const nMid = mid[p];
      const nFine = fine[p];
      // Head-local coordinates: u to the right, v down, rotated with the head.
      const dx = X - cx;
      const dy = Y - cy;
      const u = cosT * dx + sinT * dy;
      const v = -sinT * dx + cosT * dy;

      // Background: gradient, an optional band, out-of-focus discs, blotches and grain.
      const t = clamp(0.5 + ((X - 64) * bgDx + (Y - 64) * bgDy) / 128, 0, 1);
      r = bg.c1[0] + (bg.c2[0] - bg.c1[0]) * t;
      g = bg.c1[1] + (bg.c2[1] - bg.c1[1]) * t;
      bl = bg.c1[2] + (bg.c2[2] - bg.c1[2]) * t;
      if (bg.band && (((X - bg.bandX0) % 128) + 128) % 128 < bg.bandW) {
        r += (bg.bandColour[0] - r) * 0.6;
        g += (bg.bandColour[1] - g) * 0.6;
        bl += (bg.bandColour[2] - bl) * 0.6;
      }
      let gain = 1 + bg.blotch * nLow + 0.5 * bg.blotch * nMid + bg.grain * nFine;
      for (const d of bg.discs) {
        const r2 = ((X - d.x) ** 2 + (Y - d.y) ** 2) / (d.r * d.r);
        if (r2 < 1) gain *= 1 + d.gain * (1 - r2 * r2);
      }
      r *= gain;
      g *= gain;
      bl *= gain;
      let label = ID.background;

      // Clothes: shoulders below a curved line, arms dropping off beyond halfWidth.
      const sx = Math.abs(X - neck.x);
      const shoulder =
        clothes.top +
        clothes.drop * Math.min(1, sx / clothes.halfWidth) ** 2 +
        Math.max(0, sx - clothes.halfWidth) * 2.5 +
        1.2 * nMid;
      if (Y >= shoulder) {
        let cc = clothes.colour;
        if (clothes.pattern !== 'plain') {
          const su = stripeC * X + stripeS * Y;
          const sv = -stripeS * X + stripeC * Y;
          const s1 = Math.sin((2 * Math.PI * su) / clothes.period) > 0;
          const s2 = Math.sin((2 * Math.PI * sv) / clothes.period) > 0;
          if (clothes.pattern === 'stripes' ? s1 : s1 !== s2) cc = clothes.colour2;
        }
        const fold = 1 + 0.12 * nMid + 0.05 * nFine - 0.25 * Math.min(1, sx / 70) ** 2;
        set(cc, fold * (0.85 + 0.15 * Math.min(1, (Y - shoulder) / 6)));
        label = ID.clothes;
      }

      // Hair behind the head: a cap around the skull, plus a curtain down to `cut`.
      const edgeNoise = hair.edge * nMid;
      const capR = Math.sqrt((u / hair.capW) ** 2 + ((v - hair.capDy) / hair.capH) ** 2);
      let inHair = false;
      if (v <= hair.cut + edgeNoise) {
        if ((capR - 1) * capMax < edgeNoise) inHair = true;
        if (hair.style !== 'short' && v > hair.capDy) {
          const half = hair.capW + (hair.flare * Math.max(0, v)) / b;
          const bottom = hair.cut - (3 * (u / half) ** 2 * hair.edge) / 2;
          if (Math.abs(u) < half + edgeNoise && v < bottom + edgeNoise) inHair = true;
        }
      }
      // Hair colour: strands along the fall of the hair, grain, a sheen band, darker edges.
      const strand = Math.sin((2 * Math.PI * (u + 3 * nMid + 1.5 * nLow)) / hair.strand);
      const hairShade =
        1 + 0.08 * strand + 0.1 * nFine - 0.25 * Math.min(1, Math.max(0, capR - 0.7));
      const sheen = hair.sheen * Math.exp(-(((v + b * 0.55) / 6) ** 2)) * (0.6 + 0.4 * strand);
      const hr = hair.colour[0] * hairShade + sheen * 0.6;
      const hg = hair.colour[1] * hairShade + sheen * 0.55;
      const hb = hair.colour[2] * hairShade + sheen * 0.5;
      if (inHair) {
        r = hr;
        g = hg;
        bl = hb;
        label = ID.hair;
      }

      // Neck (vertical, follows the chin) and the skin of the neckline.
      if (Y > cy) {
        const half = neck.w * (1 + 0.25 * Math.max(0, (Y - clothes.top + 8) / 12));
        const opening = neck.w * 1.7;
        const line = neck.vNeck
          ? clothes.top + neck.depth * (1 - sx / opening)
          : clothes.top + neck.depth * Math.sqrt(Math.max(0, 1 - (sx / opening) ** 2));
        const inNeck = Y < clothes.top ? sx < half : sx < opening && Y < line;
        if (inNeck) {
          const under = Math.max(0, 1 - (Y - (cy + b * 0.8)) / 14);
          const side = clamp((X - neck.x) / (half + 1e-6), -1, 1);
          set(L.skin, (0.82 - 0.22 * under) * shade(side * 0.6, 0, 0.8) * (1 + 0.03 * nFine));
          label = ID.neck;
        }
      }

      // Ears, when the hair style leaves them visible.
      if (L.ears) {
        const ev = v - b * 0.02;
        const eu = Math.abs(u) - a;
        const er = (eu / (a * 0.2)) ** 2 + (ev / (b * 0.27)) ** 2;
        if (er <= 1) {
          set(L.skin, 0.88 - 0.15 * Math.max(0, 0.5 - er));
          label = ID.ear;
        }
      }

      // Face: an egg-shaped ellipse with Lambert shading.
      const fu = u / faceHalf(v);
      const fv = v / b;
      const fr = fu * fu + fv * fv;
      if (fr <= 1) {
        const nz = Math.sqrt(1 - fr);
        const cheek = Math.exp(-(((Math.abs(u) - a * 0.5) / 6) ** 2 + ((v - b * 0.25) / 6) ** 2));
        const socket = Math.exp(
          -(((Math.abs(u) - eyes.x) / (eyes.w * 1.3)) ** 2 + ((v - eyes.y) / (eyes.h * 2.2)) ** 2),
        );
        const s = shade(fu, fv, nz) * (1 + 0.035 * nFine + 0.04 * nMid) * (1 - 0.1 * socket);
        r = sr * s * (1 + 0.04 * cheek);
        g = sg * s * (1 - 0.05 * cheek);
        bl = sb * s * (1 - 0.06 * cheek);
        label = ID.skin;

        // Hairline over the forehead (and the parting).
        const hairline =
          -b * hair.hairline + b * hair.temple * fu * fu * 0.5 + hair.part * u + edgeNoise;
        if (v < hairline) {
          r = hr;
          g = hg;
          bl = hb;
          label = ID.hair;
        }

        // Brows.
        for (let sgn = -1; sgn <= 1; sgn += 2) {
          const bu = (u - sgn * eyes.x) / brows.len;
          if (Math.abs(bu) > 1) continue;
          const centre = brows.y - brows.arch * (1 - bu * bu) + brows.tilt * sgn * bu;
          const half = (brows.thick / 2) * (1 - 0.45 * Math.max(0, sgn * bu));
          if (Math.abs(v - centre) <= half) {
            set(brows.colour, 1 + 0.15 * nFine);
            label = ID.brows;
          }
        }

        // Eyes: white, iris, pupil, lash line, highlight.
        for (let sgn = -1; sgn <= 1; sgn += 2) {
          const eu = (u - sgn * eyes.x) / eyes.w;
          if (Math.abs(eu) >= 1) continue;
          const ev = (v - eyes.y) / eyes.h;
          const topLid = -(1 - eu * eu);
          const bottomLid = 0.8 * (1 - eu * eu) ** 1.2;
          if (ev < topLid || ev > bottomLid) continue;
          const iu = u - sgn * eyes.x - eyes.gazeX;
          const iv = v - eyes.y - eyes.gazeY;
          const ir = Math.sqrt(iu * iu + iv * iv);
          if (ev < topLid + 0.32) set(LASH, 1);
          else if (Math.hypot(iu - eyes.iris * 0.35, iv + eyes.iris * 0.35) < eyes.iris * 0.22) {
            set(HIGHLIGHT, 1);
          } else if (ir < eyes.iris * 0.45) set(PUPIL, 1);
          else if (ir < eyes.iris) set(eyes.colour, 0.75 + 0.35 * (ir / eyes.iris));
          else set(SCLERA, 0.95 - 0.25 * eu * eu);
          label = ID.eye;
        }

        // Nose: a ridge widening to the tip, nostrils at the bottom.
        if (v >= nose.top && v <= nose.tip + nose.width * 0.3) {
          const tt = clamp((v - nose.top) / (nose.tip - nose.top), 0, 1);
          let half = a * 0.07 + (nose.width / 2 - a * 0.07) * tt ** 2.2;
          if (v > nose.tip) {
            const q = (v - nose.tip) / (nose.width * 0.3);
            half = (nose.width / 2) * Math.sqrt(Math.max(0, 1 - q * q));
          }
          if (Math.abs(u) <= half) {
            const side = u / (half + 1e-6);
            const tip = Math.exp(
              -((u / (nose.width * 0.2)) ** 2 + ((v - nose.tip + 1) / 2.5) ** 2),
            );
            let s = shade(side * 0.7, 0.2, 0.7) * (1 + 0.03 * nFine) * (1 + 0.12 * tip);
            for (let sgn = -1; sgn <= 1; sgn += 2) {
              const q =
                ((u - sgn * nose.width * 0.22) / 1.7) ** 2 + ((v - nose.tip - 0.6) / 1.1) ** 2;
              if (q < 1) s *= 0.45 + 0.3 * q;
            }
            set(L.skin, s);
            label = ID.nose;
          }
        }

        // Mouth: lips, sometimes open with teeth.
        const mu = u / mouth.w;
        if (Math.abs(mu) < 1) {
          const w = 1 - mu * mu;
          const midLine = mouth.y - mouth.smile * mu * mu;
          const bow = 0.5 * Math.exp(-((mu / 0.15) ** 2));
          const top = midLine - mouth.open / 2 - mouth.upper * w ** 0.7 + bow;
          const bottom = midLine + mouth.open / 2 + mouth.lower * w ** 0.6;
          if (v >= top && v <= bottom) {
            if (Math.abs(v - midLine) < 0.6 + (mouth.open / 2) * w) {
              const teeth = mouth.open > 1.6 && v < midLine - mouth.open / 2 + mouth.open * 0.45;
              if (mouth.open === 0) set(mouth.colour, 0.45);
              else set(teeth ? TEETH : INNER_MOUTH, 1);
            } else {
              set(mouth.colour, (v < midLine ? 0.85 : 1.02) * (1 + 0.04 * nFine));
            }
            label = ID.mouth;
          }
        }
      }

      // Hat over the top of the head.
      if (L.hat) {
        const hatBottom = -b * L.hat.bottom;
        const crown = (u / (hair.capW * 1.06)) ** 2 + ((v - hair.capDy) / (hair.capH * 1.06)) ** 2;
        const inCrown = v < hatBottom && crown <= 1;
        const inBrim =
          v >= hatBottom - L.hat.brim && v < hatBottom && Math.abs(u) < hair.capW * 1.3;
        if (inCrown || inBrim) {
          set(L.hat.colour, (inBrim ? 0.8 : 1) * (1 + 0.06 * nMid + 0.03 * nFine));
          label = ID.hat;
        }
      }

      labels[p] = label;
      const light = L.exposure * (1 - (0.12 * ((X - 64) ** 2 + (Y - 64) ** 2)) / 8192);
      rgb[3 * p] = r * light * L.balance[0];
      rgb[3 * p + 1] = g * light * L.balance[1];
      rgb[3 * p + 2] = bl * light * L.balance[2];
    }
  }
  lensBlur(rgb, size);
  for (let i = 0; i < rgb.length; i++) rgb[i] = clamp(rgb[i], 0, 1);
  return { size, rgb, labels };
}

/** Separable [1, 2, 1] / 4 blur in place (edges replicated). */
function lensBlur(rgb: Float32Array, size: number): void {
  const tmp = new Float32Array(rgb.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const l = Math.max(0, x - 1);
      const r = Math.min(size - 1, x + 1);
      for (let ch = 0; ch < 3; ch++) {
        const row = y * size;
        tmp[3 * (row + x) + ch] =
          0.25 * rgb[3 * (row + l) + ch] +
          0.5 * rgb[3 * (row + x) + ch] +
          0.25 * rgb[3 * (row + r) + ch];
      }
    }
  }
  for (let y = 0; y < size; y++) {
    const u = Math.max(0, y - 1) * size;
    const d = Math.min(size - 1, y + 1) * size;
    const row = y * size;
    for (let x = 0; x < size; x++) {
      for (let ch = 0; ch < 3; ch++) {
        rgb[3 * (row + x) + ch] =
          0.25 * tmp[3 * (u + x) + ch] +
          0.5 * tmp[3 * (row + x) + ch] +
          0.25 * tmp[3 * (d + x) + ch];
      }
    }
  }
}
