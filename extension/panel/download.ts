/** Text gathered this long before it becomes part of the Blob (the browser holds a Blob's bytes). */
const FOLD_CHARS = 2 * 1024 * 1024

/**
 * A file's text in pieces, folded into a Blob as it grows: an export of a million events (more
 * than one string can hold) never sits whole in the panel's heap.
 */
export class BlobWriter {
  private blob = new Blob([])
  private pending: string[] = []
  private pendingChars = 0

  readonly write = (piece: string): void => {
    this.pending.push(piece)
    this.pendingChars += piece.length
    if (this.pendingChars >= FOLD_CHARS) this.fold()
  }

  finish(type = 'application/json'): Blob {
    this.fold()
    return new Blob([this.blob], { type })
  }

  private fold(): void {
    this.blob = new Blob([this.blob, ...this.pending])
    this.pending = []
    this.pendingChars = 0
  }
}

/**
 * Saves a Blob as a file from the panel: a Blob URL on an <a download>, which works in DevTools
 * panels (no downloads permission needed).
 */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.append(link)
  try {
    link.click()
  } finally {
    link.remove()
    // Revoke after the click has been handled (the download keeps its own reference).
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
}
