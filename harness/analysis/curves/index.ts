/** Per-token loss curves over checkpoints, each classed S-shaped or smooth by comparing a logistic and a smooth fit in log-step. */
export { analyseCurves, type CurveExample, type CurvesOptions, type CurvesSummary, type RunCurve, type TokenAt, type TokenCurves } from './curves.js';
export { logStepAxis, stepToX, xToStep, type LogStepAxis } from './axis.js';
export { classifyCurve, bic, BIC_MARGIN, MIN_CHECKPOINTS, POOR_FIT_R2, RESIDUAL_RMS_FLOOR, type CurveClass, type CurveFit } from './classify.js';
export { fitLogistic, logisticAt, LOGISTIC_PARAMETERS, type LogisticFit } from './logistic.js';
export { fitSmooth, smoothAt, SMOOTH_PARAMETERS, type SmoothFit } from './smooth.js';
export { chooseTokens, chosenBy, namedTokens, type ChosenBy, type TokenChoice } from './choose.js';
export { curveRows, type CurveRows } from './rows.js';
export { runShares, crossRunShares, type CrossRunShares, type RunShares } from './shares.js';
export { pickExamples, type CurveRef } from './examples.js';
export { curvesJson } from './json.js';
export { curvesMarkdown } from './markdown.js';
export { curvesChart } from './chart-spec.js';
export { writeCurves } from './write.js';
