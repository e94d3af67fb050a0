import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the hub is, who we are, and where downloads go. Read from the environment like huggingface_hub does. */
export interface HubSettings {
  /** Base URL, no trailing slash (`HF_ENDPOINT`, default https://huggingface.co). */
  readonly endpoint: string;
  /** Sent as `Authorization: Bearer …` (`HF_TOKEN`). */
  readonly token?: string;
  /** The cache shared with Python tools: `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  readonly cacheDir: string;
  /** `HF_HUB_OFFLINE=1`: serve only what is cached and never touch the network. */
  readonly offline: boolean;
  /** Tries per request on 5xx, 429 and dropped connections, and per file on transfers that make no progress. */
  readonly retries: number;
  /** Delay before the first retry; it doubles each time (capped at 30 s). */
  readonly retryDelayMs: number;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const TRUE_WORDS = ['1', 'true', 'yes', 'on'];

export function hubSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HubSettings> = {}): HubSettings {
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  return {
    endpoint: (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    token: env.HF_TOKEN || undefined,
    cacheDir: env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, 'hub'),
    offline: TRUE_WORDS.includes((env.HF_HUB_OFFLINE ?? '').trim().toLowerCase()),
    retries: 5,
    retryDelayMs: 1000,
    ...overrides,
  };
}
