import { useState } from 'react'
import { deliveredEventId } from '../store/socket-model'
import { formatKey } from '../store/format'
import type { PanelStore } from '../store/panel-store'
import { usePanelSnapshot } from '../use-panel-snapshot'
import { ChannelsView } from './ChannelsView'
import { CompatibilityBanners } from './CompatibilityBanners'
import { ConfigView } from './ConfigView'
import { DetailPane } from './DetailPane'
import { EmptyState } from './EmptyState'
import { EventLog } from './EventLog'
import { FilterBar } from './FilterBar'
import { ImportBanner } from './ImportBanner'
import { MetricsView } from './MetricsView'
import { QueriesView } from './QueriesView'
import { SocketView } from './SocketView'
import { StatusLine } from './StatusLine'
import { TimelineView } from './TimelineView'
import { Toolbar } from './Toolbar'
import { useFollowedWrites } from './use-followed-writes'
import { WritesBanner } from './WritesBanner'
import { FaultBanner } from './FaultBanner'
import { WritesView } from './WritesView'
import { useSocketWatch } from './use-socket-watch'

export type PanelTab =
  'log' | 'timeline' | 'queries' | 'metrics' | 'channels' | 'socket' | 'writes' | 'config'

const TABS: { id: PanelTab; label: string }[] = [
  { id: 'log', label: 'Log' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'queries', label: 'Queries' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'channels', label: 'Channels' },
  { id: 'socket', label: 'Socket' },
  { id: 'writes', label: 'Writes' },
  { id: 'config', label: 'Config' },
]

export interface AppProps {
  store: PanelStore
  /** Saves an export; injected so tests can capture it (default: a Blob download). */
  onDownload?: (fileName: string, text: string) => void
}

/** The Realtime panel: toolbar, tabs, and the log with its detail pane. */
export function App({ store, onDownload }: AppProps) {
  const snapshot = usePanelSnapshot(store)
  const [tab, setTab] = useState<PanelTab>('log')
  /** The query a trail's "Why?" asked about: the Queries tab opens on its history. */
  const [whyKey, setWhyKey] = useState<unknown[] | undefined>()
  /** The event a log row's "Show the frame" asked for: the Socket tab opens on its frame. */
  const [frameOf, setFrameOf] = useState<string | undefined>()
  const hasRows = snapshot.totalRows > 0
  const live = snapshot.mode === 'live'
  const showEmpty = live && snapshot.engine === undefined && !hasRows
  const noEngine = snapshot.engines.length === 0
  // Without an engine, the sockets and writes are all there is to show: watched while open.
  useSocketWatch(store, live && noEngine)
  const followed = useFollowedWrites(store, snapshot)
  const showFrame = (seq: number) => {
    const record = snapshot.socket.records.find((r) => r.seq === seq)
    const eventId = record === undefined ? undefined : deliveredEventId(record)
    if (eventId === undefined) return
    setFrameOf(eventId)
    setTab('socket')
  }

  return (
    <div className="panel">
      <Toolbar store={store} snapshot={snapshot} onDownload={onDownload} />
      <CompatibilityBanners
        versionMismatch={snapshot.versionMismatch}
        incompatibleRegistry={snapshot.incompatibleRegistry}
      />
      {snapshot.imported !== undefined && <ImportBanner store={store} info={snapshot.imported} />}
      <StatusLine store={store} snapshot={snapshot} />
      {tab !== 'writes' && (
        <WritesBanner followed={followed} onShowWrites={() => setTab('writes')} />
      )}
      <FaultBanner
        store={store}
        faults={snapshot.socket.faults}
        withoutEngine={noEngine}
        live={live}
      />
      <div className="tabs" role="tablist" aria-label="Realtime views">
        {TABS.map((item) => (
          <button
            key={item.id}
            type="button"
            role="tab"
            id={`tab-${item.id}`}
            aria-selected={tab === item.id}
            aria-controls={`tabpanel-${item.id}`}
            className={tab === item.id ? 'tab tab-active' : 'tab'}
            onClick={() => {
              setFrameOf(undefined)
              setTab(item.id)
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
      <main
        className="tabpanel"
        role="tabpanel"
        id={`tabpanel-${tab}`}
        aria-labelledby={`tab-${tab}`}
      >
        {tab === 'socket' ? (
          // The wire needs no engine: a page with only supabase-js has sockets too.
          <SocketView
            key={frameOf ?? ''}
            store={store}
            snapshot={snapshot}
            focusEventId={frameOf}
            onShowEvent={(row) => {
              store.select(row)
              setTab('log')
            }}
          />
        ) : tab === 'timeline' ? (
          // The timeline needs no engine: a page without one draws its deliveries from the wire.
          <TimelineView store={store} snapshot={snapshot} onShowInLog={() => setTab('log')} />
        ) : tab === 'writes' ? (
          // Writes need no engine either: the bridge records the page's PostgREST requests.
          <WritesView
            store={store}
            snapshot={snapshot}
            followed={followed}
            onShowEvent={(seq) => {
              if (store.selectSeq(seq)) setTab('log')
            }}
            onShowFrame={showFrame}
          />
        ) : showEmpty ? (
          <EmptyState
            connection={snapshot.connection}
            pageUrl={snapshot.page?.url}
            unreadableRegistry={snapshot.incompatibleRegistry !== undefined}
          />
        ) : tab === 'log' ? (
          <div className="log-layout">
            <section className="log-pane" aria-label="Event log">
              <FilterBar store={store} snapshot={snapshot} />
              <EventLog
                rows={snapshot.rows}
                version={snapshot.version}
                selectedId={snapshot.selected?.id}
                onSelect={(row) => store.select(row)}
                onMove={(delta) => store.moveSelection(delta)}
              />
            </section>
            <DetailPane
              store={store}
              snapshot={snapshot}
              onWhy={(key) => {
                setWhyKey(key)
                setTab('queries')
              }}
              onShowFrame={(eventId) => {
                setFrameOf(eventId)
                setTab('socket')
              }}
            />
          </div>
        ) : tab === 'queries' ? (
          <QueriesView
            key={whyKey === undefined ? '' : formatKey(whyKey)}
            store={store}
            snapshot={snapshot}
            focusKey={whyKey}
            onShowEvent={(seq) => {
              if (store.selectSeq(seq)) setTab('log')
            }}
          />
        ) : tab === 'metrics' ? (
          <MetricsView snapshot={snapshot} />
        ) : tab === 'channels' ? (
          <ChannelsView snapshot={snapshot} />
        ) : (
          <ConfigView store={store} snapshot={snapshot} />
        )}
      </main>
    </div>
  )
}
