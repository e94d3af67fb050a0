import { closeSync, copyFileSync, ftruncateSync, linkSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WEIGHTS_FILE, type BuiltModel } from './graph.js';

/**
 * Writes `model.onnx` and its `weights.bin` into `dir` (for a model that maps its checkpoint, a
 * hard link to each of the checkpoint's weight files instead, or a copy across file systems: ONNX Runtime
 * refuses external data outside the model's folder, symbolic links included); returns the model's path.
 */
export function saveModel(built: BuiltModel, dir: string, name = 'model.onnx'): string {
  mkdirSync(dir, { recursive: true });
  if (built.mappedFiles) {
    for (const file of built.mappedFiles) {
      const to = join(dir, basename(file));
      try {
        linkSync(file, to);
      } catch {
        copyFileSync(file, to);
      }
    }
    writeFileSync(join(dir, name), built.onnx);
    return join(dir, name);
  }
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
