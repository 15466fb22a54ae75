// Compose's health check of the single-node replica set (mongosh --file). On the first start it
// initiates the replica set; it exits 0 only when replSetGetStatus answers ok: 1 and this node
// is the writable primary, 1 otherwise (a plain `mongosh --eval` exits 0 whatever `.ok` is).
// test/deploy/mongo-scripts.test.ts runs it against each case.
/* global db, rs, quit -- mongosh's shell globals */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- mongosh scripts use require()
const fs = require('fs');

const admin = db.getSiblingDB('admin');
admin.auth('root', fs.readFileSync('/run/secrets/mongo_root_password', 'utf8').trim());

let status;
try {
  status = rs.status();
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] });
  status = rs.status();
}
const primary = status.ok === 1 && db.hello().isWritablePrimary === true;
quit(primary ? 0 : 1);
