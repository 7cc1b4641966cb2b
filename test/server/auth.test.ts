import type { AuthChangeEvent, SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_DEALS, DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-world'
import type { Stack } from '../../server/stack'
import {
  type ChangePayload,
  Collector,
  closeClient,
  createTestClient,
  insertDeal,
  STACK_START_TIMEOUT,
  startTestStack,
  subscribe,
} from './stack-harness'

let stack: Stack
const clients: SupabaseClient[] = []

beforeAll(async () => {
  stack = await startTestStack()
}, STACK_START_TIMEOUT)

afterAll(async () => {
  await Promise.all(clients.map(closeClient))
  await stack?.close()
})

function client(): SupabaseClient {
  const created = createTestClient(stack)
  clients.push(created)
  return created
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >
}

async function authFetch(
  path: string,
  init: { body?: unknown; key?: string; token?: string } = {},
) {
  return fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: {
      apikey: init.key ?? stack.anonKey,
      'Content-Type': 'application/json',
      ...(init.token === undefined ? {} : { Authorization: `Bearer ${init.token}` }),
    },
    body: JSON.stringify(init.body ?? {}),
  })
}

describe('Auth for email + password, as auth-js uses it', () => {
  it('signs in with signInWithPassword and returns the session auth-js expects', async () => {
    const supabase = client()
    const events = new Collector<AuthChangeEvent>()
    supabase.auth.onAuthStateChange((event) => events.push(event))
    const { data, error } = await supabase.auth.signInWithPassword({
      email: DEMO_USERS.alice.email,
      password: DEMO_PASSWORD,
    })
    expect(error).toBeNull()
    const session = data.session!
    expect(session).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      refresh_token: expect.any(String),
    })
    expect(session.expires_at).toBeGreaterThan(Date.now() / 1000 + 3500)
    expect(session.user).toMatchObject({
      id: DEMO_USERS.alice.id,
      email: DEMO_USERS.alice.email,
      aud: 'authenticated',
      role: 'authenticated',
      app_metadata: { provider: 'email', providers: ['email'] },
    })
    expect(claimsOf(session.access_token)).toMatchObject({
      sub: DEMO_USERS.alice.id,
      role: 'authenticated',
      aud: 'authenticated',
      email: DEMO_USERS.alice.email,
      exp: session.expires_at,
      session_id: expect.any(String),
    })
    await events.until((items) => items.includes('SIGNED_IN'), 'SIGNED_IN')

    // The session's token now goes with every REST call: RLS sees alice.
    const deals = await supabase
      .from('deals')
      .select('id')
      .in(
        'id',
        DEMO_DEALS.map((deal) => deal.id),
      )
    expect((deals.data as { id: string }[]).map((row) => row.id).sort()).toEqual(
      DEMO_DEALS.filter((deal) => deal.organization_id === 'org_acme')
        .map((deal) => deal.id)
        .sort(),
    )
    const user = await supabase.auth.getUser()
    expect(user.data.user?.email).toBe(DEMO_USERS.alice.email)
  })

  it('answers a wrong password or an unknown email with invalid_credentials', async () => {
    for (const credentials of [
      { email: DEMO_USERS.alice.email, password: 'wrong-password' },
      { email: 'nobody@acme.test', password: DEMO_PASSWORD },
    ]) {
      const { data, error } = await client().auth.signInWithPassword(credentials)
      expect(data.session).toBeNull()
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_credentials',
        message: 'Invalid login credentials',
      })
    }
  })

  it('refreshes a session (rotating the refresh token) and signs out', async () => {
    const supabase = client()
    const signedIn = await supabase.auth.signInWithPassword({
      email: DEMO_USERS.bob.email,
      password: DEMO_PASSWORD,
    })
    const first = signedIn.data.session!
    const refreshed = await supabase.auth.refreshSession()
    expect(refreshed.error).toBeNull()
    const second = refreshed.data.session!
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(claimsOf(second.access_token)).toMatchObject({
      sub: DEMO_USERS.bob.id,
      session_id: claimsOf(first.access_token).session_id,
    })

    const reused = await authFetch('/auth/v1/token?grant_type=refresh_token', {
      body: { refresh_token: first.refresh_token },
    })
    expect(reused.status).toBe(400)
    expect(await reused.json()).toMatchObject({ code: 'refresh_token_already_used' })

    expect((await supabase.auth.signOut()).error).toBeNull()
    const afterSignOut = await authFetch('/auth/v1/token?grant_type=refresh_token', {
      body: { refresh_token: second.refresh_token },
    })
    expect(afterSignOut.status).toBe(400)
    const { data } = await supabase.auth.getSession()
    expect(data.session).toBeNull()
  })

  it('carries the signed-in session into Realtime: the user receives their organization only', async () => {
    const supabase = client()
    await supabase.auth.signInWithPassword({
      email: DEMO_USERS.carol.email,
      password: DEMO_PASSWORD,
    })
    await supabase.realtime.setAuth()
    const events = new Collector<ChangePayload>()
    await subscribe(
      supabase.channel('org:org_globex').on(
        'postgres_changes',
        {
          event: 'INSERT',
          schema: 'public',
          table: 'realtime_table_events',
          filter: 'organization_id=eq.org_globex',
        },
        events.push,
      ),
    )
    const dealId = await insertDeal(stack, 'org_globex', { title: 'for carol' })
    const event = await events.untilSome((e) => e.new.record_id === dealId, "carol's event")
    expect(event.new.organization_id).toBe('org_globex')
    await stack.database.query('delete from public.deals where id = $1::text::uuid', [dealId])
  })

  it('serves a dev token for any user, to the service role only', async () => {
    const ok = await authFetch('/dev/v1/token', {
      key: stack.serviceRoleKey,
      body: { email: DEMO_USERS.dave.email },
    })
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { access_token: string; user: { id: string } }
    expect(body.user.id).toBe(DEMO_USERS.dave.id)
    expect(claimsOf(body.access_token)).toMatchObject({
      sub: DEMO_USERS.dave.id,
      role: 'authenticated',
    })

    const supabase = createTestClient(stack, { token: body.access_token })
    clients.push(supabase)
    const orgs = await supabase.from('organizations').select('id').order('id')
    expect(orgs.data).toEqual([{ id: 'org_acme' }, { id: 'org_globex' }])

    const byId = await authFetch('/dev/v1/token', {
      key: stack.serviceRoleKey,
      body: { user_id: DEMO_USERS.bob.id, expires_in: 60 },
    })
    expect(((await byId.json()) as { expires_in: number }).expires_in).toBe(60)
    expect(
      (await authFetch('/dev/v1/token', { body: { email: DEMO_USERS.dave.email } })).status,
    ).toBe(403)
    expect(
      (
        await authFetch('/dev/v1/token', {
          key: stack.serviceRoleKey,
          body: { email: 'nobody@x.test' },
        })
      ).status,
    ).toBe(404)
    expect(
      (await authFetch('/dev/v1/token', { key: stack.serviceRoleKey, body: { email: 1 } })).status,
    ).toBe(400)
  })

  it('creates users through supabase.auth.admin.createUser, for the service role only', async () => {
    const adminClient = createTestClient(stack, { apiKey: stack.serviceRoleKey })
    clients.push(adminClient)
    const created = await adminClient.auth.admin.createUser({
      email: 'new.user@acme.test',
      password: 'a-password',
      user_metadata: { name: 'New User' },
    })
    expect(created.error).toBeNull()
    expect(created.data.user).toMatchObject({
      email: 'new.user@acme.test',
      user_metadata: { name: 'New User' },
    })
    const signIn = await client().auth.signInWithPassword({
      email: 'new.user@acme.test',
      password: 'a-password',
    })
    expect(signIn.data.user?.id).toBe(created.data.user?.id)

    const again = await adminClient.auth.admin.createUser({ email: 'NEW.user@acme.test' })
    expect(again.error).toMatchObject({ status: 422, code: 'email_exists' })

    // Without a password nobody can sign in as the user; the dev token endpoint still can.
    const passwordless = await adminClient.auth.admin.createUser({
      id: 'b5e70000-0000-4000-8000-000000000099',
      email: 'load@acme.test',
    })
    expect(passwordless.data.user?.id).toBe('b5e70000-0000-4000-8000-000000000099')
    const refused = await client().auth.signInWithPassword({
      email: 'load@acme.test',
      password: '',
    })
    expect(refused.error).not.toBeNull()

    const denied = await client().auth.admin.createUser({ email: 'x@acme.test' })
    expect(denied.error).toMatchObject({ status: 403 })
    const bad = await adminClient.auth.admin.createUser({ email: 'not an email' })
    expect(bad.error).toMatchObject({ status: 400 })
  })

  it('issues an anon key with role anon and a service key with role service_role', () => {
    expect(claimsOf(stack.anonKey)).toMatchObject({ role: 'anon', exp: expect.any(Number) })
    expect(claimsOf(stack.serviceRoleKey)).toMatchObject({ role: 'service_role' })
  })
})
