/** The static HTML report of a suite's snapshot folder. */
export { collectSections, type ReportPart, type ReportSection } from './collect.js';
export { renderReport } from './render.js';
export { FALLBACK_SECTION, SECTION_KINDS, type SectionKind } from './sections.js';
export { writeReport, type WriteReportOptions } from './write.js';
