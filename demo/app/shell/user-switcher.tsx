import { useDemoSession } from '../boot/session-context'
import { openAsUser } from '../boot/url'
import { Field } from '../ui/field'

/**
 * Switches this window to another demo user. A full navigation, not a state change: the new
 * user gets a fresh QueryClient and Realtime connection, as after a real sign-in.
 */
export function UserSwitcher() {
  const { config, email } = useDemoSession()
  const users = config.demoUsers
  const known = users.some((user) => user.email.toLowerCase() === email.toLowerCase())
  return (
    <Field label="Switch user" inline>
      <select
        data-testid="user-switcher"
        value={email}
        onChange={(event) => openAsUser(event.target.value)}
      >
        {!known && <option value={email}>{email}</option>}
        {users.map((user) => (
          <option key={user.email} value={user.email}>
            {user.name}
          </option>
        ))}
      </select>
    </Field>
  )
}
