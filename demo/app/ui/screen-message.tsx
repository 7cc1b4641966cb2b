import type { ReactNode } from 'react'

/** A whole-window message before the app can start: loading, a bad config, no organization. */
export function ScreenMessage({
  title,
  children,
  tone = 'info',
}: {
  title: string
  children?: ReactNode
  tone?: 'info' | 'error'
}) {
  return (
    <main className={`screen-message screen-message--${tone}`}>
      <div className="card">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  )
}
