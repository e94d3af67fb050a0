/** Analyses of a suite's checkpoints beyond behaviours: induction heads and the phase change, the checkpoint audit. */
export { analyseInduction, inductionProbes, measureInduction, INDUCTION_SETTINGS, OPENWEBTEXT_SAMPLE,
  type CheckpointInduction, type InductionOptions, type InductionProbes, type RunInduction } from './induction.js';
export { cutWindows, iclPositions, iclScore, measureIclScore, textWindows, type IclPositions } from './icl-score.js';
export { candidateTokens, measurePrefixMatching, prefixMatchingScores, repeatedSequences, uniformPrefixMatching, type RepeatedSequences } from './prefix-matching.js';
export { phaseChange, ICL_JUMP, PREFIX_JUMP, type CheckpointPoint, type PhaseChange } from './phase-change.js';
export { inductionJson, inductionTable, type InductionJson } from './induction-report.js';
export { inductionChart, ICL_PANEL, PREFIX_PANEL } from './induction-chart.js';
export { writeInduction, inductionMarkdown, INDUCTION_FILES } from './induction-write.js';
export { auditMarkdown, auditOf, auditSuite, MISPLACED_RATIO, type Audit, type AuditOptions, type Duplicate, type MeasuredCheckpoint, type Misplaced } from './audit.js';
