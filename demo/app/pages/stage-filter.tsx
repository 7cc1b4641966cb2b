import { DEAL_STAGES, type DealStage } from '../data/query-keys'
import { Field } from '../ui/field'

export type StageChoice = DealStage | 'all'

export function StageFilter({
  value,
  onChange,
}: {
  value: StageChoice
  onChange: (stage: StageChoice) => void
}) {
  return (
    <Field label="Stage" inline>
      <select
        data-testid="stage-filter"
        value={value}
        onChange={(event) => onChange(event.target.value as StageChoice)}
      >
        <option value="all">All stages</option>
        {DEAL_STAGES.map((stage) => (
          <option key={stage} value={stage}>
            {stage}
          </option>
        ))}
      </select>
    </Field>
  )
}
