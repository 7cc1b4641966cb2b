import { useQueryClient } from '@tanstack/react-query'
import { useOrganizations } from '../boot/organization-context'
import { useDemoSession } from '../boot/session-context'
import { useOrganizationMembers } from '../data/memberships'
import { useProfiles } from '../data/profiles'
import { ErrorText } from '../ui/error-text'
import { DisplayNameForm } from './display-name-form'

export function TeamPage() {
  const { userId } = useDemoSession()
  const { current } = useOrganizations()
  const members = useOrganizationMembers(current.id)
  const profiles = useProfiles()
  const queryClient = useQueryClient()

  const byId = new Map(profiles.data?.map((profile) => [profile.id, profile]))
  const me = byId.get(userId)

  return (
    <section className="stack">
      <div className="page-header">
        <h1>Team</h1>
        <span className="muted">{current.name}</span>
        <span className="page-header__spacer" />
        <button
          type="button"
          className="button"
          data-testid="refresh-profiles"
          // Global tables get no realtime events: refreshing them is the app's job (the
          // engine's invalidateGlobal('profiles') is this, logged in the panel).
          onClick={() => void queryClient.invalidateQueries({ queryKey: ['profiles'] })}
          disabled={profiles.isFetching}
        >
          {profiles.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="notice notice--info">
        Names come from <code>profiles</code>, a global table with no realtime: a teammate&apos;s
        rename shows here after Refresh.
      </p>
      <ErrorText error={members.error ?? profiles.error} />
      {members.isPending ? (
        <p className="muted">Loading members…</p>
      ) : (
        <ul className="list card">
          {members.data?.map((member) => {
            const profile = byId.get(member.user_id)
            return (
              <li
                key={member.user_id}
                className="list__item"
                data-testid="team-member"
                data-user-id={member.user_id}
              >
                <span className="avatar" aria-hidden="true">
                  {(profile?.display_name || profile?.email || '?').slice(0, 1).toUpperCase()}
                </span>
                <span className="list__main">
                  <span data-testid="member-name">{profile?.display_name || 'Unknown user'}</span>
                  {member.user_id === userId && <span className="tag">you</span>}
                  <span className="muted"> {profile?.email}</span>
                </span>
                <span className="tag tag--role">{member.role}</span>
              </li>
            )
          })}
        </ul>
      )}
      {profiles.isSuccess && <DisplayNameForm current={me?.display_name ?? ''} />}
    </section>
  )
}
