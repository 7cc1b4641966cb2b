import { useOrganizations } from '../boot/organization-context'
import type { Deal } from '../data/database'
import { useDeal } from '../data/deals'
import { isUuid } from '../data/ids'
import { hrefs } from '../shell/use-hash-route'
import { ErrorText } from '../ui/error-text'
import { formatMoney, formatTime } from '../ui/format'
import { StageBadge } from '../ui/stage-badge'
import { useFlashOnChange } from '../ui/use-flash-on-change'
import { DealActivitiesPanel } from './deal-activities-panel'
import { DealContactsPanel } from './deal-contacts-panel'
import { DealEditForm } from './deal-edit-form'

function NotFound() {
  return (
    <section className="card stack" data-testid="deal-not-found">
      <h1>Deal not found or not in your organization</h1>
      <p>
        <a href={hrefs.deals}>Back to deals</a>
      </p>
    </section>
  )
}

export function DealPage({ dealId }: { dealId: string }) {
  return isUuid(dealId) ? <DealLoader dealId={dealId} /> : <NotFound />
}

function DealLoader({ dealId }: { dealId: string }) {
  // `.record(id)`: refetched by the engine only when this very deal changes.
  const deal = useDeal(dealId)
  if (deal.isPending) return <p className="muted">Loading deal…</p>
  if (deal.isError) return <ErrorText error={deal.error} />
  if (deal.data === null) return <NotFound />
  return <DealView deal={deal.data} />
}

function DealView({ deal }: { deal: Deal }) {
  const { organizations } = useOrganizations()
  const organization = organizations.find((o) => o.id === deal.organization_id)
  const summary = useFlashOnChange<HTMLDivElement>(
    JSON.stringify([deal.title, deal.stage, deal.value, deal.updated_at]),
  )
  return (
    <article className="stack">
      <a className="back-link" href={hrefs.deals}>
        ← Deals
      </a>
      <div className="deal-summary" ref={summary}>
        <h1 data-testid="deal-heading">{deal.title || 'Untitled deal'}</h1>
        <div className="deal-summary__meta">
          <StageBadge stage={deal.stage} />
          <span className="deal-summary__value">{formatMoney(deal.value)}</span>
          <span className="muted">{organization?.name ?? deal.organization_id}</span>
          <span className="muted">updated {formatTime(deal.updated_at)}</span>
        </div>
      </div>
      <div className="deal-grid">
        <DealEditForm deal={deal} />
        <div className="stack">
          <DealContactsPanel deal={deal} />
          <DealActivitiesPanel deal={deal} />
        </div>
      </div>
    </article>
  )
}
