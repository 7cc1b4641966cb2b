import type { DemoConfig } from '../../demo-config'
import { openAsUser, urlForUser } from '../boot/url'

/** The config's demo users as one-click sign-ins, each also openable in a new window. */
export function DemoUserList({ users }: { users: DemoConfig['demoUsers'] }) {
  if (users.length === 0) return null
  return (
    <ul className="demo-users">
      {users.map((user) => (
        <li key={user.email} className="demo-user">
          <button
            type="button"
            className="demo-user__button"
            data-testid="demo-user"
            data-email={user.email}
            onClick={() => openAsUser(user.email)}
          >
            <span className="demo-user__name">{user.name}</span>
            <span className="demo-user__email">{user.email}</span>
            <span className="demo-user__orgs">{user.organizations.join(' · ')}</span>
          </button>
          <a
            className="demo-user__new-window"
            href={urlForUser(user.email)}
            target="_blank"
            rel="noopener"
            title={`Open ${user.name} in a new window`}
          >
            new window ↗
          </a>
        </li>
      ))}
    </ul>
  )
}
