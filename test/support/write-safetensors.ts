/** Writes a safetensors file (as the `safetensors` library does), streaming tensor data. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { encodeTensor, type TorchTensorSpec } from './write-torch-bin.js';

export type SafetensorsSpec = Omit<TorchTensorSpec, 'shareWith'>;

const BYTES = { F32: 4, F16: 2, BF16: 2, BOOL: 1 } as const;

export function writeSafetensors(path: string, tensors: SafetensorsSpec[], metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    if (t.data.length * (t.data instanceof Uint8Array ? 1 : BYTES[t.dtype]) !== size) {
      throw new Error(`${t.name}: ${t.data.length} values for shape [${t.shape}]`);
    }
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // the library pads the header to 8 bytes
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(head.length - 8), 0);
  head.write(json, 8);
  const fd = openSync(path, 'w');
  try {
    let pos = 0;
    const put = (bytes: Uint8Array) => {
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, pos + done);
      pos += bytes.length;
    };
    put(head);
    for (const t of tensors) for (const chunk of encodeTensor(t)) put(chunk);
  } finally {
    closeSync(fd);
  }
}
