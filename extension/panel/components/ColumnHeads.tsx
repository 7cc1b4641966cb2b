export interface ColumnHeadsProps {
  labels: readonly string[]
}

/** A data table's header row: one column header per label, for screen readers' table nav. */
export function ColumnHeads({ labels }: ColumnHeadsProps) {
  return (
    <thead>
      <tr>
        {labels.map((label) => (
          <th key={label} scope="col">
            {label}
          </th>
        ))}
      </tr>
    </thead>
  )
}
