/** How training checkpoints are named, on the hub (branches) and on disk (folders): `checkpoint-{step}`. */
export const CHECKPOINT_PATTERN = /^checkpoint-(\d+)$/;

export const checkpointName = (step: number) => `checkpoint-${step}`;

/** The step a name encodes (the pattern's first group), or undefined when it does not match. */
export function stepOf(name: string, pattern: RegExp = CHECKPOINT_PATTERN): number | undefined {
  const m = pattern.exec(name);
  if (!m || m[1] === undefined) return undefined;
  const step = Number(m[1]);
  return Number.isSafeInteger(step) && step >= 0 ? step : undefined;
}
