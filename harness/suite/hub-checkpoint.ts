import { checkpointFiles } from '../hub/checkpoint-files.js';
import { evictRevision } from '../hub/evict.js';
import { hubSettings, type HubSettings } from '../hub/settings.js';
import { downloadSnapshot } from '../hub/snapshot.js';
import type { CheckpointRef } from './suite.js';

/**
 * A checkpoint that lives in a hub revision. `fetch` downloads config, tokenizer and one weight
 * file into the Hugging Face cache; `evict` deletes the weights again. `hub` defaults to the
 * environment as it is when the checkpoint is fetched.
 */
export function hubCheckpoint(repo: string, revision: string, step: number, hub?: HubSettings): CheckpointRef {
  return {
    step,
    name: revision,
    fetch: (signal) => downloadSnapshot(repo, revision, { hub: hub ?? hubSettings(), choose: checkpointFiles, signal }),
    evict: async () => {
      await evictRevision(repo, revision, hub ?? hubSettings());
    },
  };
}
