import { defineManifest } from '@crxjs/vite-plugin'
import pkg from './package.json' with { type: 'json' }

export type TargetBrowser = 'chrome' | 'firefox'

/**
 * MV3, least privilege: no `permissions` at all (tabs.connect and devtools APIs need none), no
 * externally_connectable, the default CSP, no remote code. The two content scripts run at
 * document_start in every http(s) frame: the ISOLATED relay first, then the MAIN-world bridge,
 * which must exist before the page's own scripts register an engine.
 */
export function createManifest(browser: TargetBrowser) {
  return defineManifest({
    manifest_version: 3,
    name: 'Realtime Sync DevTools',
    short_name: 'Realtime Sync',
    version: pkg.version,
    description:
      'Shows every decision of the Supabase Realtime → TanStack Query sync engine: received, deduped, echo-filtered and invalidated events, live.',
    // world: 'MAIN' content scripts need Chrome 111.
    minimum_chrome_version: '111',
    devtools_page: 'extension/devtools/devtools.html',
    background:
      browser === 'firefox'
        ? { scripts: ['extension/background/service-worker.ts'], type: 'module' }
        : { service_worker: 'extension/background/service-worker.ts', type: 'module' },
    content_scripts: [
      {
        matches: ['http://*/*', 'https://*/*'],
        js: ['extension/content/content-relay.iife.ts'],
        run_at: 'document_start',
        all_frames: true,
      },
      {
        matches: ['http://*/*', 'https://*/*'],
        js: ['bridge/page-bridge.iife.ts'],
        run_at: 'document_start',
        all_frames: true,
        world: 'MAIN',
      },
    ],
    // `as object`: crxjs's manifest types predate gecko_android, which Firefox reads.
    ...(browser === 'firefox'
      ? ({
          browser_specific_settings: {
            // 140 (Android 142): the first to read data_collection_permissions; MAIN-world
            // content scripts need 128.
            gecko: {
              id: 'realtime-sync-devtools@example.dev',
              strict_min_version: '140.0',
              // Nothing leaves the browser: the panel shows the inspected page's own data.
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        } as object)
      : {}),
  })
}
