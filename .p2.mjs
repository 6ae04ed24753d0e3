import Database from 'better-sqlite3'
const db = new Database(':memory:')
for (let i=0;i<200000;i++){ db.prepare('select ?').get(i) }
console.log('ok prepare loop')
setTimeout(()=>{ for (let i=0;i<200000;i++){ db.prepare('select ?').get(i) }; console.log('ok2') }, 10)
