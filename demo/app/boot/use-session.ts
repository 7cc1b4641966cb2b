import type { Session } from '@supabase/supabase-js'
import { useEffect, useState } from 'react'
import type { DemoSupabaseClient } from './supabase-client'

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-in'; userId: string }
  /** No session for this user and no demo password: the sign-in form takes over. */
  | { status: 'signed-out'; error?: string }

/** One sign-in per client, even when StrictMode runs the effect twice. */
const signIns = new WeakMap<DemoSupabaseClient, Promise<string | undefined>>()

function signInOnce(supabase: DemoSupabaseClient, email: string, password: string) {
  let signIn = signIns.get(supabase)
  if (signIn === undefined) {
    signIn = supabase.auth
      .signInWithPassword({ email, password })
      .then(({ error }) => error?.message)
      .finally(() => signIns.delete(supabase))
    signIns.set(supabase, signIn)
  }
  return signIn
}

function isSessionOf(session: Session | null, email: string): session is Session {
  return session?.user.email?.toLowerCase() === email.toLowerCase()
}

/**
 * The signed-in user of this window: the session supabase-js kept for this email if there is
 * one, else a sign-in with the demo password (local stack only). Only the user id is kept in
 * state, so token refreshes do not re-render the app.
 */
export function useSession(
  supabase: DemoSupabaseClient,
  email: string,
  demoPassword: string | undefined,
): SessionState {
  const [state, setState] = useState<SessionState>({ status: 'loading' })

  useEffect(() => {
    let active = true
    const signedIn = (userId: string) =>
      setState((current) =>
        current.status === 'signed-in' && current.userId === userId
          ? current
          : { status: 'signed-in', userId },
      )
    // Keep the callback synchronous: supabase-js holds its auth lock while calling it.
    const { data } = supabase.auth.onAuthStateChange((event, session) => {
      if (!active) return
      if (isSessionOf(session, email)) signedIn(session.user.id)
      else if (event === 'SIGNED_OUT') setState({ status: 'signed-out' })
    })

    void (async () => {
      const { data: existing } = await supabase.auth.getSession()
      if (!active) return
      if (isSessionOf(existing.session, email)) return signedIn(existing.session.user.id)
      if (demoPassword === undefined) return setState({ status: 'signed-out' })
      const error = await signInOnce(supabase, email, demoPassword)
      if (!active) return
      if (error !== undefined) return setState({ status: 'signed-out', error })
      // The SIGNED_IN event may have gone to StrictMode's first subscription: ask again.
      const { data: after } = await supabase.auth.getSession()
      if (active && isSessionOf(after.session, email)) signedIn(after.session.user.id)
    })()

    return () => {
      active = false
      data.subscription.unsubscribe()
    }
  }, [supabase, email, demoPassword])

  return state
}
