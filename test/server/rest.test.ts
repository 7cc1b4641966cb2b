import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stack } from '../../server/stack'
import {
  closeClient,
  createTestClient,
  createWorld,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
  type TestWorld,
} from './stack-harness'

let stack: Stack
let world: TestWorld & { org: (name: string) => string }
let ann: SupabaseClient
let anon: SupabaseClient
const ids: Record<string, string> = {}

beforeAll(async () => {
  stack = await startTestStack()
  world = await createWorld(stack, ['a', 'b'], { ann: ['a'], bea: ['b'] })
  ann = createTestClient(stack, { token: world.users.ann!.token })
  anon = createTestClient(stack)
  const a = world.org('a')
  ids.alpha = await insertDeal(stack, a, { title: 'Alpha', stage: 'lead', value: 10 })
  ids.beta = await insertDeal(stack, a, { title: 'Beta', stage: 'won', value: 20 })
  ids.gamma = await insertDeal(stack, a, { title: 'Gamma ray', stage: 'lost', value: 30 })
  ids.nullStage = await stack.database
    .query<{ id: string }>(
      `insert into public.deals (organization_id, title, value) values ($1::text, 'No stage', 40) returning id::text`,
      [a],
    )
    .then((result) => result.rows[0]!.id)
  ids.other = await insertDeal(stack, world.org('b'), {
    title: 'Other org',
    stage: 'lead',
    value: 99,
  })
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await closeClient(ann)
  await closeClient(anon)
  await stack?.close()
})

const mine = () => ann.from('deals').select('title').eq('organization_id', world.org('a'))

async function titles(query: PromiseLike<{ data: unknown; error: unknown }>): Promise<string[]> {
  const { data, error } = await query
  expect(error).toBeNull()
  return (data as { title: string }[]).map((row) => row.title)
}

async function dealCount(): Promise<number> {
  const result = await stack.database.query<{ n: number }>(
    'select count(*)::int as n from public.deals',
  )
  return result.rows[0]!.n
}

/** A request as any HTTP client can send it, past what supabase-js would build. */
function raw(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
) {
  return fetch(`${stack.url}/rest/v1/${path}`, {
    method,
    headers: { apikey: stack.anonKey, 'Content-Type': 'application/json', ...headers },
    body,
  })
}

describe('reading through the PostgREST subset', () => {
  it('selects columns, with aliases, in order', async () => {
    const { data, error, status } = await ann
      .from('deals')
      .select('title, amount:value')
      .eq('organization_id', world.org('a'))
      .order('value', { ascending: false })
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(data).toEqual([
      { title: 'No stage', amount: 40 },
      { title: 'Gamma ray', amount: 30 },
      { title: 'Beta', amount: 20 },
      { title: 'Alpha', amount: 10 },
    ])
  })

  it('filters with eq, neq, gt, gte, lt, lte, in, is, like and ilike', async () => {
    expect(await titles(mine().eq('stage', 'won'))).toEqual(['Beta'])
    expect((await titles(mine().neq('stage', 'won'))).sort()).toEqual(['Alpha', 'Gamma ray'])
    expect((await titles(mine().gt('value', 20))).sort()).toEqual(['Gamma ray', 'No stage'])
    expect((await titles(mine().gte('value', 20))).sort()).toEqual([
      'Beta',
      'Gamma ray',
      'No stage',
    ])
    expect(await titles(mine().lt('value', 20))).toEqual(['Alpha'])
    expect((await titles(mine().lte('value', 20))).sort()).toEqual(['Alpha', 'Beta'])
    expect((await titles(mine().in('stage', ['won', 'lost']))).sort()).toEqual([
      'Beta',
      'Gamma ray',
    ])
    expect(await titles(mine().is('stage', null))).toEqual(['No stage'])
    expect(await titles(mine().like('title', '%ray'))).toEqual(['Gamma ray'])
    expect(await titles(mine().ilike('title', 'ALPHA'))).toEqual(['Alpha'])
    expect(await titles(mine().not('stage', 'is', null).order('title').limit(1))).toEqual(['Alpha'])
  })

  it('filters with one level of or=(...), quoted values included, and refuses nesting clearly', async () => {
    expect(await titles(mine().or('value.lt.15,stage.eq.lost').order('title'))).toEqual([
      'Alpha',
      'Gamma ray',
    ])
    // What the replay sends: a quoted timestamp beside an id bound, combined with and-filters.
    const { data: events, error } = await ann
      .from('realtime_table_events')
      .select('id')
      .eq('organization_id', world.org('a'))
      .or(`id.gt.0,created_at.gte."2000-01-01T00:00:00.000Z"`)
      .order('id')
    expect(error).toBeNull()
    expect((events as unknown[]).length).toBeGreaterThanOrEqual(4)
    expect(await titles(mine().or('title.eq."Gamma ray",title.eq."a,b"'))).toEqual(['Gamma ray'])
    const nested = await mine().or('value.lt.15,and(stage.eq.won,value.gt.1)')
    expect(nested.error).toMatchObject({
      code: 'PGRST100',
      details: expect.stringMatching(/nested and \/ or are not supported/),
    })
    expect((await mine().or('')).error).toMatchObject({
      message: expect.stringMatching(/failed to parse logic tree/),
    })
    const unknownColumn = await mine().or('nope.eq.1,value.eq.1')
    expect(unknownColumn.error).toMatchObject({ code: '42703' })
  })

  it('orders, limits and offsets', async () => {
    expect(await titles(mine().order('title').range(1, 2))).toEqual(['Beta', 'Gamma ray'])
    expect(
      await titles(mine().order('stage', { ascending: true, nullsFirst: true }).limit(2)),
    ).toEqual(['No stage', 'Alpha'])
  })

  it('counts exactly, with and without the rows', async () => {
    const withRows = await ann
      .from('deals')
      .select('id', { count: 'exact' })
      .eq('organization_id', world.org('a'))
      .limit(1)
    expect(withRows.count).toBe(4)
    expect(withRows.data).toHaveLength(1)
    const head = await ann.from('deals').select('*', { count: 'exact', head: true })
    expect(head.error).toBeNull()
    expect(head.data).toBeNull()
    expect(head.count).toBe(4) // RLS: only ann's organization
  })

  it('answers single() with an object, or 406 PGRST116 for no row or several; maybeSingle() with null', async () => {
    const one = await ann.from('deals').select('title').eq('id', ids.alpha!).single()
    expect(one.data).toEqual({ title: 'Alpha' })
    const none = await ann.from('deals').select('title').eq('id', ids.other!).single()
    expect(none.status).toBe(406)
    expect(none.error).toMatchObject({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 0 rows',
    })
    const many = await mine().single()
    expect(many.status).toBe(406)
    expect(many.error?.details).toBe('The result contains 4 rows')
    const maybe = await ann.from('deals').select('title').eq('id', ids.other!).maybeSingle()
    expect(maybe.error).toBeNull()
    expect(maybe.data).toBeNull()
  })

  it('hides other organizations and everything from anon (RLS)', async () => {
    expect(await titles(ann.from('deals').select('title').eq('id', ids.other!))).toEqual([])
    expect(await titles(anon.from('deals').select('title'))).toEqual([])
  })
})

describe('writing through the PostgREST subset', () => {
  it('inserts, updates and deletes, returning the rows when asked', async () => {
    const a = world.org('a')
    const inserted = await ann
      .from('deals')
      .insert([
        { organization_id: a, title: 'Written 1', value: 1 },
        { organization_id: a, title: 'Written 2', value: 2 },
      ])
      .select('id, title, value')
    expect(inserted.status).toBe(201)
    expect(inserted.data).toEqual([
      { id: expect.any(String), title: 'Written 1', value: 1 },
      { id: expect.any(String), title: 'Written 2', value: 2 },
    ])
    const [first, second] = inserted.data as { id: string }[]

    const updated = await ann
      .from('deals')
      .update({ stage: 'won', value: 5 })
      .eq('id', first!.id)
      .select()
      .single()
    expect(updated.status).toBe(200)
    expect(updated.data).toMatchObject({
      id: first!.id,
      stage: 'won',
      value: 5,
      organization_id: a,
    })

    const minimal = await ann.from('deals').update({ stage: 'lost' }).eq('id', second!.id)
    expect(minimal.status).toBe(204)
    expect(minimal.data).toBeNull()

    const deleted = await ann
      .from('deals')
      .delete()
      .in('id', [first!.id, second!.id])
      .select('title')
    expect(deleted.status).toBe(200)
    expect((deleted.data as { title: string }[]).map((row) => row.title).sort()).toEqual([
      'Written 1',
      'Written 2',
    ])
    const quiet = await ann.from('deals').insert({ organization_id: a, title: 'No return' })
    expect(quiet.status).toBe(201)
    expect(quiet.data).toBeNull()
  })

  it('upserts on the primary key', async () => {
    const upserted = await ann
      .from('deals')
      .upsert({ id: ids.beta, organization_id: world.org('a'), title: 'Beta', value: 21 })
      .select('value')
      .single()
    expect(upserted.error).toBeNull()
    expect(upserted.data).toEqual({ value: 21 })
  })

  it('refuses writes RLS forbids: 403 42501 for a member, 401 for anon, and changes nothing', async () => {
    const before = await dealCount()
    const foreign = await ann
      .from('deals')
      .insert({ organization_id: world.org('b'), title: 'Intruder' })
      .select()
    expect(foreign.status).toBe(403)
    expect(foreign.error).toMatchObject({
      code: '42501',
      message: 'new row violates row-level security policy for table "deals"',
    })
    const byAnon = await anon
      .from('deals')
      .insert({ organization_id: world.org('a'), title: 'Anon' })
    expect(byAnon.status).toBe(401)
    expect(byAnon.error?.code).toBe('42501')

    // Rows RLS hides are not found: nothing updated, nothing deleted.
    const update = await ann
      .from('deals')
      .update({ title: 'Hijacked' })
      .eq('id', ids.other!)
      .select()
    expect(update.data).toEqual([])
    const remove = await ann.from('deals').delete().eq('id', ids.other!).select()
    expect(remove.data).toEqual([])
    const moved = await ann
      .from('deals')
      .update({ organization_id: world.org('b') })
      .eq('id', ids.alpha!)
      .select()
    expect(moved.status).toBe(403)

    expect(await dealCount()).toBe(before)
    const other = await stack.database.query<{ title: string }>(
      'select title from public.deals where id = $1::text::uuid',
      [ids.other!],
    )
    expect(other.rows).toEqual([{ title: 'Other org' }])
  })

  it('reports database errors the way PostgREST does', async () => {
    const duplicate = await ann
      .from('deals')
      .insert({ id: ids.alpha, organization_id: world.org('a'), title: 'dup' })
    expect(duplicate.status).toBe(409)
    // Postgres leaves the key out of the detail when RLS applies to the user, as PostgREST shows.
    expect(duplicate.error).toMatchObject({
      code: '23505',
      message: 'duplicate key value violates unique constraint "deals_pkey"',
    })

    // service_role: for a member the policy refuses a missing parent before the foreign key.
    const service = createTestClient(stack, { apiKey: stack.serviceRoleKey })
    const missingDeal = await service.from('activities').insert({
      organization_id: world.org('a'),
      deal_id: '00000000-0000-4000-8000-000000000000',
      kind: 'call',
    })
    await closeClient(service)
    expect(missingDeal.status).toBe(409)
    expect(missingDeal.error?.code).toBe('23503')

    const badUuid = await ann.from('deals').select('id').eq('id', 'not-a-uuid')
    expect(badUuid.status).toBe(400)
    expect(badUuid.error).toMatchObject({
      code: '22P02',
      message: 'invalid input syntax for type uuid: "not-a-uuid"',
    })

    const unknownTable = await ann.from('dealz').select('*')
    expect(unknownTable.status).toBe(404)
    expect(unknownTable.error).toMatchObject({
      code: 'PGRST205',
      message: "Could not find the table 'public.dealz' in the schema cache",
      hint: "Perhaps you meant the table 'public.deals'",
    })

    const unknownColumn = await ann.from('deals').select('nope')
    expect(unknownColumn.status).toBe(400)
    expect(unknownColumn.error).toMatchObject({
      code: '42703',
      message: 'column deals.nope does not exist',
    })

    const unknownBodyKey = await ann
      .from('deals')
      .insert({ organization_id: world.org('a'), nope: 1 })
    expect(unknownBodyKey.status).toBe(400)
    expect(unknownBodyKey.error?.code).toBe('PGRST204')

    const otherSchema = await ann.schema('auth').from('users').select('*')
    expect(otherSchema.status).toBe(406)
    expect(otherSchema.error?.code).toBe('PGRST106')
  })

  it('treats SQL in values, names and bodies as data: errors or no match, nothing written', async () => {
    const before = await dealCount()
    const attempts = [
      mine().eq('title', "Alpha' or '1'='1"),
      mine().eq('title', 'Alpha; drop table public.deals; --'),
      mine().in('title', ["Alpha') or ('1'='1", 'x']),
      mine().like('title', "%' or 1=1 --"),
      ann.from('deals').select('title; drop table public.deals'),
      ann.from('deals').select('title').order('title; delete from public.deals'),
      ann.from('deals; drop table public.deals').select('*'),
      ann.from('deals').select('*').eq('title" = title or "1', 'x'),
      ann.from('deals').insert({
        organization_id: world.org('a'),
        "title\") values ('x'); drop table public.deals; --": 'x',
      }),
      ann
        .from('deals')
        .update({ title: "x'; drop table public.deals; --" })
        .eq('id', "' or 1=1 --"),
      ann
        .from('deals')
        .delete()
        .eq('organization_id', `${world.org('a')}' or '1'='1`),
    ]
    for (const attempt of attempts) {
      const { data, error } = await attempt
      // Either refused, or a literal comparison that matches no row.
      if (error === null)
        expect(data === null || (Array.isArray(data) && data.length === 0)).toBe(true)
    }
    expect(await dealCount()).toBe(before)
    const alpha = await stack.database.query<{ title: string }>(
      'select title from public.deals where id = $1::text::uuid',
      [ids.alpha!],
    )
    expect(alpha.rows).toEqual([{ title: 'Alpha' }])
  })

  it("refuses links to another organization's rows: 403, nothing written, nothing to probe", async () => {
    const bea = createTestClient(stack, { token: world.users.bea!.token })
    const contactA = await stack.database
      .query<{ id: string }>(
        `insert into public.contacts (organization_id, name) values ($1::text, 'A contact') returning id::text`,
        [world.org('a')],
      )
      .then((result) => result.rows[0]!.id)
    const links = () =>
      stack.database
        .query<{ n: number }>(
          `select (select count(*) from public.deal_contacts where contact_id = $1::text::uuid)
             + (select count(*) from public.activities where deal_id = $2::text::uuid) as n`,
          [contactA, ids.alpha!],
        )
        .then((result) => Number(result.rows[0]!.n))
    try {
      const attempts = [
        // Her own deal (org b) joined to org a's contact.
        bea.from('deal_contacts').insert({ deal_id: ids.other, contact_id: contactA }),
        bea
          .from('deal_contacts')
          .upsert({ deal_id: ids.other, contact_id: contactA }, { ignoreDuplicates: true }),
        // Her activity (org b) on org a's deal.
        bea
          .from('activities')
          .insert({ organization_id: world.org('b'), deal_id: ids.alpha, kind: 'call' }),
        bea
          .from('activities')
          .upsert(
            { organization_id: world.org('b'), deal_id: ids.alpha, kind: 'call' },
            { ignoreDuplicates: true },
          ),
      ]
      for (const attempt of attempts) {
        const { status, error } = await attempt
        expect({ status, code: error?.code }).toEqual({ status: 403, code: '42501' })
      }
      // An id that does not exist answers the same: the policy, not the foreign key, decides.
      const missing = await bea.from('activities').insert({
        organization_id: world.org('b'),
        deal_id: '00000000-0000-4000-8000-000000000000',
        kind: 'call',
      })
      expect({ status: missing.status, code: missing.error?.code }).toEqual({
        status: 403,
        code: '42501',
      })
      expect(await links()).toBe(0)
    } finally {
      await closeClient(bea)
    }
  })

  it('inserts empty objects as rows of defaults, as PostgREST does: the database answers, never a 5xx', async () => {
    const post = (table: string, body: string, key = world.users.ann!.token) =>
      raw('POST', table, body, { Authorization: `Bearer ${key}` })
    for (const body of ['{}', '[{}]', '[{}, {}]']) {
      // ann may only insert into her own organization: the row of defaults has none.
      const refused = await post('deals', body)
      expect({ body, status: refused.status }).toEqual({ body, status: 403 })
      expect(await refused.json()).toMatchObject({ code: '42501' })
    }
    const empty = await raw('POST', 'deals', '[]', {
      Authorization: `Bearer ${world.users.ann!.token}`,
      Prefer: 'return=representation',
    })
    expect(empty.status).toBe(201)
    expect(await empty.json()).toEqual([])
    // service_role passes RLS: Postgres itself refuses the missing organization_id.
    for (const body of ['{}', '[{}]']) {
      const notNull = await post('projects', body, stack.serviceRoleKey)
      expect(notNull.status).toBe(400)
      expect(await notNull.json()).toMatchObject({ code: '23502' })
    }
  })

  it('answers every malformed or hostile input with a 4xx (or an empty match), never a 5xx', async () => {
    const a = world.org('a')
    const none = '00000000-0000-4000-8000-000000000000'
    const attempts: [string, string, string | undefined][] = [
      ['POST', 'deals', JSON.stringify({ title: 'a\u0000b', organization_id: a })],
      ['POST', 'deals', `{"title":"\ud800","organization_id":"${a}"}`],
      ['POST', 'deals', JSON.stringify({ value: '1e999999', organization_id: a })],
      ['POST', 'deals?on_conflict=title', JSON.stringify({ organization_id: a, title: 'x' })],
      ['POST', 'realtime_table_events', '{}'],
      ['POST', 'organization_members', '{}'],
      ['PATCH', `deals?id=eq.${none}`, '{}'],
      ['PATCH', 'deals?id=eq.not-a-uuid', JSON.stringify({ title: 'x' })],
      ['GET', 'deals?title=eq.a%00b', undefined],
      ['GET', 'deals?title=like.a%00b', undefined],
      ['GET', 'deals?title=in.(a%00b)', undefined],
      ['GET', 'deals?title=eq.%ED%A0%80', undefined],
      ['GET', 'deals?value=eq.1e99999', undefined],
      ['GET', 'deals?value=in.(1,x)', undefined],
      ['GET', 'deals?title=match.(', undefined],
      ['GET', `deals?title=in.${encodeURIComponent('("unterminated,\\)')}`, undefined],
      ['GET', `deals?select=${encodeURIComponent('"a\u0000"')}`, undefined],
      ['GET', `deals?select=${'x'.repeat(5_000)}`, undefined],
      ['GET', 'deals?order=value.desc&limit=999999999&offset=999999999', undefined],
      ['GET', 'deals?limit=-1', undefined],
      ['GET', 'deals%00', undefined],
      ['GET', '%E0%A4%A', undefined],
    ]
    for (const [method, path, body] of attempts) {
      const response = await raw(method, path, body, {
        Authorization: `Bearer ${world.users.ann!.token}`,
      })
      const answer = await response.text()
      expect({ method, path, status: response.status < 500 }).toEqual({
        method,
        path,
        status: true,
      })
      if (response.status >= 400) expect(JSON.parse(answer)).toHaveProperty('code')
    }
  })

  it('checks the API key and the token: 401 without a key, PGRST301 for a bad JWT, PGRST303 when expired', async () => {
    const raw = (headers: Record<string, string>) =>
      fetch(`${stack.url}/rest/v1/deals?select=id`, { headers })
    const noKey = await raw({})
    expect(noKey.status).toBe(401)
    expect(await noKey.json()).toMatchObject({ message: 'No API key found in request' })

    const forged = createTestClient(stack, { token: `${world.users.ann!.token.slice(0, -2)}xx` })
    const bad = await forged.from('deals').select('id')
    expect(bad.status).toBe(401)
    expect(bad.error?.code).toBe('PGRST301')

    const expiredToken = await stack.tokenFor(world.users.ann!.id, { expiresInSeconds: -5 })
    const expired = await createTestClient(stack, { token: expiredToken })
      .from('deals')
      .select('id')
    expect(expired.status).toBe(401)
    expect(expired.error).toMatchObject({ code: 'PGRST303', message: 'JWT expired' })

    const tooBig = await fetch(`${stack.url}/rest/v1/deals`, {
      method: 'POST',
      headers: {
        apikey: stack.anonKey,
        Authorization: `Bearer ${world.users.ann!.token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ organization_id: world.org('a'), title: 'x'.repeat(2 * 1024 * 1024) }),
    })
    expect(tooBig.status).toBe(413)
    const notJson = await fetch(`${stack.url}/rest/v1/deals`, {
      method: 'POST',
      headers: {
        apikey: stack.anonKey,
        Authorization: `Bearer ${world.users.ann!.token}`,
        'Content-Type': 'application/json',
      },
      body: '{"title": ',
    })
    expect(notJson.status).toBe(400)
    expect(await notJson.json()).toMatchObject({ code: 'PGRST102' })
  })
})

describe('rpc: functions without parameters', () => {
  it("realtime_sync_now() answers the database's clock to a user and to anon", async () => {
    const truth = await stack.database.query<{ now: string }>(
      'select statement_timestamp()::text as now',
    )
    for (const client of [ann, anon]) {
      const { data, error } = await client.rpc('realtime_sync_now')
      expect(error).toBeNull()
      expect(typeof data).toBe('string')
      expect(Math.abs(Date.parse(data as string) - Date.parse(truth.rows[0]!.now))).toBeLessThan(
        5_000,
      )
    }
  })

  it('a function that does not exist, or takes parameters, is a clear 404', async () => {
    const missing = await ann.rpc('no_such_function')
    expect(missing.error).toMatchObject({
      code: 'PGRST202',
      message:
        'Could not find the function public.no_such_function without parameters in the schema cache',
    })
    const withParameters = await ann.rpc('is_organization_member', { org_id: world.org('a') })
    expect(withParameters.error).toMatchObject({ code: 'PGRST202' })
  })
})
