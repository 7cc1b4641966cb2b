import { useOrganizations } from '../boot/organization-context'
import { Field } from '../ui/field'

/** Only for members of several organizations (dave): which one the pages show. */
export function OrgPicker() {
  const { organizations, current, setCurrent } = useOrganizations()
  if (organizations.length < 2) {
    return (
      <span className="org-name" data-testid="current-org">
        {current.name}
      </span>
    )
  }
  return (
    <Field label="Organization" inline>
      <select
        data-testid="org-picker"
        value={current.id}
        onChange={(event) => setCurrent(event.target.value)}
      >
        {organizations.map((organization) => (
          <option key={organization.id} value={organization.id}>
            {organization.name}
          </option>
        ))}
      </select>
    </Field>
  )
}
