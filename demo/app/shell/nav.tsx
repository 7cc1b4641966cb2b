import { hrefs, type Route } from './use-hash-route'

const ITEMS = [
  { label: 'Deals', href: hrefs.deals, pages: ['deals', 'deal'] },
  { label: 'Contacts', href: hrefs.contacts, pages: ['contacts'] },
  { label: 'Team', href: hrefs.team, pages: ['team'] },
] as const

export function Nav({ route }: { route: Route }) {
  return (
    <nav className="nav" aria-label="Main">
      {ITEMS.map((item) => {
        const active = (item.pages as readonly string[]).includes(route.page)
        return (
          <a
            key={item.href}
            href={item.href}
            className={active ? 'nav__link nav__link--active' : 'nav__link'}
            aria-current={active ? 'page' : undefined}
          >
            {item.label}
          </a>
        )
      })}
    </nav>
  )
}
