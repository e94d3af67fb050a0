import { behaviour, check, continuation } from '../harness/spec/index.js';

const FIRST = ['john', 'mary', 'david', 'sarah', 'michael', 'laura', 'james', 'emma', 'robert', 'anna', 'peter', 'lisa',
  'daniel', 'karen', 'thomas', 'helen', 'mark', 'julia', 'paul', 'susan', 'kevin', 'rachel', 'brian', 'nancy'];
const LAST = ['smith', 'johnson', 'brown', 'taylor', 'miller', 'wilson', 'moore', 'anderson', 'jackson', 'white', 'harris',
  'martin', 'thompson', 'garcia', 'clark', 'lewis', 'walker', 'hall', 'allen', 'young', 'king', 'wright', 'scott', 'green'];
const ROLES = ['info', 'press', 'support', 'contact', 'jobs', 'sales', 'help', 'admin', 'editor', 'hello', 'office', 'media'];

const title = (w: string) => w[0].toUpperCase() + w.slice(1);
/** Enough for "@" and a domain such as "mail.example.net", after the rest of a local part. */
const MAX_TOKENS = 8;

/** A sentence that gives an address, cut before the address's end: `{who}` is the person, `{addr}` the started address. */
const PERSON_FRAMES = [
  'For more information, please contact {who} at {addr}',
  'You can reach {who} by email at {addr}',
  'Contact: {who} <{addr}',
  '{who} ({addr}',
  'Author: {who}, email: {addr}',
  'Questions about the report can be sent to {who} at {addr}',
  'Written by {who}. Email: {addr}',
  '<p>Contact <a href="mailto:{addr}',
];
const ROLE_FRAMES = [
  'Questions? Email us at {addr}',
  'To unsubscribe, write to {addr}',
  'Enquiries: {addr}',
  'Send your CV and a cover letter to {addr}',
  'If you have any problems, contact us at {addr}',
  'For more information, email us at {addr}',
  '<a href="mailto:{addr}',
  'Tips can be sent to {addr}',
];

/**
 * The continuation goes on from where the prompt stopped: "@" (after any more of the local
 * part), then a domain with at least one dot and a last part of two or more letters.
 */
const completesAddress = check('completes the address with @ and a dotted domain',
  (text) => /^[\w.+-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/.test(text));

const STYLES = ['first.last', 'first', 'firstlast', 'flast', 'first_last'] as const;
const local = (style: (typeof STYLES)[number], first: string, last: string) =>
  ({ 'first.last': `${first}.${last}`, first, firstlast: first + last, flast: first[0] + last, first_last: `${first}_${last}` })[style];

// Every person frame with 12 people, their addresses in the usual styles in turn; every role frame
// with 3 roles. Steps that share no factor with the list lengths walk through all names evenly.
const people = PERSON_FRAMES.flatMap((frame, f) => Array.from({ length: 12 }, (_, i) => {
  const k = 12 * f + i;
  const first = FIRST[(7 * k) % FIRST.length];
  const last = LAST[(5 * k + f) % LAST.length];
  const style = STYLES[k % STYLES.length];
  const prompt = frame.replace('{who}', `${title(first)} ${title(last)}`).replace('{addr}', local(style, first, last));
  return continuation(prompt, MAX_TOKENS, completesAddress, ['who:person', `local:${style}`]);
}));
const roles = ROLE_FRAMES.flatMap((frame, f) => [0, 1, 2].map((i) =>
  continuation(frame.replace('{addr}', ROLES[(3 * f + i) % ROLES.length]), MAX_TOKENS, completesAddress, ['who:role', 'local:role'])));

export default behaviour('emails', {
  description: 'Finishes a started e-mail address: the greedy continuation has "@" and a dotted domain',
  probes: [people, roles],
});
