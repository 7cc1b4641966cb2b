import { describe, expect, it } from 'vitest'
import { classifyQueryKey, createQueryKeys, createTableFactory } from '../../src/query-keys'

describe('createTableFactory', () => {
  const deals = createTableFactory('deals')

  it('builds the .all, .list() and .record(id) keys', () => {
    expect(deals.all).toEqual(['deals'])
    expect(deals.list()).toEqual(['deals', 'list'])
    expect(deals.list({ stage: 'won' })).toEqual(['deals', 'list', { stage: 'won' }])
    expect(deals.record(42)).toEqual(['deals', 'record', 42])
  })

  it('builds QueryKeys for several tables at once', () => {
    const QueryKeys = createQueryKeys(['deals', 'contacts'] as const)
    expect(QueryKeys.contacts.record('c1')).toEqual(['contacts', 'record', 'c1'])
  })
})

describe('classifyQueryKey (the matching rule)', () => {
  it('ties a record key to its id, as a string', () => {
    expect(classifyQueryKey(['deals', 'record', 42])).toEqual({ table: 'deals', recordId: '42' })
    expect(classifyQueryKey(['deals', 'record', 'a', 'notes'])).toEqual({
      table: 'deals',
      recordId: 'a',
    })
  })

  it('treats lists, .all and any other key of the table as table-wide', () => {
    expect(classifyQueryKey(['deals', 'list', { stage: 'won' }])).toEqual({ table: 'deals' })
    expect(classifyQueryKey(['deals'])).toEqual({ table: 'deals' })
    expect(classifyQueryKey(['deals', 'stats'])).toEqual({ table: 'deals' })
    expect(classifyQueryKey(['deals', 'record'])).toEqual({ table: 'deals' })
  })

  it('ignores keys no table owns', () => {
    expect(classifyQueryKey([{ scope: 'x' }])).toBeUndefined()
    expect(classifyQueryKey([])).toBeUndefined()
  })
})
