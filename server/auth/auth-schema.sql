-- The slice of Supabase Auth's tables the local stack needs for email + password sign-in.
-- Only created where absent: on plain Postgres and PGlite, never on a real Supabase database
-- (the stack does not run against one; see apply-schema.ts). Idempotent.
--
-- No grants: anon and authenticated cannot read these tables through the REST API (schema
-- auth is not exposed, and even if it were, there is no privilege on them).

create table if not exists auth.users (
  id uuid primary key,
  email text not null,
  encrypted_password text not null,
  email_confirmed_at timestamptz default now(),
  raw_app_meta_data jsonb not null default '{"provider": "email", "providers": ["email"]}',
  raw_user_meta_data jsonb not null default '{}',
  last_sign_in_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index if not exists users_email_key on auth.users (lower(email));

-- One row per issued refresh token. Refreshing revokes the token it used (rotation), and
-- signing out revokes the session's tokens.
create table if not exists auth.refresh_tokens (
  token text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  session_id uuid not null,
  revoked boolean not null default false,
  created_at timestamptz not null default now()
);

create index if not exists refresh_tokens_session_id_idx on auth.refresh_tokens (session_id);
create index if not exists refresh_tokens_user_id_idx on auth.refresh_tokens (user_id);

revoke all on auth.users, auth.refresh_tokens from public;
