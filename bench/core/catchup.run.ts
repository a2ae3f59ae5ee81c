/** `npm run bench:catchup`: only the catch-up benchmark (also part of `npm run bench:core`). */
import { runCatchupBench } from './catchup.bench';

await runCatchupBench();
