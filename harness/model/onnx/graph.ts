import { realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ProtoWriter } from './proto.js';

export type ElemType = 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool';
const ONNX_ELEM: Record<ElemType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float16: 10, bfloat16: 16 };

export type Dim = number | string;
export interface ValueSpec {
  name: string;
  type: ElemType;
  shape: Dim[];
}

/** Attribute values; a plain number is an INT, `{ f }` a FLOAT. */
export type Attr = number | number[] | string | { f: number } | { fs: number[] };

interface Node {
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

interface Constant {
  name: string;
  type: ElemType;
  dims: number[];
  bytes: Uint8Array;
}

/**
 * Where a weight's values already lie in a file: row-major from byte `offset`, as `type`, in
 * `dims` (the stored shape); `transpose` swaps a stored matrix's axes.
 */
export interface FileSpan {
  file: string;
  offset: number;
  type: 'float32' | 'float16' | 'bfloat16';
  dims: number[];
  transpose?: boolean;
}

interface Weight {
  name: string;
  dims: number[];
  fill: (dst: Float32Array) => void;
  span?: FileSpan;
}

/**
 * A built model: the graph as ONNX bytes. Its weights either are read by ONNX Runtime where they
 * lie in the checkpoint's files `mappedFiles` (its file, or its shards; real paths in one folder,
 * which the external-data locations are relative to; 16-bit weights are cast by nodes the session folds at load), or are
 * float32 in the external-data file `weights.bin`, which `writeWeights` produces one tensor at a
 * time (`weightBytes` long).
 */
export interface BuiltModel {
  onnx: Uint8Array;
  mappedFiles?: readonly string[];
  weightBytes: number;
  writeWeights(write: (bytes: Uint8Array, offset: number) => void): void;
}

export const WEIGHTS_FILE = 'weights.bin';
// Page-aligned tensors let ONNX Runtime map the weights file instead of copying it.
const ALIGN = 4096;

/**
 * Builds an ONNX graph node by node. Weights are registered with a fill callback and written
 * straight into one aligned buffer at `build()`, so a checkpoint is never held twice.
 */
export class GraphBuilder {
  private nodes: Node[] = [];
  private inputs: ValueSpec[] = [];
  private outputs: ValueSpec[] = [];
  private constants: Constant[] = [];
  private weights: Weight[] = [];
  private counter = 0;

  input(name: string, type: ElemType, shape: Dim[]): string {
    this.inputs.push({ name, type, shape });
    return name;
  }

  output(name: string, type: ElemType, shape: Dim[]): void {
    this.outputs.push({ name, type, shape });
  }

  /** Adds a node and returns the name of its first output. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: { domain?: string; name?: string } = {}): string {
    return this.opN(op, inputs, 1, attrs, opts)[0];
  }

  /** Adds a node with `count` outputs. An empty input name marks an omitted optional input. */
  opN(op: string, inputs: string[], count: number, attrs: Record<string, Attr> = {}, opts: { domain?: string; name?: string } = {}): string[] {
    const base = opts.name ?? `${op.toLowerCase()}_${this.counter++}`;
    const outputs = count === 1 ? [base] : Array.from({ length: count }, (_, i) => `${base}_${i}`);
    this.nodes.push({ op, domain: opts.domain ?? '', inputs, outputs, attrs });
    return outputs;
  }

  /** Renames the value `from` to the graph output name `to` (via Identity). */
  alias(from: string, to: string): string {
    this.nodes.push({ op: 'Identity', domain: '', inputs: [from], outputs: [to], attrs: {} });
    return to;
  }

  int64s(values: number[], dims: number[] = [values.length]): string {
    const bytes = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
    return this.constant('int64', dims, bytes);
  }

  floats(values: number[], dims: number[] = [values.length]): string {
    return this.constant('float32', dims, new Uint8Array(new Float32Array(values).buffer));
  }

  private constant(type: ElemType, dims: number[], bytes: Uint8Array): string {
    const name = `const_${this.counter++}`;
    this.constants.push({ name, type, dims, bytes });
    return name;
  }

  /**
   * Registers a float32 weight; `fill` writes its values when the model is built. With a `span`
   * in the checkpoint, the model maps it instead when every weight has one in files of one folder.
   */
  weight(name: string, dims: number[], fill: (dst: Float32Array) => void, span?: FileSpan): string {
    this.weights.push({ name, dims, fill, span });
    return name;
  }

  build(): BuiltModel {
    // ONNX Runtime resolves links (a hub cache's snapshot files point into its blobs) and wants
    // the data inside the folder it is told, so the model names the files where they really are.
    const files = [...new Set(this.weights.map((w) => w.span?.file))];
    if (!files.includes(undefined)) {
      const real = new Map(files.map((f) => [f!, realpathSync(f!)]));
      if (new Set([...real.values()].map(dirname)).size === 1) return this.buildMapped(real);
    }
    const offsets: number[] = [];
    let total = 0;
    for (const w of this.weights) {
      offsets.push(total);
      total += Math.ceil((numel(w.dims) * 4) / ALIGN) * ALIGN;
    }
    const weights = this.weights;
    const writeWeights = (write: (bytes: Uint8Array, offset: number) => void) => {
      // One scratch buffer, the size of the largest tensor, serves every tensor in turn.
      const scratch = new Float32Array(Math.max(0, ...weights.map((w) => numel(w.dims))));
      weights.forEach((w, i) => {
        const values = scratch.subarray(0, numel(w.dims));
        w.fill(values);
        write(new Uint8Array(values.buffer, 0, values.byteLength), offsets[i]);
      });
    };

    const initializers = this.weights.map((w, i): External => ({
      name: w.name, type: 'float32', dims: w.dims, location: WEIGHTS_FILE, offset: offsets[i], length: numel(w.dims) * 4,
    }));
    return { onnx: this.proto(initializers, []), weightBytes: total, writeWeights };
  }

  /** The checkpoint's tensors as external data where they lie, cast and transposed by nodes ONNX Runtime folds at load. */
  private buildMapped(realPaths: ReadonlyMap<string, string>): BuiltModel {
    const initializers: External[] = [];
    const prologue: Node[] = [];
    for (const { name, span } of this.weights) {
      const { file, type, dims, offset, transpose } = span!;
      const stored = type === 'float32' && !transpose ? name : `${name}.stored`;
      const location = basename(realPaths.get(file)!);
      initializers.push({ name: stored, type, dims, location, offset, length: numel(dims) * (type === 'float32' ? 4 : 2) });
      let value = stored;
      if (type !== 'float32') {
        const cast = transpose ? `${name}.float32` : name;
        prologue.push({ op: 'Cast', domain: '', inputs: [value], outputs: [cast], attrs: { to: ONNX_ELEM.float32 } });
        value = cast;
      }
      if (transpose) prologue.push({ op: 'Transpose', domain: '', inputs: [value], outputs: [name], attrs: { perm: [1, 0] } });
    }
    return { onnx: this.proto(initializers, prologue), mappedFiles: [...realPaths.values()], weightBytes: 0, writeWeights: () => {} };
  }

  private proto(initializers: External[], prologue: Node[]): Uint8Array {
    return new ProtoWriter()
      .int(1, 8) // ir_version
      .string(2, 'lm-behaviours')
      .message(8, (o) => o.string(1, '').int(2, 17))
      .message(8, (o) => o.string(1, 'com.microsoft').int(2, 1))
      .message(7, (g) => {
        g.string(2, 'lmb');
        for (const n of [...prologue, ...this.nodes]) g.message(1, (w) => writeNode(w, n));
        for (const c of this.constants) {
          g.message(5, (t) => {
            for (const d of c.dims) t.int(1, d);
            t.int(2, ONNX_ELEM[c.type]).string(8, c.name).bytes(9, c.bytes);
          });
        }
        for (const x of initializers) {
          g.message(5, (t) => {
            for (const d of x.dims) t.int(1, d);
            t.int(2, ONNX_ELEM[x.type]).string(8, x.name);
            const entries: [string, string][] = [['location', x.location], ['offset', String(x.offset)], ['length', String(x.length)]];
            for (const [k, v] of entries) t.message(13, (e) => e.string(1, k).string(2, v));
            t.int(14, 1); // data_location = EXTERNAL
          });
        }
        for (const v of this.inputs) g.message(11, (w) => writeValueInfo(w, v));
        for (const v of this.outputs) g.message(12, (w) => writeValueInfo(w, v));
      })
      .finish();
  }
}

/** An initializer whose bytes lie in an external-data file. */
interface External {
  name: string;
  type: ElemType;
  dims: number[];
  location: string;
  offset: number;
  length: number;
}

function writeNode(w: ProtoWriter, n: Node): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.outputs[0]).string(4, n.op);
  for (const [name, value] of Object.entries(n.attrs)) w.message(5, (a) => writeAttr(a, name, value));
  if (n.domain) w.string(7, n.domain);
}

function writeAttr(a: ProtoWriter, name: string, value: Attr): void {
  a.string(1, name);
  if (typeof value === 'number') a.int(3, value).int(20, 2);
  else if (typeof value === 'string') a.string(4, value).int(20, 3);
  else if (Array.isArray(value)) {
    for (const v of value) a.int(8, v);
    a.int(20, 7);
  } else if ('f' in value) a.float(2, value.f).int(20, 1);
  else {
    for (const v of value.fs) a.float(7, v);
    a.int(20, 6);
  }
}

function writeValueInfo(w: ProtoWriter, v: ValueSpec): void {
  w.string(1, v.name).message(2, (t) =>
    t.message(1, (tt) => {
      tt.int(1, ONNX_ELEM[v.type]);
      tt.message(2, (s) => {
        for (const d of v.shape) s.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function numel(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
