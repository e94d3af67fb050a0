/** Two checkpoints compared token by token: correlations, outliers, token classes, a plot. */
export { analyseScatter, type Outlier, type ScatterOptions, type ScatterResult, type ScatterSide, type ScatterSummary } from './scatter.js';
export { pearson, spearman, averageRanks } from './correlation.js';
export { tokenClasses, seenEarlier, TOKEN_CLASSES, type TokenClass } from './token-class.js';
export { topOutliers, type OutlierRows } from './outliers.js';
export { classSummary, type ClassStats } from './class-summary.js';
export { scatterSvg, type ScatterSvgOptions } from './svg.js';
export { scatterMarkdown } from './markdown.js';
export { pickCheckpoint, type PickedCheckpoint } from './pick.js';
export { writeScatter, scatterFolder } from './write.js';
