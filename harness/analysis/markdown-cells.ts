/** Text for a markdown table cell: markdown syntax escaped, newlines and tabs shown as ↵ and →. */
export const cell = (s: string) => s.replace(/[\\`*_[\]<>|#]/g, '\\$&').replace(/\r?\n/g, '↵').replace(/\t/g, '→');

/** A token for a table cell, in bold, its spaces shown as ␣ so a leading space is visible. */
export const tokenCell = (s: string) => `**${cell(s.replace(/ /g, '␣'))}**`;
