import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the hub is, who we are, and where downloads go. Read from the environment like huggingface_hub does. */
export interface HubSettings {
  /** Base URL, no trailing slash (`HF_ENDPOINT`, default https://huggingface.co). */
  readonly endpoint: string;
  /** Sent as `Authorization: Bearer …`: `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, or the file `hf auth login` writes (`HF_TOKEN_PATH`, else `$HF_HOME/token`). */
  readonly token?: string;
  /** The cache shared with Python tools: `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  readonly cacheDir: string;
  /** `HF_HUB_OFFLINE=1` (or `TRANSFORMERS_OFFLINE=1`): serve only what is cached and never touch the network. */
  readonly offline: boolean;
  /** Tries per request on 5xx, 429 and dropped connections, and per file on transfers that make no progress. */
  readonly retries: number;
  /** Delay before the first retry; it doubles each time (capped at 30 s). */
  readonly retryDelayMs: number;
  /** Told when the hub rate-limits a request: how long lmb waits before asking again (default: a line on stderr). */
  readonly onRateLimit?: (waitMs: number, what: string) => void;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const TRUE_WORDS = ['1', 'true', 'yes', 'on'];

export function hubSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HubSettings> = {}): HubSettings {
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  return {
    endpoint: (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || savedToken(env.HF_TOKEN_PATH || join(hfHome, 'token')),
    cacheDir: env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, 'hub'),
    offline: [env.HF_HUB_OFFLINE, env.TRANSFORMERS_OFFLINE].some((v) => TRUE_WORDS.includes((v ?? '').trim().toLowerCase())),
    retries: 5,
    retryDelayMs: 1000,
    onRateLimit: (ms, what) => process.stderr.write(`lmb: the hub is rate-limiting requests (${what}); waiting ${Math.ceil(ms / 1000)} s as it asks\n`),
    ...overrides,
  };
}

/** The token `hf auth login` saved, as huggingface_hub reads it: the file's text, trimmed. */
function savedToken(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
