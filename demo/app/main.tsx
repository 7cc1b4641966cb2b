import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './boot/app'

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root')

// StrictMode on, as in a real app: the engine must survive the double mount.
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
