import type { ConnectionStatus } from '../store/panel-store'

export interface EmptyStateProps {
  connection: ConnectionStatus
  pageUrl?: string
  /** The page has engines, in a registry this extension cannot read (the banner says why). */
  unreadableRegistry?: boolean
}

const INSTALL = 'npm install realtime-sync-devtools'

const SNIPPET = `import { createRealtimeSync } from 'realtime-sync-devtools'

const sync = createRealtimeSync({ supabase, queryClient, organizationIds, userId })`

const REACT_SNIPPET = `import { RealtimeSyncProvider } from 'realtime-sync-devtools/react'

<QueryClientProvider client={queryClient}>
  <RealtimeSyncProvider supabase={supabase} organizationIds={orgIds} userId={user.id}>
    <App />
  </RealtimeSyncProvider>
</QueryClientProvider>`

/** Shown when the page has no sync engine: how to add one. */
export function EmptyState({ connection, pageUrl, unreadableRegistry }: EmptyStateProps) {
  if (unreadableRegistry) {
    // "No engine, add one" would be wrong advice: they are there, of another version.
    return (
      <div className="empty-state">
        <h2>This page's sync engines cannot be read by this extension</h2>
        {pageUrl !== undefined && <p className="detail-note mono">{pageUrl}</p>}
      </div>
    )
  }
  return (
    <div className="empty-state">
      <h2>
        {connection === 'connected'
          ? 'No Realtime sync engine on this page'
          : connection === 'page-disconnected'
            ? 'Page disconnected — reconnecting…'
            : 'Waiting for the page…'}
      </h2>
      {pageUrl !== undefined && <p className="detail-note mono">{pageUrl}</p>}
      <p>
        The panel lists every sync engine on the page: each registers itself with DevTools when it
        starts, and its recent events are sent as soon as the panel connects. Add one:
      </p>
      <pre className="code-block">{INSTALL}</pre>
      <pre className="code-block">{SNIPPET}</pre>
      <p>or, in React, inside QueryClientProvider and your auth provider:</p>
      <pre className="code-block">{REACT_SNIPPET}</pre>
      <p className="detail-note">
        The extension's page script runs on http(s) pages. Nothing is sent while DevTools is closed.
      </p>
    </div>
  )
}
