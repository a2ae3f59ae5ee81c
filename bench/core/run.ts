/** `npm run bench:core`: desktop-core benchmarks (ingest, search, catch-up). */
import { runCatchupBench } from './catchup.bench';
import { runIngestBench } from './ingest.bench';
import { runSearchBench } from './search.bench';

await runIngestBench();
await runSearchBench();
await runCatchupBench();
