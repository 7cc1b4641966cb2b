/** `npm run bench`: every Node benchmark, each against its own baseline measured in this run. */
import { runDataDiffBench } from './data-diff.bench'
import { runDevtoolsOverheadBench } from './devtools-overhead.bench'
import { runExportLogBench } from './export-log.bench'
import { runFlushBench } from './flush.bench'
import { runHotPathBench } from './hot-path.bench'
import { summarize } from './measure'
import { runSocketTapBench } from './socket-tap.bench'
import { runStackBench } from './stack.bench'
import { runWriteTapBench } from './write-tap.bench'

const all = [
  ...runHotPathBench(),
  ...runFlushBench(),
  ...runDataDiffBench(),
  ...(await runDevtoolsOverheadBench()),
  ...(await runStackBench()),
  ...(await runSocketTapBench()),
  ...(await runWriteTapBench()),
  ...(await runExportLogBench()),
]
summarize(all)
// As the other entries: timers the stack and the query clients leave would hold the exit ~10 s.
process.exit(0)
