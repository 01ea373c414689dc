"""Score face images with a patchfx model exported to ONNX, in Python.

    pip install onnxruntime numpy pillow
    python score_onnx.py model.onnx face.png [more.png ...] [--json]

For each image: P(fake) (the mean of the patches' P(fake), patchfx's default `after_softmax`
aggregation) and, for patch models, the map of per-patch P(fake). The preprocessing is the one
the file records: the shorter side resized to `loadSize` with Pillow's Lanczos, the centre
square cropped (`loadSize` for patch models, `fineSize` for full-image models), and
`(rgb / 255 - 0.5) / 0.5`.
"""
import json
import sys

try:
    import numpy as np
    import onnxruntime as ort
    from PIL import Image
except ImportError as e:
    sys.exit(f"score_onnx.py needs {e.name}: pip install onnxruntime numpy pillow")


def load_image(path, load_size, crop, norm):
    """The evaluation preprocessing of patchfx (and of the paper's code): NCHW float32."""
    image = Image.open(path).convert("RGB")
    w, h = image.size
    if min(w, h) != load_size:
        size = (load_size, int(load_size * h / w)) if w <= h else (int(load_size * w / h), load_size)
        image = image.resize(size, Image.LANCZOS)
    w, h = image.size
    top, left = round((h - crop) / 2), round((w - crop) / 2)
    image = image.crop((left, top, left + crop, top + crop))
    x = np.asarray(image, dtype=np.float32) / norm["scale"]
    x = (x - norm["mean"]) / norm["std"]
    return x.transpose(2, 0, 1)[None]


def softmax(logits, axis):
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def main(argv):
    as_json = "--json" in argv
    model_path, *images = [a for a in argv if a != "--json"] or [None]
    if model_path is None or not images:
        sys.exit("usage: python score_onnx.py model.onnx face.png [more.png ...] [--json]")
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    pre = json.loads(meta["patchfx.preprocessing"])  # export-onnx always records it
    norm = json.loads(meta["patchfx.normalization"])
    fake = int(meta["patchfx.fake_class_id"])
    patch_model = "patchfx.receptive_field" in meta
    crop = pre["loadSize"] if patch_model else pre["fineSize"]
    results = []
    for path in images:
        try:
            x = load_image(path, pre["loadSize"], crop, norm)
        except OSError as e:  # missing, unreadable or not an image
            sys.exit(f"cannot read image '{path}': {e}")
        (logits,) = session.run(["logits"], {"input": x})
        probs = softmax(logits.astype(np.float64), axis=1)[0]  # [2, H, W] or [2]
        if patch_model:
            fake_map = probs[fake]  # P(fake) of each patch, [H, W]
            score = float(fake_map.mean())
        else:
            fake_map, score = None, float(probs[fake])
        results.append({"image": path, "score": score,
                        "patchMap": None if fake_map is None else fake_map.tolist()})
    if as_json:
        print(json.dumps({"model": meta["patchfx.which_model_netD"], "results": results}))
    else:
        for r in results:
            size = "" if r["patchMap"] is None else f"  ({len(r['patchMap'])}x{len(r['patchMap'][0])} patches)"
            print(f"{r['image']}: P(fake) {r['score']:.4f}{size}")


if __name__ == "__main__":
    main(sys.argv[1:])
