import { describe, expect, it, vi } from 'vitest'
import {
  DEVTOOLS_GLOBAL,
  type DevtoolsEngine,
  getDevtoolsRegistry,
  incompatibleRegistryVersion,
  type RegistryChange,
  registerEngine,
  watchEngines,
} from '../../src/devtools-registry'

function engine(id: string): DevtoolsEngine {
  return { id, name: id.split('#')[0]! } as DevtoolsEngine
}

describe('the page registry (queue-before-hook)', () => {
  it('lists engines registered before the bridge watched, then later ones', () => {
    const page = {}
    registerEngine(engine('app#1'), page)
    const seen: string[] = []
    watchEngines((change) => seen.push(`${change.type} ${change.engine.id}`), page)
    const unregister = registerEngine(engine('admin#2'), page)
    unregister()
    expect(seen).toEqual(['register app#1', 'register admin#2', 'unregister admin#2'])
  })

  it('works when the bridge creates the registry first', () => {
    const page = {}
    const seen: RegistryChange[] = []
    watchEngines((change) => seen.push(change), page)
    registerEngine(engine('app#1'), page)
    expect(seen.map((c) => c.engine.id)).toEqual(['app#1'])
    expect(getDevtoolsRegistry(page)?.engines.size).toBe(1)
  })

  it('leaves an incompatible registry alone instead of corrupting it', () => {
    const page = { [DEVTOOLS_GLOBAL]: { version: 99 } }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      expect(getDevtoolsRegistry(page)).toBeUndefined()
      expect(() => registerEngine(engine('app#1'), page)()).not.toThrow()
    } finally {
      warn.mockRestore()
    }
  })

  it('says in the console, with both versions, that an engine cannot be shown', () => {
    const page = { [DEVTOOLS_GLOBAL]: { version: 99 } }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      registerEngine(engine('app#1'), page)
      expect(warn).toHaveBeenCalledOnce()
      expect(String(warn.mock.calls[0]![0])).toMatch(
        /engine "app" is not visible.*registry version 99.*uses version 2/,
      )
      expect(incompatibleRegistryVersion(page)).toBe('99')
      expect(incompatibleRegistryVersion({})).toBeUndefined()
    } finally {
      warn.mockRestore()
    }
  })

  it('keeps notifying the others when one listener throws', () => {
    const page = {}
    const seen: string[] = []
    watchEngines(() => {
      throw new Error('old bridge')
    }, page)
    watchEngines((change) => seen.push(change.engine.id), page)
    registerEngine(engine('app#1'), page)
    expect(seen).toEqual(['app#1'])
  })
})
