import type { ReactNode } from 'react'

/** A form control with its label: the label above it, or beside it when `inline` (toolbars). */
export function Field({
  label,
  inline = false,
  children,
}: {
  label: string
  inline?: boolean
  children: ReactNode
}) {
  return (
    <label className={inline ? 'field field--inline' : 'field'}>
      <span className="field__label">{label}</span>
      {children}
    </label>
  )
}
