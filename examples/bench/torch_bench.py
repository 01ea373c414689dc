"""PyTorch side of `npm run bench -- --torch`: the same models (defined from the spec in
packages/models/test/fixtures/torch/generate_torch_fixtures.py), weights, input, batch and timing
protocol.

Reads a JSON job list on stdin, prints one JSON result line per job. A job names the model, size
and batch, the repetitions (`infer_reps` at the batch, `one_reps` at one image, `train_reps`
training steps; 0 skips), the memory layouts to time inference in (`layouts`: `nchw`,
`channels_last`; the fastest is reported, with each one's figures) and of training
(`channels_last`), and `stat` (`median` of the repetitions, or `best`: the fastest), and optionally the files the bench wrote: `weights` (safetensors with
the reference's state-dict names, from patchfx's encodeSafetensors), `input` (the batch, NCHW
float32) and `output` (where to write the logits of the batch, NHWC float32, to compare with
onnxruntime's). Inference is timed first, with the weights as given; training after. Threads:
BENCH_TORCH_THREADS (default 2). Run with Debian's /usr/bin/python3 (python3-torch; safetensors
is read by examples/fidelity/torch_train.py's reader, without the safetensors package)."""
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'packages', 'models', 'test', 'fixtures', 'torch'))
sys.path.insert(0, os.path.join(HERE, '..', 'fidelity'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from generate_torch_fixtures import resnet18_layer1, xception_patch  # noqa: E402
from torch_train import load_safetensors  # noqa: E402


def build(name):
    if name.startswith('xception_'):
        return xception_patch(name[len('xception_'):])
    if name == 'resnet18_layer1':
        return resnet18_layer1()
    raise SystemExit(f'torch_bench: no PyTorch definition for {name}')


def timed(fn, reps, stat='median'):
    """Seconds of one call: the median of `reps` after a warm-up call, or the fastest ('best')."""
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) if stat == 'best' else statistics.median(times)


def main():
    jobs = json.load(sys.stdin)
    threads = int(os.environ.get('BENCH_TORCH_THREADS', '2'))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for job in jobs:
        net = build(job['model'])
        if job.get('weights'):
            net.load_state_dict(load_safetensors(job['weights']), strict=True)
        n, size = job['batch'], job['size']
        stat = job.get('stat', 'median')
        if job.get('input'):
            x = torch.from_numpy(np.fromfile(job['input'], dtype=np.float32).reshape(n, 3, size, size))
        else:
            x = torch.rand(n, 3, size, size) * 2 - 1
        y = torch.cat([torch.ones(n // 2), torch.zeros(n - n // 2)]).long()
        res = {'model': job['model'], 'size': size, 'batch': n, 'threads': threads,
               'channels_last': bool(job.get('channels_last')), 'output': job.get('output')}

        net.eval()
        with torch.no_grad():
            logits = net(x)
            res['output_max_abs'] = float(logits.abs().max())
            if job.get('output'):
                nhwc = logits.permute(0, 2, 3, 1) if logits.dim() == 4 else logits
                nhwc.contiguous().numpy().astype(np.float32).tofile(job['output'])
            # Inference in each memory layout asked for (this build runs 3×3 and depthwise
            # convolutions far faster channels-last); the best of them is PyTorch's figure.
            per_layout = {}
            for layout in job.get('layouts', ['channels_last' if job.get('channels_last') else 'nchw']):
                fmt = torch.channels_last if layout == 'channels_last' else torch.contiguous_format
                net.to(memory_format=fmt)
                xl = x.contiguous(memory_format=fmt)
                one = x[:1].contiguous(memory_format=fmt)
                per_layout[layout] = {
                    'infer_images_per_second': n / timed(lambda: net(xl), job['infer_reps'], stat),
                    'infer_one_ms': 1000 * timed(lambda: net(one), job.get('one_reps', job['infer_reps']), stat),
                }
            res['layouts'] = per_layout
            best = max(per_layout, key=lambda k: per_layout[k]['infer_images_per_second'])
            best_one = min(per_layout, key=lambda k: per_layout[k]['infer_one_ms'])
            res['infer_images_per_second'] = per_layout[best]['infer_images_per_second']
            res['infer_layout'] = best
            res['infer_one_ms'] = per_layout[best_one]['infer_one_ms']
            res['infer_one_layout'] = best_one

        res['train_images_per_second'] = None
        if job.get('train_reps', 0) > 0:
            if job.get('channels_last'):
                net.to(memory_format=torch.channels_last)
                x = x.contiguous(memory_format=torch.channels_last)
            else:
                net.to(memory_format=torch.contiguous_format)
            opt = torch.optim.Adam(net.parameters(), lr=0.001, betas=(0.9, 0.999))
            loss_fn = torch.nn.CrossEntropyLoss()

            def train_step():
                net.train()
                opt.zero_grad()
                out = net(x)
                h, w = out.shape[2], out.shape[3]
                loss = loss_fn(out, y.view(n, 1, 1).expand(n, h, w))
                loss.backward()
                opt.step()

            res['train_images_per_second'] = n / timed(train_step, job['train_reps'], stat)
        print(json.dumps(res), flush=True)


if __name__ == '__main__':
    main()
