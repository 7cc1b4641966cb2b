import type { RegistryMismatch, VersionMismatch } from '../store/panel-store'

export interface CompatibilityBannersProps {
  versionMismatch?: VersionMismatch
  incompatibleRegistry?: RegistryMismatch
}

export function protocolMismatchText({ page, panel }: VersionMismatch): string {
  return `This page's DevTools bridge speaks protocol version ${page}; this panel speaks version ${panel}. Two builds of the extension may be installed: keep one, then reload the page.`
}

export function registryMismatchText({ found, expected }: RegistryMismatch): string {
  return `The page's engine registry is version ${found}; this extension reads version ${expected}, so its engines are not shown. Update the extension or the realtime-sync-devtools package so they match.`
}

/**
 * Says when a part of the DevTools path speaks another version than this panel: what it sends
 * cannot be read, and without these banners the panel would just look empty. Text only: the
 * registry's version comes from the page.
 */
export function CompatibilityBanners({
  versionMismatch,
  incompatibleRegistry,
}: CompatibilityBannersProps) {
  return (
    <>
      {versionMismatch !== undefined && (
        <div className="compat-banner" role="alert">
          {protocolMismatchText(versionMismatch)}
        </div>
      )}
      {incompatibleRegistry !== undefined && (
        <div className="compat-banner" role="alert">
          {registryMismatchText(incompatibleRegistry)}
        </div>
      )}
    </>
  )
}
