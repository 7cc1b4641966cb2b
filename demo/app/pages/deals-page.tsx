import { useState } from 'react'
import { useOrganizations } from '../boot/organization-context'
import { useDealList } from '../data/deals'
import { ErrorText } from '../ui/error-text'
import { DealTable } from './deal-table'
import { NewDealForm } from './new-deal-form'
import { type StageChoice, StageFilter } from './stage-filter'

export function DealsPage() {
  const { current } = useOrganizations()
  const [stage, setStage] = useState<StageChoice>('all')
  // The organization is part of the filters, so each organization's list is its own query.
  const deals = useDealList({ organizationId: current.id, stage })

  return (
    <section className="stack">
      <div className="page-header">
        <h1>Deals</h1>
        <span className="muted">{current.name}</span>
        <span className="page-header__spacer" />
        <StageFilter value={stage} onChange={setStage} />
      </div>
      <NewDealForm organizationId={current.id} />
      {deals.isPending ? (
        <p className="muted">Loading deals…</p>
      ) : deals.isError ? (
        <ErrorText error={deals.error} />
      ) : (
        <DealTable deals={deals.data} />
      )}
    </section>
  )
}
