import { DEAL_STAGES, type DealStage } from '../data/query-keys'

function isKnownStage(stage: string): stage is DealStage {
  return (DEAL_STAGES as readonly string[]).includes(stage)
}

/** The stage column is free text in the database: unknown values show, uncolored. */
export function StageBadge({ stage }: { stage: string | null }) {
  const label = stage ?? 'none'
  const tone = stage !== null && isKnownStage(stage) ? stage : 'unknown'
  return <span className={`stage stage--${tone}`}>{label}</span>
}
