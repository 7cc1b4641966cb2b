import { type FormEvent, useState } from 'react'
import type { DemoConfig } from '../../demo-config'
import { getSupabaseClient } from '../boot/supabase-client'
import { openAsUser } from '../boot/url'
import { Field } from '../ui/field'

/**
 * Email + password, for a real Supabase project (no demo password in the config). The session
 * lands in supabase-js's storage under this user's key; the window then becomes `?user=<email>`
 * and picks it up from there. Nothing else is stored.
 */
export function PasswordForm({
  config,
  initialEmail = '',
}: {
  config: DemoConfig
  initialEmail?: string
}) {
  const [email, setEmail] = useState(initialEmail)
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const address = email.trim()
    setBusy(true)
    setError(null)
    const supabase = getSupabaseClient(config, address)
    const { error: signInError } = await supabase.auth.signInWithPassword({
      email: address,
      password,
    })
    setBusy(false)
    if (signInError) setError(signInError.message)
    else openAsUser(address)
  }

  return (
    <form className="stack" onSubmit={submit} data-testid="sign-in-form">
      <Field label="Email">
        <input
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
      </Field>
      <Field label="Password">
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </Field>
      {error !== null && (
        <p className="error-text" role="alert" data-testid="sign-in-form-error">
          {error}
        </p>
      )}
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  )
}
