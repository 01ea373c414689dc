#!/usr/bin/python3
"""PyTorch side of `npm run fidelity`: the reference's training loop written from the spec
(reference-behaviour.md §1.8 init, §2.1 loss, §2.2 Adam and lr policy, §2.3 loop, bestval and
stopping), on the models of packages/models/test/fixtures/torch/generate_torch_fixtures.py.

It does not load images itself: every batch comes from patchfx's own data pipeline (the same
files, order, pairing, crops and flips that `npm run train` trains on with that seed). The
driver (examples/fidelity/src/torch-side.ts) speaks a line protocol with it:

  stdin, first line   the job (JSON): which_model_netD, seed, lr, beta1, lr_policy, patience,
                      max_epochs, fake_class_id, out (folder), threads, hashes (bool)
  stdout              one JSON object a line: {"event": "need", "split": "train"|"val",
                      "epoch": E} asks for a batch file; the driver answers on stdin with
                      {"file": PATH, "batches": [[count, size], ...]} or {"file": null} (none).
                      Then {"event": "epoch", ...} per epoch and {"event": "end", ...}.

A batch file is the uint8 RGB bytes of every image of the epoch, NHWC, batch after batch, laid
out [real...; fake...] per batch (as patchfx's loader assembles them); normalisation is
ToTensor + Normalize(0.5, 0.5) in float32, exactly as patchfx's normalizeImage.

Writes <out>/bestval_net_D.pth (and latest_net_D.pth) in the reference's checkpoint layout
(spec §2.4): {state_dict, epoch, best_val_metric, best_val_ep}.

Run with Debian's /usr/bin/python3 (apt-get install python3-torch python3-numpy).
"""
import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'packages', 'models', 'test', 'fixtures', 'torch'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from generate_torch_fixtures import resnet18_layer1, xception_patch  # noqa: E402

# (v / 255 rounded to float32 − 0.5) / 0.5 for every byte value: patchfx's NORMALIZED table.
NORMALIZED = torch.from_numpy(((np.arange(256, dtype=np.float32) / np.float32(255)) - np.float32(0.5)) * np.float32(2))


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def build(name):
    if name.startswith('xception_'):
        return xception_patch(name[len('xception_'):])
    if name == 'resnet18_layer1':
        return resnet18_layer1()
    raise SystemExit(f'torch_train: no PyTorch definition for {name} (xception_relu1, xception_relu2, xception_block1..3, resnet18_layer1)')


def init_weights(net, init_type, gain=0.02):
    """The reference's init_weights (spec §1.8): conv/linear weights by init_type with gain 0.02,
    biases 0; BatchNorm weight ~ N(1, 0.02), bias 0."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if init_type == 'xavier':
                nn.init.xavier_normal_(m.weight, gain=gain)
            elif init_type == 'normal':
                nn.init.normal_(m.weight, 0.0, gain)
            elif init_type == 'kaiming':
                nn.init.kaiming_normal_(m.weight, a=0, mode='fan_in')
            elif init_type == 'orthogonal':
                nn.init.orthogonal_(m.weight, gain=gain)
            else:
                raise SystemExit(f'torch_train: unknown init_type {init_type}')
            if m.bias is not None:
                nn.init.constant_(m.bias, 0.0)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.constant_(m.bias, 0.0)


def load_safetensors(path):
    """A safetensors file (8-byte little-endian header size, JSON header, raw data) as tensors."""
    dtypes = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32}
    with open(path, 'rb') as f:
        raw = f.read()
    size = int.from_bytes(raw[:8], 'little')
    header = json.loads(raw[8:8 + size])
    out = {}
    for key, info in header.items():
        if key == '__metadata__':
            continue
        begin, end = info['data_offsets']
        arr = np.frombuffer(raw[8 + size + begin:8 + size + end], dtype=dtypes[info['dtype']])
        out[key] = torch.from_numpy(arr.reshape(info['shape']).copy())
    return out


def read_request():
    line = sys.stdin.readline()
    if not line:
        raise SystemExit('torch_train: the driver closed stdin')
    return json.loads(line)


def batches_of(split, epoch):
    """The batches of one epoch as (images NCHW float32, labels, sha256 of the NHWC floats)."""
    emit({'event': 'need', 'split': split, 'epoch': epoch})
    reply = read_request()
    if reply.get('file') is None:
        return None
    raw = np.fromfile(reply['file'], dtype=np.uint8)
    os.remove(reply['file'])
    out, at = [], 0
    for count, size in reply['batches']:
        n = count * size * size * 3
        u8 = torch.from_numpy(raw[at:at + n].astype(np.int64)).view(count, size, size, 3)
        at += n
        x = NORMALIZED[u8]
        out.append((x, count))
    if at != raw.size:
        raise SystemExit(f'torch_train: batch file {reply["file"]} has {raw.size} bytes, the plan says {at}')
    return out


def labels_for(count, fake_class_id):
    half = count // 2
    return torch.tensor([1 - fake_class_id] * half + [fake_class_id] * half, dtype=torch.long)


def scores(logits, y):
    """loss (mean over N·H·W patches), acc_D_raw, acc_D_voted, acc_D_avg (spec §2.1)."""
    n, _, h, w = logits.shape
    yy = y.view(n, 1, 1).expand(n, h, w)
    loss = F.cross_entropy(logits, yy)
    pred = logits.argmax(1)  # ties → class 0
    raw = (pred == yy).float().mean().item()
    vote1 = (pred == 1).float().mean((1, 2))
    voted = ((vote1 > 0.5).long() == y).float().mean().item()  # a vote of exactly 0.5 → class 0
    p1 = F.softmax(logits, 1)[:, 1].mean((1, 2))
    avg = ((p1 > 0.5).long() == y).float().mean().item()
    return loss, raw, voted, avg


def save(path, net, epoch, best, best_ep):
    torch.save({'state_dict': net.state_dict(), 'epoch': epoch, 'best_val_metric': best,
                'best_val_ep': best_ep}, path)


def main():
    job = json.loads(sys.stdin.readline())
    torch.set_num_threads(int(job.get('threads', 2)))
    # Gain-0.02 initialisation drives some gradients below 1.2e-38, and x86 handles such
    # subnormal floats in microcode: a step took 4-5x longer with them. Flushing them to zero
    # only changes values that are already negligible: Adam's step for a gradient of 1e-38 is
    # about lr * 1e-30.
    torch.set_flush_denormal(True)
    torch.manual_seed(int(job['seed']))
    net = build(job['which_model_netD'])
    init_weights(net, job.get('init_type', 'xavier'))
    if job.get('init_from'):
        net.load_state_dict(load_safetensors(job['init_from']))  # strict: every key, every shape
    fake = int(job.get('fake_class_id', 0))
    lr = float(job['lr'])
    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(float(job.get('beta1', 0.9)), 0.999), eps=1e-8)
    patience = int(job['patience'])
    if job.get('lr_policy', 'constant') == 'plateau':
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='max', factor=0.1, threshold=1e-4,
                                                           patience=patience, eps=1e-6)
    else:  # the reference's 'constant': a plateau scheduler that never changes the lr
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='max', factor=0.1, threshold=1e-4,
                                                           patience=1000, eps=lr)
    max_epochs = job.get('max_epochs')
    out = job['out']
    os.makedirs(out, exist_ok=True)
    best, best_ep, epoch, steps, reason = 0.0, 0, 0, 0, None
    want_hashes = bool(job.get('hashes'))
    while reason is None:
        t0 = time.perf_counter()
        train = batches_of('train', epoch)
        if train is None:
            reason = 'plan_exhausted'
            break
        net.train()
        tr_loss = tr_raw = tr_n = 0.0
        hashes, step_losses = [], []
        for x, count in train:
            if want_hashes:
                hashes.append(hashlib.sha256(x.contiguous().numpy().tobytes()).hexdigest())
            y = labels_for(count, fake)
            opt.zero_grad()
            loss, raw, _, _ = scores(net(x.permute(0, 3, 1, 2).contiguous()), y)
            loss.backward()
            opt.step()
            steps += 1
            step_losses.append(loss.item())
            tr_loss += loss.item() * count
            tr_raw += raw * count
            tr_n += count
        net.eval()
        v = {'loss': 0.0, 'raw': 0.0, 'voted': 0.0, 'avg': 0.0}
        vn = 0
        with torch.no_grad():
            for x, count in batches_of('val', 0):
                loss, raw, voted, avg = scores(net(x.permute(0, 3, 1, 2).contiguous()), labels_for(count, fake))
                for k, val in (('loss', loss.item()), ('raw', raw), ('voted', voted), ('avg', avg)):
                    v[k] += val * count
                vn += count
        v = {k: val / vn for k, val in v.items()}
        improved = v['raw'] > best
        if improved:
            best, best_ep = v['raw'], epoch
            save(os.path.join(out, 'bestval_net_D.pth'), net, epoch, best, best_ep)
        elif epoch > best_ep + 5 * patience:
            reason = 'patience'
        elif best == 1.0:
            reason = 'perfect'
        elif max_epochs is not None and epoch > int(max_epochs):
            reason = 'max_epochs'
        sched.step(v['raw'])
        rec = {'event': 'epoch', 'epoch': epoch, 'step': steps, 'loss_D': tr_loss / tr_n,
               'acc_D_raw': tr_raw / tr_n, 'loss_D_val': v['loss'], 'acc_D_raw_val': v['raw'],
               'acc_D_voted_val': v['voted'], 'acc_D_avg_val': v['avg'],
               'lr': opt.param_groups[0]['lr'], 'best_val_metric': best, 'best_val_epoch': best_ep,
               'seconds': time.perf_counter() - t0, 'step_loss_D': step_losses}
        if want_hashes:
            rec['batch_sha256'] = hashes
        emit(rec)
        epoch += 1
    save(os.path.join(out, 'latest_net_D.pth'), net, epoch - 1, best, best_ep)
    emit({'event': 'end', 'reason': reason, 'epoch': epoch - 1, 'step': steps,
          'best_val_metric': best, 'best_val_epoch': best_ep, 'torch': torch.__version__})


if __name__ == '__main__':
    main()
