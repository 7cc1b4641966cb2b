/** The engine's version, shown in the panel and written into exports (kept equal to package.json). */
export const ENGINE_VERSION = '0.3.0'
