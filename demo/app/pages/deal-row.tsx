import type { Deal } from '../data/database'
import { hrefs } from '../shell/use-hash-route'
import { formatMoney, formatTime } from '../ui/format'
import { StageBadge } from '../ui/stage-badge'
import { useFlashOnChange } from '../ui/use-flash-on-change'

export function DealRow({ deal }: { deal: Deal }) {
  const ref = useFlashOnChange<HTMLTableRowElement>(
    JSON.stringify([deal.title, deal.stage, deal.value, deal.updated_at]),
  )
  return (
    <tr ref={ref} data-testid="deal-row" data-deal-id={deal.id}>
      <td data-testid="deal-title" className="cell-title">
        <a href={hrefs.deal(deal.id)}>{deal.title || 'Untitled deal'}</a>
      </td>
      <td>
        <StageBadge stage={deal.stage} />
      </td>
      <td className="cell-number">{formatMoney(deal.value)}</td>
      <td className="cell-muted">{formatTime(deal.updated_at)}</td>
    </tr>
  )
}
