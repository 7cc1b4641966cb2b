import { useEffect, useRef } from 'react'

const FLASH: Keyframe[] = [
  { backgroundColor: 'rgba(250, 204, 21, 0.35)' },
  { backgroundColor: 'transparent' },
]

/**
 * Briefly highlights an element when `value` changes after its first render, so a change that
 * arrived through Realtime is visible at a glance. Web Animations rather than state: nothing
 * re-renders for it. Honors prefers-reduced-motion.
 */
export function useFlashOnChange<T extends HTMLElement>(value: string) {
  const ref = useRef<T>(null)
  const previous = useRef(value)
  useEffect(() => {
    if (previous.current === value) return
    previous.current = value
    if (window.matchMedia('(prefers-reduced-motion: reduce)').matches) return
    ref.current?.animate(FLASH, { duration: 1_600, easing: 'ease-out' })
  }, [value])
  return ref
}
