/**
 * The JSON Schema of the export file, generated from ExportFileSchema (valibot, the single source
 * of truth). `npm run schema` writes it to schema/realtime-sync-devtools.log.schema.json; a test
 * checks that the committed file is the generated one.
 */
import { toJsonSchema } from '@valibot/to-json-schema'
import { ExportFileSchema } from './export-format'

export const EXPORT_SCHEMA_FILE = 'schema/realtime-sync-devtools.log.schema.json'

export function exportJsonSchema(): Record<string, unknown> {
  return toJsonSchema(ExportFileSchema, {
    target: 'draft-07',
    errorMode: 'throw',
    // JSON has no NaN or Infinity: every number of a file is finite.
    ignoreActions: ['finite'],
  }) as Record<string, unknown>
}

/** The file's exact text. */
export function exportJsonSchemaText(): string {
  return `${JSON.stringify(exportJsonSchema(), null, 2)}\n`
}
