/** "1 change", "1,234 changes", "2 queries": a count in a sentence a user reads. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`
}
