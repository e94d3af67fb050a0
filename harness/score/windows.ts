/**
 * A slice of a long sequence that fits the model's context. Positions [scoreFrom, end) of the
 * original sequence take their scores from this window; each sees at least `context - stride`
 * tokens of context once the first window is passed, so `stride: 1` gives every token the
 * longest context the model allows.
 */
export interface Window {
  start: number;
  end: number;
  scoreFrom: number;
}

export function planWindows(length: number, context: number, stride: number): Window[] {
  if (length <= context) return [{ start: 0, end: length, scoreFrom: 1 }];
  const step = Math.max(1, Math.min(stride, context - 1));
  const windows: Window[] = [{ start: 0, end: context, scoreFrom: 1 }];
  while (windows[windows.length - 1].end < length) {
    const prev = windows[windows.length - 1];
    const end = Math.min(prev.end + step, length);
    windows.push({ start: end - context, end, scoreFrom: prev.end });
  }
  return windows;
}
