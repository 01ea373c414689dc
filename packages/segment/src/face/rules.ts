/**
 * The face parser's part rules: from FaceMesh landmarks, a person-probability map and the
 * image's colours to a CelebAMask-HQ label per pixel. Documented in docs/face-parts.md.
 */
import type { RgbImage } from '@patchfx/data';
import { CELEBAMASK_LABELS, type CelebaMaskLabel } from '../parts.js';
import { fillPolygon, type Point } from './geometry.js';
import { FACE_MESH_REGIONS, MESH_POINTS } from './mesh.js';

const id = (label: CelebaMaskLabel): number => CELEBAMASK_LABELS.indexOf(label);
const L = Object.freeze({
  background: id('background'),
  skin: id('skin'),
  leftBrow: id('left_brow'),
  rightBrow: id('right_brow'),
  leftEye: id('left_eye'),
  rightEye: id('right_eye'),
  leftEar: id('left_ear'),
  rightEar: id('right_ear'),
  nose: id('nose'),
  mouth: id('mouth'),
  upperLip: id('upper_lip'),
  lowerLip: id('lower_lip'),
  neck: id('neck'),
  cloth: id('cloth'),
  hair: id('hair'),
});

/** Tunables of the rules (not part of any public config). */
const RULES = Object.freeze({
  /** Skin test: chromaticity distance in robust standard deviations. */
  skinChroma: 2.5,
  /** Skin test: luma below the cheeks' median, in robust standard deviations, plus a margin. */
  skinDarker: 2,
  skinDarkerMargin: 5,
  /** Skin test: luma above the median (highlights), in robust standard deviations, plus a margin. */
  skinBrighter: 3,
  skinBrighterMargin: 20,
  /** Neck test (between the jaw angles): chromaticity distance, and the darkest luma allowed
   * for the often shaded neck, as a fraction of the cheeks' median. */
  neckChroma: 3.5,
  neckDarkest: 0.3,
  /** Skin grown outside the oval (forehead, temples): at most this far, in face heights. */
  skinGrowth: 0.06,
  /** Hair colour test: squared distance in robust standard deviations, summed over R, G, B. */
  hairColour: 12,
  /** Floor of the hair colour deviations. */
  minHairSd: 12,
  /** Floors of the robust deviations (grey images have no chroma spread). */
  minChromaSd: 0.006,
  minLumaSd: 8,
  /** Ear band: lateral reach beyond the face oval, in face widths. */
  earReach: 0.2,
  /** Ear band: how far below the nostrils, in face heights. */
  earBelow: 0.1,
  /** Clothes reference: rows this far below the chin, in face heights. */
  clothBelowChin: 0.35,
  /** Fewest reference pixels for a colour class. */
  minReference: 30,
});

interface Frame {
  readonly ox: number;
  readonly oy: number;
  readonly cx: number;
  readonly cy: number;
}

/** Face frame: origin between the eyes, u along the eye line, v towards the chin. */
function faceFrame(mesh: readonly Point[]): Frame {
  const a = mesh[MESH_POINTS.leftEyeOuter];
  const b = mesh[MESH_POINTS.rightEyeOuter];
  const n = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  const o = mesh[MESH_POINTS.betweenEyes];
  return { ox: o[0], oy: o[1], cx: (b[0] - a[0]) / n, cy: (b[1] - a[1]) / n };
}

const toU = (f: Frame, x: number, y: number) => (x - f.ox) * f.cx + (y - f.oy) * f.cy;
const toV = (f: Frame, x: number, y: number) => -(x - f.ox) * f.cy + (y - f.oy) * f.cx;

/** A polyline v(u) in the face frame, extended flat beyond its ends. */
function polylineV(points: readonly (readonly [number, number])[]): (u: number) => number {
  const pts = [...points].sort((p, q) => p[0] - q[0]);
  return (u: number) => {
    if (u <= pts[0][0]) return pts[0][1];
    for (let k = 1; k < pts.length; k++) {
      if (u <= pts[k][0]) {
        const [u0, v0] = pts[k - 1];
        const [u1, v1] = pts[k];
        return u1 === u0 ? Math.max(v0, v1) : v0 + ((u - u0) * (v1 - v0)) / (u1 - u0);
      }
    }
    return pts[pts.length - 1][1];
  };
}

function robust(values: number[]): { median: number; sd: number } {
  if (values.length === 0) return { median: 0, sd: Infinity };
  const s = [...values].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)];
  const dev = s.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  return { median, sd: 1.4826 * dev[Math.floor(dev.length / 2)] };
}

/**
 * Labels every pixel with a CelebAMask-HQ id (`CELEBAMASK_LABELS`) from the face's landmarks,
 * the person probability and the pixel colours. With `mesh === null` (no face) every pixel is
 * background.
 *
 * @param image - The image the landmarks and probabilities belong to.
 * @param mesh - 468 FaceMesh points in the image's pixel-index coordinates, or `null`.
 * @param person - `width · height` person probabilities.
 * @param personThreshold - Probability from which a pixel belongs to the person.
 * @returns `width · height` label ids.
 */
export function faceLabelsFromLandmarks(
  image: RgbImage,
  mesh: readonly Point[] | null,
  person: Float32Array,
  personThreshold: number,
): Uint8Array {
  const { width: W, height: H, data } = image;
  const N = W * H;
  const labels = new Uint8Array(N);
  if (!mesh) return labels;
  const poly = (idx: readonly number[]) => idx.map((k) => mesh[k]);
  const mask = (idx: readonly number[]) => {
    const m = new Uint8Array(N);
    fillPolygon(poly(idx), W, H, (k) => (m[k] = 1));
    return m;
  };
  const R = FACE_MESH_REGIONS;
  const oval = mask(R.faceOval);
  const f = faceFrame(mesh);
  const uv = (k: number) => mesh[k];
  const U = (k: number) => toU(f, uv(k)[0], uv(k)[1]);
  const V = (k: number) => toV(f, uv(k)[0], uv(k)[1]);
  const faceWidth = Math.abs(U(MESH_POINTS.rightCheekSide) - U(MESH_POINTS.leftCheekSide));
  const faceHeight = Math.abs(V(MESH_POINTS.chin) - V(MESH_POINTS.foreheadTop));
  const browTop = Math.min(...[...R.leftBrow, ...R.rightBrow].map(V));
  const eyeLevel = V(MESH_POINTS.betweenEyes);
  const chinV = V(MESH_POINTS.chin);
  const foreheadV = V(MESH_POINTS.foreheadTop);
  const mouthV = Math.max(V(MESH_POINTS.leftMouthCorner), V(MESH_POINTS.rightMouthCorner));
  const leftSide = U(MESH_POINTS.leftCheekSide);
  const rightSide = U(MESH_POINTS.rightCheekSide);
  const earBottom = V(MESH_POINTS.subnasale) + RULES.earBelow * faceHeight;
  const jawLeft = U(MESH_POINTS.leftJawAngle);
  const jawRight = U(MESH_POINTS.rightJawAngle);
  const gonionV = Math.max(V(MESH_POINTS.leftJawAngle), V(MESH_POINTS.rightJawAngle));
  // lower half of the oval, from one cheek side over the chin to the other
  const ovalList = R.faceOval;
  const from = ovalList.indexOf(MESH_POINTS.rightCheekSide);
  const to = ovalList.indexOf(MESH_POINTS.leftCheekSide);
  const jaw = polylineV(ovalList.slice(from, to + 1).map((k) => [U(k), V(k)] as const));

  // colours
  const Y = new Float32Array(N);
  const Rc = new Float32Array(N);
  const Gc = new Float32Array(N);
  for (let k = 0; k < N; k++) {
    const r = data[3 * k];
    const g = data[3 * k + 1];
    const b = data[3 * k + 2];
    Y[k] = 0.299 * r + 0.587 * g + 0.114 * b;
    // chromaticity (r, g) / (r + g + b): steadier than YCbCr chroma under shading
    const sum = r + g + b;
    Rc[k] = sum > 0 ? r / sum : 1 / 3;
    Gc[k] = sum > 0 ? g / sum : 1 / 3;
  }
  // skin model from the cheeks: inside the oval, between eye level and mouth, away from
  // eyes, nose and lips
  const features = new Uint8Array(N);
  for (const region of [R.leftEye, R.rightEye, R.lipsOuter, R.nose, R.leftBrow, R.rightBrow]) {
    fillPolygon(poly(region), W, H, (k) => (features[k] = 1));
  }
  const sy: number[] = [];
  const sb: number[] = [];
  const sr: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const k = y * W + x;
      if (!oval[k] || features[k]) continue;
      const v = toV(f, x, y);
      if (v < eyeLevel || v > mouthV) continue;
      sy.push(Y[k]);
      sb.push(Rc[k]);
      sr.push(Gc[k]);
    }
  }
  const my = robust(sy);
  const mb = robust(sb);
  const mr = robust(sr);
  const sdY = Math.max(my.sd, RULES.minLumaSd);
  const sdB = Math.max(mb.sd, RULES.minChromaSd);
  const sdR = Math.max(mr.sd, RULES.minChromaSd);
  const skinLike = (k: number) => {
    const db = (Rc[k] - mb.median) / sdB;
    const dr = (Gc[k] - mr.median) / sdR;
    const dy = Y[k] - my.median;
    return (
      db * db + dr * dr <= RULES.skinChroma * RULES.skinChroma &&
      dy >= -(RULES.skinDarker * sdY + RULES.skinDarkerMargin) &&
      dy <= RULES.skinBrighter * sdY + RULES.skinBrighterMargin
    );
  };

  const neckLike = (k: number) => {
    const db = (Rc[k] - mb.median) / sdB;
    const dr = (Gc[k] - mr.median) / sdR;
    const dy = Y[k] - my.median;
    return (
      db * db + dr * dr <= RULES.neckChroma * RULES.neckChroma &&
      Y[k] >= RULES.neckDarkest * my.median &&
      dy <= RULES.skinBrighter * sdY + RULES.skinBrighterMargin
    );
  };
  const isPerson = (k: number) => person[k] >= personThreshold;
  const skin = new Uint8Array(N);
  for (let k = 0; k < N; k++) skin[k] = skinLike(k) ? 1 : 0;

  // 1. inside the oval: skin, except non-skin above the brows (hair over the forehead)
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const k = y * W + x;
      if (!oval[k]) continue;
      labels[k] = toV(f, x, y) < browTop && !skin[k] ? L.hair : L.skin;
    }
  }
  // 2. forehead and temple skin the oval misses: skin-coloured person pixels above eye level,
  // 4-connected to the oval's skin, at most `skinGrowth` face heights away
  const queue: number[] = [];
  for (let k = 0; k < N; k++) if (oval[k] && labels[k] === L.skin) queue.push(k);
  const grown = new Uint8Array(N);
  const depth = new Uint16Array(N);
  const maxDepth = Math.max(1, Math.round(RULES.skinGrowth * faceHeight));
  for (let head = 0; head < queue.length; head++) {
    const k = queue[head];
    if (depth[k] >= maxDepth) continue;
    const x = k % W;
    const y = (k - x) / W;
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ] as const) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
      const n = ny * W + nx;
      if (oval[n] || grown[n] || !skin[n] || !isPerson(n)) continue;
      if (toV(f, nx, ny) >= eyeLevel) continue;
      grown[n] = 1;
      depth[n] = depth[k] + 1;
      queue.push(n);
    }
  }
  // 3. outside the oval: background, ears, neck, hair, clothes
  const hairRef: number[] = [];
  const clothRef: number[] = [];
  const pending: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const k = y * W + x;
      if (oval[k]) continue;
      if (grown[k]) {
        labels[k] = L.skin;
        continue;
      }
      if (!isPerson(k)) {
        labels[k] = L.background;
        continue;
      }
      const u = toU(f, x, y);
      const v = toV(f, x, y);
      const lateral = u < leftSide ? leftSide - u : u > rightSide ? u - rightSide : -1;
      if (
        skin[k] &&
        lateral >= 0 &&
        lateral <= RULES.earReach * faceWidth &&
        v >= browTop &&
        v <= earBottom
      ) {
        labels[k] = u < 0 ? L.leftEar : L.rightEar;
        continue;
      }
      const belowJaw = u >= leftSide && u <= rightSide ? v > jaw(u) : v > gonionV;
      const underChin = u >= jawLeft && u <= jawRight;
      if (belowJaw && (underChin ? neckLike(k) : skin[k])) {
        labels[k] = L.neck;
        continue;
      }
      labels[k] = L.hair;
      if (!skin[k] && (v < foreheadV || (v < eyeLevel && lateral >= 0))) hairRef.push(k);
      if (belowJaw && !skin[k]) {
        pending.push(k);
        if (v > chinV + RULES.clothBelowChin * faceHeight) clothRef.push(k);
      }
    }
  }
  // non-skin person pixels below the jaw: hair when their colour is near the hair's (sampled
  // above the forehead and beside the temples), else clothes; with a clothes sample (well below
  // the chin) too, the nearer of the two
  if (pending.length) {
    const model = (ref: number[]) => {
      const stats = [0, 1, 2].map((c) => robust(ref.map((k) => data[3 * k + c])));
      return (k: number) =>
        stats.reduce((acc, st, c) => {
          const d = (data[3 * k + c] - st.median) / Math.max(st.sd, RULES.minHairSd);
          return acc + d * d;
        }, 0);
    };
    if (hairRef.length < RULES.minReference) {
      for (const k of pending) labels[k] = L.cloth;
    } else {
      const hairDistance = model(hairRef);
      const clothDistance = clothRef.length >= RULES.minReference ? model(clothRef) : null;
      for (const k of pending) {
        const dh = hairDistance(k);
        const hairLike = clothDistance ? dh <= clothDistance(k) : dh <= RULES.hairColour;
        labels[k] = hairLike ? L.hair : L.cloth;
      }
    }
  }
  // hair inside the oval must connect to hair outside it (bangs); other specks are skin
  const reached = new Uint8Array(N);
  const stack: number[] = [];
  for (let k = 0; k < N; k++) {
    if (!oval[k] && labels[k] === L.hair) {
      reached[k] = 1;
      stack.push(k);
    }
  }
  while (stack.length) {
    const k = stack.pop() as number;
    const x = k % W;
    const y = (k - x) / W;
    for (const n of [
      x > 0 ? k - 1 : -1,
      x < W - 1 ? k + 1 : -1,
      y > 0 ? k - W : -1,
      y < H - 1 ? k + W : -1,
    ]) {
      if (n < 0 || reached[n] || !oval[n] || labels[n] !== L.hair) continue;
      reached[n] = 1;
      stack.push(n);
    }
  }
  for (let k = 0; k < N; k++)
    if (oval[k] && labels[k] === L.hair && !reached[k]) labels[k] = L.skin;
  // 4. facial features on top: nose, brows, eyes, lips, mouth opening
  fillPolygon(poly(R.nose), W, H, (k) => (labels[k] = L.nose));
  fillPolygon(poly(R.leftBrow), W, H, (k) => (labels[k] = L.leftBrow));
  fillPolygon(poly(R.rightBrow), W, H, (k) => (labels[k] = L.rightBrow));
  fillPolygon(poly(R.leftEye), W, H, (k) => (labels[k] = L.leftEye));
  fillPolygon(poly(R.rightEye), W, H, (k) => (labels[k] = L.rightEye));
  const mid = (a: number, b: number) => [(U(a) + U(b)) / 2, (V(a) + V(b)) / 2] as const;
  const lipLine = polylineV([
    [U(MESH_POINTS.leftMouthCorner), V(MESH_POINTS.leftMouthCorner)],
    [U(78), V(78)],
    mid(13, 14),
    [U(308), V(308)],
    [U(MESH_POINTS.rightMouthCorner), V(MESH_POINTS.rightMouthCorner)],
  ]);
  fillPolygon(poly(R.lipsOuter), W, H, (k, x, y) => {
    labels[k] = toV(f, x, y) < lipLine(toU(f, x, y)) ? L.upperLip : L.lowerLip;
  });
  fillPolygon(poly(R.lipsInner), W, H, (k) => (labels[k] = L.mouth));
  return labels;
}
