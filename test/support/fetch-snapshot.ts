/** Child process for cross-process tests: downloads one revision with the hub settings in its environment. */
import { checkpointFiles } from '../../harness/hub/checkpoint-files.js';
import { hubSettings } from '../../harness/hub/settings.js';
import { downloadSnapshot } from '../../harness/hub/snapshot.js';

const [repo, revision] = process.argv.slice(2);
process.stdout.write(await downloadSnapshot(repo, revision, { hub: hubSettings(process.env), choose: checkpointFiles }));
