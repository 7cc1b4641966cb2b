import { ContactsPage } from '../pages/contacts-page'
import { DealPage } from '../pages/deal-page'
import { DealsPage } from '../pages/deals-page'
import { TeamPage } from '../pages/team-page'
import { Header } from './header'
import { hrefs, type Route, useHashRoute } from './use-hash-route'

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'deals':
      return <DealsPage />
    case 'deal':
      // Keyed by id: a new deal starts with a fresh form, not the previous deal's draft.
      return <DealPage key={route.dealId} dealId={route.dealId} />
    case 'contacts':
      return <ContactsPage />
    case 'team':
      return <TeamPage />
    case 'not-found':
      return (
        <section className="card">
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>#{route.path}</code>. <a href={hrefs.deals}>Go to deals</a>.
          </p>
        </section>
      )
  }
}

/** The signed-in layout: header, navigation, and the page of the current hash route. */
export function Shell() {
  const route = useHashRoute()
  return (
    <>
      <Header route={route} />
      <main className="app">
        <Page route={route} />
      </main>
    </>
  )
}
