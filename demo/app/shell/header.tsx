import { useDemoSession } from '../boot/session-context'
import { withoutEngine } from '../boot/url'
import { Nav } from './nav'
import { OrgPicker } from './org-picker'
import { RealtimeStatusPill } from './realtime-status-pill'
import { ReportProblemButton } from './report-problem-button'
import { SignOutButton } from './sign-out-button'
import type { Route } from './use-hash-route'
import { UserSwitcher } from './user-switcher'

export function Header({ route }: { route: Route }) {
  const { email } = useDemoSession()
  return (
    <header className="topbar">
      <div className="topbar__inner">
        <div className="topbar__row">
          <a className="brand" href="#/deals">
            <span className="brand__mark" aria-hidden="true">
              ◆
            </span>
            Realtime CRM demo
          </a>
          <RealtimeStatusPill />
          <span className="topbar__spacer" />
          <span className="signed-in-as" data-testid="signed-in-as" title="Signed in as">
            {email}
          </span>
          {/* The engine writes the log: with ?engine=none there is none to report. */}
          {!withoutEngine() && <ReportProblemButton />}
          <SignOutButton />
        </div>
        <div className="topbar__row topbar__row--controls">
          <OrgPicker />
          <UserSwitcher />
        </div>
        <p className="hint">Open DevTools → Realtime to see every event this window receives.</p>
        <Nav route={route} />
      </div>
    </header>
  )
}
