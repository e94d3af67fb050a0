import chalk from 'chalk';
import type { PassRateMatrix } from './matrix.js';

function paint(rate: number, text: string): string {
  if (rate >= 0.8) return chalk.green(text);
  if (rate >= 0.5) return chalk.yellow(text);
  if (rate >= 0.2) return chalk.hex('#ff8800')(text);
  return chalk.red(text);
}

/** The matrix for a terminal: one block per run, behaviours down, steps across, coloured by rate. */
export function matrixForTerminal(m: PassRateMatrix): string {
  const width = Math.max(9, ...m.behaviours.map((b) => b.length)) + 2;
  const lines: string[] = [];
  for (const run of m.runs) {
    lines.push(chalk.bold(`${run.name}`));
    lines.push(chalk.dim(' '.repeat(width) + run.steps.map((s) => String(s).padStart(7)).join('')));
    for (const b of m.behaviours) {
      const cells = run.steps.map((s) => {
        const c = m.cells[b]?.[run.name]?.[String(s)];
        return c ? paint(c.rate, `${Math.round(100 * c.rate)}%`.padStart(7)) : chalk.dim('      -');
      });
      lines.push(b.padEnd(width) + cells.join(''));
    }
    lines.push('');
  }
  return lines.join('\n');
}
