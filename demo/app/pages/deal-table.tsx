import type { Deal } from '../data/database'
import { DealRow } from './deal-row'

export function DealTable({ deals }: { deals: Deal[] }) {
  if (deals.length === 0) {
    return <p className="empty">No deals here yet. Add one above.</p>
  }
  return (
    <div className="table-wrap">
      <table className="table" data-testid="deal-table">
        <thead>
          <tr>
            <th>Title</th>
            <th>Stage</th>
            <th className="cell-number">Value</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {deals.map((deal) => (
            <DealRow key={deal.id} deal={deal} />
          ))}
        </tbody>
      </table>
    </div>
  )
}
