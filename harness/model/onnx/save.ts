import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WEIGHTS_FILE, type BuiltModel } from './graph.js';

/** Writes `model.onnx` and its `weights.bin` into `dir`; returns the model's path. */
export function saveModel(built: BuiltModel, dir: string, name = 'model.onnx'): string {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, WEIGHTS_FILE), 'w');
  try {
    ftruncateSync(fd, built.weightBytes);
    built.writeWeights((bytes, offset) => {
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
    });
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(dir, name), built.onnx);
  return join(dir, name);
}
