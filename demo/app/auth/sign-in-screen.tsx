import type { DemoConfig } from '../../demo-config'
import { DemoUserList } from './demo-user-list'
import { PasswordForm } from './password-form'

const DEMO_INTRO =
  'Open two windows side by side as two people of the same organization (alice and bob), ' +
  'edit a deal in one, and watch the other update. carol is in another organization and ' +
  'sees nothing; dave is in both.'

const PROJECT_INTRO =
  'Sign in, then open a second window as a teammate: changes either of you makes show up ' +
  'in the other window live.'

/**
 * Who is this window? Shown without `?user=`, or when signing in as that user failed (the
 * error is shown) or needs a password.
 */
export function SignInScreen({
  config,
  email,
  error,
}: {
  config: DemoConfig
  email?: string
  error?: string
}) {
  const hasDemoUsers = config.demoUsers.length > 0
  return (
    <main className="sign-in">
      <div className="card sign-in__card">
        <h1>Realtime CRM demo</h1>
        <p className="muted">{hasDemoUsers ? DEMO_INTRO : PROJECT_INTRO}</p>
        {error !== undefined && (
          <p className="error-text" role="alert" data-testid="sign-in-error">
            Could not sign in as {email}: {error}
          </p>
        )}
        {hasDemoUsers && (
          <>
            <h2>Sign in as</h2>
            <DemoUserList users={config.demoUsers} />
            <h2>Or with email and password</h2>
          </>
        )}
        <PasswordForm config={config} initialEmail={email} />
      </div>
    </main>
  )
}
