import * as v from 'valibot'
import { DEMO_CONFIG_FILE, type DemoConfig, DemoConfigSchema } from '../../demo-config'
import { errorMessage } from '../ui/format'

export type ConfigResult = { ok: true; config: DemoConfig } | { ok: false; reason: string }

/** demo-config.json is served next to the app; it crosses HTTP, so it is validated. */
export async function loadDemoConfig(): Promise<ConfigResult> {
  let json: unknown
  try {
    const response = await fetch(`./${DEMO_CONFIG_FILE}`, { cache: 'no-store' })
    if (!response.ok) return { ok: false, reason: `HTTP ${response.status}` }
    const text = await response.text()
    try {
      json = JSON.parse(text)
    } catch {
      // Typically a dev server's index.html fallback for a file that is not there.
      return {
        ok: false,
        reason: `not JSON (${response.headers.get('content-type') ?? 'no type'})`,
      }
    }
  } catch (error) {
    return { ok: false, reason: errorMessage(error) }
  }
  const parsed = v.safeParse(DemoConfigSchema, json)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const path = issue.path?.map((item) => String(item.key)).join('.')
    return { ok: false, reason: path ? `${path}: ${issue.message}` : issue.message }
  }
  return { ok: true, config: parsed.output }
}
