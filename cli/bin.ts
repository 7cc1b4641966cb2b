#!/usr/bin/env node
import { doctorMain } from './doctor'
import { main } from './init'

const argv = process.argv.slice(2)
process.exitCode = argv[0] === 'doctor' ? await doctorMain(argv.slice(1)) : main(argv)
