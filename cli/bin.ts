#!/usr/bin/env node
import { main } from './init'

process.exitCode = main(process.argv.slice(2))
