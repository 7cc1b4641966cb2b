import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { TapRing } from '../../bridge/socket/socket-tap'
import { type WriteFacts, writeFacts } from '../../bridge/writes/write-records'
import {
  installWriteTap,
  type WriteTapRecord,
  type WriteTapWindow,
} from '../../bridge/writes/write-tap'
import type { Stack } from '../../server/stack'
import {
  createWorld,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
} from '../server/stack-harness'

/**
 * The write tap as a page meets it: installed on the global fetch before the app makes its
 * supabase-js client (document_start), then the real client writes through the stack's REST
 * API. What the ring holds, and what the panel would receive from it (writeFacts).
 */

let stack: Stack
let world: Awaited<ReturnType<typeof createWorld>>
let supabase: SupabaseClient
const ring = new TapRing<WriteTapRecord>(50)
let uninstall: () => void

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ['mine', 'theirs'], { dot: ['mine'] })
  uninstall = installWriteTap(globalThis as WriteTapWindow, ring)
  // Made after the tap, as a page's app is: supabase-js resolves fetch now.
  supabase = createClient(stack.url, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    accessToken: async () => world.users.dot!.token,
    realtime: { transport: WebSocket as never },
  })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  uninstall?.()
  await stack?.close()
})

/** The facts of the write recorded after `before` records (it settles asynchronously). */
async function nextWrite(before: number): Promise<WriteFacts> {
  await vi.waitFor(() => expect(ring.read().length).toBeGreaterThan(before), { interval: 5 })
  return writeFacts(ring.read()[before]!)
}

describe('the write tap, with the real supabase-js client and the stack', () => {
  it('records an update: its table, the id its filter names, status and duration, and no value', async () => {
    const id = await insertDeal(stack, world.org('mine'))
    const before = ring.read().length
    const { error } = await supabase.from('deals').update({ title: 'Secret plans' }).eq('id', id)
    expect(error).toBeNull()
    const facts = await nextWrite(before)
    expect(facts).toMatchObject({ method: 'PATCH', table: 'deals', ids: [id], status: 204 })
    expect(facts.durationMs).toBeGreaterThanOrEqual(0)
    expect(JSON.stringify(facts)).not.toContain('Secret plans')
    expect(JSON.stringify(facts)).not.toContain(world.users.dot!.token)
  })

  it('leaves reads alone', async () => {
    const before = ring.read().length
    const { error } = await supabase.from('deals').select('id').limit(1)
    expect(error).toBeNull()
    // The select settled; a write recorded after it would already be in the ring.
    await supabase.from('deals').delete().eq('id', 'not-a-row')
    const facts = await nextWrite(before)
    expect(facts.method).toBe('DELETE')
    expect(ring.read()).toHaveLength(before + 1)
  })

  it("counts the rows an update changed, as PostgREST says: another organization's row is no row", async () => {
    const mine = await insertDeal(stack, world.org('mine'))
    const theirs = await insertDeal(stack, world.org('theirs'))
    const before = ring.read().length
    const { data, error } = await supabase
      .from('deals')
      .update({ title: 'not mine' })
      .in('id', [theirs])
      .select('id')
    expect(error).toBeNull()
    expect(data).toEqual([])
    expect(await nextWrite(before)).toMatchObject({ ids: [theirs], status: 200, rows: 0 })
    // return=minimal (supabase-js's default) says it too: its range is empty.
    await supabase.from('deals').update({ title: 'not mine' }).eq('id', theirs)
    expect(await nextWrite(before + 1)).toMatchObject({ ids: [theirs], status: 204, rows: 0 })
    await supabase.from('deals').update({ title: 'mine' }).eq('id', mine)
    expect(await nextWrite(before + 2)).toMatchObject({ ids: [mine], status: 204, rows: 1 })
  })

  it("records an insert's ids from its body, and PostgREST's error when row-level security refuses it", async () => {
    const id = crypto.randomUUID()
    const before = ring.read().length
    const { error } = await supabase
      .from('deals')
      .insert({ id, organization_id: world.org('theirs'), title: 'Not allowed' })
    // The page still reads its own error: the tap read a clone of the body.
    expect(error?.code).toBe('42501')
    const facts = await nextWrite(before)
    expect(facts).toMatchObject({ method: 'POST', table: 'deals', ids: [id] })
    expect(facts.status).toBeGreaterThanOrEqual(400)
    expect(facts.error).toEqual({ code: '42501', message: error!.message })
    expect(JSON.stringify(facts)).not.toContain('Not allowed')
  })

  it('records a function call by its name', async () => {
    const before = ring.read().length
    await supabase.rpc('realtime_sync_now')
    expect(await nextWrite(before)).toMatchObject({ method: 'POST', fn: 'realtime_sync_now' })
  })
})

describe('the write tap, on its own', () => {
  function tapped(fetch: typeof globalThis.fetch, capacity = 10) {
    const win: WriteTapWindow = { fetch }
    const ring = new TapRing<WriteTapRecord>(capacity)
    let clock = 1_000
    installWriteTap(win, ring, () => (clock += 10))
    return { win, ring }
  }
  const ok = () => Promise.resolve(new Response(null, { status: 204 }))

  it('returns the page its own promise, and a network failure still rejects for the page', async () => {
    const failure = new TypeError('fetch failed')
    const { win, ring } = tapped(() => Promise.reject(failure))
    await expect(
      win.fetch('https://x.supabase.co/rest/v1/deals?id=eq.1', { method: 'PATCH' }),
    ).rejects.toBe(failure)
    await vi.waitFor(() => expect(ring.read()).toHaveLength(1))
    expect(writeFacts(ring.read()[0]!)).toMatchObject({
      status: 0,
      ids: ['1'],
      error: { message: 'TypeError: fetch failed' },
      durationMs: 10,
    })
  })

  it('reads ids from eq. and in. filters (quoted ones too) and a Request object', async () => {
    const { win, ring } = tapped(ok)
    await win.fetch(
      new Request(
        'https://x.supabase.co/rest/v1/deal_contacts?id=in.(7,"a,b","c\\"d")&title=eq.x',
        {
          method: 'DELETE',
        },
      ),
    )
    await vi.waitFor(() => expect(ring.read()).toHaveLength(1))
    expect(writeFacts(ring.read()[0]!)).toMatchObject({
      method: 'DELETE',
      table: 'deal_contacts',
      ids: ['7', 'a,b', 'c"d'],
    })
  })

  it('keeps the newest writes only, and counts the rest', async () => {
    const { win, ring } = tapped(ok, 2)
    for (let i = 0; i < 5; i++) {
      await win.fetch(`https://x.supabase.co/rest/v1/deals?id=eq.${i}`, { method: 'PATCH' })
    }
    await vi.waitFor(() => expect(ring.dropped).toBe(3))
    expect(ring.read().map((r) => writeFacts(r).ids[0])).toEqual(['3', '4'])
  })

  it('ignores any other request: other hosts, storage, functions, reads', async () => {
    const { win, ring } = tapped(ok)
    await win.fetch('https://x.supabase.co/storage/v1/object/a', { method: 'POST' })
    await win.fetch('https://x.supabase.co/functions/v1/hello', { method: 'POST' })
    await win.fetch('https://x.supabase.co/rest/v1/deals?select=*')
    await win.fetch('https://example.com/api', { method: 'PUT' })
    await Promise.resolve()
    expect(ring.read()).toEqual([])
  })
})
