import { useState } from 'react'

export interface JsonTreeProps {
  value: unknown
  /** Levels open at first (deeper ones are collapsed). */
  expandDepth?: number
}

/** Children listed per object or array before "… N more". */
const MAX_CHILDREN = 200

/**
 * A collapsible JSON tree. Every key and value is rendered as a React text node: untrusted
 * strings (payloads, table names) can never become markup.
 */
export function JsonTree({ value, expandDepth = 2 }: JsonTreeProps) {
  return (
    <div className="json-tree">
      <JsonNode value={value} depth={0} expandDepth={expandDepth} />
    </div>
  )
}

interface JsonNodeProps {
  name?: string
  value: unknown
  depth: number
  expandDepth: number
}

function JsonNode({ name, value, depth, expandDepth }: JsonNodeProps) {
  const [open, setOpen] = useState(depth < expandDepth)
  const label = name === undefined ? null : <span className="json-key">{name}: </span>
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-leaf">
        {label}
        <JsonPrimitive value={value} />
      </div>
    )
  }
  const isArray = Array.isArray(value)
  const entries: [string, unknown][] = isArray
    ? value.map((item, i) => [String(i), item])
    : Object.entries(value)
  const summary = isArray ? `Array(${entries.length})` : `{…} ${entries.length} keys`
  if (entries.length === 0) {
    return (
      <div className="json-leaf">
        {label}
        <span className="json-punct">{isArray ? '[]' : '{}'}</span>
      </div>
    )
  }
  return (
    <div className="json-node">
      <button
        type="button"
        className="json-toggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <span className="json-arrow" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        {label}
        <span className="json-summary">{summary}</span>
      </button>
      {open && (
        <div className="json-children">
          {entries.slice(0, MAX_CHILDREN).map(([key, item]) => (
            <JsonNode
              key={key}
              name={key}
              value={item}
              depth={depth + 1}
              expandDepth={expandDepth}
            />
          ))}
          {entries.length > MAX_CHILDREN && (
            <div className="json-leaf json-more">… {entries.length - MAX_CHILDREN} more</div>
          )}
        </div>
      )}
    </div>
  )
}

function JsonPrimitive({ value }: { value: unknown }) {
  if (typeof value === 'string') return <span className="json-string">"{value}"</span>
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>
  if (typeof value === 'boolean') return <span className="json-boolean">{String(value)}</span>
  if (value === null) return <span className="json-null">null</span>
  return <span className="json-null">{String(value)}</span>
}
