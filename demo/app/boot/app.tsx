import { QueryClientProvider } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import type { DemoConfig } from '../../demo-config'
import { SignInScreen } from '../auth/sign-in-screen'
import { ScreenMessage } from '../ui/screen-message'
import { publishDemoGlobal } from './demo-global'
import { type ConfigResult, loadDemoConfig } from './load-demo-config'
import { createDemoQueryClient } from './query-client'
import { SessionContext } from './session-context'
import { getSupabaseClient } from './supabase-client'
import { userFromUrl } from './url'
import { useSession } from './use-session'
import { Workspace } from './workspace'

/** Startup: config → which user this window is → their session → the workspace. */
export function App() {
  const [result, setResult] = useState<ConfigResult | null>(null)
  useEffect(() => {
    let active = true
    void loadDemoConfig().then((loaded) => active && setResult(loaded))
    return () => {
      active = false
    }
  }, [])

  if (result === null) return <ScreenMessage title="Starting…" />
  if (!result.ok) {
    return (
      <ScreenMessage title="The demo cannot start" tone="error">
        <p data-testid="config-error">
          demo-config.json missing or invalid: {result.reason}. Start the demo with{' '}
          <code>npm run demo</code>.
        </p>
      </ScreenMessage>
    )
  }
  const email = userFromUrl()
  if (email === null) return <SignInScreen config={result.config} />
  return <SignedInWindow config={result.config} email={email} />
}

function SignedInWindow({ config, email }: { config: DemoConfig; email: string }) {
  const supabase = getSupabaseClient(config, email)
  // One QueryClient for the lifetime of this window (a user switch reloads the page).
  const [queryClient] = useState(createDemoQueryClient)
  const session = useSession(supabase, email, config.demoPassword)
  const userId = session.status === 'signed-in' ? session.userId : null

  useEffect(() => {
    publishDemoGlobal({ supabase, queryClient, email, userId })
  }, [supabase, queryClient, email, userId])

  // Two windows side by side: the tab title says which user each one is.
  useEffect(() => {
    document.title = `${email} · Realtime CRM demo`
  }, [email])

  const value = useMemo(
    () => (userId === null ? null : { supabase, config, email, userId }),
    [supabase, config, email, userId],
  )

  if (session.status === 'loading') return <ScreenMessage title={`Signing in as ${email}…`} />
  if (value === null) {
    return (
      <SignInScreen
        config={config}
        email={email}
        error={session.status === 'signed-out' ? session.error : undefined}
      />
    )
  }
  return (
    <QueryClientProvider client={queryClient}>
      <SessionContext.Provider value={value}>
        <Workspace />
      </SessionContext.Provider>
    </QueryClientProvider>
  )
}
