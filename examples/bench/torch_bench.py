"""PyTorch side of `npm run bench -- --torch`: the same models (defined from the spec in
packages/models/test/fixtures/torch/generate_torch_fixtures.py), batch and timing protocol.

Reads a JSON job list on stdin, prints one JSON result line per job. Run with Debian's
/usr/bin/python3 (python3-torch)."""
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'packages', 'models', 'test', 'fixtures', 'torch'))

import torch  # noqa: E402
from generate_torch_fixtures import resnet18_layer1, xception_patch  # noqa: E402


def build(name):
    if name.startswith('xception_'):
        return xception_patch(name[len('xception_'):])
    if name == 'resnet18_layer1':
        return resnet18_layer1()
    raise SystemExit(f'torch_bench: no PyTorch definition for {name}')


def main():
    jobs = json.load(sys.stdin)
    threads = int(os.environ.get('BENCH_TORCH_THREADS', '2'))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for job in jobs:
        net = build(job['model'])
        if job.get('channels_last'):
            net = net.to(memory_format=torch.channels_last)
        n, size = job['batch'], job['size']
        x = torch.rand(n, 3, size, size) * 2 - 1
        if job.get('channels_last'):
            x = x.contiguous(memory_format=torch.channels_last)
        y = torch.cat([torch.ones(n // 2), torch.zeros(n - n // 2)]).long()
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

        def infer():
            net.eval()
            with torch.no_grad():
                net(x)

        res = {'model': job['model'], 'size': size, 'batch': n, 'threads': threads, 'channels_last': bool(job.get('channels_last'))}
        for kind, fn, reps in (('train', train_step, job['train_reps']), ('infer', infer, job['infer_reps'])):
            fn()  # warm-up
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            res[f'{kind}_images_per_second'] = n / statistics.median(times)
        print(json.dumps(res), flush=True)


if __name__ == '__main__':
    main()
