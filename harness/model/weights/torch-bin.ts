/**
 * PyTorch's zip checkpoint (torch.save since 1.6): `<prefix>/data.pkl` pickles the state
 * dict, each storage's bytes are the stored entry `<prefix>/data/<key>`.
 */
import { LmbError } from '../../errors.js';
import { PyCallable, unpickle } from './pickle.js';
import { openWeightFile, readExact, type TensorLayout } from './read.js';
import { DTYPE_BYTES, numel, type DType, type WeightFile } from './tensor.js';
import { corrupt, openZip, type ZipArchive, type ZipEntry } from './zip.js';

/** What the legacy (pre-1.6) format starts with: PROTO 2, then LONG1 of its magic number. */
export const LEGACY_TORCH_MAGIC = Buffer.from('80028a0a6cfc9c46f9206aa85019', 'hex');

export function legacyTorchError(path: string): LmbError {
  return new LmbError('CHECKPOINT_UNSUPPORTED',
    `${path} is a legacy (pre-1.6, non-zip) PyTorch checkpoint`,
    'Re-save it with PyTorch 1.6 or newer: torch.save(torch.load(path), path), or convert it to safetensors');
}

/** A state dict's data.pkl is kilobytes (megabytes for the largest models); more is refused before it is inflated. */
const MAX_PICKLE_BYTES = 64 << 20;
/**
 * A broadcast (stride-0) view may hold more elements than its storage, but not many more: a
 * reader allocates a tensor's full size, so a few bytes on disk must not ask for gigabytes.
 */
const MAX_BROADCAST_ELEMENTS = 1 << 16;

const STORAGE_TYPES: Record<string, DType> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64',
  LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8',
  ByteStorage: 'U8', BoolStorage: 'BOOL',
};
const DTYPES: Record<string, DType> = {
  float32: 'F32', float: 'F32', float16: 'F16', half: 'F16', bfloat16: 'BF16', float64: 'F64',
  double: 'F64', int64: 'I64', long: 'I64', int32: 'I32', int: 'I32', int16: 'I16', short: 'I16',
  int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

class StorageType { constructor(readonly dtype: DType) {} }
class DTypeObject { constructor(readonly dtype: DType) {} }

/** Only persistentLoad makes these, so a pickle cannot forge one. */
class Storage {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number, readonly entry: ZipEntry) {}
}

class TensorRef {
  constructor(readonly storage: Storage, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

export function openTorchBin(path: string): WeightFile {
  return openWeightFile(path, (fd, size) => {
    const head = Buffer.alloc(Math.min(size, LEGACY_TORCH_MAGIC.length));
    readExact(fd, path, head, 0);
    if (head.equals(LEGACY_TORCH_MAGIC)) throw legacyTorchError(path);
    const zip = openZip(fd, path, size);
    return { layouts: readStateDict(path, zip), extra: {} };
  });
}

function findPrefix(path: string, zip: ZipArchive): string {
  // A TorchScript archive has a data.pkl too, whose globals (__torch__.*) a state dict never names: told apart first.
  if ([...zip.entries.keys()].some((n) => /^[^/]+\/(code\/|constants\.pkl$)/.test(n))) {
    throw new LmbError('CHECKPOINT_UNSUPPORTED', `${path} is a TorchScript archive, not a state dict`,
      'Save the weights with torch.save(model.state_dict(), path) instead of torch.jit.save');
  }
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length === 1) return pickles[0].slice(0, -'/data.pkl'.length);
  throw corrupt(path, pickles.length ? 'it holds several data.pkl files' : 'the zip has no <name>/data.pkl');
}

function readStateDict(path: string, zip: ZipArchive): TensorLayout[] {
  const prefix = findPrefix(path, zip);
  const byteorder = zip.entries.get(`${prefix}/byteorder`);
  if (byteorder && Buffer.from(zip.readWhole(byteorder, 16)).toString() !== 'little') {
    throw new LmbError('CHECKPOINT_UNSUPPORTED', `${path} was saved on a big-endian machine`,
      'Re-save it on x86-64 or arm64, or convert it to safetensors');
  }
  const storages = new Map<string, Storage>();
  const bad = (what: string) => corrupt(path, what);

  const persistentLoad = (pid: unknown): Storage => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw bad('unexpected persistent id in data.pkl');
    const [, type, key, , count] = pid as unknown[];
    if (!(type instanceof StorageType) || typeof key !== 'string' || !isCount(count)) {
      throw bad('malformed storage reference in data.pkl');
    }
    const known = storages.get(key);
    if (known) {
      if (known.dtype !== type.dtype || known.numel !== count) throw bad(`storage ${key} is declared twice, differently`);
      return known;
    }
    const entry = zip.entries.get(`${prefix}/data/${key}`);
    if (!entry) throw bad(`storage ${key} has no data entry`);
    if (entry.method !== 0) {
      throw new LmbError('CHECKPOINT_UNSUPPORTED', `${path} stores tensor data for storage ${key} compressed`,
        'torch.save never compresses tensor data; re-save the checkpoint with torch.save(state_dict, path)');
    }
    if (entry.uncompressedSize !== count * DTYPE_BYTES[type.dtype]) {
      throw bad(`storage ${key} holds ${entry.uncompressedSize} bytes, not ${count} ${type.dtype} elements`);
    }
    const storage = new Storage(key, type.dtype, count, entry);
    storages.set(key, storage);
    return storage;
  };

  const rebuildTensor = (args: readonly unknown[], dtypeArg?: unknown): TensorRef => {
    const [s, offset, shape, stride] = args;
    if (!(s instanceof Storage)) throw bad('a tensor is rebuilt from something other than a storage');
    if (dtypeArg !== undefined && (!(dtypeArg instanceof DTypeObject) || dtypeArg.dtype !== s.dtype)) {
      throw bad('a tensor dtype disagrees with its storage');
    }
    if (!isCount(offset) || !isCountTuple(shape) || !isCountTuple(stride) || shape.length !== stride.length) {
      throw bad('a tensor has a malformed offset, size or stride');
    }
    const count = numel(shape);
    if (!Number.isSafeInteger(count)) throw bad(`a tensor of shape [${shape}] is too large`);
    if (count > Math.max(s.numel, MAX_BROADCAST_ELEMENTS)) {
      throw bad(`a tensor of shape [${shape}] expands storage ${s.key} (${s.numel} elements) to ${count} elements`);
    }
    if (count > 0) {
      let last = offset;
      for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
      if (!(last < s.numel)) throw bad(`a tensor reads past the end of storage ${s.key} (${s.numel} elements)`);
    }
    return new TensorRef(s, offset, [...shape], [...stride]);
  };

  const globals = new Map<string, unknown>([
    ['collections.OrderedDict', new PyCallable('collections.OrderedDict', (args) => {
      if (args.length === 0) return new Map();
      const pairs = args[0];
      if (Array.isArray(pairs) && pairs.every((p) => Array.isArray(p) && p.length === 2)) {
        return new Map(pairs as [unknown, unknown][]);
      }
      throw bad('OrderedDict built from an unexpected argument');
    })],
    ['torch._utils._rebuild_tensor_v2', new PyCallable('torch._utils._rebuild_tensor_v2', (args) => rebuildTensor(args))],
    ['torch._utils._rebuild_tensor_v3', new PyCallable('torch._utils._rebuild_tensor_v3', (args) => rebuildTensor(args, args[6]))],
    ['torch._utils._rebuild_parameter', new PyCallable('torch._utils._rebuild_parameter', (args) => args[0])],
    ['torch._utils._rebuild_parameter_with_state', new PyCallable('torch._utils._rebuild_parameter_with_state', (args) => args[0])],
    ...Object.entries(STORAGE_TYPES).map(([name, dtype]): [string, unknown] => [`torch.${name}`, new StorageType(dtype)]),
    ...Object.entries(DTYPES).map(([name, dtype]): [string, unknown] => [`torch.${name}`, new DTypeObject(dtype)]),
  ]);

  const pklEntry = zip.entries.get(`${prefix}/data.pkl`)!;
  if (pklEntry.uncompressedSize > MAX_PICKLE_BYTES) {
    throw new LmbError('CHECKPOINT_OVER_BUDGET', `${path}: its data.pkl claims ${pklEntry.uncompressedSize} bytes, more than the ${MAX_PICKLE_BYTES} any state dict needs; refusing to inflate it`,
      'Only load checkpoints you trust; re-save the weights with torch.save(model.state_dict(), path) or convert them to safetensors');
  }
  const pkl = zip.readWhole(pklEntry, MAX_PICKLE_BYTES);
  let root = unpickle(pkl, { file: path, globals, persistentLoad });
  // Training checkpoints sometimes wrap the weights: {'state_dict': {...}, 'epoch': ...}.
  if (root instanceof Map && ![...root.values()].some((v) => v instanceof TensorRef) && root.get('state_dict') instanceof Map) {
    root = root.get('state_dict');
  }
  if (!(root instanceof Map)) {
    throw new LmbError('CHECKPOINT_UNSUPPORTED', `${path} holds a pickled object, not a state dict`,
      'Save the weights with torch.save(model.state_dict(), path)');
  }
  const layouts: TensorLayout[] = [];
  for (const [name, value] of root) {
    if (typeof name !== 'string' || !(value instanceof TensorRef)) continue;
    layouts.push({
      name, dtype: value.storage.dtype, shape: value.shape, stride: value.stride,
      base: value.storage.entry.dataOffset, offset: value.offset,
    });
  }
  if (layouts.length === 0) throw bad('its state dict holds no tensors');
  return layouts;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isCountTuple(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isCount);
}
