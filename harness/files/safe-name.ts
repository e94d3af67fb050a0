/** A name (a suite, `run@step`) as one folder name: anything but letters, digits, `.`, `_`, `@` and `-` becomes `-`. */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._@-]+/g, '-');
