import * as v from 'valibot'
import { TRANSPORTS } from '../src/types'

/**
 * What the demo app learns at start from `./demo-config.json`, served next to it by
 * `npm run demo` (and by the browser tests): where Supabase is and who can sign in with one
 * click. Validated on arrival: it crosses an HTTP boundary.
 */
export const DemoConfigSchema = v.object({
  supabaseUrl: v.pipe(v.string(), v.url()),
  supabaseAnonKey: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
  /** The user switcher's one-click users. Empty for a real project: the sign-in form only. */
  demoUsers: v.pipe(
    v.array(
      v.object({
        email: v.pipe(v.string(), v.email()),
        name: v.pipe(v.string(), v.maxLength(200)),
        organizations: v.array(v.pipe(v.string(), v.maxLength(200))),
      }),
    ),
    v.maxLength(50),
  ),
  /** The demo users' shared password (local stack only; never set for a real project). */
  demoPassword: v.optional(v.pipe(v.string(), v.maxLength(200))),
  /** How the engine receives the events: the database's mode (default postgres_changes). */
  transport: v.optional(v.picklist(TRANSPORTS)),
})

export type DemoConfig = v.InferOutput<typeof DemoConfigSchema>

export const DEMO_CONFIG_FILE = 'demo-config.json'
