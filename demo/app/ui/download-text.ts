/** Saves text as a file: a Blob URL on an <a download>, clicked, then let go. */
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
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
    // Revoked once the click has been handled (the download keeps its own reference).
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
}
