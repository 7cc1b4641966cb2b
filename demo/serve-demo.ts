import { DEMO_PASSWORD, DEMO_USERS } from '../server/seed/demo-world'
import type { Transport } from '../src/types'
import { DEMO_CONFIG_FILE, type DemoConfig } from './demo-config'
import { type Site, serveSite } from './site-server'

export interface ServeDemoOptions {
  /** The built demo app (demo/build.ts). */
  appDir: string
  supabaseUrl: string
  supabaseAnonKey: string
  /** Local stack: the seeded users and their password, for one-click sign-in. */
  localUsers: boolean
  /** The engine's transport: the mode the database is in (default postgres_changes). */
  transport?: Transport
  port?: number
  host?: string
}

/** The demo app with its demo-config.json: where Supabase is and who can sign in. */
export function serveDemo(options: ServeDemoOptions): Promise<Site> {
  const config: DemoConfig = {
    supabaseUrl: options.supabaseUrl,
    supabaseAnonKey: options.supabaseAnonKey,
    demoUsers: options.localUsers
      ? Object.values(DEMO_USERS).map(({ email, name, organizations }) => ({
          email,
          name,
          organizations: [...organizations],
        }))
      : [],
    ...(options.localUsers ? { demoPassword: DEMO_PASSWORD } : {}),
    ...(options.transport === undefined ? {} : { transport: options.transport }),
  }
  return serveSite({
    root: options.appDir,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    files: { [DEMO_CONFIG_FILE]: JSON.stringify(config) },
  })
}

/** The URL of the demo signed in as `email`. */
/** `query`: more parameters, each `&name=value` (e.g. `&batchMode=trailing`). */
export function demoUrl(site: Site, email: string, route = '#/deals', query = ''): string {
  return `${site.url}/?user=${encodeURIComponent(email).replace('%40', '@')}${query}${route}`
}
