/** Wilson score interval for a binomial proportion (z = 1.96 gives 95%). */
export function wilson(passed: number, total: number, z = 1.959963984540054): { low: number; high: number } {
  if (total === 0) return { low: 0, high: 1 };
  const p = passed / total;
  const z2 = z * z;
  const centre = (p + z2 / (2 * total)) / (1 + z2 / total);
  const half = (z / (1 + z2 / total)) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
