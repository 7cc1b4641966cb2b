/**
 * A tool button's face: its icon, and its words when the panel is wide (docked to the side, the
 * words go and the button keeps them as its name and tooltip), so the toolbar stays one line.
 */
export function ToolLabel({ icon, text }: { icon: string; text: string }) {
  return (
    <>
      <span className="tool-icon" aria-hidden="true">
        {icon}
      </span>
      <span className="tool-text">{text}</span>
    </>
  )
}
