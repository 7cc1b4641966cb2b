/**
 * The demo schema's tables as supabase-js sees them: the shape `supabase gen types typescript`
 * writes, trimmed to the tables and columns the app reads (supabase/demo/schema.sql and the
 * migration's organizations / organization_members). Passed to createClient<Database>, so every
 * `.from('deals')` call is typed.
 */

type Table<Row, Insert = Partial<Row>> = {
  Row: Row
  Insert: Insert
  Update: Partial<Row>
  Relationships: []
}

export type Organization = { id: string; name: string }
export type OrganizationMember = { organization_id: string; user_id: string; role: string }

export type Deal = {
  id: string
  organization_id: string
  title: string | null
  stage: string | null
  value: number | null
  updated_at: string | null
}

export type Contact = {
  id: string
  organization_id: string
  name: string | null
  email: string | null
}

/** Junction table without organization_id: its organization is its deal's. */
export type DealContact = { deal_id: string; contact_id: string }

export type Activity = {
  id: string
  organization_id: string
  deal_id: string | null
  kind: string | null
  note: string | null
  created_at: string | null
}

/** Global table: readable by every signed-in user, no realtime trigger. */
export type Profile = { id: string; email: string | null; display_name: string | null }

export type Database = {
  public: {
    Tables: {
      organizations: Table<Organization>
      organization_members: Table<OrganizationMember>
      deals: Table<Deal, Partial<Deal> & Pick<Deal, 'organization_id'>>
      contacts: Table<Contact, Partial<Contact> & Pick<Contact, 'organization_id'>>
      deal_contacts: Table<DealContact, DealContact>
      activities: Table<Activity, Partial<Activity> & Pick<Activity, 'organization_id'>>
      profiles: Table<Profile, Profile>
    }
    Views: { [_ in never]: never }
    Functions: { [_ in never]: never }
  }
}
