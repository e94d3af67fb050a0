/** A stored JSON object; a missing, damaged or wrongly shaped file counts as empty (recomputed, never trusted). */
export function storedObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
