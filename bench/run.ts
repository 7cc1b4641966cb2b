/** `npm run bench`: every Node benchmark, each against its own baseline measured in this run. */
import { runDevtoolsOverheadBench } from './devtools-overhead.bench'
import { runFlushBench } from './flush.bench'
import { runHotPathBench } from './hot-path.bench'
import { runSocketTapBench } from './socket-tap.bench'
import { runStackBench } from './stack.bench'

const all = [
  ...runHotPathBench(),
  ...runFlushBench(),
  ...(await runDevtoolsOverheadBench()),
  ...(await runStackBench()),
  ...(await runSocketTapBench()),
]
const missed = all.filter((v) => !v.ok)
console.log(`\n${all.length - missed.length}/${all.length} targets met`)
