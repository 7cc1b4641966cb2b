/** `npm run schema`: writes the export's JSON Schema, generated from the valibot schema. */
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EXPORT_SCHEMA_FILE, exportJsonSchemaText } from './export-json-schema'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const target = resolve(root, EXPORT_SCHEMA_FILE)
writeFileSync(target, exportJsonSchemaText())
// In the repository's JSON style, so `npm run lint` stays clean (the test compares content).
const biome = resolve(root, 'node_modules/.bin/biome')
if (existsSync(biome)) spawnSync(biome, ['format', '--write', target], { stdio: 'ignore' })
console.log(`wrote ${EXPORT_SCHEMA_FILE}`)
