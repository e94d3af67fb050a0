/**
 * Two suites (families) on the same behaviours: per behaviour, b's mean pass rate across its
 * runs minus a's, each at its final step, with a multi-bootstrap interval. The runs are not the
 * same, so seeds are resampled apart; the probes are paired when both suites asked the same ones.
 */
import type { SuiteResults } from '../run/runner.js';
import { BOOTSTRAP, percent, points, resultTables, roundAll } from './converge.js';
import { seedDifference, seedEstimate, type SeedDifference, type SeedEstimate } from './seeds.js';

export interface SuiteSide {
  suite: string;
  step: number;
  runs: number;
  passRate: SeedEstimate;
}

export interface SuiteDifference {
  behaviour: string;
  a: SuiteSide;
  b: SuiteSide;
  /** Both suites asked the same probes (same ids, same order): resampled together. */
  pairedProbes: boolean;
  /** b minus a. */
  difference: SeedDifference;
}

/** Each behaviour both suites have probes for, at each suite's last step shared by all its runs. */
export function suiteDifference(a: SuiteResults, b: SuiteResults): SuiteDifference[] {
  const [ta, tb] = [a, b].map(resultTables);
  const [stepA, stepB] = [ta, tb].map((t) => t.common[t.common.length - 1]);
  if (stepA === undefined || stepB === undefined) return [];
  const behaviours = [...a.probes.keys()].filter((x) => a.probes.get(x)!.length > 0 && (b.probes.get(x)?.length ?? 0) > 0).sort();
  return behaviours.map((behaviour) => {
    const [pa, pb] = [a.probes.get(behaviour)!, b.probes.get(behaviour)!];
    const pairedProbes = pa.length === pb.length && pa.every((p, j) => p.id === pb[j].id);
    const [tableA, tableB] = [ta.passTable(pa, stepA), tb.passTable(pb, stepB)];
    const side = (results: SuiteResults, step: number, table: typeof tableA): SuiteSide =>
      ({ suite: results.suite, step, runs: table.length, passRate: roundAll(seedEstimate(table, BOOTSTRAP)) });
    return {
      behaviour, a: side(a, stepA, tableA), b: side(b, stepB, tableB), pairedProbes,
      difference: roundAll(seedDifference(tableA, tableB, { seeds: false, probes: pairedProbes }, BOOTSTRAP)),
    };
  });
}

export function suiteDifferenceMarkdown(rows: readonly SuiteDifference[]): string {
  if (rows.length === 0) return 'The two suites share no behaviour with probes.\n';
  const [{ a, b }] = rows;
  return [
    `# ${b.suite} minus ${a.suite}`, '',
    `Mean pass rate across each suite's runs at its final step (${a.suite}: step ${a.step}, ${a.runs} runs; ${b.suite}: step ${b.step}, ${b.runs} runs), and the difference in percentage points with its 95% multi-bootstrap interval (${BOOTSTRAP.draws} draws, seed ${BOOTSTRAP.seed}): the runs of each suite resampled apart, the probes together where both suites asked the same ones.`, '',
    `| behaviour | ${a.suite} | ${b.suite} | difference | 95% interval | P(difference ≤ 0) | probes |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.behaviour} | ${percent(r.a.passRate.mean)} | ${percent(r.b.passRate.mean)} | ${points(r.difference.difference)} | ${points(r.difference.low)} – ${points(r.difference.high)} | ${r.difference.atMostZero.toFixed(3)} | ${r.pairedProbes ? 'paired' : 'each its own'} |`),
    '',
  ].join('\n');
}
