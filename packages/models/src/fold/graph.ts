import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';

/** A layer as the graph walk sees it (tfjs-layers' `Layer`, which is not exported as a type). */
export type GraphLayer = LayersModel['layers'][number];

/** One call of a layer in a functional model: which tensors it reads and writes (by id). */
export interface GraphNode {
  readonly layer: GraphLayer;
  /** Ids of the symbolic tensors the call reads, in argument order. */
  readonly inputs: readonly number[];
  /** Ids of the symbolic tensors the call returns. */
  readonly outputs: readonly number[];
}

/** The data flow of a single-input, single-output functional model. */
export interface LayerGraph {
  /** Id of the model's input tensor. */
  readonly input: number;
  /** Id of the model's output tensor. */
  readonly output: number;
  /** Every layer call the output depends on, in an order that computes inputs first. */
  readonly nodes: readonly GraphNode[];
  /** The calls that read each tensor id (a call reading a tensor twice is listed twice). */
  readonly consumers: ReadonlyMap<number, readonly GraphNode[]>;
}

/**
 * The layer calls of a functional `LayersModel`, in dependency order, found by walking back
 * from its output through each symbolic tensor's inbound node (the structure tfjs-layers
 * keeps for built and for loaded models alike).
 *
 * @throws When the model does not have exactly one input and one output.
 */
export function layerGraph(model: LayersModel): LayerGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `model '${model.name}' has ${model.inputs.length} inputs and ${model.outputs.length} outputs; expected one of each`,
    );
  }
  const input = model.inputs[0].id;
  const nodes: GraphNode[] = [];
  const done = new Set<number>([input]);
  const consumers = new Map<number, GraphNode[]>();
  const visit = (t: SymbolicTensor): void => {
    if (done.has(t.id)) return;
    const inbound = t.sourceLayer.inboundNodes[t.nodeIndex];
    inbound.inputTensors.forEach(visit);
    // A call with several outputs is emitted once, when its first output is reached.
    if (done.has(t.id)) return;
    const node: GraphNode = {
      layer: t.sourceLayer,
      inputs: inbound.inputTensors.map((s) => s.id),
      outputs: inbound.outputTensors.map((s) => s.id),
    };
    for (const id of node.outputs) done.add(id);
    for (const id of node.inputs) consumers.set(id, [...(consumers.get(id) ?? []), node]);
    nodes.push(node);
  };
  visit(model.outputs[0]);
  return { input, output: model.outputs[0].id, nodes, consumers };
}

/**
 * The call that alone reads the single output of `node` (and reads nothing else), if there is
 * one: where a following layer can be folded into `node` (a BatchNorm into its convolution).
 */
export function soleReader(graph: LayerGraph, node: GraphNode): GraphNode | null {
  if (node.outputs.length !== 1 || node.outputs[0] === graph.output) return null;
  const readers = graph.consumers.get(node.outputs[0]) ?? [];
  return readers.length === 1 && readers[0].inputs.length === 1 ? readers[0] : null;
}
