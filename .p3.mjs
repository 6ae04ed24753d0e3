import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
const d = fs.mkdtempSync('/tmp/sq-'); const p = d+'/i.sqlite'
const db = new Database(p, { timeout: 100 })
console.log(db.pragma('locking_mode = EXCLUSIVE', {simple:true}), db.pragma('journal_mode = WAL', {simple:true}))
db.pragma('synchronous = NORMAL'); db.pragma('wal_autocheckpoint = 32'); db.pragma('journal_size_limit = 262144')
db.exec('CREATE TABLE IF NOT EXISTS chunks (address BLOB PRIMARY KEY, size INTEGER NOT NULL, disk INTEGER NOT NULL) WITHOUT ROWID')
db.exec('BEGIN EXCLUSIVE; COMMIT')
const ls = () => fs.readdirSync(d).map(f => f+':'+fs.statSync(d+'/'+f).size).join(' ')
console.log(ls())
const ins = db.prepare('INSERT OR IGNORE INTO chunks VALUES (?,?,?)')
let maxWal=0
for (let i=0;i<20000;i++){ ins.run(randomBytes(32), 1<<20, 1<<20); const w=fs.statSync(p+'-wal').size; if(w>maxWal)maxWal=w }
console.log('maxWal', maxWal, ls())
db.pragma('wal_checkpoint(TRUNCATE)'); console.log(ls())
db.close(); console.log(ls())
const g = d+'/g.sqlite'; fs.writeFileSync(g, 'garbage'.repeat(1000))
const db3 = new Database(g); try { db3.pragma('locking_mode = EXCLUSIVE'); db3.pragma('journal_mode = WAL'); } catch(e) { console.log('garbage', e.code, e.message) } finally { db3.close() }
fs.rmSync(d,{recursive:true})
