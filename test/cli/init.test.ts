import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { initMigrations, main, PACKAGE_MIGRATIONS } from '../../cli/init'

/** `npx realtime-sync-devtools init` in an app's repository (a temporary one). */

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function appRepository(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'app-'))
  made.push(dir)
  return dir
}

const ours = readdirSync(PACKAGE_MIGRATIONS)
  .filter((file) => file.endsWith('.sql'))
  .sort()
const AT = new Date('2027-01-15T09:30:00Z')

describe('init', () => {
  it("writes every migration under a fresh timestamp, in order, after the app's own", () => {
    const target = path.join(appRepository(), 'supabase', 'migrations')
    const result = initMigrations({
      sourceDir: PACKAGE_MIGRATIONS,
      targetDir: target,
      now: AT,
      dryRun: false,
    })
    const names = ours.map((file) => file.slice('YYYYMMDDHHMMSS_'.length))
    expect(result.written).toEqual(names.map((name, i) => `2027011509300${i}_${name}`))
    expect(readdirSync(target).sort()).toEqual(result.written)
    for (const [i, file] of result.written.entries()) {
      expect(readFileSync(path.join(target, file), 'utf8')).toBe(
        readFileSync(path.join(PACKAGE_MIGRATIONS, ours[i]!), 'utf8'),
      )
    }
  })

  it('leaves alone what is already there: a second run writes nothing', () => {
    const target = path.join(appRepository(), 'migrations')
    const first = initMigrations({
      sourceDir: PACKAGE_MIGRATIONS,
      targetDir: target,
      now: AT,
      dryRun: false,
    })
    writeFileSync(path.join(target, '20270101000000_the_apps_own.sql'), 'select 1;')
    const second = initMigrations({
      sourceDir: PACKAGE_MIGRATIONS,
      targetDir: target,
      now: new Date('2027-02-01T00:00:00Z'),
      dryRun: false,
    })
    expect(second.written).toEqual([])
    expect(second.present.map((entry) => entry.as)).toEqual(first.written)
    expect(readdirSync(target)).toHaveLength(ours.length + 1)
  })

  it('from the command line: --dry-run writes nothing and says what it would; the checklist follows', () => {
    const repo = appRepository()
    const lines: string[] = []
    const dir = path.join(repo, 'db', 'migrations')
    expect(main(['init', '--dir', dir, '--dry-run'], (line) => lines.push(line))).toBe(0)
    const output = lines.join('\n')
    expect(output).toMatch(new RegExp(`^Would write ${ours.length} migration\\(s\\) to `))
    expect(output).toContain("select public.realtime_track_table('public.deals');")
    expect(output).toContain('supabase db push')
    expect(readdirSync(repo)).toEqual([])
  })

  it('an unknown command or flag prints the usage and fails', () => {
    const lines: string[] = []
    expect(main(['push'], (line) => lines.push(line))).toBe(2)
    expect(main(['init', '--force'], (line) => lines.push(line))).toBe(2)
    expect(lines.join('\n')).toContain('Usage: npx realtime-sync-devtools init')
  })
})
