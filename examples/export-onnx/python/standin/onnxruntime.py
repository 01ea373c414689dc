"""A stand-in for onnxruntime's Python API, used only by patchfx's tests where the real package
is not installed (it is not in Debian): it parses the model with the `onnx` package and runs the
operators patchfx exports with PyTorch. It implements just what score_onnx.py calls."""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper


class _ModelMeta:
    def __init__(self, model):
        self.custom_metadata_map = {p.key: p.value for p in model.metadata_props}
        self.producer_name = model.producer_name


class _Arg:
    def __init__(self, name):
        self.name = name


class InferenceSession:
    def __init__(self, path, sess_options=None, providers=None):
        self._model = onnx.load(path)
        graph = self._model.graph
        self._weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
                         for t in graph.initializer}

    def get_modelmeta(self):
        return _ModelMeta(self._model)

    def get_inputs(self):
        return [_Arg(i.name) for i in self._model.graph.input]

    def get_outputs(self):
        return [_Arg(o.name) for o in self._model.graph.output]

    @torch.no_grad()
    def run(self, output_names, feeds):
        env = dict(self._weights)
        env.update({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in feeds.items()})
        for node in self._model.graph.node:
            a = {attr.name: helper.get_attribute_value(attr) for attr in node.attribute}
            x = [env[n] for n in node.input if n]
            op = node.op_type
            if op == "Conv":
                pads = a.get("pads", [0, 0, 0, 0])
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    raise NotImplementedError("asymmetric Conv pads")
                y = F.conv2d(x[0], x[1], x[2] if len(x) > 2 else None,
                             stride=tuple(a.get("strides", [1, 1])), padding=(pads[0], pads[1]),
                             dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1))
            elif op == "Relu":
                y = F.relu(x[0])
            elif op == "Add":
                y = x[0] + x[1]
            elif op == "MaxPool":
                pads = a.get("pads", [0, 0, 0, 0])
                y = F.max_pool2d(x[0], tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])),
                                 padding=(pads[0], pads[1]), ceil_mode=bool(a.get("ceil_mode", 0)))
            elif op == "GlobalAveragePool":
                y = x[0].mean(dim=(2, 3), keepdim=True)
            elif op == "Flatten":
                y = torch.flatten(x[0], a.get("axis", 1))
            elif op == "Gemm":
                b = x[1].t() if a.get("transB", 0) else x[1]
                y = a.get("alpha", 1.0) * (x[0] @ b) + a.get("beta", 1.0) * x[2]
            elif op == "BatchNormalization":
                y = F.batch_norm(x[0], x[3], x[4], x[1], x[2], False, 0.0, a.get("epsilon", 1e-5))
            else:
                raise NotImplementedError(f"stand-in onnxruntime: operator {op}")
            env[node.output[0]] = y
        names = output_names or [o.name for o in self._model.graph.output]
        return [env[n].numpy() for n in names]
