/** '' → null (no value); otherwise a finite, non-negative number, or undefined when invalid. */
export function parseMoney(input: string): number | null | undefined {
  const text = input.trim()
  if (text === '') return null
  const value = Number(text)
  return Number.isFinite(value) && value >= 0 ? value : undefined
}

export const MAX_TITLE_LENGTH = 200
