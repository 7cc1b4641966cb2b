import { QueryClient } from '@tanstack/react-query'

/**
 * One QueryClient per window, configured as a real app would be, except for one thing:
 * refetchOnWindowFocus is off. The demo is about changes arriving through Realtime; if
 * clicking into the other window refetched everything, you could not tell which one did it.
 */
export function createDemoQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // An RLS denial or a bad id will not fix itself: show it after one retry, not four.
        retry: 1,
      },
    },
  })
}
