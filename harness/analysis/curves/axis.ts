/**
 * The x axis every curve is fitted on: x = ln(1 + step / s0), with s0 the smallest positive
 * step analysed (20 on the demo family). Step 0 sits at x = 0 and s0 at ln 2; beyond s0 the axis
 * is ln(step) up to a shift, so checkpoints saved on a log schedule are about evenly spaced.
 * It is Vega's symlog scale with constant s0, so the charts draw on the axis the fits use.
 */
export interface LogStepAxis {
  s0: number;
}

/** The axis for these steps; s0 = 1 if none is positive. */
export function logStepAxis(steps: Iterable<number>): LogStepAxis {
  let s0 = Infinity;
  for (const s of steps) if (s > 0 && s < s0) s0 = s;
  return { s0: Number.isFinite(s0) ? s0 : 1 };
}

export const stepToX = (axis: LogStepAxis, step: number) => Math.log1p(step / axis.s0);

export const xToStep = (axis: LogStepAxis, x: number) => axis.s0 * Math.expm1(x);
