import { useState } from 'react'
import { useDemoSession } from '../boot/session-context'
import { openAsUser } from '../boot/url'

export function SignOutButton() {
  const { supabase } = useDemoSession()
  const [busy, setBusy] = useState(false)
  const signOut = async () => {
    setBusy(true)
    // 'local': end this browser's session only, not the user's sessions elsewhere.
    await supabase.auth.signOut({ scope: 'local' })
    openAsUser(null)
  }
  return (
    <button type="button" className="button button--quiet" disabled={busy} onClick={signOut}>
      Sign out
    </button>
  )
}
