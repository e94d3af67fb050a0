import { setTimeout as sleep } from 'node:timers/promises';
import { LmbError } from '../errors.js';
import { refusal } from './refusal.js';
import type { HubSettings } from './settings.js';
import { describeTarget, type HubTarget } from './target.js';

export interface HubRequest {
  readonly method?: 'GET' | 'HEAD';
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly redirect?: RequestRedirect;
  /** Error statuses the caller handles itself (e.g. 416 when resuming). */
  readonly pass?: readonly number[];
}

const retryable = (status: number) => status >= 500 || status === 429;

/**
 * One hub request with the token attached. 5xx, 429 and failed connections are retried with
 * backoff; other errors become an LmbError naming the target. Aborting rejects with the signal's reason.
 */
export async function hubFetch(hub: HubSettings, url: string, target: HubTarget, req: HubRequest = {}): Promise<Response> {
  const headers = { ...req.headers, ...(hub.token ? { authorization: `Bearer ${hub.token}` } : {}) };
  let rateLimited = 0;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { method: req.method ?? 'GET', headers, signal: req.signal, redirect: req.redirect ?? 'follow' });
    } catch (e) {
      req.signal?.throwIfAborted();
      if (attempt >= hub.retries) {
        throw new LmbError('HUB_UNREACHABLE', `cannot reach ${hub.endpoint} for ${describeTarget(target)} (${failureCause(e)})`,
          'Check the network and HF_ENDPOINT; with HF_HUB_OFFLINE=1 only cached files are used');
      }
      await waitBeforeRetry(hub, attempt, req.signal);
      continue;
    }
    if (res.status < 400 || req.pass?.includes(res.status)) return res;
    await res.body?.cancel();
    if (res.status === 429 && rateLimited < MAX_RATE_LIMITED) {
      // A rate limit is not a failure: wait as long as the hub says, however often, and go on.
      rateLimited++;
      attempt--;
      const ms = Math.min(MAX_RATE_WAIT_MS, rateLimitResetMs(res.headers) ?? retryAfterMs(res.headers) ?? hub.retryDelayMs * 2 ** Math.min(rateLimited, 5));
      hub.onRateLimit?.(ms, describeTarget(target));
      await pause(ms, req.signal);
      continue;
    }
    // A 403 after the hub's redirect comes from storage: the signed URL expired. Asking the hub
    // again gives a fresh one; the token was fine.
    const expired = res.status === 403 && res.redirected;
    if (!(retryable(res.status) || expired) || attempt >= hub.retries) throw refusal(res.status, res.headers, target, hub, attempt, expired);
    await waitBeforeRetry(hub, attempt, req.signal, retryAfterMs(res.headers) ?? 0);
  }
}

/** The hub's windows are 5 minutes: one wait never needs to be longer. */
const MAX_RATE_WAIT_MS = 300_000;
/** Rate limits waited out for one request before it is reported (a day of five-minute windows). */
const MAX_RATE_LIMITED = 288;

/** Exponential backoff from `hub.retryDelayMs`, at least what the server asked for, at most 30 s. */
export async function waitBeforeRetry(hub: HubSettings, attempt: number, signal?: AbortSignal, atLeastMs = 0): Promise<void> {
  await pause(Math.min(30_000, Math.max(atLeastMs, hub.retryDelayMs * 2 ** (attempt - 1))), signal);
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (e) {
    signal?.throwIfAborted();
    throw e;
  }
}

function retryAfterMs(headers: Headers): number | undefined {
  const seconds = Number(headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** The hub's `RateLimit: "api";r=0;t=55`: the window resets in t seconds. */
export function rateLimitResetMs(headers: Headers): number | undefined {
  const m = /(?:^|;)\s*t=(\d+(?:\.\d+)?)/.exec(headers.get('ratelimit') ?? '');
  return m ? Math.max(1, Number(m[1]) * 1000) : undefined;
}

/** `fetch failed` hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, …). */
export function failureCause(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e);
}
