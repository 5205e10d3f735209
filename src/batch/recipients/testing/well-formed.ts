import type { RecipientItem } from '../types.js';

/**
 * Why `items` break the readers' promises (well-formed rows and errors, lines ≥ 1 and in file
 * order), or undefined when they keep them.
 */
export function malformation(items: readonly RecipientItem[], strictlyIncreasing = true): string | undefined {
  let previous = 0;
  for (const [index, item] of items.entries()) {
    const line = item.ok ? item.row.line : item.error.line;
    if (!Number.isInteger(line) || line < 1) return `item ${index}: line ${line}`;
    if (strictlyIncreasing ? line <= previous : line < previous) return `item ${index}: line ${line} after ${previous}`;
    previous = line;
    if (item.ok) {
      const { to, vars } = item.row;
      if (typeof to !== 'string' || to === '' || to !== to.trim()) return `item ${index}: to ${JSON.stringify(to)}`;
      if (typeof vars !== 'object' || vars === null || Object.hasOwn(vars, 'to')) return `item ${index}: vars`;
    } else {
      const { reason, rule } = item.error;
      if (typeof reason !== 'string' || reason === '' || typeof rule !== 'string' || rule === '') {
        return `item ${index}: error ${JSON.stringify(item.error)}`;
      }
    }
  }
  return undefined;
}
