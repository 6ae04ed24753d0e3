import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
const db = new Database(':memory:')
const mode = process.argv[2]
if (mode.includes('pragma')) db.pragma('journal_mode = WAL')
db.exec('CREATE TABLE chunks (address BLOB PRIMARY KEY, size INTEGER NOT NULL, disk INTEGER NOT NULL) WITHOUT ROWID')
const ins = db.prepare('INSERT OR IGNORE INTO chunks VALUES (?,?,?)')
for (let i=0;i<20000;i++){ ins.run(mode.includes('rb') ? randomBytes(32) : Buffer.alloc(32, i), 1, 1) }
console.log('ok', mode)
